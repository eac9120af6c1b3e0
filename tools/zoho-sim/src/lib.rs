//! A local Zoho CRM for tests and local runs: the OAuth token endpoint (with Zoho's throttle of
//! ten mints per refresh token per ten minutes, answered as `Access Denied` in a 200 body, and
//! tokens that expire), get-by-id, COQL with paging, updates with per-record statuses, and fault
//! switches. Every request is logged so tests can count calls.
//!
//! Routes: `POST /oauth/v2/token`, `GET|PUT /crm/v8/{module}/{id}`, `POST /crm/v8/coql`; admin:
//! `GET|POST /__sim/faults`, `GET /__sim/log`, `POST /__sim/reset`, `POST /__sim/expire-tokens`.

pub mod automation;
pub mod coql;
pub mod deleted;

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::extract::{Path as UrlPath, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

pub use automation::AutomationQuotas;

/// Records by module API name, in seed order.
pub type Records = BTreeMap<String, Vec<Value>>;

/// The modules of the org (`docs/data-contract.md` §2.1); any seeded module is known too.
pub const KNOWN_MODULES: [&str; 10] = [
    "BTEC_Students",
    "BTEC_Teachers",
    "Products",
    "BTEC",
    "BTEC_Classes",
    "BTEC_Enrollments",
    "BTEC_Registrations",
    "BTEC_Payments",
    "BTEC_Grades",
    "BTEC_Student_Requests",
];

/// Fields Zoho maintains itself; writes to them are ignored rather than rejected.
const SYSTEM_FIELDS: [&str; 5] = ["id", "Created_Time", "Modified_Time", "Created_By", "Modified_By"];

#[derive(Debug, Clone)]
pub struct SimConfig {
    /// Lifetime of minted access tokens (Zoho: one hour).
    pub token_lifetime: Duration,
    /// Successful mints allowed per refresh token within `mint_window` (Zoho: 10 per 10 min).
    pub mint_limit: usize,
    pub mint_window: Duration,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self { token_lifetime: Duration::from_secs(3600), mint_limit: 10, mint_window: Duration::from_secs(600) }
    }
}

/// Fault switches; settable from tests and over `POST /__sim/faults` (JSON, missing keys = off).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Faults {
    /// Added before every answer (token endpoint included): a slow Zoho, on top of whatever the
    /// simulator itself takes.
    pub delay_ms: u64,
    /// A Zoho with a fixed latency: every answer (token endpoint and CRM calls; not `/__sim`) is
    /// sent this long after its request arrived, the simulator's own work included, so each call
    /// takes exactly this long unless that work takes longer. `make bench`'s critical-path table
    /// uses it: its model gives every Zoho call the same duration.
    pub latency_ms: u64,
    /// Answer CRM calls with this status instead of serving them (429, 500, 503, 400, …).
    pub api_status: Option<u16>,
    /// How many CRM calls get `api_status`; `None` = until the switch is cleared.
    pub api_status_times: Option<u32>,
    /// `Retry-After` header (seconds) sent with a 429.
    pub retry_after_secs: Option<u64>,
    /// The token endpoint answers `Access Denied` (as when throttled), without minting.
    pub token_access_denied: bool,
    /// Answer record updates (PUT) with this status instead of applying them, while reads and
    /// COQL keep working (a write-back that fails after the reads succeeded).
    pub update_status: Option<u16>,
    /// Answer a read by id of a record that does not exist with this status instead of 204:
    /// 404 (`NOT_FOUND`) or 400 (`INVALID_DATA`, "the id given seems to be invalid") — the
    /// "not found" answers other than 204 that a check must treat as ambiguous.
    pub missing_record_status: Option<u16>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestKind {
    Token,
    Get,
    Coql,
    Update,
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LoggedRequest {
    pub method: String,
    pub path: String,
    pub kind: RequestKind,
    pub status: u16,
}

/// Counters since the start or the last reset.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Stats {
    /// Requests to the token endpoint, whatever the answer.
    pub token_requests: u64,
    /// Access tokens issued.
    pub mints: u64,
    /// Token requests answered `Access Denied`.
    pub denied: u64,
    pub gets: u64,
    pub coql: u64,
    pub updates: u64,
    /// CRM requests answered 401 INVALID_TOKEN (expired or unknown token).
    pub invalid_token: u64,
    /// CRM requests answered by a fault switch.
    pub faulted: u64,
    /// The simulator's own time per answered request (from the arrival of the request, its body
    /// read, to the answer ready to send; `delay_ms` and `latency_ms` excluded), in order.
    pub server_time: Vec<ServedRequest>,
}

