//! `sync::enrollment::sync_batch`: parent-first resolution per item, only the waiting items sent
//! again, and one bad parent never sinking the rest of a class.

use serde_json::{Value, json};
use shared::sync::Trail;
use shared::sync::enrollment::sync_batch;
use shared::testkit::{self, Reply, StandInMoodle};
use shared::{App, ZohoId};
use zoho_sim::Simulator;

const UPDATE: &str = "local_mzi_update_enrollment";
const GHOST_STUDENT: &str = "5398830000199999999";

fn result(id: &str, status: &str, parent: Option<(&str, &str)>) -> Value {
    let (entity, parent_id) = parent.unwrap_or(("", ""));
    json!({"status": status, "id": 0, "zoho_id": id, "message": "m", "parent_entity": entity, "parent_zoho_id": parent_id,
           "moodle_user_id": 0, "moodle_course_id": 0, "user_tier": "none", "enrol_action": "none", "errorcode": ""})
}

async fn setup() -> (Simulator, StandInMoodle, std::sync::Arc<App>, Vec<shared::zoho::Enrollment>) {
    let zoho = Simulator::start_from_dir(testkit::workspace_root().join("fixtures/zoho")).await.unwrap();
    zoho.insert_records(
        "BTEC_Enrollments",
        [json!({"id": "5398830000100000709", "Enrolled_Students": {"id": GHOST_STUDENT, "name": "x"},
                "Classes": {"id": "5398830000100000401", "name": "c"}, "Modified_Time": "2026-02-22T09:05:00+03:00"})],
    );
    let moodle = StandInMoodle::start().await;
    let app = App::new(testkit::settings(Some(moodle.base_url()), &zoho.base_url()));
    let mut records = Vec::new();
    for id in ["5398830000100000701", "5398830000100000702", "5398830000100000709"] {
        records.push(app.zoho.get::<shared::zoho::Enrollment>(&ZohoId::parse(id).unwrap()).await.unwrap().unwrap());
    }
    (zoho, moodle, app, records)
}

#[tokio::test]
async fn only_items_whose_parent_was_synced_are_sent_again() {
    let (_zoho, moodle, app, records) = setup().await;
    moodle.respond_once(
        UPDATE,
        Reply::json(json!({"results": [
            result("5398830000100000701", "created", None),
            result("5398830000100000702", "parent_missing", Some(("student", "5398830000100000002"))),
            result("5398830000100000709", "parent_missing", Some(("student", GHOST_STUDENT))),
        ]})),
    );
    moodle.respond_once(UPDATE, Reply::json(json!({"results": [result("5398830000100000702", "created", None)]})));
    moodle.respond("local_mzi_update_student", Reply::fixture("local_mzi_update_student.created"));

    let mut trail = Trail::new();
    let report = sync_batch(&app, &records, &mut trail).await.unwrap();
    assert_eq!(report.moodle_calls, 2);
    assert_eq!(report.count("created"), 2);
    assert_eq!(report.unresolved().len(), 1, "the ghost student's enrolment stays unapplied");
    assert_eq!(report.parent_failures.len(), 1);
    assert_eq!(report.parent_failures[0].zoho_id, GHOST_STUDENT);
    assert_eq!(report.parent_failures[0].code, "parent_missing_in_zoho");
    let calls = moodle.calls_to(UPDATE);
    assert!(calls[1].field("enrollments[0][zoho_enrollment_id]") == Some("5398830000100000702"));
    assert!(calls[1].field("enrollments[1][zoho_enrollment_id]").is_none(), "only the item that waited is re-sent");
    assert_eq!(moodle.calls_to("local_mzi_update_student").len(), 1, "the ghost is never sent to Moodle");
}

#[tokio::test]
async fn a_parent_moodle_still_misses_after_its_sync_does_not_loop() {
    let (_zoho, moodle, app, records) = setup().await;
    let missing = |id: &str| result(id, "parent_missing", Some(("student", "5398830000100000002")));
    moodle.respond(UPDATE, Reply::json(json!({"results": [missing("5398830000100000702")]})));
    moodle.respond("local_mzi_update_student", Reply::fixture("local_mzi_update_student.created"));
    let mut trail = Trail::new();
    let report = sync_batch(&app, &records[1..2], &mut trail).await.unwrap();
    assert_eq!(report.parent_failures[0].code, "parent_not_stored");
    assert_eq!(report.moodle_calls, 2);
    assert_eq!(moodle.calls_to("local_mzi_update_student").len(), 1);
}

#[tokio::test]
async fn a_parent_moodle_refuses_is_reported_and_a_transient_fault_fails_the_batch() {
    let (_zoho, moodle, app, records) = setup().await;
    let answer = json!({"results": [
        result("5398830000100000701", "parent_missing", Some(("student", "5398830000100000001"))),
        result("5398830000100000702", "created", None),
    ]});
    moodle.respond(UPDATE, Reply::json(answer.clone()));
    moodle.respond("local_mzi_update_student", Reply::fixture("local_mzi_update_student.invalidparameter"));
    let mut trail = Trail::new();
    let report = sync_batch(&app, &records[..2], &mut trail).await.unwrap();
    assert_eq!(report.count("created"), 1, "the other student is enrolled all the same");
    assert_eq!(report.parent_failures.len(), 1);
    assert_eq!(report.parent_failures[0].code, "moodle_rejected");

    moodle.respond("local_mzi_update_student", Reply::exception("dmlwriteexception", "db"));
    let mut trail = Trail::new();
    let err = sync_batch(&app, &records[..2], &mut trail).await.unwrap_err();
    assert!(err.retry().is_retryable(), "{err}");
}
