//! Test doubles shared by this crate's tests and the functions' tests (feature `testkit`).
//!
//! - [`StandInMoodle`]: an HTTP server on loopback that speaks Moodle's REST protocol: it records
//!   every call (function, decoded form fields, raw body), checks the token, and answers with the
//!   replies a test sets (typically real responses recorded from Moodle 4.5 under
//!   `fixtures/moodle/`), or with faults (slow, down, HTML, 403, Moodle exceptions).
//! - [`event`]: an API Gateway HTTP API (v2) event for an endpoint, parsed by `lambda_http`
//!   exactly as in Lambda.
//! - [`Doubles`]: the seeded Zoho simulator (`tools/zoho-sim`), a stand-in Moodle and an `App`
//!   pointing at both.
//! - [`settings`]: valid settings pointing at the doubles.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use crate::config::{Settings, Source};

pub const TEST_WEBHOOK_SECRET: &str = "test-webhook-secret-0123456789";
pub const TEST_MOODLE_TOKEN: &str = "test-moodle-token-abcdef";

/// One web-service call the stand-in received.
#[derive(Debug, Clone)]
pub struct RecordedCall {
    pub function: String,
    /// Decoded form fields in the order they were sent, without `wstoken`, `wsfunction` and
    /// `moodlewsrestformat`.
    pub fields: Vec<(String, String)>,
    /// The exact body as received, token included (tests assert the token is in the body).
    pub raw_body: String,
    pub query: Option<String>,
}

impl RecordedCall {
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

/// An answer of the stand-in.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub content_type: &'static str,
    pub body: String,
    pub delay: Duration,
}

impl Reply {
    pub fn json(value: Value) -> Self {
        Self { status: 200, content_type: "application/json", body: value.to_string(), delay: Duration::ZERO }
    }

    /// Moodle's error shape, sent with HTTP 200 as Moodle does.
    pub fn exception(errorcode: &str, message: &str) -> Self {
        Self::json(serde_json::json!({"exception": "moodle_exception", "errorcode": errorcode, "message": message}))
    }

    pub fn raw(status: u16, content_type: &'static str, body: &str) -> Self {
        Self { status, content_type, body: body.to_owned(), delay: Duration::ZERO }
    }

    pub fn delayed(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }

    /// A reply recorded from a real Moodle, from `fixtures/moodle/<name>.json` at the
    /// workspace root, byte for byte.
    pub fn fixture(name: &str) -> Self {
        Self { status: 200, content_type: "application/json", body: recorded_text(name), delay: Duration::ZERO }
    }
}

/// The text of a response recorded from Moodle 4.5, `fixtures/moodle/<name>.json`.
fn recorded_text(name: &str) -> String {
    let path = workspace_root().join("fixtures/moodle").join(format!("{name}.json"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("fixture {}: {e}", path.display()))
}

/// A response recorded from Moodle 4.5 (`fixtures/moodle/<name>.json`), as JSON.
pub fn recorded(name: &str) -> Value {
    serde_json::from_str(&recorded_text(name)).unwrap_or_else(|e| panic!("fixture {name} is not JSON: {e}"))
}

/// A recorded response with some keys replaced (the Zoho id it is about, a missing parent's id);
/// a key the recording does not have is refused, so a patch never invents a field the plugin
/// does not return.
pub fn recorded_with(name: &str, patch: Value) -> Value {
    let mut value = recorded(name);
    let (Some(target), Some(patch)) = (value.as_object_mut(), patch.as_object()) else {
        panic!("fixture {name} and its patch must be JSON objects");
    };
    for (key, new) in patch {
        assert!(target.contains_key(key), "fixture {name} has no key {key}: the patch would invent one");
        target.insert(key.clone(), new.clone());
    }
    value
}

/// The workspace root, found from this crate's manifest directory.
pub fn workspace_root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("shared/ is inside the workspace").to_path_buf()
}

/// A reply computed from the call, for answers that depend on the request (one result per item
/// of a batch, or a model of the plugin's state).
pub type Responder = Arc<dyn Fn(&RecordedCall) -> Reply + Send + Sync>;

#[derive(Default)]
struct StandInState {
    calls: Vec<RecordedCall>,
    once: HashMap<String, VecDeque<Reply>>,
    computed: HashMap<String, Responder>,
    sticky: HashMap<String, Reply>,
    fault: Option<Reply>,
}

/// A loopback server standing in for Moodle's `webservice/rest/server.php`.
#[derive(Clone)]
pub struct StandInMoodle {
    base_url: String,
    state: Arc<Mutex<StandInState>>,
}