/// How long the simulator itself took to answer one request (see [`Stats::server_time`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServedRequest {
    pub method: String,
    pub path: String,
    pub micros: u64,
}

/// One PUT as received.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UpdateCall {
    pub module: String,
    pub id: String,
    /// The body's `trigger` (`Some(json!([]))` when our client suppresses workflows).
    pub trigger: Option<Value>,
    pub fields: Map<String, Value>,
    pub status: u16,
}

#[derive(Debug, Default)]
struct Data {
    records: Records,
    tokens: HashMap<String, Instant>,
    mints: HashMap<String, VecDeque<Instant>>,
    faults: Faults,
    stats: Stats,
    log: Vec<LoggedRequest>,
    updates: Vec<UpdateCall>,
    serial: u64,
    automation: automation::Automation,
    trash: deleted::Trash,
}

struct Shared {
    config: SimConfig,
    base_url: String,
    data: Mutex<Data>,
}

impl Shared {
    fn data(&self) -> MutexGuard<'_, Data> {
        // A panic while holding the lock cannot leave the data half-written in a way that
        // matters to a test double; keep serving.
        self.data.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// A running simulator. Dropping it stops the server.
pub struct Simulator {
    addr: SocketAddr,
    shared: Arc<Shared>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

/// Reads `<Module>.json` files (each an array of records) from a directory.
pub fn load_seed_dir(dir: impl AsRef<Path>) -> Result<Records, String> {
    let dir = dir.as_ref();
    let mut records = Records::new();
    let entries = std::fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    let mut paths: Vec<_> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    paths.sort();
    for path in paths {
        let module = path
            .file_stem()
            .and_then(|s| s.to_str())
            .ok_or_else(|| format!("bad file name {}", path.display()))?
            .to_owned();
        let text = std::fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let rows: Vec<Value> = serde_json::from_str(&text)
            .map_err(|e| format!("{} is not a JSON array of records: {e}", path.display()))?;
        for (i, row) in rows.iter().enumerate() {
            if !row.get("id").is_some_and(Value::is_string) {
                return Err(format!("{} record {i} has no string id", path.display()));
            }
        }
        records.insert(module, rows);
    }
    Ok(records)
}

impl Simulator {
    /// Starts on 127.0.0.1 with a free port.
    pub async fn start(records: Records) -> std::io::Result<Self> {
        Self::start_with(records, SimConfig::default(), "127.0.0.1:0").await
    }

    /// Starts seeded from a directory of `<Module>.json` files.
    pub async fn start_from_dir(dir: impl AsRef<Path>) -> std::io::Result<Self> {
        let records = load_seed_dir(dir).map_err(std::io::Error::other)?;
        Self::start(records).await
    }

