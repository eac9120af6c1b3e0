//! The reliability and security suite of issue 10, across the four functions: the bad-input
//! corpus (`tests/corpus/cases.json`) and its runner, log capture, and helpers the fault and race
//! tests share. The tests themselves are in `tests/`; `docs/RELIABILITY.md` has the figures.

use std::io::Write;
use std::sync::{Arc, Mutex};

use serde::Deserialize;
use serde_json::Value;
use shared::testkit::{self, TEST_WEBHOOK_SECRET};
use shared::webhook::{Endpoint, Function, Processor};

/// Every function with its real processor, exactly as its `main.rs` wires it.
pub fn functions() -> Vec<(Function, Arc<dyn Processor>)> {
    vec![
        (dashboard_sync::FUNCTION, Arc::new(dashboard_sync::DashboardSync)),
        (courses::FUNCTION, Arc::new(courses::Courses)),
        (enrol::FUNCTION, Arc::new(enrol::Enrol)),
        (btec_units::FUNCTION, Arc::new(btec_units::BtecUnits)),
    ]
}

/// The workspace root.
pub fn workspace_root() -> std::path::PathBuf {
    testkit::workspace_root()
}

/// A generated body: `prefix + repeat × times + suffix`.
#[derive(Debug, Clone, Deserialize)]
pub struct Generate {
    pub prefix: String,
    pub repeat: String,
    pub times: usize,
    pub suffix: String,
}

/// One case of `tests/corpus/cases.json` (the file's `about` explains the fields).
#[derive(Debug, Clone, Deserialize)]
pub struct Case {
    pub name: String,
    pub status: u16,
    pub code: String,
    #[serde(default = "post")]
    pub method: String,
    #[serde(default = "each")]
    pub target: String,
    #[serde(default = "v2")]
    pub version: String,
    #[serde(default)]
    pub headers: Vec<(String, String)>,
    #[serde(default = "valid")]
    pub secret: String,
    #[serde(default)]
    pub body: Option<String>,
    #[serde(default)]
    pub body_base64: Option<String>,
    #[serde(default)]
    pub generate: Option<Generate>,
    #[serde(default, rename = "isBase64Encoded")]
    pub is_base64_encoded: bool,
    #[serde(default)]
    pub query: Option<String>,
}

fn post() -> String {
    "POST".into()
}
fn each() -> String {
    "each".into()
}
fn v2() -> String {
    "2.0".into()
}
fn valid() -> String {
    "valid".into()
}

#[derive(Deserialize)]
struct CorpusFile {
    cases: Vec<Case>,
}

pub fn load_corpus() -> Vec<Case> {
    let path = workspace_root().join("tests/corpus/cases.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let file: CorpusFile = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    file.cases
}

/// One request built from a case for one function.
#[derive(Debug, Clone)]
pub struct Attempt {
    pub label: String,
    pub event: Value,
}

/// A module that is not `endpoint`'s.
fn other_module(endpoint: Option<Endpoint>) -> &'static str {
    let own = endpoint.map(Endpoint::module).unwrap_or("");
    Endpoint::ALL.iter().map(|e| e.module()).find(|m| *m != own).unwrap_or("BTEC_Classes")
}

