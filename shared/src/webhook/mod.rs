//! The webhook edge: route on the last path segment, check the method and the secret, parse the
//! body, run the endpoint's processing in a request scope, answer JSON, log one line.

pub mod auth;
pub mod body;
pub mod endpoint;
pub mod event;
mod response;

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use lambda_http::http::{HeaderValue, Method, StatusCode, header};
use lambda_http::{Body, Request, RequestExt, Response};

pub use crate::outcome::{Action, Outcome, OutcomeStatus};
pub use body::WebhookPayload;
pub use endpoint::WebhookCall;
pub use endpoint::{Endpoint, Function, HEALTH, PATH_PREFIX};

use crate::app::App;
use crate::error::SyncError;
use crate::ids::ZohoId;
use crate::telemetry::RequestScope;

/// A request that was refused before any processing: always a 4xx with a JSON error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestError {
    pub status: u16,
    pub code: &'static str,
    pub message: String,
    /// The request field the error is about (`zoho_id`, `module`, an unexpected key, a header),
    /// when there is one; answered as `error.field`.
    pub field: Option<String>,
}

impl RequestError {
    pub fn new(status: u16, code: &'static str, message: impl Into<String>) -> Self {
        Self { status, code, message: message.into(), field: None }
    }

    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(400, code, message)
    }
}

pub type ProcessFuture<'a> = Pin<Box<dyn Future<Output = Result<Outcome, SyncError>> + Send + 'a>>;

/// What a function does with an accepted webhook.
pub trait Processor: Send + Sync + 'static {
    fn process<'a>(&'a self, app: &'a App, call: &'a WebhookCall) -> ProcessFuture<'a>;
}

/// The Lambda entry point shared by every function: one `App` built at cold start, one
/// processor, every invocation through [`handle_event`]. The event is taken as plain JSON rather
/// than through `lambda_http::run`, whose adapter panics on a body that claims to be base64 and is
/// not, and which would decode and copy the body before anything had been checked (see [`event`]).
pub async fn run<P: Processor>(app: Arc<App>, function: Function, processor: P) -> Result<(), lambda_http::Error> {
    let processor = Arc::new(processor);
    lambda_http::lambda_runtime::run(lambda_http::service_fn(
        move |invocation: lambda_http::LambdaEvent<Box<serde_json::value::RawValue>>| {
            let app = app.clone();
            let processor = processor.clone();
            async move {
                let lambda_http::LambdaEvent { payload, context } = invocation;
                let text = payload.get();
                let answer = handle_event(&app, function, processor.as_ref(), text, Some(context)).await;
                // The runtime writes the answer straight from the response (`GatewayAnswer`).
                Ok::<_, Infallible>(answer)
            }
        },
    ))
    .await
}

/// What [`handle_event`] answers: the response, and whether the event came through an HTTP API
/// (payload 2.0), which decides the proxy shape the response goes back to API Gateway in.
/// Serialised in that shape (`event::gateway_response`).
pub struct GatewayAnswer {
    pub response: Response<Body>,
    pub http_api: bool,
}

impl serde::Serialize for GatewayAnswer {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        event::gateway_response(self.http_api, &self.response).serialize(serializer)
    }
}

/// Handles one raw API Gateway event (REST or HTTP API, its JSON text) exactly as [`run`] does,
/// and says whether it came through an HTTP API (the answer's shape depends on it). The body
/// stays as API Gateway sent it (text, or base64) until the route, the method, the secret and
/// the size limit have been checked; only then is it decoded and parsed, once. An event that
/// cannot be turned into a request is answered 400 like any other bad input.
pub async fn handle_event(
    app: &App,
    function: Function,
    processor: &dyn Processor,
    raw_event: &str,
    context: Option<lambda_http::Context>,
) -> GatewayAnswer {
    match event::split_event(raw_event) {
        Ok(event::SplitEvent { request, body, http_api }) => {
            let request = event::with_context(request, context);
            GatewayAnswer { response: handle_raw(app, function, processor, &request, body.raw()).await, http_api }
        }
        Err(err) => {
            tracing::info!(
                request_id = %context.map(|c| c.request_id).unwrap_or_default(),
                function = function.name(),
                outcome = err.code,
                http_status = err.status,
                "webhook"
            );
            GatewayAnswer { response: error_response(&err), http_api: event::is_http_api(raw_event) }
        }
    }
}