    pub async fn start_with(records: Records, config: SimConfig, bind: &str) -> std::io::Result<Self> {
        let listener = tokio::net::TcpListener::bind(bind).await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            config,
            base_url: format!("http://{addr}"),
            data: Mutex::new(Data { records, ..Data::default() }),
        });
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let app = router(shared.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await;
        });
        Ok(Self { addr, shared, shutdown: Some(tx) })
    }

    /// `http://127.0.0.1:<port>`: both the accounts URL and the API domain.
    pub fn base_url(&self) -> String {
        self.shared.base_url.clone()
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn set_faults(&self, faults: Faults) {
        self.shared.data().faults = faults;
    }

    pub fn faults(&self) -> Faults {
        self.shared.data().faults.clone()
    }

    pub fn stats(&self) -> Stats {
        self.shared.data().stats.clone()
    }

    pub fn requests(&self) -> Vec<LoggedRequest> {
        self.shared.data().log.clone()
    }

    pub fn updates(&self) -> Vec<UpdateCall> {
        self.shared.data().updates.clone()
    }

    /// Clears counters, the request log and the update log (records, tokens and the mint
    /// history stay).
    pub fn reset_log(&self) {
        let mut data = self.shared.data();
        data.stats = Stats::default();
        data.log.clear();
        data.updates.clear();
    }

    /// Makes every issued access token invalid, as if they had expired or been revoked.
    pub fn expire_all_tokens(&self) {
        self.shared.data().tokens.clear();
    }

    /// Adds records to a module (after the seed).
    pub fn insert_records(&self, module: &str, rows: impl IntoIterator<Item = Value>) {
        self.shared.data().records.entry(module.to_owned()).or_default().extend(rows);
    }

    pub fn record(&self, module: &str, id: &str) -> Option<Value> {
        self.shared
            .data()
            .records
            .get(module)?
            .iter()
            .find(|r| r.get("id").and_then(Value::as_str) == Some(id))
            .cloned()
    }
}

impl Drop for Simulator {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

fn router(shared: Arc<Shared>) -> Router {
    let zoho = Router::new()
        .route("/oauth/v2/token", post(token))
        .route("/crm/v8/coql", post(coql_query))
        .route("/crm/v8/{module}/{id}", get(get_record).put(update_record))
        .route("/crm/v8/{module}/deleted", get(deleted::list_deleted))
        .route("/crm/v8/settings/automation/webhook_failures", get(deleted::list_webhook_failures))
        .merge(automation::routes())
        .layer(axum::middleware::from_fn_with_state(shared.clone(), timed));
    Router::new()
        .route("/__sim/faults", get(read_faults).post(write_faults))
        .route("/__sim/log", get(read_log))
        .route("/__sim/reset", post(reset))
        .route("/__sim/expire-tokens", post(expire_tokens))
        .merge(zoho)
        .with_state(shared)
}

/// Around every Zoho route: measures the simulator's own time and, with `latency_ms`, holds the
/// answer until that long after the request arrived.
async fn timed(State(shared): State<Arc<Shared>>, request: Request, next: Next) -> Response {
    let arrived = Instant::now();
    let (method, path) = (request.method().to_string(), request.uri().path().to_owned());
    let latency = shared.data().faults.latency_ms;
    let (parts, body) = next.run(request).await.into_parts();
    // The handlers answer with bodies built in memory; read it here so that serialising it is
    // counted as the simulator's time and the latency does not include sending it twice.
    let bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap_or_default();
    let own = arrived.elapsed();
    let delay = shared.data().faults.delay_ms;
    shared.data().stats.server_time.push(ServedRequest {
        method,
        path,
        micros: own.as_micros().saturating_sub(u128::from(delay) * 1000) as u64,
    });
    if latency > 0 {
        tokio::time::sleep_until(tokio::time::Instant::from_std(arrived + Duration::from_millis(latency))).await;
    }
    Response::from_parts(parts, axum::body::Body::from(bytes))
}

fn zoho_error(status: u16, code: &str, message: &str) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
    (status, Json(json!({"code": code, "details": {}, "message": message, "status": "error"}))).into_response()
}

fn log(data: &mut Data, method: &str, path: &str, kind: RequestKind, status: u16) {
    data.log.push(LoggedRequest { method: method.to_owned(), path: path.to_owned(), kind, status });
}

async fn delay(shared: &Shared) {
    let ms = shared.data().faults.delay_ms;
    if ms > 0 {
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }
}

