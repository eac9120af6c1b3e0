//! `enrollment_updated` / `enrollment_deleted` through the handler, against the Zoho simulator
//! (seeded from `fixtures/zoho/`) and a stand-in Moodle replaying responses recorded from
//! Moodle 4.5 (`fixtures/moodle/`, ids adapted to the seed where the test needs it).

use serde_json::{Map, Value, json};
use shared::testkit::recorded as fixture;
use shared::testkit::{self, RecordedCall, Reply};
use shared::webhook::handle;
use shared::{App, ZohoId};
use zoho_sim::{Faults, Simulator};

const ENROLMENT: &str = "5398830000100000701";
const ENROLMENT_2: &str = "5398830000100000702";
const STUDENT_2: &str = "5398830000100000002";
const CLASS: &str = "5398830000100000401";
const UPDATE: &str = "local_mzi_update_enrollment";
const DELETE: &str = "local_mzi_delete_enrollment";

type Env = testkit::Doubles;

async fn env() -> Env {
    testkit::Doubles::start().await
}

async fn post(env: &Env, endpoint: &str, id: &str) -> (u16, Value) {
    let request = testkit::zoho_webhook(endpoint, id, "BTEC_Enrollments");
    testkit::response_json(&handle(&env.app, enrol::FUNCTION, &enrol::Enrol, request).await)
}

/// One recorded item of a batch answer, with some keys replaced.
fn item(name: &str, index: usize, patch: Value) -> Value {
    let mut item = fixture(name)["results"][index].clone();
    for (key, value) in patch.as_object().unwrap() {
        item[key] = value.clone();
    }
    item
}

fn batch(items: Vec<Value>) -> Reply {
    Reply::json(json!({"results": items}))
}

/// The recorded "created, enrolled" item, for `id`.
fn enrolled(id: &str, status: &str) -> Reply {
    batch(vec![item(&format!("{UPDATE}.batch"), 0, json!({"zoho_id": id, "status": status}))])
}

fn functions(calls: &[RecordedCall]) -> Vec<&str> {
    calls.iter().map(|c| c.function.as_str()).collect()
}

/// The `enrol_action` the answer reports.
fn enrol_action(body: &Value) -> &str {
    body["actions"]
        .as_array()
        .and_then(|actions| actions.iter().find(|a| a["step"] == "moodle enrolment"))
        .and_then(|a| a["result"].as_str())
        .unwrap_or("")
}

#[tokio::test]
async fn an_active_enrolment_is_sent_with_its_links_and_status() {
    let env = env().await;
    env.moodle.respond(UPDATE, enrolled(ENROLMENT, "created"));
    let (status, body) = post(&env, "enrollment_updated", ENROLMENT).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "ok");
    assert_eq!(enrol_action(&body), "enrolled");
    let calls = env.moodle.calls();
    assert_eq!(functions(&calls), [UPDATE]);
    let call = &calls[0];
    assert_eq!(call.field("enrollments[0][zoho_enrollment_id]"), Some(ENROLMENT));
    assert_eq!(call.field("enrollments[0][zoho_student_id]"), Some("5398830000100000001"));
    assert_eq!(call.field("enrollments[0][zoho_class_id]"), Some(CLASS));
    assert_eq!(call.field("enrollments[0][enrollment_status]"), Some("Active"));
    assert_eq!(call.field("enrollments[0][zoho_modified_time]"), Some("2026-02-22T09:05:00+03:00"));
    assert_eq!(call.field("enrollments[0][enrollment_date]"), Some("2026-03-02"));
    assert_eq!(call.field("enrollments[0][enrollment_type]"), Some("Normal"));
    assert!(
        call.fields.iter().all(|(k, _)| !k.contains("moodle_course_id")),
        "Zoho's Moodle_Course_ID never picks the course (B23)"
    );
    assert!(call.fields.iter().all(|(k, _)| k.starts_with("enrollments[0][")), "{:?}", call.fields);
}

#[tokio::test]
async fn repeat_delivery_sends_the_same_item_and_succeeds_again() {
    let env = env().await;
    env.moodle.respond_once(UPDATE, enrolled(ENROLMENT, "created"));
    env.moodle.respond_once(UPDATE, enrolled(ENROLMENT, "unchanged"));
    let (first, body1) = post(&env, "enrollment_updated", ENROLMENT).await;
    let (second, body2) = post(&env, "enrollment_updated", ENROLMENT).await;
    assert_eq!((first, second), (200, 200), "{body1} {body2}");
    assert_eq!(body2["status"], "ok");
    let calls = env.moodle.calls();
    assert_eq!(functions(&calls), [UPDATE, UPDATE], "no parent sync, no extra write on a repeat");
    assert_eq!(calls[0].fields, calls[1].fields, "the same upsert, keyed by the Zoho id");
}