impl StandInMoodle {
    pub async fn start() -> Self {
        let state = Arc::new(Mutex::new(StandInState::default()));
        let router =
            axum::Router::new().route(crate::moodle::REST_PATH, axum::routing::any(serve)).with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind loopback");
        let address = listener.local_addr().expect("local address");
        tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        Self { base_url: format!("http://{address}"), state }
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Answer every call of `function` with `reply` (until changed).
    pub fn respond(&self, function: &str, reply: Reply) {
        self.state.lock().unwrap().sticky.insert(function.to_owned(), reply);
    }

    /// Answer the next call of `function` with `reply`, before any sticky reply.
    pub fn respond_once(&self, function: &str, reply: Reply) {
        self.state.lock().unwrap().once.entry(function.to_owned()).or_default().push_back(reply);
    }

    /// Answer every call of `function` with the reply `responder` computes from the call (after
    /// any `respond_once` reply, before a sticky one).
    pub fn respond_with(&self, function: &str, responder: impl Fn(&RecordedCall) -> Reply + Send + Sync + 'static) {
        self.state.lock().unwrap().computed.insert(function.to_owned(), Arc::new(responder));
    }

    /// Answer every call, whatever the function, with `reply` (a fault), until cleared.
    pub fn set_fault(&self, reply: Option<Reply>) {
        self.state.lock().unwrap().fault = reply;
    }

    pub fn calls(&self) -> Vec<RecordedCall> {
        self.state.lock().unwrap().calls.clone()
    }

    pub fn calls_to(&self, function: &str) -> Vec<RecordedCall> {
        self.calls().into_iter().filter(|c| c.function == function).collect()
    }
}

async fn serve(
    State(state): State<Arc<Mutex<StandInState>>>,
    uri: axum::http::Uri,
    _headers: HeaderMap,
    body: Bytes,
) -> Response {
    let raw_body = String::from_utf8_lossy(&body).into_owned();
    let pairs: Vec<(String, String)> = form_urlencoded::parse(&body).into_owned().collect();
    let get = |name: &str| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    let function = get("wsfunction").unwrap_or_default();
    let token = get("wstoken").unwrap_or_default();
    let fields = pairs
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "wstoken" | "wsfunction" | "moodlewsrestformat"))
        .cloned()
        .collect();
    let reply = {
        let mut state = state.lock().unwrap();
        let call = RecordedCall { function: function.clone(), fields, raw_body, query: uri.query().map(str::to_owned) };
        state.calls.push(call.clone());
        if let Some(fault) = &state.fault {
            fault.clone()
        } else if token != TEST_MOODLE_TOKEN {
            Reply::exception("invalidtoken", "Invalid token - token not found")
        } else if let Some(reply) = state.once.get_mut(&function).and_then(VecDeque::pop_front) {
            reply
        } else if let Some(responder) = state.computed.get(&function) {
            responder(&call)
        } else if let Some(reply) = state.sticky.get(&function) {
            reply.clone()
        } else {
            Reply::json(serde_json::json!({
                "exception": "dml_missing_record_exception",
                "errorcode": "invalidrecord",
                "message": "Can't find data record in database table external_functions."
            }))
        }
    };
    if !reply.delay.is_zero() {
        tokio::time::sleep(reply.delay).await;
    }
    let status = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, [(axum::http::header::CONTENT_TYPE, reply.content_type)], reply.body).into_response()
}

/// The Zoho simulator seeded from `fixtures/zoho/`.
pub async fn seeded_zoho() -> zoho_sim::Simulator {
    zoho_sim::Simulator::start_from_dir(workspace_root().join("fixtures/zoho"))
        .await
        .expect("the simulator starts with the seed records")
}

/// What a handler test starts from: the seeded Zoho simulator, a stand-in Moodle, and an `App`
/// pointing at both.
pub struct Doubles {
    pub zoho: zoho_sim::Simulator,
    pub moodle: StandInMoodle,
    pub app: Arc<crate::app::App>,
}

impl Doubles {
    pub async fn start() -> Self {
        let zoho = seeded_zoho().await;
        let moodle = StandInMoodle::start().await;
        let app = crate::app::App::new(settings(Some(moodle.base_url()), &zoho.base_url()));
        Self { zoho, moodle, app }
    }
}

/// The Zoho ids of one enrolment a live test creates, unique to its run.
pub struct LiveEnrolment<'a> {
    pub student: &'a str,
    pub programme: &'a str,
    pub class: &'a str,
    pub enrolment: &'a str,
}