async fn token(State(shared): State<Arc<Shared>>, Form(form): Form<HashMap<String, String>>) -> Response {
    delay(&shared).await;
    let mut data = shared.data();
    data.stats.token_requests += 1;
    let field = |k: &str| form.get(k).map(|v| v.trim()).filter(|v| !v.is_empty());
    let answer = if field("grant_type") == Some("authorization_code") {
        automation::exchange_grant(&shared, &mut data, &form)
    } else if field("grant_type") != Some("refresh_token") {
        json!({"error": "unsupported_grant_type"})
    } else if field("client_id").is_none() || field("client_secret").is_none() {
        json!({"error": "invalid_client"})
    } else if let Some(refresh) = field("refresh_token") {
        let now = Instant::now();
        let window = shared.config.mint_window;
        let limit = shared.config.mint_limit;
        let forced_denial = data.faults.token_access_denied;
        let history = data.mints.entry(refresh.to_owned()).or_default();
        while history.front().is_some_and(|t| now.duration_since(*t) >= window) {
            history.pop_front();
        }
        let throttled = history.len() >= limit;
        if throttled || forced_denial {
            data.stats.denied += 1;
            json!({
                "error_description": "You have made too many requests continuously. Please try again after some time.",
                "error": "Access Denied",
                "status": "failure"
            })
        } else {
            history.push_back(now);
            data.serial += 1;
            let token = format!("1000.sim{}.{:016x}", data.serial, random());
            data.tokens.insert(token.clone(), now + shared.config.token_lifetime);
            data.stats.mints += 1;
            json!({
                "access_token": token,
                "api_domain": shared.base_url,
                "token_type": "Bearer",
                "expires_in": shared.config.token_lifetime.as_secs()
            })
        }
    } else {
        json!({"error": "invalid_code"})
    };
    log(&mut data, "POST", "/oauth/v2/token", RequestKind::Token, 200);
    // Zoho answers token errors with HTTP 200 too.
    (StatusCode::OK, Json(answer)).into_response()
}

