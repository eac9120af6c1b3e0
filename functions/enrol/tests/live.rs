//! Live: `enrollment_updated` / `enrollment_deleted` through the handler against a real Moodle 4.5
//! with the plugin (MOODLE_URL, MOODLE_TOKEN) and the Zoho simulator. Skipped when unset.
//!
//! Each run uses its own Zoho ids, so runs do not disturb each other or other data on the site.
//! The Moodle account is found by the plugin's tier 3: username = lower(student number); the
//! number defaults to `S1001` (the local test site's `s1001`), or `LIVE_STUDENT_NUMBER`.

use serde_json::{Value, json};
use shared::testkit;
use shared::webhook::handle;
use shared::{App, ZohoId};

async fn post(app: &App, endpoint: &str, id: &str) -> (u16, Value) {
    let request = testkit::zoho_webhook(endpoint, id, "BTEC_Enrollments");
    testkit::response_json(&handle(app, enrol::FUNCTION, &enrol::Enrol, request).await)
}

fn enrol_action(body: &Value) -> &str {
    body["actions"]
        .as_array()
        .and_then(|a| a.iter().find(|a| a["step"] == "moodle enrolment"))
        .and_then(|a| a["result"].as_str())
        .unwrap_or("")
}

fn detail<'a>(body: &'a Value, key: &str) -> &'a Value {
    body["actions"]
        .as_array()
        .and_then(|a| a.iter().find(|a| a["step"] == "moodle enrolment"))
        .map(|a| &a["detail"][key])
        .unwrap_or(&Value::Null)
}

#[tokio::test]
#[ignore = "live: needs MOODLE_URL and MOODLE_TOKEN (a Moodle 4.5 with the plugin)"]
async fn live_enrolment_parent_first_status_transitions_and_delete() {
    let (url, token) = testkit::live_moodle();
    let run = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() % 10_000_000;
    let student = format!("539883000081{run:07}");
    let programme = format!("539883000082{run:07}");
    let class = format!("539883000084{run:07}");
    let enrolment = format!("539883000087{run:07}");
    let number = std::env::var("LIVE_STUDENT_NUMBER").unwrap_or_else(|_| "S1001".to_owned());

    let zoho = testkit::seeded_zoho().await;
    let ids = testkit::LiveEnrolment { student: &student, programme: &programme, class: &class, enrolment: &enrolment };
    ids.seed(&zoho, &number, "Live", run);
    let app = App::new(testkit::live_settings(&url, &token, &zoho.base_url()));

    // Neither the student nor the class is in Moodle: both are synced first.
    let (status, body) = post(&app, "enrollment_updated", &enrolment).await;
    eprintln!("enrollment_updated (new): {status} {body}");
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "ok");
    let steps: Vec<&str> = body["actions"].as_array().unwrap().iter().map(|a| a["step"].as_str().unwrap()).collect();
    assert!(steps.contains(&"local_mzi_update_student"), "the student is synced first: {steps:?}");
    assert!(steps.contains(&"local_mzi_create_class"), "the class is synced first: {steps:?}");
    assert_eq!(enrol_action(&body), "enrolled", "{body}");
    let course = detail(&body, "moodle_course_id").as_i64().unwrap();
    let user = detail(&body, "moodle_user_id").as_i64().unwrap();
    assert!(course > 0 && user > 0, "{body}");

    // What the plugin now holds.
    let ids: Value = app
        .moodle
        .call_value("local_mzi_get_moodle_ids", &json!({"student_ids": [student], "class_ids": [class]}))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ids["students"][0]["exists"], true, "{ids}");
    assert_eq!(ids["students"][0]["moodle_id"], user, "{ids}");
    assert_eq!(ids["classes"][0]["exists"], true, "{ids}");
    assert_eq!(ids["classes"][0]["moodle_id"], course, "the enrolment went into the class's course: {ids}");

    // A repeat changes nothing.
    let (status, body) = post(&app, "enrollment_updated", &enrolment).await;
    assert_eq!(status, 200, "{body}");
    assert!(["unchanged", "enrolled"].contains(&enrol_action(&body)), "{body}");
    let last_upsert =
        body["actions"].as_array().unwrap().iter().rev().find(|a| a["step"] == "local_mzi_update_enrollment").unwrap();
    assert_eq!(last_upsert["detail"]["by_status"], json!({"unchanged": 1}), "{body}");

    // Withdrawn → suspended; Active again → enrolled. Each edit gets a newer Modified_Time.
    for (zoho_status, expected) in [("Withdrawn", "suspended"), ("Active", "enrolled")] {
        tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
        let mut fields = serde_json::Map::new();
        fields.insert("Enrollment_Status".into(), json!(zoho_status));
        app.zoho.update_record::<shared::zoho::Enrollment>(&ZohoId::parse(&enrolment).unwrap(), fields).await.unwrap();
        let (status, body) = post(&app, "enrollment_updated", &enrolment).await;
        eprintln!("enrollment_updated ({zoho_status}): {status} {body}");
        assert_eq!(status, 200, "{body}");
        assert_eq!(enrol_action(&body), expected, "{zoho_status}: {body}");
    }

    // While Zoho still has the enrolment, a delete is refused and Moodle keeps it.
    let (status, body) = post(&app, "enrollment_deleted", &enrolment).await;
    eprintln!("enrollment_deleted (still in Zoho): {status} {body}");
    assert_eq!((status, body["error"]["code"].as_str()), (409, Some("record_still_exists")), "{body}");

    // Delete in Zoho: withdrawn in Moodle (suspended by default); a repeat is success.
    assert!(zoho.delete_record("BTEC_Enrollments", &enrolment));
    let (status, body) = post(&app, "enrollment_deleted", &enrolment).await;
    eprintln!("enrollment_deleted: {status} {body}");
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["actions"][1]["result"], "deleted", "{body}");
    assert!(["suspended", "unenrolled", "unchanged"].contains(&enrol_action(&body)), "{body}");
    let (status, body) = post(&app, "enrollment_deleted", &enrolment).await;
    eprintln!("enrollment_deleted (again): {status} {body}");
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["actions"][1]["result"], "unchanged", "{body}");

    // One Moodle account, one student: delete this run's student so the next run's student may take the account
    // (the plugin releases the link of a deleted student).
    let deleted =
        app.moodle.call_value("local_mzi_delete_student", &json!({"zoho_student_id": student})).await.unwrap().unwrap();
    assert_eq!(deleted["status"], "deleted", "{deleted}");
}
