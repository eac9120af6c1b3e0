//! A counting relay in front of an HTTP upstream (moto_server for SSM): every request is
//! forwarded unchanged and counted by its AWS operation (`X-Amz-Target`, e.g.
//! `AmazonSSM.GetParameters`), so the cold-start table can say how many SSM calls a start made.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};

struct RelayState {
    upstream: String,
    http: reqwest::Client,
    counts: Mutex<BTreeMap<String, u64>>,
}

#[derive(Clone)]
pub struct Relay {
    base_url: String,
    state: Arc<RelayState>,
}

impl Relay {
    pub async fn start(upstream: &str) -> std::io::Result<Self> {
        let state = Arc::new(RelayState {
            upstream: upstream.trim_end_matches('/').to_owned(),
            http: reqwest::Client::new(),
            counts: Mutex::new(BTreeMap::new()),
        });
        let router = axum::Router::new().fallback(forward).with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let address = listener.local_addr()?;
        tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        Ok(Self { base_url: format!("http://{address}"), state })
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Requests since the last reset, by operation.
    pub fn take_counts(&self) -> BTreeMap<String, u64> {
        std::mem::take(&mut *self.state.counts.lock().unwrap())
    }
}

async fn forward(
    State(state): State<Arc<RelayState>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let operation = headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .unwrap_or_else(|| format!("{method} {}", uri.path()));
    *state.counts.lock().unwrap().entry(operation).or_default() += 1;
    let url = format!("{}{}", state.upstream, uri.path_and_query().map(|p| p.as_str()).unwrap_or("/"));
    let mut request = state.http.request(method, url).body(body);
    for (name, value) in &headers {
        if name != "host" && name != "content-length" {
            request = request.header(name, value);
        }
    }
    match request.send().await {
        Ok(answer) => {
            let status = answer.status();
            let headers = answer.headers().clone();
            let bytes = answer.bytes().await.unwrap_or_default();
            let mut response = Response::new(Body::from(bytes));
            *response.status_mut() = status;
            for (name, value) in &headers {
                if name != "content-length" && name != "transfer-encoding" {
                    response.headers_mut().insert(name, value.clone());
                }
            }
            response
        }
        Err(error) => (StatusCode::BAD_GATEWAY, error.to_string()).into_response(),
    }
}