fn random() -> u64 {
    // Uniqueness, not secrecy: the serial already makes tokens distinct.
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(0);
    nanos.wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

/// Checks faults and the token of a CRM request; `Some(response)` when it must not be served.
fn gate(data: &mut Data, headers: &HeaderMap, method: &str, path: &str, kind: RequestKind) -> Option<Response> {
    match kind {
        RequestKind::Get => data.stats.gets += 1,
        RequestKind::Coql => data.stats.coql += 1,
        RequestKind::Update => data.stats.updates += 1,
        RequestKind::Token | RequestKind::Other => {}
    }
    if let Some(status) = data.faults.api_status {
        let active = match data.faults.api_status_times {
            None => true,
            Some(0) => false,
            Some(n) => {
                data.faults.api_status_times = Some(n - 1);
                true
            }
        };
        if active {
            data.stats.faulted += 1;
            log(data, method, path, kind, status);
            let code = match status {
                429 => "TOO_MANY_REQUESTS",
                500..=599 => "INTERNAL_ERROR",
                _ => "INVALID_REQUEST",
            };
            let mut response = zoho_error(status, code, "simulated fault");
            if status == 429
                && let Some(secs) = data.faults.retry_after_secs
                && let Ok(value) = HeaderValue::from_str(&secs.to_string())
            {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
            return Some(response);
        }
    }
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Zoho-oauthtoken "))
        .map(str::trim);
    let Some(token) = token else {
        log(data, method, path, kind, 401);
        return Some(zoho_error(401, "AUTHENTICATION_FAILURE", "Authentication failed"));
    };
    let valid = data.tokens.get(token).is_some_and(|expiry| Instant::now() < *expiry);
    if !valid {
        data.stats.invalid_token += 1;
        log(data, method, path, kind, 401);
        return Some(zoho_error(401, "INVALID_TOKEN", "invalid oauth token"));
    }
    None
}

fn module_known(data: &Data, module: &str) -> bool {
    KNOWN_MODULES.contains(&module) || data.records.contains_key(module)
}

fn invalid_module() -> Response {
    zoho_error(400, "INVALID_MODULE", "the module name given seems to be invalid")
}

async fn get_record(
    State(shared): State<Arc<Shared>>,
    UrlPath((module, id)): UrlPath<(String, String)>,
    headers: HeaderMap,
) -> Response {
    delay(&shared).await;
    let path = format!("/crm/v8/{module}/{id}");
    let mut data = shared.data();
    if let Some(refused) = gate(&mut data, &headers, "GET", &path, RequestKind::Get) {
        return refused;
    }
    if !module_known(&data, &module) {
        log(&mut data, "GET", &path, RequestKind::Get, 400);
        return invalid_module();
    }
    let found = data
        .records
        .get(&module)
        .and_then(|rows| rows.iter().find(|r| r.get("id").and_then(Value::as_str) == Some(id.as_str())))
        .cloned();
    match found {
        Some(record) => {
            log(&mut data, "GET", &path, RequestKind::Get, 200);
            (StatusCode::OK, Json(json!({"data": [record]}))).into_response()
        }
        None => match data.faults.missing_record_status {
            Some(status) => {
                log(&mut data, "GET", &path, RequestKind::Get, status);
                let code = if status == 404 { "NOT_FOUND" } else { "INVALID_DATA" };
                zoho_error(status, code, "the id given seems to be invalid")
            }
            None => {
                log(&mut data, "GET", &path, RequestKind::Get, 204);
                StatusCode::NO_CONTENT.into_response()
            }
        },
    }
}

async fn coql_query(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: axum::body::Bytes) -> Response {
    delay(&shared).await;
    let path = "/crm/v8/coql";
    let mut data = shared.data();
    if let Some(refused) = gate(&mut data, &headers, "POST", path, RequestKind::Coql) {
        return refused;
    }
    let query = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|v| v.get("select_query").and_then(Value::as_str).map(str::to_owned));
    let Some(query) = query else {
        log(&mut data, "POST", path, RequestKind::Coql, 400);
        return zoho_error(400, "MANDATORY_NOT_FOUND", "select_query is missing");
    };
    let parsed = match coql::parse(&query) {
        Ok(q) => q,
        Err(reason) => {
            log(&mut data, "POST", path, RequestKind::Coql, 400);
            return zoho_error(400, "SYNTAX_ERROR", &format!("error in the query: {reason}"));
        }
    };
    if !module_known(&data, &parsed.module) {
        log(&mut data, "POST", path, RequestKind::Coql, 400);
        return zoho_error(400, "INVALID_QUERY", "invalid module in the query");
    }
    let empty = Vec::new();
    let rows = data.records.get(&parsed.module).unwrap_or(&empty);
    let (page, more) = parsed.run(rows);
    if page.is_empty() {
        log(&mut data, "POST", path, RequestKind::Coql, 204);
        return StatusCode::NO_CONTENT.into_response();
    }
    log(&mut data, "POST", path, RequestKind::Coql, 200);
    let count = page.len();
    (StatusCode::OK, Json(json!({"data": page, "info": {"count": count, "more_records": more}}))).into_response()
}

async fn update_record(
    State(shared): State<Arc<Shared>>,
    UrlPath((module, id)): UrlPath<(String, String)>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    delay(&shared).await;
    let path = format!("/crm/v8/{module}/{id}");
    let mut data = shared.data();
    if let Some(refused) = gate(&mut data, &headers, "PUT", &path, RequestKind::Update) {
        return refused;
    }
    if let Some(status) = data.faults.update_status {
        data.stats.faulted += 1;
        log(&mut data, "PUT", &path, RequestKind::Update, status);
        let code = match status {
            429 => "TOO_MANY_REQUESTS",
            500..=599 => "INTERNAL_ERROR",
            _ => "INVALID_REQUEST",
        };
        return zoho_error(status, code, "simulated fault");
    }
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let trigger = body.get("trigger").cloned();
    let fields = body.get("data").and_then(Value::as_array).and_then(|d| d.first()).and_then(Value::as_object).cloned();
    let (status, answer) = apply_update(&mut data, &module, &id, fields.as_ref());
    data.updates.push(UpdateCall {
        module: module.clone(),
        id: id.clone(),
        trigger,
        fields: fields.unwrap_or_default(),
        status,
    });
    log(&mut data, "PUT", &path, RequestKind::Update, status);
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
    (status, Json(answer)).into_response()
}

fn record_error(code: &str, message: &str, details: Value) -> Value {
    json!({"data": [{"code": code, "details": details, "message": message, "status": "error"}]})
}

fn apply_update(data: &mut Data, module: &str, id: &str, fields: Option<&Map<String, Value>>) -> (u16, Value) {
    if !module_known(data, module) {
        return (
            400,
            json!({"code": "INVALID_MODULE", "details": {}, "message": "the module name given seems to be invalid", "status": "error"}),
        );
    }
    let Some(fields) = fields else {
        return (
            400,
            json!({"code": "MANDATORY_NOT_FOUND", "details": {"api_name": "data"}, "message": "required field not found", "status": "error"}),
        );
    };
    let rows = data.records.entry(module.to_owned()).or_default();
    let known: HashSet<&str> =
        rows.iter().filter_map(Value::as_object).flat_map(|r| r.keys().map(String::as_str)).collect();
    if let Some(unknown) = fields.keys().find(|k| !known.contains(k.as_str()) && !SYSTEM_FIELDS.contains(&k.as_str())) {
        return (
            400,
            record_error(
                "INVALID_DATA",
                "invalid data",
                json!({"api_name": unknown, "json_path": format!("$.data[0].{unknown}")}),
            ),
        );
    }
    let Some(record) = rows.iter_mut().find(|r| r.get("id").and_then(Value::as_str) == Some(id)) else {
        return (400, record_error("INVALID_DATA", "the id given seems to be invalid", json!({"id": id})));
    };
    let now = now_iso();
    if let Some(map) = record.as_object_mut() {
        for (key, value) in fields {
            if !SYSTEM_FIELDS.contains(&key.as_str()) {
                map.insert(key.clone(), value.clone());
            }
        }
        map.insert("Modified_Time".into(), Value::String(now.clone()));
    }
    let created = record.get("Created_Time").cloned().unwrap_or(Value::Null);
    (
        200,
        json!({"data": [{
            "code": "SUCCESS",
            "details": {
                "Modified_Time": now,
                "Modified_By": {"name": "Sync Integration", "id": "5398830000000000001"},
                "Created_Time": created,
                "id": id,
                "Created_By": {"name": "Sync Integration", "id": "5398830000000000001"}
            },
            "message": "record updated",
            "status": "success"
        }]}),
    )
}

/// Now as `YYYY-MM-DDTHH:MM:SS+00:00`.
pub fn now_iso() -> String {
    let secs = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}+00:00", rem / 3600, rem % 3600 / 60, rem % 60)
}

