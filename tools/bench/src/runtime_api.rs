//! A Lambda Runtime API emulator (the part a function uses: `GET …/invocation/next` once with the
//! four context headers, `POST …/invocation/<id>/response` or `…/error`, `POST …/init/error`) and
//! the cold-start runner: spawn a release binary, serve it one event, time it, read its peak
//! RSS, kill it.
//!
//! Each start gets an emulator of its own, on a fresh loopback port, which is shut down (its
//! connections and pending requests with it) when the process has been killed. A shared emulator
//! lost samples: the killed process's second `GET /next`, still pending on the server, woke up
//! for the next start's event and took it, so the new process waited 30 s and then received a
//! 503 without `Lambda-Runtime-Aws-Request-Id` (lambda_runtime panics on that). Now a `GET /next`
//! can only ever see the event of its own process, and `next` never answers without the headers.

use std::net::SocketAddr;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use tokio::sync::oneshot;

/// What one start produced.
#[derive(Debug, Clone)]
pub struct Start {
    /// Process spawn → first `GET /next` (the Init phase).
    pub init: Duration,
    /// Process spawn → the response to the first invocation POSTed.
    pub first_response: Duration,
    /// `VmHWM` (peak resident set) when the response arrived, in KiB.
    pub peak_rss_kib: u64,
    /// The API Gateway response the function produced.
    pub response: serde_json::Value,
}

struct Outcome {
    response_at: Instant,
    body: Vec<u8>,
    error: Option<String>,
}

struct Invocation {
    request_id: String,
    event: Bytes,
    served_at: Option<Instant>,
    done: Option<oneshot::Sender<Outcome>>,
}

#[derive(Default)]
struct ApiState {
    slot: Mutex<Option<Invocation>>,
}

/// The cold-start runner. Every start runs against its own emulator (see the module docs).
pub struct RuntimeApi {
    serial: Mutex<u64>,
}

/// One emulator, for one process.
struct Server {
    address: SocketAddr,
    state: Arc<ApiState>,
    task: tokio::task::JoinHandle<()>,
}

impl Server {
    async fn start(invocation: Invocation) -> std::io::Result<Self> {
        let state = Arc::new(ApiState { slot: Mutex::new(Some(invocation)) });
        let router = axum::Router::new()
            .route("/2018-06-01/runtime/invocation/next", axum::routing::get(next))
            .route("/2018-06-01/runtime/invocation/{id}/response", axum::routing::post(response))
            .route("/2018-06-01/runtime/invocation/{id}/error", axum::routing::post(invocation_error))
            .route("/2018-06-01/runtime/init/error", axum::routing::post(init_error))
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let address = listener.local_addr()?;
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        Ok(Self { address, state, task })
    }
}

impl RuntimeApi {
    pub async fn start() -> Self {
        Self { serial: Mutex::new(0) }
    }

    /// Spawns `binary` with exactly `env` (plus the Lambda variables), serves it `event`, and
    /// returns the timings once it answered. The process is killed either way. An `Err` is a
    /// failed start; callers count it as one, they never drop it.
    pub fn start_once(
        &self,
        rt: &tokio::runtime::Runtime,
        binary: &Path,
        function_name: &str,
        env: &[(String, String)],
        event: &[u8],
        workdir: &Path,
    ) -> Result<Start, String> {
        let request_id = {
            let mut serial = self.serial.lock().unwrap();
            *serial += 1;
            format!("bench-{:08}-0000-4000-8000-000000000000", *serial)
        };
        let (tx, rx) = oneshot::channel();
        let invocation = Invocation {
            request_id: request_id.clone(),
            event: Bytes::copy_from_slice(event),
            served_at: None,
            done: Some(tx),
        };
        let server = rt.block_on(Server::start(invocation)).map_err(|e| format!("emulator: {e}"))?;
        let stderr_path = workdir.join(format!("{function_name}.stderr"));
        let stderr = std::fs::File::create(&stderr_path).map_err(|e| e.to_string())?;
        let mut command = Command::new(binary);
        command
            .env_clear()
            .current_dir(workdir)
            .env("AWS_LAMBDA_RUNTIME_API", server.address.to_string())
            .env("AWS_LAMBDA_FUNCTION_NAME", function_name)
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .env("AWS_LAMBDA_LOG_GROUP_NAME", format!("/aws/lambda/{function_name}"))
            .env("AWS_LAMBDA_LOG_STREAM_NAME", "bench")
            // As template.yaml configures the functions (LoggingConfig).
            .env("AWS_LAMBDA_LOG_FORMAT", "JSON")
            .env("AWS_LAMBDA_LOG_LEVEL", "INFO")
            .env("HOME", workdir)
            .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr);
        let spawned_at = Instant::now();
        let spawned = command.spawn();
        let outcome = match &spawned {
            Ok(_) => Some(rt.block_on(async { tokio::time::timeout(Duration::from_secs(60), rx).await })),
            Err(_) => None,
        };
        let peak_rss_kib = spawned.as_ref().ok().and_then(|child| peak_rss_kib(child.id())).unwrap_or(0);
        if let Ok(mut child) = spawned {
            let _ = child.kill();
            let _ = child.wait();
        }
        // The process is gone: so are the emulator and whatever it still had pending.
        server.task.abort();
        let served_at = server.state.slot.lock().unwrap().take().and_then(|i| i.served_at);
        let stderr_tail = || {
            let text = std::fs::read_to_string(&stderr_path).unwrap_or_default();
            text.lines().rev().take(5).collect::<Vec<_>>().join(" | ")
        };
        let outcome = match outcome {
            None => return Err(format!("cannot start {}", binary.display())),
            Some(Ok(Ok(outcome))) => outcome,
            Some(Ok(Err(_)) | Err(_)) => {
                return Err(format!("{function_name} did not answer within 60 s: {}", stderr_tail()));
            }
        };
        if let Some(error) = outcome.error {
            return Err(format!("{function_name} reported an error: {error}; {}", stderr_tail()));
        }
        let response: serde_json::Value =
            serde_json::from_slice(&outcome.body).map_err(|e| format!("{function_name}: response not JSON: {e}"))?;
        Ok(Start {
            init: served_at.unwrap_or(outcome.response_at).duration_since(spawned_at),
            first_response: outcome.response_at.duration_since(spawned_at),
            peak_rss_kib,
            response,
        })
    }
}