impl Case {
    /// The events this case sends to `function`: one per endpoint it owns for `each`, else one.
    pub fn attempts(&self, function: Function) -> Vec<Attempt> {
        let targets: Vec<(String, Option<Endpoint>)> = match self.target.as_str() {
            "each" => function.endpoints().map(|e| (e.path(), Some(e))).collect(),
            "foreign" => Endpoint::ALL
                .into_iter()
                .filter(|e| e.function() != function)
                .take(2)
                .map(|e| (e.path(), Some(e)))
                .collect(),
            other => {
                if let Some(segment) = other.strip_prefix("segment:") {
                    vec![(format!("{}{segment}", shared::webhook::PATH_PREFIX), Endpoint::from_name(segment))]
                } else if let Some(path) = other.strip_prefix("path:") {
                    vec![(path.to_owned(), None)]
                } else {
                    panic!("case {:?}: unknown target {other:?}", self.name)
                }
            }
        };
        targets
            .into_iter()
            .map(|(path, endpoint)| {
                let fill = |text: &str| {
                    text.replace("{module}", endpoint.map(Endpoint::module).unwrap_or("BTEC_Students"))
                        .replace("{other_module}", other_module(endpoint))
                };
                let mut headers: Vec<(String, String)> =
                    self.headers.iter().map(|(k, v)| (k.clone(), v.replace("$SECRET", TEST_WEBHOOK_SECRET))).collect();
                let names_secret = headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("x-webhook-secret"));
                if self.secret == "valid" && !names_secret {
                    headers.push(("x-webhook-secret".into(), TEST_WEBHOOK_SECRET.into()));
                }
                let body = if let Some(g) = &self.generate {
                    Some(format!("{}{}{}", g.prefix, g.repeat.repeat(g.times), g.suffix))
                } else if let Some(b64) = &self.body_base64 {
                    Some(b64.clone())
                } else {
                    self.body.as_deref().map(fill)
                };
                let query = self.query.as_deref().map(fill);
                let event = testkit::raw_event(
                    &self.version,
                    &self.method,
                    &path,
                    &headers,
                    query.as_deref(),
                    body.as_deref(),
                    self.is_base64_encoded,
                );
                Attempt { label: format!("{} [{} {path}]", self.name, self.method), event }
            })
            .collect()
    }
}

/// Everything written by `tracing` while installed, as text (JSON lines, as in Lambda).
#[derive(Clone, Default)]
pub struct LogBuffer(Arc<Mutex<Vec<u8>>>);

impl LogBuffer {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

impl Write for LogBuffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A subscriber like production's (`telemetry::init` with `AWS_LAMBDA_LOG_FORMAT=JSON`) but at
/// `level` for every crate (dependencies included) and writing into `buffer`.
pub fn capturing_subscriber(buffer: LogBuffer, level: &str) -> impl tracing::Subscriber + Send + Sync {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(level))
        .json()
        .flatten_event(true)
        .with_current_span(true)
        .with_span_list(true)
        .with_writer(move || buffer.clone())
        .finish()
}

/// Sets the stand-in's sticky answers to the recorded "it worked" answer of every plugin function
/// (`fixtures/moodle/`), so every endpoint's success path runs.
pub fn answer_like_a_healthy_plugin(moodle: &testkit::StandInMoodle) {
    for (function, fixture) in [
        ("local_mzi_update_student", "local_mzi_update_student.created"),
        ("local_mzi_create_registration", "local_mzi_create_registration.created"),
        ("local_mzi_record_payment", "local_mzi_record_payment.created"),
        ("local_mzi_submit_grade", "local_mzi_submit_grade.created"),
        ("local_mzi_update_request_status", "local_mzi_update_request_status.created"),
        ("local_mzi_sync_teacher", "local_mzi_sync_teacher.created"),
        ("local_mzi_create_class", "local_mzi_create_class.created_course"),
        ("local_mzi_update_enrollment", "local_mzi_update_enrollment.batch"),
        ("local_mzi_get_moodle_ids", "local_mzi_get_moodle_ids.success"),
        ("local_mzi_create_btec_definition", "local_mzi_create_btec_definition.created"),
        ("local_mzi_delete_student", "local_mzi_delete_student.deleted"),
        ("local_mzi_delete_registration", "local_mzi_delete_registration.deleted"),
        ("local_mzi_delete_payment", "local_mzi_delete_payment.deleted"),
        ("local_mzi_delete_grade", "local_mzi_delete_grade.deleted"),
        ("local_mzi_delete_request", "local_mzi_delete_request.deleted"),
        ("local_mzi_delete_class", "local_mzi_delete_class.deleted"),
        ("local_mzi_delete_enrollment", "local_mzi_delete_enrollment.deleted"),
        ("local_mzi_delete_btec_definition", "local_mzi_delete_btec_definition.deleted"),
    ] {
        moodle.respond(function, testkit::Reply::fixture(fixture));
    }
    // A definition answer must hold the criteria that were sent (the function checks it), so it
    // is computed from the request, in the recorded answer's shape, rather than replayed.
    moodle.respond_with("local_mzi_create_btec_definition", definition_answer);
}