/// The whole `main` of a function: logging, configuration and clients once per cold start (a
/// missing or invalid setting stops the function with a message naming it), then every
/// invocation through [`handle`].
pub async fn lambda_main<P: Processor>(function: Function, processor: P) -> Result<(), lambda_http::Error> {
    crate::telemetry::init();
    let app = match App::from_environment().await {
        Ok(app) => app,
        Err(error) => {
            tracing::error!(%error, function = function.name(), retryable = error.is_retryable(), "configuration is invalid; refusing to start");
            return Err(error.into());
        }
    };
    run(app, function, processor).await
}

/// What the log line needs to know about a handled request.
#[derive(Default)]
struct Handled {
    endpoint: Option<&'static str>,
    zoho_id: Option<ZohoId>,
    module: Option<String>,
    outcome: String,
    retry: Option<crate::error::Retry>,
}

/// Handles one HTTP request whose body `lambda_http` has already decoded (tests, local tools).
/// Never panics on input and never answers 500: a bad request is a 4xx with a JSON error, an
/// upstream failure a 502/503/504 that says whether to retry.
pub async fn handle(app: &App, function: Function, processor: &dyn Processor, request: Request) -> Response<Body> {
    let bytes: &[u8] = match request.body() {
        Body::Empty => &[],
        Body::Text(text) => text.as_bytes(),
        Body::Binary(bytes) => bytes,
        _ => &[],
    };
    handle_raw(app, function, processor, &request, event::RawBody::Plain(bytes)).await
}

async fn handle_raw(
    app: &App,
    function: Function,
    processor: &dyn Processor,
    request: &Request,
    body: event::RawBody<'_>,
) -> Response<Body> {
    let started = Instant::now();
    let scope = RequestScope::new();
    let context = request.lambda_context_ref();
    let request_id = context.map(|c| c.request_id.clone()).unwrap_or_default();
    let budget = time_budget(&app.settings.webhook, context.map(|c| c.deadline));
    let mut handled = Handled::default();
    let response = scope.run(route(app, function, processor, request, body, &mut handled, &scope, budget)).await;
    tracing::info!(
        request_id = %request_id,
        function = function.name(),
        endpoint = handled.endpoint.unwrap_or("-"),
        module = handled.module.as_deref().unwrap_or("-"),
        zoho_id = handled.zoho_id.as_ref().map(ZohoId::as_str).unwrap_or("-"),
        outcome = %handled.outcome,
        http_status = response.status().as_u16(),
        retry = ?handled.retry,
        latency_ms = started.elapsed().as_secs_f64() * 1000.0,
        zoho_calls = scope.zoho_calls(),
        moodle_calls = scope.moodle_calls(),
        "webhook"
    );
    response
}

/// A deadline earlier than this (2001-09-09, Unix milliseconds) is not a wall-clock time: `cargo
/// lambda watch` sends the constant `600000` in `Lambda-Runtime-Deadline-Ms` (its runtime API,
/// `functions_router.rs`), which read as a date lies in 1970 and would leave every local request
/// a budget of zero.
const EARLIEST_REAL_DEADLINE_MS: u64 = 1_000_000_000_000;

/// How long this invocation may spend on Zoho and Moodle: until Lambda's deadline (the context's
/// `deadline`, Unix milliseconds) minus the margin that keeping the event for a retry needs, or
/// the configured local budget when there is no real deadline (tests, local runs, the local
/// emulator's constant).
pub fn time_budget(settings: &crate::config::WebhookSettings, deadline_ms: Option<u64>) -> Duration {
    match deadline_ms.filter(|d| *d >= EARLIEST_REAL_DEADLINE_MS) {
        Some(deadline) => {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_millis() as u64)
                .unwrap_or(0);
            Duration::from_millis(deadline.saturating_sub(now)).saturating_sub(settings.deadline_margin)
        }
        None => settings.local_budget,
    }
}

/// Runs the processing of `call` for at most `remaining` (of a `budget` in all); when that runs
/// out, the work is dropped and the answer is the replayable `deadline_exceeded` naming the remote
/// call `scope` saw start last. The webhook edge and the worker's retries bound their processing
/// through here.
pub async fn within_budget(
    scope: &RequestScope,
    call: &WebhookCall,
    budget: Duration,
    remaining: Duration,
    work: impl Future<Output = Result<Outcome, SyncError>>,
) -> Result<Outcome, SyncError> {
    match tokio::time::timeout(remaining, work).await {
        Ok(result) => result,
        Err(_) => {
            let waiting_for = scope.last_call().unwrap_or_else(|| "the processing (no remote call had started)".into());
            let budget_ms = budget.as_millis() as u64;
            tracing::warn!(endpoint = call.endpoint.name(), zoho_id = %call.zoho_id, budget_ms, slow_call = %waiting_for, "webhook ran out of time");
            Err(SyncError::DeadlineExceeded { budget_ms, waiting_for })
        }
    }
}