impl LiveEnrolment<'_> {
    /// Seeds `zoho` with what `enrollment_updated` needs on a real Moodle: an Active student
    /// whose number is an account of the site, a programme in category 1 (every Moodle site has
    /// it), an Active class of that programme named after `label` and `run`, and the Active
    /// enrolment linking them.
    pub fn seed(&self, zoho: &zoho_sim::Simulator, student_number: &str, label: &str, run: u64) {
        let now = zoho_sim::now_iso();
        let programme_name = format!("{label} programme");
        zoho.insert_records(
            "BTEC_Students",
            [serde_json::json!({"id": self.student, "Name": student_number, "Status": "Active", "Modified_Time": now})],
        );
        zoho.insert_records(
            "Products",
            [serde_json::json!({"id": self.programme, "Product_Name": programme_name, "MoodleID": "1",
                                "Program_Major": "BUS", "Modified_Time": now})],
        );
        zoho.insert_records(
            "BTEC_Classes",
            [serde_json::json!({"id": self.class, "Name": format!("CL-{run}"), "Class_Name": format!("{label} enrol {run}"),
                                "Class_Short_Name": format!("{}-ENROL-{run}", label.to_uppercase()), "Class_Status": "Active",
                                "BTEC_Program": {"id": self.programme, "name": programme_name}, "Moodle_Class_ID": "",
                                "Modified_Time": now})],
        );
        zoho.insert_records(
            "BTEC_Enrollments",
            [serde_json::json!({"id": self.enrolment, "Enrolled_Students": {"id": self.student, "name": student_number},
                                "Classes": {"id": self.class, "name": "c"}, "Enrollment_Status": "Active",
                                "Enrollment_Type": "Normal", "Start_Date": "2026-03-02", "Modified_Time": now})],
        );
    }
}

/// Valid settings for tests: the test secret, Zoho at `zoho_base_url` (accounts and API),
/// Moodle at `moodle_base_url` or plan mode.
pub fn settings(moodle_base_url: Option<&str>, zoho_base_url: &str) -> Settings {
    let moodle = moodle_base_url.map(|url| (url, TEST_MOODLE_TOKEN));
    settings_with(zoho_base_url, moodle, [("MOODLE_TIMEOUT_SECONDS", "2"), ("ZOHO_TIMEOUT_SECONDS", "2")])
}

/// Zoho client settings for a simulator at `base_url`, which answers both the token endpoint and
/// the API (no `api_domain` override: the simulator's token answer names itself).
pub fn zoho_settings(base_url: String) -> crate::zoho::ZohoSettings {
    crate::zoho::ZohoSettings {
        client_id: crate::Secret::new("1000.SIMCLIENT"),
        client_secret: crate::Secret::new("sim-client-secret"),
        refresh_token: crate::Secret::new("1000.sim-refresh-token"),
        accounts_url: base_url,
        api_domain: None,
        timeout: Duration::from_secs(5),
        token_cache_param: None,
    }
}

/// A real Moodle for live tests: `MOODLE_URL` and `MOODLE_TOKEN` from the environment.
///
/// Live tests carry `#[ignore = "live: needs MOODLE_URL and MOODLE_TOKEN (a Moodle 4.5 with the
/// plugin)"]`, so a run without a Moodle reports them as ignored with that reason, never as
/// passed; `tools/scripts/test.sh` runs them (`-- --ignored`) when both variables are set. One
/// run with `--ignored` but without the variables fails here, saying what is missing.
pub fn live_moodle() -> (String, String) {
    let get = |name: &str| std::env::var(name).ok().map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
    match (get("MOODLE_URL"), get("MOODLE_TOKEN")) {
        (Some(url), Some(token)) => (url, token),
        _ => panic!(
            "this live test needs MOODLE_URL and MOODLE_TOKEN; without them it is ignored (run it with both set)"
        ),
    }
}

/// Settings for a live test: the test secret, Zoho at `zoho_base_url`, the real Moodle with its
/// token, and a timeout that suits a development server.
pub fn live_settings(moodle_url: &str, moodle_token: &str, zoho_base_url: &str) -> Settings {
    let timeouts = [("MOODLE_TIMEOUT_SECONDS", "60"), ("ZOHO_TIMEOUT_SECONDS", "5")];
    settings_with(zoho_base_url, Some((moodle_url, moodle_token)), timeouts)
}

