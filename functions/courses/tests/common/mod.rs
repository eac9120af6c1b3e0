//! The harness of the courses integration tests: the Zoho simulator seeded from `fixtures/zoho/`
//! (plus the classes and enrolments a test adds), a stand-in Moodle whose answers are the
//! responses recorded from Moodle 4.5 (`fixtures/moodle/`) filled in by a small model of the
//! plugin's documented class behaviour, and the handler driven with API Gateway events.

// Each test file uses a different part of the harness.
#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use shared::App;
use shared::testkit::{self, RecordedCall, Reply, StandInMoodle};
use shared::webhook::{Endpoint, handle};
use zoho_sim::{RequestKind, Simulator};

/// Seed: Active, no `Moodle_Class_ID`, two enrolments.
pub const CLASS_ACTIVE: &str = "5398830000100000401";
/// Seed: `Moodle_Class_ID` 12, no enrolments.
pub const CLASS_LINKED: &str = "5398830000100000402";
/// Seed: Pending, no `Moodle_Class_ID`.
pub const CLASS_PENDING: &str = "5398830000100000403";
pub const TEACHER: &str = "5398830000100000101";
pub const PROGRAMME: &str = "5398830000100000201";
/// An id no module of the simulator holds.
pub const NOT_IN_ZOHO: &str = "5398830000199999990";

pub const CREATE: &str = "local_mzi_create_class";
pub const IDS: &str = "local_mzi_get_moodle_ids";
pub const ENROL: &str = "local_mzi_update_enrollment";
pub const TEACHER_SYNC: &str = "local_mzi_sync_teacher";
pub const DELETE: &str = "local_mzi_delete_class";

pub struct Harness {
    pub sim: Simulator,
    pub moodle: StandInMoodle,
    pub plugin: PluginModel,
    pub app: Arc<App>,
}

impl Harness {
    pub async fn start() -> Self {
        let testkit::Doubles { zoho: sim, moodle, app } = testkit::Doubles::start().await;
        let plugin = PluginModel::default();
        plugin.install(&moodle);
        Self { sim, moodle, plugin, app }
    }

    /// Plan mode: no Moodle configured.
    pub async fn start_in_plan_mode() -> Self {
        let harness = Self::start().await;
        let app = App::new(testkit::settings(None, &harness.sim.base_url()));
        Self { app, ..harness }
    }

    pub async fn send(&self, endpoint: Endpoint, zoho_id: &str) -> (u16, Value) {
        send(&self.app, endpoint, zoho_id).await
    }

    /// Adds an Active class without `Moodle_Class_ID` (a copy of the seed class with its own
    /// id, names and no enrolments), then `enrolments` enrolments of it; returns their ids.
    pub fn add_class(&self, class_id: &str, enrolments: usize) -> Vec<String> {
        let mut class = self.sim.record("BTEC_Classes", CLASS_ACTIVE).expect("seed class");
        class["id"] = json!(class_id);
        class["Name"] = json!(format!("CL-{}", &class_id[class_id.len() - 4..]));
        class["Class_Name"] = json!(format!("Class {class_id}"));
        class["Class_Short_Name"] = json!(format!("C-{class_id}"));
        self.sim.insert_records("BTEC_Classes", [class]);
        self.add_enrollments(class_id, enrolments)
    }

    pub fn add_enrollments(&self, class_id: &str, count: usize) -> Vec<String> {
        let template = self.sim.record("BTEC_Enrollments", "5398830000100000701").expect("seed enrolment");
        // 19 digits, unique per class: a prefix, the class id's last five digits, a counter.
        let ids: Vec<String> =
            (0..count).map(|i| format!("5398830000{}{:04}", &class_id[class_id.len() - 5..], i + 1)).collect();
        let rows = ids.iter().enumerate().map(|(i, id)| {
            let mut row = template.clone();
            row["id"] = json!(id);
            row["Name"] = json!(format!("ENR-{i}"));
            row["Enrolled_Students"] = json!({"name": format!("S-{i}"), "id": format!("53988300003{:08}", i + 1)});
            row["Classes"] = json!({"name": "Class", "id": class_id});
            row
        });
        self.sim.insert_records("BTEC_Enrollments", rows.collect::<Vec<_>>());
        ids
    }

    /// Zoho requests by kind (token requests included), since the last reset.
    pub fn zoho_count(&self, kind: RequestKind) -> usize {
        self.sim.requests().iter().filter(|r| r.kind == kind).count()
    }