#[allow(clippy::too_many_arguments)]
async fn route(
    app: &App,
    function: Function,
    processor: &dyn Processor,
    request: &Request,
    body: event::RawBody<'_>,
    handled: &mut Handled,
    scope: &RequestScope,
    budget: Duration,
) -> Response<Body> {
    let started = Instant::now();
    let raw_path = match request.raw_http_path() {
        "" => request.uri().path(),
        path => path,
    };
    let segment = raw_path.trim_end_matches('/').rsplit('/').next().unwrap_or("");

    if segment == HEALTH {
        handled.endpoint = Some(HEALTH);
        if request.method() != Method::GET && request.method() != Method::HEAD {
            handled.outcome = "method_not_allowed".into();
            return method_not_allowed("GET, HEAD");
        }
        handled.outcome = "ok".into();
        return json(StatusCode::OK, &serde_json::json!({"status": "ok"}));
    }

    let Some(endpoint) = function.endpoints().find(|e| e.name() == segment) else {
        handled.outcome = "not_found".into();
        return error_response(&RequestError::new(404, "not_found", "no such webhook endpoint"));
    };
    handled.endpoint = Some(endpoint.name());

    if request.method() != Method::POST {
        handled.outcome = "method_not_allowed".into();
        return method_not_allowed("POST");
    }

    let call = match accept(app, endpoint, request, body) {
        Ok(call) => call,
        Err(err) => {
            handled.outcome = err.code.into();
            return error_response(&err);
        }
    };
    handled.zoho_id = Some(call.zoho_id.clone());
    handled.module = Some(endpoint.module().to_owned());

    // The budget covers the processing; what is left of it after the checks above is what the
    // remote calls get. When it runs out, the work stops and the event is kept for a retry while
    // Lambda still has time for that (`deadline_margin`).
    let remaining = budget.saturating_sub(started.elapsed());
    let result = within_budget(scope, &call, budget, remaining, processor.process(app, &call)).await;
    let planned = app.moodle.is_plan_mode().then(|| scope.planned_calls());
    match result {
        Ok(outcome) if outcome.status == OutcomeStatus::Refused => {
            // A final answer: nothing changed, nothing to retry, so nothing is captured.
            handled.outcome = outcome.refusal.unwrap_or("refused").into();
            tracing::warn!(endpoint = endpoint.name(), zoho_id = %call.zoho_id, code = outcome.refusal.unwrap_or("refused"), reason = outcome.reason.as_deref().unwrap_or(""), "webhook refused");
            json_text(StatusCode::CONFLICT, outcome.to_json_text(&call, planned))
        }
        Ok(outcome) => {
            handled.outcome = outcome.status.as_str().into();
            json_text(StatusCode::OK, outcome.to_json_text(&call, planned))
        }
        Err(err) => {
            handled.outcome = err.code().to_owned();
            handled.retry = Some(err.retry());
            tracing::warn!(endpoint = endpoint.name(), zoho_id = %call.zoho_id, code = err.code(), retry = ?err.retry(), error = %err, "webhook failed");
            let status = StatusCode::from_u16(err.http_status()).unwrap_or(StatusCode::BAD_GATEWAY);
            let mut body = serde_json::json!({
                "error": {"code": err.code(), "message": err.to_string(), "retryable": err.retry().is_retryable()},
                "endpoint": endpoint.name(),
                "zoho_id": call.zoho_id,
            });
            // Nothing lost (docs/NOTHING-LOST.md). With a failure sink, the failure is kept
            // durably before we answer:
            // - replayable (Retry::Now/AfterFix): 202 `queued`; the worker owns the retry now, so
            //   Zoho must not count it as a failed delivery;
            // - bad data (Retry::Never): kept in the dead store with its reason, and the 4xx/422
            //   stays, so that Zoho's own failure list shows the CRM admin which record to fix;
            // - the capture itself failed: the original 5xx, so that Zoho's failure list keeps it
            //   and reconciliation picks it up.
            // Without a sink (and in plan mode, which writes nothing) the answer is unchanged.
            if let (Some(sink), None) = (app.failure_sink.as_deref(), planned.as_ref()) {
                match crate::capture::capture(sink, &call, &err, crate::capture::Origin::Webhook).await {
                    Ok(captured) if captured.store == crate::capture::Store::Pending => {
                        handled.outcome = "queued".into();
                        body["status"] = "queued".into();
                        body["reason"] = format!(
                            "the change could not be applied yet ({}); it is kept in the retry {} and will be retried automatically",
                            err.code(),
                            captured.sink
                        )
                        .into();
                        body["captured"] = serde_json::json!({"store": captured.store, "sink": captured.sink});
                        return json(StatusCode::ACCEPTED, &body);
                    }
                    Ok(captured) => {
                        body["captured"] = serde_json::json!({"store": captured.store, "sink": captured.sink});
                    }
                    Err(capture_err) => {
                        tracing::error!(endpoint = endpoint.name(), zoho_id = %call.zoho_id, error = %capture_err, "webhook failure could not be captured; answering with the failure so Zoho keeps it");
                        body["captured"] = false.into();
                    }
                }
            }
            if let Some(planned) = planned {
                body["mode"] = "plan".into();
                body["planned_moodle_calls"] = serde_json::to_value(planned).unwrap_or_default();
            }
            json(status, &body)
        }
    }
}

