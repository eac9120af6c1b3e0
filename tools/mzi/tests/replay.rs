//! `mzi replay` end to end for a poison record: a value Moodle cannot store is kept in the dead
//! store with its reason at once, `--list` shows it, a replay before the fix keeps it (exit 1),
//! and once the cause is fixed a replay brings the record in and empties the store.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use common::{mzi, simulator, source};
use shared::App;
use shared::capture::{FailureSink, SpoolSink, Store};
use shared::testkit::{self, Reply, StandInMoodle};
use shared::webhook::Endpoint;

const STUDENT: &str = "5398830000100000001";

/// The stand-in plugin: `city` is a 255-character column until `widened`.
fn model_city_column(moodle: &StandInMoodle, widened: Arc<AtomicBool>) {
    moodle.respond_with("local_mzi_update_student", move |call| {
        let city = call.field("student[city]").unwrap_or_default().chars().count();
        if city > 255 && !widened.load(Ordering::SeqCst) {
            return Reply::json(serde_json::json!({
                "exception": "dml_write_exception",
                "errorcode": "dmlwriteexception",
                "message": "Error writing to database",
                "debuginfo": "ERROR:  value too long for type character varying(255)\nUPDATE mdl_local_mzi_students SET city = $1"
            }));
        }
        let id = call.field("student[zoho_student_id]").unwrap_or_default().to_owned();
        Reply::json(serde_json::json!({"status": "created", "id": 1, "zoho_id": id, "message": "", "parent_entity": "", "parent_zoho_id": "", "moodle_user_id": 0}))
    });
}

#[tokio::test]
async fn a_poison_record_is_listed_with_its_reason_and_replay_brings_it_in_after_the_fix() {
    let sim = simulator().await;
    let mut record = sim.record("BTEC_Students", STUDENT).expect("the seed student");
    record["City"] = "C".repeat(300).into();
    sim.put_record("BTEC_Students", record);
    let moodle = StandInMoodle::start().await;
    let widened = Arc::new(AtomicBool::new(false));
    model_city_column(&moodle, widened.clone());
    let spool = tempfile::tempdir().unwrap();
    let sink = Arc::new(SpoolSink::new(spool.path()));

    // The webhook: 422, kept in the dead store at once.
    let app = App::with_failure_sink(
        testkit::settings(Some(moodle.base_url()), &sim.base_url()),
        Some(sink.clone() as Arc<dyn FailureSink>),
    );
    let endpoint = Endpoint::StudentUpdated;
    let request = testkit::zoho_webhook(endpoint.name(), STUDENT, endpoint.module());
    let response = shared::webhook::handle(&app, endpoint.function(), worker::processor_for(endpoint), request).await;
    let (status, body) = testkit::response_json(&response);
    assert_eq!(status, 422, "{body}");
    assert!(sink.list(Store::Pending, 10).await.unwrap().is_empty(), "no retry burnt");

    let mut config = source(&sim, Some(moodle.base_url()));
    config.set("SPOOL_DIR", spool.path().to_string_lossy());
    let listed = mzi(&["replay", "--dead", "--list"], config.clone()).await;
    assert!(listed.result.is_ok(), "{}", listed.printed());
    for expected in
        ["student_updated", STUDENT, "moodle_value_refused", "longer than its database column", "not_retryable"]
    {
        assert!(listed.out.contains(expected), "--list shows {expected}:\n{}", listed.out);
    }

    let too_early = mzi(&["replay", "--dead", "--all"], config.clone()).await;
    assert!(too_early.result.is_err(), "failed again: exit 1\n{}", too_early.printed());
    assert_eq!(sink.list(Store::Dead, 10).await.unwrap().len(), 1, "kept, with its latest error");

    widened.store(true, Ordering::SeqCst);
    let replayed = mzi(&["replay", "--dead", "--all"], config).await;
    assert!(replayed.result.is_ok(), "{}", replayed.printed());
    assert!(replayed.out.contains("Replayed 1 of 1"), "{}", replayed.out);
    assert!(sink.list(Store::Dead, 10).await.unwrap().is_empty());
    let applied = moodle.calls_to("local_mzi_update_student").len();
    assert_eq!(applied, 3, "the webhook, the early replay, the replay after the fix");
    common::assert_no_secrets(&replayed.printed());
}

/// A delete captured while Zoho was down, replayed after the record was restored in Zoho: the
/// replay refuses it (nothing deleted in Moodle), says so, removes it from the store, and exits 0.
#[tokio::test]
async fn a_replayed_delete_of_a_record_zoho_still_has_is_refused_and_leaves_the_store() {
    let sim = simulator().await;
    let moodle = StandInMoodle::start().await;
    let spool = tempfile::tempdir().unwrap();
    let sink = Arc::new(SpoolSink::new(spool.path()));
    let app = App::with_failure_sink(
        testkit::settings(Some(moodle.base_url()), &sim.base_url()),
        Some(sink.clone() as Arc<dyn FailureSink>),
    );

    // Zoho is down while the delete arrives: kept for retry, Moodle untouched.
    sim.set_faults(zoho_sim::Faults { api_status: Some(503), ..Default::default() });
    let endpoint = Endpoint::StudentDeleted;
    let request = testkit::zoho_webhook(endpoint.name(), STUDENT, endpoint.module());
    let response = shared::webhook::handle(&app, endpoint.function(), worker::processor_for(endpoint), request).await;
    let (status, body) = testkit::response_json(&response);
    assert_eq!(status, 202, "{body}");
    assert_eq!(sink.list(Store::Pending, 10).await.unwrap().len(), 1, "kept for retry");

    // Zoho is back and still has the student: the replay refuses the delete.
    sim.set_faults(zoho_sim::Faults::default());
    let mut config = source(&sim, Some(moodle.base_url()));
    config.set("SPOOL_DIR", spool.path().to_string_lossy());
    let replayed = mzi(&["replay", "--all"], config).await;
    assert!(replayed.result.is_ok(), "a refusal is a final answer, not a failure:\n{}", replayed.printed());
    for expected in ["student_deleted", STUDENT, "refused", "Replayed 0 of 1", "Refused 1 delete(s)"] {
        assert!(replayed.out.contains(expected), "the output shows {expected}:\n{}", replayed.out);
    }
    assert!(sink.list(Store::Pending, 10).await.unwrap().is_empty(), "the refused message left the store");
    assert!(sink.list(Store::Dead, 10).await.unwrap().is_empty(), "and did not go to the dead store");
    assert!(moodle.calls_to("local_mzi_delete_student").is_empty(), "nothing was deleted in Moodle");
    assert!(sim.record("BTEC_Students", STUDENT).is_some());
    common::assert_no_secrets(&replayed.printed());
}