    pub fn zoho_paths(&self, kind: RequestKind) -> Vec<String> {
        self.sim.requests().into_iter().filter(|r| r.kind == kind).map(|r| r.path).collect()
    }

    pub fn moodle_functions(&self) -> Vec<String> {
        self.moodle.calls().into_iter().map(|c| c.function).collect()
    }

    /// `Moodle_Class_ID` as Zoho holds it now.
    pub fn zoho_moodle_class_id(&self, class_id: &str) -> Value {
        self.sim.record("BTEC_Classes", class_id).expect("class")["Moodle_Class_ID"].clone()
    }
}

pub async fn send(app: &App, endpoint: Endpoint, zoho_id: &str) -> (u16, Value) {
    let request = testkit::zoho_webhook(endpoint.name(), zoho_id, endpoint.module());
    let response = handle(app, courses::FUNCTION, &courses::Courses, request).await;
    testkit::response_json(&response)
}

pub use shared::testkit::{recorded, recorded_with};

/// The state the plugin keeps per class, as far as these tests need it.
#[derive(Debug, Default)]
pub struct PluginState {
    /// Zoho class id → its course (the stored link / the course `idnumber`).
    pub courses: BTreeMap<String, i64>,
    /// Courses that exist in Moodle.
    pub existing: BTreeSet<i64>,
    /// Classes that were soft-deleted.
    pub deleted: BTreeSet<String>,
    /// Zoho class id → the Zoho id of the teacher last applied to its course.
    pub teachers: BTreeMap<String, String>,
    pub next_course: i64,
    pub created: usize,
}

/// A model of the plugin's documented class behaviour (`docs/plugin-api.md` §3.4, §3.10, §3.11),
/// answering with the recorded responses: one course per class, found by its link, created only
/// with `createcourse=1`, `coursemissing` for an `expectedcourseid` that does not exist. Its
/// mutex plays the part of the plugin's per-class lock.
#[derive(Clone, Default)]
pub struct PluginModel {
    pub state: Arc<Mutex<PluginState>>,
}

impl PluginModel {
    pub fn install(&self, moodle: &StandInMoodle) {
        {
            let mut state = self.state.lock().unwrap();
            state.next_course = 100;
            state.existing.insert(12);
        }
        let model = self.clone();
        moodle.respond_with(CREATE, move |call| model.create_class(call));
        let model = self.clone();
        moodle.respond_with(IDS, move |call| model.get_moodle_ids(call));
        let model = self.clone();
        moodle.respond_with(ENROL, move |call| model.update_enrollment(call));
        moodle.respond_with(TEACHER_SYNC, |call| {
            let id = call.field("teacher[zoho_teacher_id]").unwrap_or_default();
            Reply::json(recorded_with("local_mzi_sync_teacher.created", json!({"zoho_id": id})))
        });
        let model = self.clone();
        moodle.respond_with(DELETE, move |call| model.delete_class(call));
    }

    /// A course that already belongs to a class (e.g. created by an earlier run).
    pub fn link(&self, class_id: &str, course: i64) {
        let mut state = self.state.lock().unwrap();
        state.courses.insert(class_id.to_owned(), course);
        state.existing.insert(course);
    }

    pub fn remove_course(&self, course: i64) {
        self.state.lock().unwrap().existing.remove(&course);
    }

    pub fn created(&self) -> usize {
        self.state.lock().unwrap().created
    }

    pub fn course_of(&self, class_id: &str) -> Option<i64> {
        let state = self.state.lock().unwrap();
        state.courses.get(class_id).copied().filter(|c| state.existing.contains(c))
    }