/// What the plugin answers to `local_mzi_create_btec_definition`: the sent criteria, stored in
/// order with sortorder 1..n (`docs/plugin-api.md` §3.12).
pub fn definition_answer(call: &testkit::RecordedCall) -> testkit::Reply {
    let criteria: Vec<Value> = (0..)
        .map_while(|i| call.field(&format!("criteria[{i}][shortname]")).map(|name| (i, name.to_owned())))
        .map(|(i, name)| serde_json::json!({"id": 100 + i, "shortname": name, "sortorder": i + 1}))
        .collect();
    testkit::Reply::json(serde_json::json!({
        "status": "created",
        "id": 9,
        "zoho_id": call.field("zoho_unit_id").unwrap_or_default(),
        "message": "The BTEC definition was created.",
        "parent_entity": "",
        "parent_zoho_id": "",
        "definition_id": 9,
        "areaid": 3,
        "criteria_count": criteria.len(),
        "criteria": criteria,
    }))
}

/// The seeded Zoho records (`fixtures/zoho/<Module>.json`).
pub fn zoho_seed() -> zoho_sim::Records {
    zoho_sim::load_seed_dir(workspace_root().join("fixtures/zoho")).expect("fixtures/zoho loads")
}

/// The first seeded record id of `module`.
pub fn seeded_id(records: &zoho_sim::Records, module: &str) -> String {
    records
        .get(module)
        .and_then(|rows| rows.first())
        .and_then(|r| r.get("id"))
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("no seeded {module} record"))
        .to_owned()
}

/// The personal values of the seed: names, e-mails, phone numbers, national numbers, birth dates,
/// addresses, free text, and the names inside lookups that point at people.
pub fn seeded_personal_values(records: &zoho_sim::Records) -> Vec<String> {
    const PERSONAL: [&str; 16] = [
        "First_Name",
        "Last_Name",
        "Display_Name",
        "Academic_Email",
        "Email",
        "email",
        "Phone_Number",
        "Address",
        "Emergency_Contact_Name",
        "Emergency_Phone_Number",
        "National_Number",
        "Birth_Date",
        "Student_Name",
        "Feedback",
        "Reason",
        "Note",
    ];
    const PEOPLE_LOOKUPS: [&str; 5] = ["Student", "Enrolled_Students", "Student_ID", "Teacher", "Owner"];
    fn walk(value: &Value, out: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                for (key, v) in map {
                    match v {
                        Value::String(s) if PERSONAL.contains(&key.as_str()) && s.trim().len() >= 4 => {
                            out.push(s.trim().to_owned())
                        }
                        Value::Object(lookup) if PEOPLE_LOOKUPS.contains(&key.as_str()) => {
                            if let Some(name) = lookup.get("name").and_then(Value::as_str).filter(|n| n.len() >= 4) {
                                out.push(name.to_owned());
                            }
                            walk(v, out);
                        }
                        _ => walk(v, out),
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|i| walk(i, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    for rows in records.values() {
        rows.iter().for_each(|r| walk(r, &mut out));
    }
    out.sort();
    out.dedup();
    out
}

/// `local_mzi_update_enrollment`'s answer for these enrolments: every one created, in order
/// (the shape of `fixtures/moodle/local_mzi_update_enrollment.batch.json`).
pub fn enrolment_results(zoho_ids: &[&str]) -> testkit::Reply {
    let results: Vec<Value> = zoho_ids
        .iter()
        .enumerate()
        .map(|(i, id)| {
            serde_json::json!({
                "status": "created", "id": i + 1, "zoho_id": id,
                "message": format!("The enrollment {id} was created."),
                "parent_entity": "", "parent_zoho_id": "", "moodle_user_id": 8 + i,
                "moodle_course_id": 3, "user_tier": "email", "enrol_action": "enrolled", "errorcode": ""
            })
        })
        .collect();
    testkit::Reply::json(serde_json::json!({ "results": results }))
}
