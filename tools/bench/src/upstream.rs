//! What the functions talk to during a benchmark, all on loopback: the Zoho simulator (seeded
//! from `fixtures/zoho/` plus synthetic classes, enrolments and students) and a lean stand-in
//! Moodle that answers instantly with the responses recorded from Moodle 4.5
//! (`fixtures/moodle/`). Unlike `shared::testkit::StandInMoodle` it keeps no request log (a
//! class of 2,000 enrolments sent a thousand times would hold gigabytes), only counts per
//! function.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use shared::config::{Settings, Source};
use zoho_sim::{Records, SimConfig, Simulator};

/// The secret of the recorded events in `events/`, so they can be sent unchanged.
pub const WEBHOOK_SECRET: &str = "local-dev-secret-0123456789";
pub const MOODLE_TOKEN: &str = "bench-moodle-token";
pub const ZOHO_CLIENT_ID: &str = "1000.BENCHCLIENT";
pub const ZOHO_CLIENT_SECRET: &str = "bench-zoho-client-secret";
pub const ZOHO_REFRESH_TOKEN: &str = "1000.bench-refresh-token";

/// Seed records the endpoints are sent for (`fixtures/zoho/`).
pub const SEED_STUDENT: &str = "5398830000100000001";
pub const SEED_CLASS: &str = "5398830000100000401";
pub const SEED_ENROLLMENT: &str = "5398830000100000701";
pub const SEED_UNIT: &str = "5398830000100000301";
pub const SEED_REGISTRATION: &str = "5398830000100000501";
pub const SEED_PAYMENT: &str = "5398830000100000601";
pub const SEED_GRADE: &str = "5398830000100000801";
pub const SEED_REQUEST: &str = "5398830000100000901";

/// The course the linked benchmark classes already have, in Zoho and in the stand-in.
pub const LINKED_COURSE: i64 = 12;

/// A class id of the benchmark: `linked` classes already have their course (the steady state
/// of `class_updated`), the others are synced for the first time.
pub fn class_id(enrolments: usize, linked: bool) -> String {
    format!("53988300002{}{:07}", u8::from(linked), enrolments)
}

/// Synthetic student `n` for the backfill.
pub fn student_id(n: usize) -> String {
    format!("53988300004{n:08}")
}

/// The seed plus: for each size, a linked and an unlinked Active class with that many
/// enrolments, and `students` synthetic students.
pub fn seed(fixtures: &Path, class_sizes: &[usize], students: usize) -> Result<Records, String> {
    let mut records = zoho_sim::load_seed_dir(fixtures.join("zoho"))?;
    let find = |records: &Records, module: &str, id: &str| {
        records
            .get(module)
            .and_then(|rows| rows.iter().find(|r| r["id"] == id))
            .cloned()
            .ok_or_else(|| format!("seed {module} {id} missing"))
    };
    let class_template = find(&records, "BTEC_Classes", SEED_CLASS)?;
    let enrolment_template = find(&records, "BTEC_Enrollments", SEED_ENROLLMENT)?;
    let student_template = find(&records, "BTEC_Students", SEED_STUDENT)?;
    let mut classes = Vec::new();
    let mut enrolments = Vec::new();
    for &size in class_sizes {
        for linked in [false, true] {
            let id = class_id(size, linked);
            let mut class = class_template.clone();
            class["id"] = json!(id);
            class["Name"] = json!(format!("CL-{}", &id[11..]));
            class["Class_Name"] = json!(format!("Bench class {id}"));
            class["Class_Short_Name"] = json!(format!("B-{id}"));
            class["Moodle_Class_ID"] = json!(if linked { LINKED_COURSE.to_string() } else { String::new() });
            classes.push(class);
            for i in 0..size {
                let mut row = enrolment_template.clone();
                row["id"] = json!(format!("5398830000{}{:04}", &id[14..], i + 1));
                row["Name"] = json!(format!("ENR-{i}"));
                row["Enrolled_Students"] = json!({"name": format!("S-{i}"), "id": format!("53988300003{:08}", i + 1)});
                row["Classes"] = json!({"name": "Bench class", "id": id});
                enrolments.push(row);
            }
        }
    }
    let synthetic_students = (0..students).map(|n| {
        let mut row = student_template.clone();
        row["id"] = json!(student_id(n));
        row["Name"] = json!(format!("S-BENCH-{n:05}"));
        row["Academic_Email"] = json!(format!("bench.student.{n:05}@students.college.example"));
        row["National_Number"] = json!(format!("BENCH-{n:07}"));
        // Never point a synthetic student at a real Moodle account.
        row["Student_Moodle_ID"] = Value::Null;
        row
    });
    records.entry("BTEC_Classes".into()).or_default().extend(classes);
    records.entry("BTEC_Enrollments".into()).or_default().extend(enrolments);
    records.entry("BTEC_Students".into()).or_default().extend(synthetic_students);
    Ok(records)
}

