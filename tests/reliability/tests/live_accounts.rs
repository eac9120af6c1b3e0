//! Accounts a Zoho edit must never reach, against a live Moodle 4.5 with the plugin
//! (`MOODLE_URL`, `MOODLE_TOKEN`): the text of a Zoho student record flows through the Lambdas
//! into the plugin, so whoever can edit a record chooses it.
//!
//! - A student number `Guest` is the username of Moodle's guest account once lower-cased. Linked,
//!   the guest account was enrolled as a student, and then every visitor who clicks "Log in as a
//!   guest" was a participant of the course (found in the red-team review, `notes/attack.md`).
//! - A student number `admin` is the site administrator of a standard installation: never a
//!   student's account either.
//!
//! The teacher lock-out of the same review (a withdrawn student record that resolves to the class
//! teacher suspended the teacher's enrolment) needs a second account with a known e-mail, which the
//! sync token cannot create: it is covered by `moodle_plugin/tests/account_guard_test.php`.
//!
//! Without the variables each test is reported as ignored, with that reason.

use serde_json::{Value, json};
use shared::App;
use shared::testkit;
use zoho_sim::now_iso;

/// Seven digits of its own per run.
fn run_digits() -> u64 {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    (nanos / 1000 % 10_000_000) as u64
}

/// A 19-digit Zoho id: the tenant prefix, a two-digit tag, the run's digits.
fn zoho_id(tag: u8, run: u64) -> String {
    format!("5398830000{tag:02}{run:07}")
}

/// Stores a student with the student number `number` and enrols it in `class`; the enrolment's
/// item result.
async fn enrol_student_numbered(app: &App, number: &str, student: &str, enrolment: &str, class: &str) -> Value {
    let stored: Value = app
        .moodle
        .call(
            "local_mzi_update_student",
            &json!({"student": {"zoho_student_id": student, "zoho_modified_time": now_iso(), "student_id": number,
                "first_name": "Red", "last_name": "Team"}}),
        )
        .await
        .expect("the plugin stores the student");
    assert_eq!(stored["moodle_user_id"], 0, "{number}: no account is linked when the student is stored: {stored}");
    let answer: Value = app
        .moodle
        .call(
            "local_mzi_update_enrollment",
            &json!({"enrollments": [{"zoho_enrollment_id": enrolment, "zoho_modified_time": now_iso(),
                "zoho_student_id": student, "zoho_class_id": class}]}),
        )
        .await
        .expect("the plugin answers the enrolment");
    answer["results"][0].clone()
}

#[tokio::test]
#[ignore = "live: needs MOODLE_URL and MOODLE_TOKEN (a Moodle 4.5 with the plugin)"]
async fn live_a_zoho_student_number_never_reaches_the_guest_or_the_administrator_account() {
    let (url, token) = testkit::live_moodle();
    let run = run_digits();
    // Zoho is never called here: the plugin is called directly, as the Lambdas do.
    let app = App::new(testkit::live_settings(&url, &token, "http://127.0.0.1:9"));
    let class = zoho_id(61, run);
    let created: Value = app
        .moodle
        .call(
            "local_mzi_create_class",
            &json!({"class": {"zoho_class_id": class, "zoho_modified_time": now_iso(),
                "class_name": format!("Accounts class {run}"), "class_short_name": format!("ACCT-{run}")},
                "createcourse": true}),
        )
        .await
        .expect("the plugin creates the class and its course");
    assert!(created["course_id"].as_i64().unwrap_or(0) > 1, "the class has a course: {created}");

    let guest = enrol_student_numbered(&app, "Guest", &zoho_id(62, run), &zoho_id(63, run), &class).await;
    assert_eq!(guest["moodle_user_id"], 0, "the guest account is never a student's: {guest}");
    assert_eq!(guest["user_tier"], "none", "the guest account is never found: {guest}");
    assert_eq!(guest["enrol_action"], "user_not_found", "{guest}");

    let admin = enrol_student_numbered(&app, "admin", &zoho_id(64, run), &zoho_id(65, run), &class).await;
    assert_eq!(admin["moodle_user_id"], 0, "the site administrator is never a student's: {admin}");
    assert_eq!(admin["enrol_action"], "user_not_found", "{admin}");
    assert!(
        ["refused", "none"].contains(&admin["user_tier"].as_str().unwrap_or("")),
        "refused when the site has an administrator named admin, none when it has no such account: {admin}"
    );
}