/// The test secret and Zoho credentials, Zoho at `zoho_base_url`, Moodle (URL and token) when
/// given, and the timeouts.
fn settings_with(zoho_base_url: &str, moodle: Option<(&str, &str)>, timeouts: [(&str, &str); 2]) -> Settings {
    let mut source = Source::from_pairs([
        ("WEBHOOK_SECRET", TEST_WEBHOOK_SECRET),
        ("ZOHO_CLIENT_ID", "1000.TESTCLIENT"),
        ("ZOHO_CLIENT_SECRET", "test-zoho-client-secret"),
        ("ZOHO_REFRESH_TOKEN", "1000.test-refresh-token"),
    ]);
    for (name, value) in timeouts {
        source.set(name, value);
    }
    source.set("ZOHO_ACCOUNTS_URL", zoho_base_url);
    source.set("ZOHO_API_DOMAIN", zoho_base_url);
    if let Some((url, token)) = moodle {
        source.set("MOODLE_URL", url);
        source.set("MOODLE_TOKEN", token);
    }
    Settings::from_source(&source).expect("test settings are valid")
}

/// An API Gateway HTTP API (payload 2.0) event for `POST /api/v1/webhooks/student-dashboard/<segment>`
/// with the given headers and body, turned into a request by `lambda_http` as in Lambda.
pub fn event(method: &str, segment: &str, headers: &[(&str, &str)], body: Option<&str>) -> lambda_http::Request {
    let path = format!("{}{segment}", crate::webhook::PATH_PREFIX);
    let headers: Vec<(String, String)> = headers.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    let event = raw_event("2.0", method, &path, &headers, None, body, false);
    lambda_http::request::from_str(&event.to_string()).expect("a valid API Gateway v2 event")
}

/// A webhook as Zoho sends it: JSON body, secret header.
pub fn zoho_webhook(segment: &str, zoho_id: &str, module: &str) -> lambda_http::Request {
    let body = serde_json::json!({"zoho_id": zoho_id, "module": module}).to_string();
    event(
        "POST",
        segment,
        &[("content-type", "application/json"), ("x-webhook-secret", TEST_WEBHOOK_SECRET)],
        Some(&body),
    )
}

/// Status and parsed JSON body of a handler's response.
pub fn response_json(response: &lambda_http::Response<lambda_http::Body>) -> (u16, Value) {
    let bytes: &[u8] = match response.body() {
        lambda_http::Body::Text(t) => t.as_bytes(),
        lambda_http::Body::Binary(b) => b,
        _ => b"",
    };
    let value = serde_json::from_slice(bytes).unwrap_or(Value::Null);
    (response.status().as_u16(), value)
}