/// The simulator without Zoho's mint throttle: every cold start of a real webhook mints a token
/// (as a new Lambda container does), and the benchmark starts hundreds of processes.
pub async fn start_simulator(records: Records) -> Simulator {
    let config = SimConfig { mint_limit: usize::MAX, ..SimConfig::default() };
    Simulator::start_with(records, config, "127.0.0.1:0").await.expect("the Zoho simulator starts on loopback")
}

/// Settings as a function reads them from its environment, pointed at the stand-ins.
pub fn settings(zoho_url: &str, moodle: Option<(&str, &str)>) -> Settings {
    let mut source = Source::from_pairs(base_env(zoho_url));
    if let Some((url, token)) = moodle {
        source.set("MOODLE_URL", url);
        source.set("MOODLE_TOKEN", token);
        source.set("MOODLE_TIMEOUT_SECONDS", "60");
    }
    Settings::from_source(&source).expect("benchmark settings are valid")
}

/// Our configuration variables for a function process (secrets included).
pub fn base_env(zoho_url: &str) -> Vec<(String, String)> {
    [
        ("WEBHOOK_SECRET", WEBHOOK_SECRET),
        ("ZOHO_CLIENT_ID", ZOHO_CLIENT_ID),
        ("ZOHO_CLIENT_SECRET", ZOHO_CLIENT_SECRET),
        ("ZOHO_REFRESH_TOKEN", ZOHO_REFRESH_TOKEN),
        ("ZOHO_ACCOUNTS_URL", zoho_url),
        ("ZOHO_API_DOMAIN", zoho_url),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

struct MoodleState {
    /// function → the recorded answer it gets (the first of `created`, `updated`, `deleted`,
    /// `success` that was recorded).
    answers: HashMap<String, String>,
    class_unchanged: Value,
    class_created: Value,
    enrolment_item: Value,
    /// Zoho class id → its course.
    courses: Mutex<HashMap<String, i64>>,
    next_course: AtomicI64,
    calls: Mutex<BTreeMap<String, u64>>,
    /// The body of the last call (the single-record floor posts the same bytes).
    last_body: Mutex<Option<Bytes>>,
    /// The critical-path table's fixed Moodle latency: every answer is sent this long after its
    /// request began to arrive (the stand-in's own work included).
    latency_ms: AtomicU64,
    /// The stand-in's own time per call (request read, answer built), by function, in order.
    server_time: Mutex<Vec<(String, std::time::Duration)>>,
}

/// A loopback Moodle that answers every plugin function instantly.
#[derive(Clone)]
pub struct StandInMoodle {
    base_url: String,
    state: Arc<MoodleState>,
}

impl StandInMoodle {
    pub async fn start(fixtures: &Path) -> Self {
        let dir = fixtures.join("moodle");
        let read = |name: &str| -> Option<String> { std::fs::read_to_string(dir.join(format!("{name}.json"))).ok() };
        let parse = |name: &str| -> Value {
            serde_json::from_str(&read(name).unwrap_or_else(|| panic!("fixture {name} missing"))).expect("JSON fixture")
        };
        let mut answers = HashMap::new();
        let mut names: Vec<String> = std::fs::read_dir(&dir)
            .expect("fixtures/moodle")
            .filter_map(Result::ok)
            .filter_map(|e| e.file_name().into_string().ok())
            .filter(|n| n.ends_with(".json"))
            .collect();
        names.sort();
        for variant in ["created", "updated", "deleted", "success"] {
            for name in &names {
                let Some((function, rest)) = name.split_once('.') else { continue };
                if rest == format!("{variant}.json") && !answers.contains_key(function) {
                    answers.insert(function.to_owned(), read(&name[..name.len() - 5]).unwrap_or_default());
                }
            }
        }
        let state = Arc::new(MoodleState {
            answers,
            class_unchanged: parse("local_mzi_create_class.unchanged"),
            class_created: parse("local_mzi_create_class.created_course"),
            enrolment_item: parse("local_mzi_update_enrollment.batch")["results"][0].clone(),
            courses: Mutex::new(HashMap::new()),
            next_course: AtomicI64::new(100),
            calls: Mutex::new(BTreeMap::new()),
            last_body: Mutex::new(None),
            latency_ms: AtomicU64::new(0),
            server_time: Mutex::new(Vec::new()),
        });
        let router =
            axum::Router::new().route(shared::moodle::REST_PATH, axum::routing::post(serve)).with_state(state.clone());
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

    /// The linked benchmark classes already have their course.
    pub fn link(&self, class_id: &str, course: i64) {
        self.state.courses.lock().unwrap().insert(class_id.to_owned(), course);
    }

    pub fn unlink(&self, class_id: &str) {
        self.state.courses.lock().unwrap().remove(class_id);
    }

    pub fn calls(&self) -> BTreeMap<String, u64> {
        self.state.calls.lock().unwrap().clone()
    }

    pub fn reset_calls(&self) {
        self.state.calls.lock().unwrap().clear();
        self.state.server_time.lock().unwrap().clear();
    }

    /// The body of the last call received.
    pub fn last_body(&self) -> Option<Bytes> {
        self.state.last_body.lock().unwrap().clone()
    }

    /// A fixed latency per call (0: none): each answer leaves this long after its request began
    /// to arrive, however long the stand-in itself took to read it and build the answer.
    pub fn set_latency(&self, latency: std::time::Duration) {
        self.state.latency_ms.store(latency.as_millis() as u64, Ordering::Relaxed);
    }

    /// The stand-in's own time per call since the last [`Self::reset_calls`], by function.
    pub fn server_time(&self) -> Vec<(String, std::time::Duration)> {
        self.state.server_time.lock().unwrap().clone()
    }
}

async fn serve(State(state): State<Arc<MoodleState>>, request: axum::extract::Request) -> Response {
    let arrived = std::time::Instant::now();
    let body = axum::body::to_bytes(request.into_body(), usize::MAX).await.unwrap_or_default();
    let (function, answer) = answer(&state, body);
    state.server_time.lock().unwrap().push((function, arrived.elapsed()));
    let latency = state.latency_ms.load(Ordering::Relaxed);
    if latency > 0 {
        tokio::time::sleep_until((arrived + std::time::Duration::from_millis(latency)).into()).await;
    }
    ([(axum::http::header::CONTENT_TYPE, "application/json")], answer).into_response()
}

/// The function called and the stand-in's answer to it.
fn answer(state: &MoodleState, body: Bytes) -> (String, String) {
    *state.last_body.lock().unwrap() = Some(body.clone());
    let mut function = String::new();
    let mut class_ids = Vec::new();
    let mut enrolment_ids = Vec::new();
    let mut class_to_create = None;
    let mut criteria = Vec::new();
    for (key, value) in form_urlencoded::parse(&body) {
        match key.as_ref() {
            "wsfunction" => function = value.into_owned(),
            "class[zoho_class_id]" => class_to_create = Some(value.into_owned()),
            k if k.starts_with("class_ids[") => class_ids.push(value.into_owned()),
            k if k.starts_with("criteria[") && k.ends_with("[shortname]") => criteria.push(value.into_owned()),
            k if k.starts_with("enrollments[") && k.ends_with("[zoho_enrollment_id]") => {
                enrolment_ids.push(value.into_owned())
            }
            _ => {}
        }
    }
    *state.calls.lock().unwrap().entry(function.clone()).or_default() += 1;
    let answer = match function.as_str() {
        "local_mzi_get_moodle_ids" => {
            let courses = state.courses.lock().unwrap();
            let classes: Vec<Value> = class_ids
                .iter()
                .map(|id| {
                    let course = courses.get(id).copied().unwrap_or(0);
                    json!({"zoho_id": id, "exists": course > 0, "id": if course > 0 { 4 } else { 0 }, "deleted": false, "moodle_id": course})
                })
                .collect();
            json!({"students": [], "classes": classes, "registrations": [], "teachers": []}).to_string()
        }
        "local_mzi_create_class" => {
            let id = class_to_create.unwrap_or_default();
            let mut courses = state.courses.lock().unwrap();
            let (mut answer, course) = match courses.get(&id) {
                Some(course) => (state.class_unchanged.clone(), *course),
                None => {
                    let course = state.next_course.fetch_add(1, Ordering::Relaxed);
                    courses.insert(id.clone(), course);
                    (state.class_created.clone(), course)
                }
            };
            answer["zoho_id"] = json!(id);
            answer["course_id"] = json!(course);
            answer.to_string()
        }
        "local_mzi_update_enrollment" => {
            let results: Vec<Value> = enrolment_ids
                .iter()
                .map(|id| {
                    let mut item = state.enrolment_item.clone();
                    item["zoho_id"] = json!(id);
                    item["moodle_course_id"] = json!(LINKED_COURSE);
                    item
                })
                .collect();
            json!({"results": results}).to_string()
        }
        "local_mzi_create_btec_definition" => {
            // The plugin answers with the criteria it stored, in the order sent.
            let mut answer: Value =
                serde_json::from_str(state.answers.get(function.as_str()).map(String::as_str).unwrap_or("{}"))
                    .unwrap_or_default();
            let stored: Vec<Value> = criteria
                .iter()
                .enumerate()
                .map(|(i, name)| json!({"id": i + 1, "shortname": name, "sortorder": i + 1}))
                .collect();
            answer["criteria_count"] = json!(stored.len());
            answer["criteria"] = Value::Array(stored);
            answer.to_string()
        }
        other => state.answers.get(other).cloned().unwrap_or_else(|| {
            json!({"exception": "dml_missing_record_exception", "errorcode": "invalidrecord", "message": format!("no recorded answer for {other}")})
                .to_string()
        }),
    };
    (function, answer)
}
