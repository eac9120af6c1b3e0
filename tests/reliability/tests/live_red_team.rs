//! Findings of the red-team review (`notes/attack.md` of the session), against a live Moodle 4.5
//! with the plugin (`MOODLE_URL`, `MOODLE_TOKEN`). The text of a Zoho record flows through the
//! Lambdas into the plugin, so whoever can edit a record chooses it.
//!
//! - A student number `Guest` is the username of Moodle's guest account once lower-cased. Linked,
//!   the guest account was enrolled as a student, and then every visitor who clicks "Log in as a
//!   guest" was a participant of the course (found in the red-team review, `notes/attack.md`).
//! - A student number `admin` is the site administrator of a standard installation: never a
//!   student's account either.
//!
//! - A grade that arrives before its class stayed without its class for good (`class_id` empty
//!   until Zoho sent that grade again): the class's arrival now links it.
//!
//! - Zoho's `Student_Moodle_ID` linked any active, unlinked, non-admin account to the student
//!   (finding N1): that person then saw the student's payments and grades in "My studies". The id
//!   is now accepted only for an account that is the student's (e-mail = academic e-mail, or
//!   username = student number). The only account the sync token can name without creating one is
//!   its own, so the token's account stands in for "another person".
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

#[tokio::test]
#[ignore = "live: needs MOODLE_URL and MOODLE_TOKEN (a Moodle 4.5 with the plugin)"]
async fn live_a_grade_sent_before_its_class_is_linked_when_the_class_arrives() {
    let (url, token) = testkit::live_moodle();
    let run = run_digits();
    let app = App::new(testkit::live_settings(&url, &token, "http://127.0.0.1:9"));
    let (student, class, grade) = (zoho_id(71, run), zoho_id(72, run), zoho_id(73, run));
    let _: Value = app
        .moodle
        .call(
            "local_mzi_update_student",
            &json!({"student": {"zoho_student_id": student, "zoho_modified_time": now_iso(), "first_name": "Late"}}),
        )
        .await
        .expect("the plugin stores the student");
    let grade_at = |time: &str| {
        json!({"grade": {"zoho_grade_id": grade, "zoho_modified_time": time, "zoho_student_id": student,
            "zoho_class_id": class, "grade": "M"}})
    };
    let first: Value = app.moodle.call("local_mzi_submit_grade", &grade_at(&now_iso())).await.expect("grade stored");
    assert_eq!((first["status"].as_str(), first["class_id"].as_i64()), (Some("created"), Some(0)), "{first}");

    let created: Value = app
        .moodle
        .call(
            "local_mzi_create_class",
            &json!({"class": {"zoho_class_id": class, "zoho_modified_time": now_iso(),
                "class_name": format!("Late class {run}")}}),
        )
        .await
        .expect("the plugin stores the class");
    let class_row = created["id"].as_i64().expect("the class row id");

    // An older version of the grade is stale: the plugin writes nothing and answers the stored row,
    // so its class_id is what the class's arrival left there.
    let stale: Value = app
        .moodle
        .call("local_mzi_submit_grade", &grade_at("2020-01-01T00:00:00+00:00"))
        .await
        .expect("the plugin answers the stale grade");
    assert_eq!(stale["status"], "stale", "{stale}");
    assert_eq!(stale["class_id"].as_i64(), Some(class_row), "the grade is linked to its class: {stale}");
}

/// Stores a student with `Student_Moodle_ID` = `userid`, then soft-deletes it (which releases any
/// link it got, so a failed run leaves no link behind); the answer of the store.
async fn store_then_delete(app: &App, student: &str, fields: Value) -> Value {
    let mut record = json!({"zoho_student_id": student, "zoho_modified_time": now_iso(), "first_name": "Link"});
    record.as_object_mut().expect("an object").extend(fields.as_object().expect("an object").clone());
    let stored: Value =
        app.moodle.call("local_mzi_update_student", &json!({"student": record})).await.expect("the plugin answers");
    let _: Value = app
        .moodle
        .call("local_mzi_delete_student", &json!({"zoho_student_id": student}))
        .await
        .expect("the plugin deletes the student");
    stored
}

#[tokio::test]
#[ignore = "live: needs MOODLE_URL and MOODLE_TOKEN (a Moodle 4.5 with the plugin)"]
async fn live_a_student_moodle_id_never_links_an_account_that_is_not_the_students() {
    let (url, token) = testkit::live_moodle();
    let run = run_digits();
    let app = App::new(testkit::live_settings(&url, &token, "http://127.0.0.1:9"));
    let me: Value = app.moodle.call("core_webservice_get_site_info", &json!({})).await.expect("site info");
    let (userid, username) = (me["userid"].as_i64().expect("userid"), me["username"].as_str().expect("username"));

    // Someone types the token account's id into a student whose e-mail and number are not its own.
    let foreign = store_then_delete(
        &app,
        &zoho_id(81, run),
        json!({"student_id": format!("N1-{run}"), "academic_email": format!("n1.{run}@college.example.com"),
            "moodle_user_id": userid}),
    )
    .await;
    assert_eq!(foreign["moodle_user_id"], 0, "an unrelated account is never linked: {foreign}");
    assert!(
        foreign["message"].as_str().unwrap_or("").contains("Student_Moodle_ID"),
        "the answer says the id was ignored because it is not the student's: {foreign}"
    );

    // The same id for a student whose number is the account's username (any case) is linked.
    let own = store_then_delete(
        &app,
        &zoho_id(82, run),
        json!({"student_id": username.to_uppercase(), "moodle_user_id": userid}),
    )
    .await;
    assert_eq!(own["moodle_user_id"].as_i64(), Some(userid), "the student's own account is linked: {own}");
}