/// Everything that can refuse a request with a 4xx, in this order: the secret and the size limit
/// on the raw request (a body over the limit is not decoded or read further), then the body
/// decoded (base64) and parsed once, against the endpoint's strict contract (`body`).
fn accept(
    app: &App,
    endpoint: Endpoint,
    request: &Request,
    body: event::RawBody<'_>,
) -> Result<WebhookCall, RequestError> {
    auth::verify(request.headers(), &app.settings.webhook.secrets)?;
    let limit = app.settings.webhook.max_body_bytes;
    if body.decoded_len_at_least() > limit {
        return Err(RequestError::new(413, "payload_too_large", format!("the body is larger than {limit} bytes")));
    }
    // Zoho does not compress webhook bodies, and decompressing would let a small request grow
    // past the limit: a compressed body is refused, not inflated.
    if let Some(encoding) = request.headers().get(header::CONTENT_ENCODING) {
        let identity =
            encoding.to_str().is_ok_and(|e| e.trim().is_empty() || e.trim().eq_ignore_ascii_case("identity"));
        if !identity {
            return Err(RequestError::new(
                415,
                "unsupported_content_encoding",
                "content-encoding: send the body uncompressed (no gzip, deflate or br)",
            )
            .with_field("content-encoding"));
        }
    }
    let bytes = body.decode()?;
    if bytes.len() > limit {
        return Err(RequestError::new(413, "payload_too_large", format!("the body is larger than {limit} bytes")));
    }
    let content_type = request.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok());
    let query = query_pairs(request);
    let payload = body::parse(content_type, &bytes, &query)?;
    if payload.module != endpoint.module() {
        return Err(RequestError::bad_request(
            "module_mismatch",
            format!(
                "module: endpoint {} receives module {}, not the module named in the body",
                endpoint.name(),
                endpoint.module()
            ),
        )
        .with_field("module"));
    }
    Ok(WebhookCall { endpoint, zoho_id: payload.zoho_id, module: Some(payload.module) })
}

fn query_pairs(request: &Request) -> Vec<(String, String)> {
    let parsed = request.query_string_parameters_ref();
    match parsed {
        Some(map) if !map.is_empty() => map.iter().map(|(k, v)| (k.to_owned(), v.to_owned())).collect(),
        _ => request
            .uri()
            .query()
            .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
            .unwrap_or_default(),
    }
}

fn json(status: StatusCode, body: &serde_json::Value) -> Response<Body> {
    json_text(status, body.to_string())
}

/// A JSON answer whose text is already written.
fn json_text(status: StatusCode, text: String) -> Response<Body> {
    let mut response = Response::new(Body::Text(text));
    *response.status_mut() = status;
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// A JSON error answer for a refused request.
pub fn error_response(err: &RequestError) -> Response<Body> {
    let status = StatusCode::from_u16(err.status).unwrap_or(StatusCode::BAD_REQUEST);
    let mut body = serde_json::json!({"error": {"code": err.code, "message": err.message, "retryable": false}});
    if let Some(field) = &err.field {
        body["error"]["field"] = field.clone().into();
    }
    json(status, &body)
}

fn method_not_allowed(allow: &'static str) -> Response<Body> {
    let mut response = error_response(&RequestError::new(405, "method_not_allowed", format!("use {allow}")));
    response.headers_mut().insert(header::ALLOW, HeaderValue::from_static(allow));
    response
}