    fn create_class(&self, call: &RecordedCall) -> Reply {
        let class_id = call.field("class[zoho_class_id]").unwrap_or_default().to_owned();
        let create = call.field("createcourse") == Some("1");
        let expected: i64 = call.field("expectedcourseid").and_then(|v| v.parse().ok()).unwrap_or(0);
        let mut state = self.state.lock().unwrap();
        let linked = state.courses.get(&class_id).copied().filter(|c| state.existing.contains(c));
        let (fixture, course) = if expected > 0 {
            if !state.existing.contains(&expected) {
                return Reply::json(recorded("local_mzi_create_class.coursemissing"));
            }
            ("local_mzi_create_class.unchanged", expected)
        } else if let Some(course) = linked {
            ("local_mzi_create_class.unchanged", course)
        } else if create {
            state.next_course += 1;
            let course = state.next_course;
            state.existing.insert(course);
            state.created += 1;
            ("local_mzi_create_class.created_course", course)
        } else {
            return Reply::json(recorded_with("local_mzi_create_class.local_only", json!({"zoho_id": class_id})));
        };
        state.courses.insert(class_id.clone(), course);
        state.deleted.remove(&class_id);
        let mut patch = json!({"zoho_id": class_id, "course_id": course});
        if let Some(teacher) = call.field("class[teacher_zoho_id]").filter(|t| !t.is_empty()) {
            let previous = state.teachers.insert(class_id.clone(), teacher.to_owned());
            if previous.as_deref().is_some_and(|p| p != teacher) {
                patch["teacher_status"] = json!("enrolled");
                patch["previous_teacher_removed"] = json!(true);
            }
        }
        Reply::json(recorded_with(fixture, patch))
    }

    fn get_moodle_ids(&self, call: &RecordedCall) -> Reply {
        let state = self.state.lock().unwrap();
        let classes: Vec<Value> = call
            .fields
            .iter()
            .filter(|(k, _)| k.starts_with("class_ids["))
            .map(|(_, id)| {
                let course = state.courses.get(id).copied().filter(|c| state.existing.contains(c));
                json!({"zoho_id": id, "exists": state.courses.contains_key(id), "id": if state.courses.contains_key(id) { 4 } else { 0 },
                       "deleted": state.deleted.contains(id), "moodle_id": course.unwrap_or(0)})
            })
            .collect();
        Reply::json(recorded_with(
            "local_mzi_get_moodle_ids.success",
            json!({"students": [], "classes": classes, "registrations": [], "teachers": []}),
        ))
    }

    /// One `created` result per item, in input order, shaped like the recorded batch's first item.
    fn update_enrollment(&self, call: &RecordedCall) -> Reply {
        let template = recorded("local_mzi_update_enrollment.batch")["results"][0].clone();
        let state = self.state.lock().unwrap();
        let mut items: BTreeMap<usize, (String, String)> = BTreeMap::new();
        for (key, value) in &call.fields {
            let Some(rest) = key.strip_prefix("enrollments[") else { continue };
            let Some((index, field)) = rest.split_once("][") else { continue };
            let index: usize = index.parse().expect("numeric index");
            let entry = items.entry(index).or_default();
            match field {
                "zoho_enrollment_id]" => entry.0 = value.clone(),
                "zoho_class_id]" => entry.1 = value.clone(),
                _ => {}
            }
        }
        let results: Vec<Value> = items
            .values()
            .map(|(id, class)| {
                let mut item = template.clone();
                item["zoho_id"] = json!(id);
                item["message"] = json!(format!("The enrollment {id} was created."));
                item["moodle_course_id"] = json!(state.courses.get(class).copied().unwrap_or(0));
                item
            })
            .collect();
        Reply::json(json!({"results": results}))
    }

    fn delete_class(&self, call: &RecordedCall) -> Reply {
        let class_id = call.field("zoho_class_id").unwrap_or_default().to_owned();
        let mut state = self.state.lock().unwrap();
        let Some(course) = state.courses.get(&class_id).copied() else {
            return Reply::json(recorded_with("local_mzi_delete_class.absent", json!({"zoho_id": class_id})));
        };
        let fixture = if state.deleted.insert(class_id.clone()) {
            "local_mzi_delete_class.deleted"
        } else {
            "local_mzi_delete_class.again"
        };
        Reply::json(recorded_with(fixture, json!({"zoho_id": class_id, "course_id": course})))
    }
}

/// The action lines of an answer as `(step, result)`.
pub fn steps(answer: &Value) -> Vec<(String, String)> {
    answer["actions"]
        .as_array()
        .map(|actions| {
            actions
                .iter()
                .map(|a| (a["step"].as_str().unwrap_or("").to_owned(), a["result"].as_str().unwrap_or("").to_owned()))
                .collect()
        })
        .unwrap_or_default()
}

/// The detail of the first action with this step.
pub fn detail<'a>(answer: &'a Value, step: &str) -> &'a Value {
    answer["actions"]
        .as_array()
        .and_then(|a| a.iter().find(|a| a["step"] == step))
        .map(|a| &a["detail"])
        .unwrap_or_else(|| panic!("no action {step} in {answer}"))
}