async fn read_faults(State(shared): State<Arc<Shared>>) -> Json<Faults> {
    Json(shared.data().faults.clone())
}

async fn write_faults(State(shared): State<Arc<Shared>>, Json(faults): Json<Faults>) -> Json<Faults> {
    shared.data().faults = faults.clone();
    Json(faults)
}

async fn read_log(State(shared): State<Arc<Shared>>) -> Json<Value> {
    let data = shared.data();
    Json(json!({
        "stats": data.stats,
        "requests": data.log,
        "updates": data.updates,
    }))
}

async fn reset(State(shared): State<Arc<Shared>>) -> StatusCode {
    let mut data = shared.data();
    data.stats = Stats::default();
    data.log.clear();
    data.updates.clear();
    data.faults = Faults::default();
    StatusCode::NO_CONTENT
}

async fn expire_tokens(State(shared): State<Arc<Shared>>) -> StatusCode {
    shared.data().tokens.clear();
    StatusCode::NO_CONTENT
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn now_iso_has_the_zoho_shape() {
        let now = now_iso();
        assert_eq!(now.len(), 25, "{now}");
        assert!(now.ends_with("+00:00"));
    }

    #[test]
    fn the_fixtures_load() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/zoho");
        let records = load_seed_dir(dir).unwrap();
        for module in KNOWN_MODULES {
            assert!(records.contains_key(module), "{module}.json missing");
        }
    }
}