/// Peak resident set size of a live process.
pub fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

async fn next(State(state): State<Arc<ApiState>>) -> Response {
    {
        let mut slot = state.slot.lock().unwrap();
        if let Some(invocation) = slot.as_mut().filter(|i| i.served_at.is_none()) {
            invocation.served_at = Some(Instant::now());
            let deadline_ms =
                SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64 + 30_000).unwrap_or(0);
            let mut response = invocation.event.clone().into_response();
            let headers = response.headers_mut();
            headers.insert("content-type", HeaderValue::from_static("application/json"));
            // The request id is ASCII by construction (`bench-…`), so this cannot fail; if it
            // ever did, no event goes out without it (a 500 the runtime reports as an error).
            let Ok(id) = HeaderValue::from_str(&invocation.request_id) else {
                return StatusCode::INTERNAL_SERVER_ERROR.into_response();
            };
            headers.insert("lambda-runtime-aws-request-id", id);
            if let Ok(deadline) = HeaderValue::from_str(&deadline_ms.to_string()) {
                headers.insert("lambda-runtime-deadline-ms", deadline);
            }
            headers.insert(
                "lambda-runtime-invoked-function-arn",
                HeaderValue::from_static("arn:aws:lambda:eu-west-2:123456789012:function:bench"),
            );
            headers.insert(
                "lambda-runtime-trace-id",
                HeaderValue::from_static("Root=1-69257b48-834b34f16f451e00f268dd5c;Parent=53995c3f42cd8ad8;Sampled=0"),
            );
            return response;
        }
    }
    // The process already had its one event: this poll stays pending until the process is
    // killed and the emulator shut down. It is never answered, so no event without the
    // request-id header can reach a runtime.
    std::future::pending::<Response>().await
}

fn finish(state: &ApiState, id: Option<&str>, body: Bytes, error: Option<String>) -> StatusCode {
    let response_at = Instant::now();
    let mut slot = state.slot.lock().unwrap();
    if let Some(invocation) = slot.as_mut().filter(|i| id.is_none_or(|id| id == i.request_id))
        && let Some(done) = invocation.done.take()
    {
        let _ = done.send(Outcome { response_at, body: body.to_vec(), error });
        return StatusCode::ACCEPTED;
    }
    StatusCode::BAD_REQUEST
}

async fn response(State(state): State<Arc<ApiState>>, UrlPath(id): UrlPath<String>, body: Bytes) -> StatusCode {
    finish(&state, Some(&id), body, None)
}

async fn invocation_error(State(state): State<Arc<ApiState>>, UrlPath(id): UrlPath<String>, body: Bytes) -> StatusCode {
    let text = String::from_utf8_lossy(&body).into_owned();
    finish(&state, Some(&id), Bytes::new(), Some(format!("invocation error {text}")))
}

async fn init_error(State(state): State<Arc<ApiState>>, body: Bytes) -> StatusCode {
    let text = String::from_utf8_lossy(&body).into_owned();
    finish(&state, None, Bytes::new(), Some(format!("init error {text}")))
}