#[tokio::test]
async fn a_missing_student_is_synced_first_then_the_enrolment_again() {
    let env = env().await;
    let parent_missing = item(
        &format!("{UPDATE}.batch"),
        1,
        json!({"zoho_id": ENROLMENT_2, "parent_entity": "student", "parent_zoho_id": STUDENT_2}),
    );
    env.moodle.respond_once(UPDATE, batch(vec![parent_missing]));
    env.moodle.respond(UPDATE, enrolled(ENROLMENT_2, "created"));
    env.moodle.respond("local_mzi_update_student", Reply::fixture("local_mzi_update_student.created"));
    let (status, body) = post(&env, "enrollment_updated", ENROLMENT_2).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "ok");
    let calls = env.moodle.calls();
    assert_eq!(functions(&calls), [UPDATE, "local_mzi_update_student", UPDATE]);
    assert_eq!(calls[1].field("student[zoho_student_id]"), Some(STUDENT_2));
    assert_eq!(calls[0].fields, calls[2].fields, "the same item is sent again");
    assert_eq!(enrol_action(&body), "enrolled");
}

#[tokio::test]
async fn a_missing_class_is_synced_first_then_the_enrolment_again() {
    let env = env().await;
    let missing_class = item(
        &format!("{UPDATE}.batch"),
        1,
        json!({"zoho_id": ENROLMENT, "parent_entity": "class", "parent_zoho_id": CLASS}),
    );
    env.moodle.respond_once(UPDATE, batch(vec![missing_class]));
    env.moodle.respond(UPDATE, enrolled(ENROLMENT, "created"));
    env.moodle.respond(
        "local_mzi_get_moodle_ids",
        Reply::json(json!({"students": [], "classes": [{"zoho_id": CLASS, "exists": false, "id": 0, "deleted": false, "moodle_id": 0}], "registrations": [], "teachers": []})),
    );
    env.moodle.respond("local_mzi_sync_teacher", Reply::fixture("local_mzi_sync_teacher.created"));
    env.moodle.respond("local_mzi_create_class", Reply::fixture("local_mzi_create_class.created_course"));
    let (status, body) = post(&env, "enrollment_updated", ENROLMENT).await;
    assert_eq!(status, 200, "{body}");
    let calls = env.moodle.calls();
    let sequence = functions(&calls);
    assert_eq!(sequence.first(), Some(&UPDATE));
    assert_eq!(sequence.last(), Some(&UPDATE));
    assert_eq!(sequence.iter().filter(|f| **f == UPDATE).count(), 2, "{sequence:?}");
    let class_call = calls.iter().find(|c| c.function == "local_mzi_create_class").expect("the class is synced");
    assert_eq!(class_call.field("class[zoho_class_id]"), Some(CLASS));
    assert!(
        calls.iter().filter(|c| c.function == UPDATE).count() == 2,
        "the class parent is synced without re-sending the class's other enrolments"
    );
}

#[tokio::test]
async fn a_student_that_zoho_does_not_have_is_a_clear_error_not_a_loop() {
    let env = env().await;
    let ghost = "5398830000199999999";
    env.zoho.insert_records(
        "BTEC_Enrollments",
        [json!({"id": "5398830000100000709", "Enrolled_Students": {"id": ghost, "name": "x"}, "Classes": {"id": CLASS, "name": "c"},
                "Enrollment_Status": "Active", "Modified_Time": "2026-02-22T09:05:00+03:00"})],
    );
    let parent_missing = item(&format!("{UPDATE}.batch"), 1, json!({"zoho_id": "5398830000100000709"}));
    env.moodle.respond(UPDATE, batch(vec![parent_missing]));
    let (status, body) = post(&env, "enrollment_updated", "5398830000100000709").await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["code"], "parent_missing_in_zoho");
    assert_eq!(body["error"]["retryable"], false);
    assert_eq!(functions(&env.moodle.calls()), [UPDATE], "nothing to send for a student Zoho does not have");
}

