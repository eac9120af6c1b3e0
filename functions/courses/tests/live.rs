//! `class_updated` and `class_deleted` against a real Moodle 4.5 with the plugin installed, Zoho
//! simulated. Reads `MOODLE_URL` and `MOODLE_TOKEN` (a token of the `moodle_zoho_sync` service);
//! without them the test says so and returns (CI has no Moodle).
//!
//! Optional: `MOODLE_CHECK_TOKEN`, a token of a service with `core_course_get_courses_by_field`
//! and `core_enrol_get_enrolled_users`, to check the course and its participants through Moodle
//! core; without it the checks use the plugin's own read (`local_mzi_get_moodle_ids`).
//! `MOODLE_LIVE_CATEGORY_ID` (default 1), `MOODLE_LIVE_TEACHER_EMAIL`,
//! `MOODLE_LIVE_STUDENT_EMAILS` (two, comma-separated) and `MOODLE_LIVE_STAFF` (usernames the
//! plugin's staff settings enrol, comma-separated) describe the site; the defaults are the local
//! test site's (`/work/moodle-env`).

mod common;

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};
use shared::App;
use shared::config::{Settings, Source};
use shared::testkit;
use shared::webhook::Endpoint;
use zoho_sim::Simulator;

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

struct Site {
    url: String,
    check_token: Option<String>,
    http: reqwest::Client,
}

impl Site {
    /// A core web-service call with the checking token.
    async fn core(&self, function: &str, params: &[(&str, String)]) -> Value {
        let token = self.check_token.as_deref().expect("checked by the caller");
        let mut form = vec![
            ("wstoken", token.to_owned()),
            ("wsfunction", function.to_owned()),
            ("moodlewsrestformat", "json".into()),
        ];
        form.extend(params.iter().map(|(k, v)| (*k, v.clone())));
        let answer: Value = self
            .http
            .post(format!("{}/webservice/rest/server.php", self.url))
            .form(&form)
            .send()
            .await
            .expect("Moodle answers")
            .json()
            .await
            .expect("JSON");
        assert!(answer.get("exception").is_none(), "{function}: {answer}");
        answer
    }
}

