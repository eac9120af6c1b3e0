//! Harness for the nothing-lost tests: the Zoho simulator with generated students, a stand-in
//! Moodle that models the plugin's idempotent upsert (created, then unchanged for the same
//! `Modified_Time`, updated for a newer one) and its soft delete, and a spool in a temporary
//! directory.

#![allow(dead_code)]

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use shared::App;
use shared::capture::{FailureSink, SpoolSink};
use shared::testkit::{self, Reply, StandInMoodle};
use shared::webhook::{Endpoint, handle};
use zoho_sim::{Records, Simulator};

pub fn student_id(n: usize) -> String {
    format!("53988300001{n:08}")
}

/// A student record shaped like the seed fixture, with its own id and `Modified_Time`.
pub fn student(n: usize, modified: &str) -> Value {
    let fixtures = std::fs::read_to_string(testkit::workspace_root().join("fixtures/zoho/BTEC_Students.json")).unwrap();
    let mut record: Vec<Value> = serde_json::from_str(&fixtures).unwrap();
    let mut record = record.remove(0);
    record["id"] = student_id(n).into();
    record["Name"] = format!("S-TEST-{n:04}").into();
    record["Academic_Email"] = format!("student{n}@students.college.example").into();
    record["Student_Moodle_ID"] = Value::Null;
    record["Modified_Time"] = modified.into();
    record
}

/// What the modelled plugin holds: per Zoho id, the `Modified_Time` and whether deleted.
#[derive(Default, Debug)]
pub struct PluginModel {
    pub rows: HashMap<String, (String, bool)>,
    /// Every applied upsert/delete: (function, zoho id, status).
    pub writes: Vec<(String, String, String)>,
    /// Width of the `city` column (`char(255)` in install.xml); `None` once an administrator
    /// has widened it. A longer value fails as PostgreSQL fails it.
    pub city_column: Option<usize>,
}

/// The answer of Moodle (debugging on) to a value longer than its `varchar` column.
pub fn value_too_long() -> Reply {
    Reply::json(json!({
        "exception": "dml_write_exception",
        "errorcode": "dmlwriteexception",
        "message": "Error writing to database",
        "debuginfo": "ERROR:  value too long for type character varying(255)\nUPDATE mdl_local_mzi_students SET city = $1 WHERE id = $2\n[array (0 => 'private value')]"
    }))
}

/// The answer of Moodle (debugging on) to a deadlock: a repeat succeeds.
pub fn deadlock() -> Reply {
    Reply::json(json!({
        "exception": "dml_write_exception",
        "errorcode": "dmlwriteexception",
        "message": "Error writing to database",
        "debuginfo": "ERROR:  deadlock detected\nDETAIL:  Process 4711 waits for ShareLock on transaction 12"
    }))
}

pub struct Harness {
    pub sim: Simulator,
    pub moodle: StandInMoodle,
    pub model: Arc<Mutex<PluginModel>>,
    pub spool: PathBuf,
    pub sink: Arc<SpoolSink>,
    pub app: Arc<App>,
}

impl Harness {
    pub async fn start(students: usize) -> Self {
        let mut records = Records::new();
        records.insert(
            "BTEC_Students".into(),
            (1..=students).map(|n| student(n, &format!("2026-01-01T10:{:02}:{:02}+00:00", n / 60, n % 60))).collect(),
        );
        let sim = Simulator::start(records).await.unwrap();
        let moodle = StandInMoodle::start().await;
        let model = Arc::new(Mutex::new(PluginModel { city_column: Some(255), ..PluginModel::default() }));
        model_plugin(&moodle, &model);
        let spool = std::env::temp_dir().join(format!("mzi-nothing-lost-{}", fastrand::u64(..)));
        let sink = Arc::new(SpoolSink::new(&spool));
        let app = App::with_failure_sink(
            testkit::settings(Some(moodle.base_url()), &sim.base_url()),
            Some(sink.clone() as Arc<dyn FailureSink>),
        );
        Self { sim, moodle, model, spool, sink, app }
    }

    pub async fn webhook(&self, endpoint: Endpoint, zoho_id: &str) -> (u16, Value) {
        let request = testkit::zoho_webhook(endpoint.name(), zoho_id, endpoint.module());
        let processor = worker::processor_for(endpoint);
        let response = handle(&self.app, endpoint.function(), processor, request).await;
        testkit::response_json(&response)
    }

    /// Writes that reached the modelled plugin for `zoho_id` with a given status.
    pub fn writes(&self, zoho_id: &str, status: &str) -> usize {
        self.model.lock().unwrap().writes.iter().filter(|(_, id, s)| id == zoho_id && s == status).count()
    }

    pub fn moodle_down(&self, down: bool) {
        self.moodle.set_fault(down.then(|| Reply::raw(503, "text/html", "<html>Service Unavailable</html>")));
    }
}

impl Drop for Harness {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.spool);
    }
}

/// The plugin's contract for students (the functions the tests use): an upsert guarded by
/// `Modified_Time`, and an idempotent soft delete.
pub fn model_plugin(moodle: &StandInMoodle, model: &Arc<Mutex<PluginModel>>) {
    let m = model.clone();
    moodle.respond_with("local_mzi_update_student", move |call| {
        let id = call.field("student[zoho_student_id]").unwrap_or_default().to_owned();
        let modified = call.field("student[zoho_modified_time]").unwrap_or_default().to_owned();
        let mut model = m.lock().unwrap();
        let city = call.field("student[city]").unwrap_or_default().chars().count();
        if model.city_column.is_some_and(|width| city > width) {
            return value_too_long();
        }
        let status = match model.rows.get(&id) {
            None => "created",
            Some((time, deleted)) if *time == modified && !deleted => "unchanged",
            Some(_) => "updated",
        };
        model.rows.insert(id.clone(), (modified, false));
        model.writes.push(("local_mzi_update_student".into(), id.clone(), status.into()));
        Reply::json(json!({"status": status, "id": 1, "zoho_id": id, "message": "", "parent_entity": "", "parent_zoho_id": "", "moodle_user_id": 0}))
    });
    let m = model.clone();
    moodle.respond_with("local_mzi_delete_student", move |call| {
        let id = call.field("zoho_student_id").unwrap_or_default().to_owned();
        let mut model = m.lock().unwrap();
        let status = match model.rows.get_mut(&id) {
            None => "absent",
            Some((_, deleted)) if *deleted => "unchanged",
            Some((_, deleted)) => {
                *deleted = true;
                "deleted"
            }
        };
        model.writes.push(("local_mzi_delete_student".into(), id.clone(), status.into()));
        Reply::json(
            json!({"status": status, "id": 1, "zoho_id": id, "message": "", "parent_entity": "", "parent_zoho_id": ""}),
        )
    });
}