#[tokio::test]
async fn status_transitions_active_withdrawn_active() {
    let env = env().await;
    let id = ZohoId::parse(ENROLMENT).unwrap();
    let set_status = |status: &'static str| {
        let app = env.app.clone();
        let id = id.clone();
        async move {
            let mut fields = Map::new();
            fields.insert("Enrollment_Status".into(), json!(status));
            app.zoho.update_record::<shared::zoho::Enrollment>(&id, fields).await.unwrap();
        }
    };
    env.moodle.respond_once(UPDATE, enrolled(ENROLMENT, "created"));
    let withdrawn = fixture(&format!("{UPDATE}.withdrawn"))["results"][0].clone();
    let mut withdrawn = withdrawn;
    withdrawn["zoho_id"] = json!(ENROLMENT);
    env.moodle.respond_once(UPDATE, batch(vec![withdrawn]));
    env.moodle.respond_once(
        UPDATE,
        batch(vec![item(
            &format!("{UPDATE}.batch"),
            0,
            json!({"zoho_id": ENROLMENT, "status": "updated", "user_tier": "stored"}),
        )]),
    );

    let (_, active) = post(&env, "enrollment_updated", ENROLMENT).await;
    set_status("Withdrawn").await;
    let (status, withdrawn) = post(&env, "enrollment_updated", ENROLMENT).await;
    assert_eq!(status, 200, "{withdrawn}");
    set_status("Active").await;
    let (_, again) = post(&env, "enrollment_updated", ENROLMENT).await;

    let sent: Vec<_> = env
        .moodle
        .calls_to(UPDATE)
        .iter()
        .map(|c| c.field("enrollments[0][enrollment_status]").unwrap().to_owned())
        .collect();
    assert_eq!(sent, ["Active", "Withdrawn", "Active"]);
    assert_eq!(
        [enrol_action(&active), enrol_action(&withdrawn), enrol_action(&again)],
        ["enrolled", "suspended", "enrolled"]
    );
    let times: Vec<_> = env
        .moodle
        .calls_to(UPDATE)
        .iter()
        .map(|c| c.field("enrollments[0][zoho_modified_time]").unwrap().to_owned())
        .collect();
    assert_ne!(times[0], times[1], "each edit carries its own Modified_Time for the stale guard");
}

#[tokio::test]
async fn an_enrolment_without_a_student_is_skipped_without_calling_moodle() {
    let env = env().await;
    env.zoho.insert_records(
        "BTEC_Enrollments",
        [json!({"id": "5398830000100000708", "Enrolled_Students": null, "Classes": {"id": CLASS, "name": "c"},
                "Modified_Time": "2026-02-22T09:05:00+03:00"})],
    );
    let (status, body) = post(&env, "enrollment_updated", "5398830000100000708").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "skipped");
    assert!(body["reason"].as_str().unwrap().starts_with("missing_student_data"), "{body}");
    assert!(env.moodle.calls().is_empty());
}

#[tokio::test]
async fn a_zoho_failure_is_retryable_not_a_skip() {
    let env = env().await;
    env.zoho.set_faults(Faults { api_status: Some(500), ..Faults::default() });
    let (status, body) = post(&env, "enrollment_updated", ENROLMENT).await;
    assert!(status >= 500, "{status} {body}");
    assert_eq!(body["error"]["retryable"], true, "{body}");
    assert!(env.moodle.calls().is_empty(), "nothing is written after a failed read");
}

#[tokio::test]
async fn an_enrolment_zoho_no_longer_has_is_skipped() {
    let env = env().await;
    let (status, body) = post(&env, "enrollment_updated", "5398830000100000799").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "skipped");
    assert!(env.moodle.calls().is_empty());
}

#[tokio::test]
async fn a_failed_item_is_an_error_answer_with_its_errorcode() {
    let env = env().await;
    env.moodle.respond(UPDATE, batch(vec![item(&format!("{UPDATE}.batch"), 2, json!({"zoho_id": ENROLMENT}))]));
    let (status, body) = post(&env, "enrollment_updated", ENROLMENT).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["retryable"], false);
    assert!(body["error"]["message"].as_str().unwrap().contains("invalidtimestamp"), "{body}");
    assert!(body.get("status").is_none(), "never a success body");

    // A transient item failure is retryable.
    env.moodle.respond(
        UPDATE,
        batch(vec![item(
            &format!("{UPDATE}.batch"),
            2,
            json!({"zoho_id": ENROLMENT, "errorcode": "locktimeout", "message": "lock"}),
        )]),
    );
    let (status, body) = post(&env, "enrollment_updated", ENROLMENT).await;
    assert_eq!(status, 502, "{body}");
    assert_eq!(body["error"]["retryable"], true);
}

#[tokio::test]
async fn a_stale_item_answers_stale() {
    let env = env().await;
    env.moodle.respond(UPDATE, enrolled(ENROLMENT, "stale"));
    let (status, body) = post(&env, "enrollment_updated", ENROLMENT).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "stale");
}