#[tokio::test]
#[ignore = "live: needs MOODLE_URL and MOODLE_TOKEN (a Moodle 4.5 with the plugin)"]
async fn class_updated_creates_the_course_with_staff_teacher_and_students_in_a_real_moodle() {
    let (url, token) = testkit::live_moodle();
    let category = env("MOODLE_LIVE_CATEGORY_ID").unwrap_or_else(|| "1".into());
    let teacher_email = env("MOODLE_LIVE_TEACHER_EMAIL").unwrap_or_else(|| "teacher1@college.example".into());
    let student_emails: Vec<String> = env("MOODLE_LIVE_STUDENT_EMAILS")
        .unwrap_or_else(|| "ana.student@college.example,lina.haddad@college.example".into())
        .split(',')
        .map(|s| s.trim().to_lowercase())
        .collect();
    let staff: Vec<String> = env("MOODLE_LIVE_STAFF")
        .unwrap_or_else(|| "itsupport,itlead".into())
        .split(',')
        .map(|s| s.trim().to_owned())
        .collect();

    // A class id of its own per run, so each run creates a course (19 digits).
    let run = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() % 100_000_000;
    let class_id = format!("53988300008{run:08}");
    let sim = Simulator::start_from_dir(testkit::workspace_root().join("fixtures/zoho")).await.unwrap();
    let programme_id = "5398830000800000201";
    let teacher_id = "5398830000800000101";
    let mut programme = sim.record("Products", common::PROGRAMME).unwrap();
    programme["id"] = json!(programme_id);
    programme["MoodleID"] = json!(category);
    sim.insert_records("Products", [programme]);
    let mut teacher = sim.record("BTEC_Teachers", common::TEACHER).unwrap();
    teacher["id"] = json!(teacher_id);
    teacher["Academic_Email"] = json!(teacher_email);
    sim.insert_records("BTEC_Teachers", [teacher]);
    let students: Vec<String> = (1..=2).map(|i| format!("539883000080000000{i}")).collect();
    for (i, (id, email)) in students.iter().zip(&student_emails).enumerate() {
        let mut student = sim.record("BTEC_Students", "5398830000100000001").unwrap();
        student["id"] = json!(id);
        student["Name"] = json!(format!("LIVE-{i}"));
        student["Academic_Email"] = json!(email);
        student["Student_Moodle_ID"] = json!("");
        sim.insert_records("BTEC_Students", [student]);
    }
    let mut class = sim.record("BTEC_Classes", common::CLASS_ACTIVE).unwrap();
    class["id"] = json!(class_id);
    class["Class_Name"] = json!(format!("Live test class {run}"));
    class["Class_Short_Name"] = json!(format!("LIVE-{run}"));
    class["BTEC_Program"] = json!({"name": "Live programme", "id": programme_id});
    class["Teacher"] = json!({"name": "Live teacher", "id": teacher_id});
    sim.insert_records("BTEC_Classes", [class]);
    let template = sim.record("BTEC_Enrollments", "5398830000100000701").unwrap();
    for (i, student) in students.iter().enumerate() {
        let mut row = template.clone();
        row["id"] = json!(format!("53988300009{:08}", (run + i as u64) % 100_000_000));
        row["Enrolled_Students"] = json!({"name": "S", "id": student});
        row["Classes"] = json!({"name": "Live", "id": class_id});
        sim.insert_records("BTEC_Enrollments", [row]);
    }

    let mut source = Source::from_pairs([
        ("WEBHOOK_SECRET", testkit::TEST_WEBHOOK_SECRET),
        ("ZOHO_CLIENT_ID", "1000.TESTCLIENT"),
        ("ZOHO_CLIENT_SECRET", "test-zoho-client-secret"),
        ("ZOHO_REFRESH_TOKEN", "1000.test-refresh-token"),
        ("MOODLE_TIMEOUT_SECONDS", "60"),
    ]);
    source.set("ZOHO_ACCOUNTS_URL", sim.base_url());
    source.set("ZOHO_API_DOMAIN", sim.base_url());
    source.set("MOODLE_URL", url.clone());
    source.set("MOODLE_TOKEN", token);
    let app = App::new(Settings::from_source(&source).expect("settings"));
    let site = Site {
        url: url.trim_end_matches('/').to_owned(),
        check_token: env("MOODLE_CHECK_TOKEN"),
        http: reqwest::Client::new(),
    };

    // 1. Create.
    let started = std::time::Instant::now();
    let (status, answer) = common::send(&app, Endpoint::ClassUpdated, &class_id).await;
    // The wall time of the webhook against this Moodle (docs/PERFORMANCE.md compares it).
    eprintln!(
        "live class_updated (first sync, course created) wall time: {:.1} ms",
        started.elapsed().as_secs_f64() * 1000.0
    );
    assert_eq!(status, 200, "{answer}");
    let created = common::detail(&answer, common::CREATE).clone();
    eprintln!("live create: {created}");
    assert_eq!(created["course_action"], "created", "{answer}");
    let course = created["course_id"].as_i64().unwrap();
    assert!(course > 1);
    assert_eq!(created["teacher_status"], "enrolled", "the teacher is found by Academic_Email: {answer}");
    assert_eq!(sim.record("BTEC_Classes", &class_id).unwrap()["Moodle_Class_ID"], json!(course.to_string()));
    let enrolments = common::detail(&answer, "enrollments").clone();
    eprintln!("live enrolments: {enrolments}");
    assert_eq!(enrolments["items"], 2, "{answer}");
    assert_eq!(enrolments["enrol_actions"]["enrolled"], 2, "both students are enrolled: {answer}");
    let ids: Value = app.moodle.call(common::IDS, &json!({"class_ids": [class_id]})).await.expect("the plugin answers");
    assert_eq!(ids["classes"][0]["moodle_id"], course, "the plugin links the class to the course");

    // 2. The same webhook again: the same course, updated in place.
    let started = std::time::Instant::now();
    let (status, again) = common::send(&app, Endpoint::ClassUpdated, &class_id).await;
    eprintln!(
        "live class_updated (repeat, course updated) wall time: {:.1} ms",
        started.elapsed().as_secs_f64() * 1000.0
    );
    assert_eq!(status, 200, "{again}");
    assert!(common::steps(&again).contains(&("decision".into(), "update_course".into())), "{again}");
    assert_eq!(common::detail(&again, common::CREATE)["course_id"], course);
    assert_ne!(common::detail(&again, common::CREATE)["course_action"], "created");

    // 3. Moodle core's view of the course and its participants.
    if site.check_token.is_some() {
        let courses = site
            .core(
                "core_course_get_courses_by_field",
                &[("field", "idnumber".into()), ("value", format!("zoho-class-{class_id}"))],
            )
            .await;
        let list = courses["courses"].as_array().unwrap();
        assert_eq!(list.len(), 1, "exactly one course carries the class's idnumber: {courses}");
        assert_eq!(list[0]["id"], course);
        assert_eq!(list[0]["shortname"], format!("LIVE-{run}"));
        assert_eq!(list[0]["categoryid"].to_string(), category);
        assert_eq!(list[0]["startdate"], 1_772_398_800, "2026-03-02 00:00 at GMT+3");
        assert_eq!(list[0]["enddate"], 1_782_421_200, "2026-06-26 00:00 at GMT+3");
        let users = site.core("core_enrol_get_enrolled_users", &[("courseid", course.to_string())]).await;
        let roles_of = |pred: &dyn Fn(&Value) -> bool| -> Vec<String> {
            users
                .as_array()
                .unwrap()
                .iter()
                .filter(|u| pred(u))
                .flat_map(|u| u["roles"].as_array().cloned().unwrap_or_default())
                .map(|r| r["shortname"].as_str().unwrap_or("").to_owned())
                .collect()
        };
        let email = |u: &Value| u["email"].as_str().unwrap_or("").to_lowercase();
        assert!(
            roles_of(&|u| email(u) == teacher_email.to_lowercase()).contains(&"editingteacher".to_owned()),
            "teacher: {users}"
        );
        for username in &staff {
            assert!(!roles_of(&|u| u["username"] == username.as_str()).is_empty(), "default staff {username}: {users}");
        }
        for student in &student_emails {
            assert_eq!(roles_of(&|u| email(u) == *student), ["student"], "student: {users}");
        }
        eprintln!("live participants checked through core functions: {} users", users.as_array().unwrap().len());
    } else {
        eprintln!("MOODLE_CHECK_TOKEN not set: participants checked through the plugin's answers only");
    }

    // 4. Refused while Zoho has the class; deleted in Zoho, then twice: soft, idempotent,
    //    course kept.
    let (status, refused) = common::send(&app, Endpoint::ClassDeleted, &class_id).await;
    assert_eq!((status, refused["error"]["code"].as_str()), (409, Some("record_still_exists")), "{refused}");
    assert!(sim.delete_record("BTEC_Classes", &class_id));
    let (status, deleted) = common::send(&app, Endpoint::ClassDeleted, &class_id).await;
    assert_eq!(status, 200, "{deleted}");
    assert!(deleted["reason"].as_str().unwrap().contains(&format!("Moodle course {course} is kept")), "{deleted}");
    let (status, again) = common::send(&app, Endpoint::ClassDeleted, &class_id).await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(
        common::steps(&again),
        [
            ("zoho.confirm_deleted BTEC_Classes".to_owned(), "not_found".to_owned()),
            (common::DELETE.to_owned(), "unchanged".to_owned())
        ]
    );
    if site.check_token.is_some() {
        let courses = site
            .core("core_course_get_courses_by_field", &[("field", "id".into()), ("value", course.to_string())])
            .await;
        assert_eq!(courses["courses"].as_array().unwrap().len(), 1, "the course is kept after class_deleted");
    }
}