/// Proves a function's routing: each endpoint it owns is routed (an authenticated webhook is
/// neither 401, 404 nor 405, and the answer is JSON), an unauthenticated one is 401, a GET is
/// 405, and the endpoints of the other functions are 404. Zoho and Moodle are unreachable here,
/// so processing that gets that far answers with a retryable upstream error, which is fine.
pub async fn check_routing(function: crate::webhook::Function, processor: &dyn crate::webhook::Processor) {
    use crate::webhook::{Endpoint, handle};
    let app = crate::App::new(settings(Some("http://127.0.0.1:9"), "http://127.0.0.1:9"));
    for endpoint in Endpoint::ALL {
        let id = "5398830000100000001";
        let response = handle(&app, function, processor, zoho_webhook(endpoint.name(), id, endpoint.module())).await;
        let (status, body) = response_json(&response);
        assert!(body.is_object(), "{endpoint}: the answer must be JSON, got {body}");
        if endpoint.function() == function {
            assert!(
                ![401, 404, 405].contains(&status),
                "{endpoint} must be routed by {}: {status} {body}",
                function.name()
            );
            assert!(status < 500 || body["error"]["code"].is_string(), "{endpoint}: {status} {body}");
            let unauthenticated =
                event("POST", endpoint.name(), &[("content-type", "application/json")], Some(r#"{"zoho_id":"1"}"#));
            let (status, _) = response_json(&handle(&app, function, processor, unauthenticated).await);
            assert_eq!(status, 401, "{endpoint} without the secret");
            let get = event("GET", endpoint.name(), &[("x-webhook-secret", TEST_WEBHOOK_SECRET)], None);
            let (status, _) = response_json(&handle(&app, function, processor, get).await);
            assert_eq!(status, 405, "{endpoint} with GET");
        } else {
            assert_eq!(status, 404, "{endpoint} belongs to {}, not {}", endpoint.function().name(), function.name());
        }
    }
}

/// A loopback listener that accepts connections, counts them and never answers: point a client
/// at it to prove that no request was even attempted (the count stays 0).
#[derive(Clone)]
pub struct ConnectionCounter {
    base_url: String,
    count: Arc<std::sync::atomic::AtomicUsize>,
}

impl ConnectionCounter {
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind loopback");
        let address = listener.local_addr().expect("local address");
        let count = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counted = count.clone();
        tokio::spawn(async move {
            let mut open = Vec::new();
            while let Ok((stream, _)) = listener.accept().await {
                counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                // Held open and silent: the client times out rather than reading an answer.
                open.push(stream);
            }
        });
        Self { base_url: format!("http://{address}"), count }
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    pub fn connections(&self) -> usize {
        self.count.load(std::sync::atomic::Ordering::SeqCst)
    }
}

/// The raw JSON of an API Gateway event, as Lambda hands it to the function (before
/// `lambda_http` has looked at it): HTTP API payload 2.0 (`version = "2.0"`) or REST API 1.0.
/// Repeated header names become a comma-joined value in 2.0 (as API Gateway does) and several
/// `multiValueHeaders` values in 1.0.
pub fn raw_event(
    version: &str,
    method: &str,
    path: &str,
    headers: &[(String, String)],
    query: Option<&str>,
    body: Option<&str>,
    is_base64_encoded: bool,
) -> Value {
    let query_pairs: Vec<(String, String)> =
        query.map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect()).unwrap_or_default();
    if version == "1.0" {
        let mut multi: serde_json::Map<String, Value> = serde_json::Map::new();
        for (name, value) in headers {
            let entry = multi.entry(name.clone()).or_insert_with(|| Value::Array(Vec::new()));
            if let Value::Array(values) = entry {
                values.push(Value::String(value.clone()));
            }
        }
        let single: serde_json::Map<String, Value> =
            headers.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect();
        let mut multi_query: serde_json::Map<String, Value> = serde_json::Map::new();
        for (name, value) in &query_pairs {
            let entry = multi_query.entry(name.clone()).or_insert_with(|| Value::Array(Vec::new()));
            if let Value::Array(values) = entry {
                values.push(Value::String(value.clone()));
            }
        }
        let single_query: serde_json::Map<String, Value> =
            query_pairs.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect();
        return serde_json::json!({
            "resource": "/api/v1/webhooks/student-dashboard/{proxy+}",
            "path": path,
            "httpMethod": method,
            "headers": single,
            "multiValueHeaders": multi,
            "queryStringParameters": if single_query.is_empty() { Value::Null } else { Value::Object(single_query) },
            "multiValueQueryStringParameters": if multi_query.is_empty() { Value::Null } else { Value::Object(multi_query) },
            "pathParameters": null,
            "stageVariables": null,
            "requestContext": {"accountId": "123456789012", "resourceId": "r", "stage": "Prod", "requestId": "test-request-id",
                               "identity": {"sourceIp": "203.0.113.10"}, "resourcePath": "/api/v1/webhooks/student-dashboard/{proxy+}",
                               "httpMethod": method, "apiId": "testapi", "path": format!("/Prod{path}")},
            "body": body,
            "isBase64Encoded": is_base64_encoded
        });
    }
    let mut joined: serde_json::Map<String, Value> = serde_json::Map::new();
    for (name, value) in headers {
        let name = name.to_ascii_lowercase();
        let text = match joined.get(&name).and_then(Value::as_str) {
            Some(previous) => format!("{previous},{value}"),
            None => value.clone(),
        };
        joined.insert(name, Value::String(text));
    }
    serde_json::json!({
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": query.unwrap_or(""),
        "headers": joined,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "testapi",
            "domainName": "testapi.execute-api.eu-west-2.amazonaws.com",
            "domainPrefix": "testapi",
            "http": {"method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "203.0.113.10", "userAgent": "ZohoCRM"},
            "requestId": "test-request-id",
            "routeKey": "$default",
            "stage": "$default",
            "time": "25/Nov/2026:12:00:00 +0000",
            "timeEpoch": 1795000000000u64
        },
        "body": body,
        "isBase64Encoded": is_base64_encoded
    })
}

/// The real delete path of a student (`sync::delete`: confirm with Zoho, then Moodle) as a
/// processor, for edge tests that must see whether Zoho was asked and what the edge answers.
pub struct ConfirmedStudentDelete;

impl crate::webhook::Processor for ConfirmedStudentDelete {
    fn process<'a>(
        &'a self,
        app: &'a crate::App,
        call: &'a crate::webhook::WebhookCall,
    ) -> crate::webhook::ProcessFuture<'a> {
        Box::pin(async move {
            let mut trail = crate::sync::Trail::new();
            match crate::sync::delete(app, crate::sync::Entity::Student, &call.zoho_id, &mut trail).await? {
                crate::sync::Deletion::Applied(_) => Ok(crate::outcome::Outcome::ok(trail.actions)),
                crate::sync::Deletion::Refused(refusal) => Ok(refusal.into_outcome(trail)),
            }
        })
    }
}