#[tokio::test]
async fn a_student_without_a_moodle_account_is_stored_and_the_answer_says_so() {
    let env = env().await;
    env.moodle.respond(
        UPDATE,
        batch(vec![item(
            &format!("{UPDATE}.batch"),
            0,
            json!({"zoho_id": ENROLMENT, "enrol_action": "user_not_found", "moodle_user_id": 0, "user_tier": "none"}),
        )]),
    );
    let (status, body) = post(&env, "enrollment_updated", ENROLMENT).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(enrol_action(&body), "user_not_found");
    assert!(body["reason"].as_str().unwrap().contains("not enrolled"), "{body}");
}

#[tokio::test]
async fn delete_withdraws_and_a_repeat_or_unknown_id_is_success() {
    let env = env().await;
    // While Zoho still has the enrolment, the delete is refused and Moodle is not called.
    let (status, body) = post(&env, "enrollment_deleted", ENROLMENT).await;
    assert_eq!((status, body["error"]["code"].as_str()), (409, Some("record_still_exists")), "{body}");
    assert!(env.moodle.calls().is_empty());
    env.zoho.reset_log();
    let mut deleted = fixture(&format!("{DELETE}.deleted"));
    deleted["enrol_action"] = json!("suspended");
    env.moodle.respond_once(DELETE, Reply::json(deleted.clone()));
    let mut again = deleted;
    again["status"] = json!("unchanged");
    env.moodle.respond_once(DELETE, Reply::json(again));
    env.moodle.respond_once(DELETE, Reply::fixture(&format!("{DELETE}.absent")));

    let (first, body) = post(&env, "enrollment_deleted", "5398830000100000401").await;
    assert_eq!(first, 200, "{body}");
    assert_eq!(enrol_action(&body), "suspended");
    let (second, body) = post(&env, "enrollment_deleted", "5398830000100000401").await;
    assert_eq!(second, 200, "{body}");
    assert_eq!(body["status"], "ok");
    let (third, body) = post(&env, "enrollment_deleted", "5398830000199999990").await;
    assert_eq!(third, 200, "{body}");
    let calls = env.moodle.calls();
    assert_eq!(functions(&calls), [DELETE, DELETE, DELETE]);
    assert_eq!(calls[0].fields, [("zoho_enrollment_id".to_owned(), "5398830000100000401".to_owned())]);
    assert_eq!(env.zoho.stats().gets, 3, "a delete costs one Zoho read");
}

#[tokio::test]
async fn plan_mode_shows_the_call_without_sending_it() {
    let zoho = Simulator::start_from_dir(testkit::workspace_root().join("fixtures/zoho")).await.unwrap();
    let app = App::new(testkit::settings(None, &zoho.base_url()));
    let request = testkit::zoho_webhook("enrollment_updated", ENROLMENT, "BTEC_Enrollments");
    let (status, body) = testkit::response_json(&handle(&app, enrol::FUNCTION, &enrol::Enrol, request).await);
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["mode"], "plan");
    assert_eq!(body["planned_moodle_calls"][0]["function"], UPDATE, "{body}");
    assert_eq!(enrol_action(&body), "planned");
}

/// The sample events in `events/` (as API Gateway delivers them) work with this handler.
#[tokio::test]
async fn sample_events_are_handled() {
    let env = env().await;
    env.moodle.respond(UPDATE, enrolled(ENROLMENT, "created"));
    env.moodle.respond(DELETE, Reply::fixture(&format!("{DELETE}.deleted")));
    for name in ["enrollment_updated", "enrollment_deleted"] {
        let path = testkit::workspace_root().join("events").join(format!("{name}.json"));
        let mut event: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        // The sample carries the local-dev secret; the tests' settings use the test secret.
        event["headers"]["x-webhook-secret"] = json!(testkit::TEST_WEBHOOK_SECRET);
        let request = lambda_http::request::from_str(&event.to_string()).unwrap();
        if name.ends_with("_deleted") {
            // A delete is applied only once Zoho no longer has the record.
            let body: Value = serde_json::from_str(event["body"].as_str().unwrap()).unwrap();
            env.zoho.delete_record("BTEC_Enrollments", body["zoho_id"].as_str().unwrap());
        }
        let (status, body) = testkit::response_json(&handle(&env.app, enrol::FUNCTION, &enrol::Enrol, request).await);
        assert_eq!(status, 200, "{name}: {body}");
        assert_eq!(body["endpoint"], name);
    }
    assert_eq!(functions(&env.moodle.calls()), [UPDATE, DELETE]);
}
