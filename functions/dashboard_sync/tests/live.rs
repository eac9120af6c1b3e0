//! Every dashboard webhook against a live Moodle 4.5 with the plugin, Zoho simulated in-process.
//!
//! Runs only with `MOODLE_URL` and `MOODLE_TOKEN` set (a token of the `moodle_zoho_sync` service);
//! otherwise it says so and passes. Its records get fresh Zoho ids and `Modified_Time` = now on
//! every run, so it never touches rows other tests (or people) rely on, and can be repeated.
//!
//! `MOODLE_URL=http://127.0.0.1:8045 MOODLE_TOKEN=… cargo test -p dashboard_sync --test live -- --nocapture`

mod common;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};
use shared::App;
use shared::config::MoodleTarget;
use shared::testkit;
use shared::webhook::Endpoint;
use zoho_sim::Simulator;

struct Live {
    sim: Simulator,
    app: std::sync::Arc<App>,
    log: Vec<String>,
}

impl Live {
    async fn send(&mut self, endpoint: Endpoint, id: &str) -> (u16, Value) {
        let request = testkit::zoho_webhook(endpoint.name(), id, endpoint.module());
        let (status, answer) = common::send_request(&self.app, request).await;
        let steps: Vec<String> = common::steps(&answer).into_iter().map(|(s, r)| format!("{s}={r}")).collect();
        let outcome = answer["status"].as_str().or(answer["error"]["code"].as_str()).unwrap_or("?").to_owned();
        self.log.push(format!("{:<24} {id}  HTTP {status} {outcome:<8} [{}]", endpoint.name(), steps.join(", ")));
        (status, answer)
    }

    /// The plugin's own view of the rows (`local_mzi_get_moodle_ids`).
    async fn moodle_ids(&self, students: &[&str], registrations: &[&str]) -> Value {
        self.app
            .moodle
            .call_value(
                "local_mzi_get_moodle_ids",
                &json!({"student_ids": students, "registration_ids": registrations}),
            )
            .await
            .expect("local_mzi_get_moodle_ids answers")
            .expect("not plan mode")
    }
}

fn results_of(answer: &Value, step: &str) -> Vec<String> {
    common::steps(answer).into_iter().filter(|(s, _)| s == step).map(|(_, r)| r).collect()
}

fn row<'a>(ids: &'a Value, list: &str, zoho_id: &str) -> &'a Value {
    ids[list].as_array().and_then(|rows| rows.iter().find(|r| r["zoho_id"] == zoho_id)).unwrap_or(&Value::Null)
}

#[tokio::test]
#[ignore = "live: needs MOODLE_URL and MOODLE_TOKEN (a Moodle 4.5 with the plugin)"]
async fn every_dashboard_webhook_against_a_live_moodle() {
    let (url, token) = testkit::live_moodle();
    let sim = Simulator::start_from_dir(testkit::workspace_root().join("fixtures/zoho")).await.unwrap();

    // Fresh ids for this run (19 digits, like Zoho's), and records copied from the seed.
    let run = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis() % 100_000_000;
    let id = |n: u32| format!("539883{run:08}{n:05}");
    let (student, registration, payment, grade, request, bad_grade, stale_student) =
        (id(1), id(2), id(3), id(4), id(5), id(6), id(7));
    let now = zoho_sim::now_iso();
    let seed = |module: &str, seed_id: &str| sim.record(module, seed_id).expect("seed record");
    let mut s = seed("BTEC_Students", common::STUDENT_2);
    s["id"] = student.clone().into();
    s["Name"] = format!("S-LIVE-{run}").into();
    s["Academic_Email"] = format!("live{run}@students.college.example").into();
    s["Modified_Time"] = now.clone().into();
    let mut old = s.clone();
    old["id"] = stale_student.clone().into();
    old["Name"] = format!("S-LIVE-{run}-B").into();
    old["Academic_Email"] = format!("live{run}b@students.college.example").into();
    let student_link = json!({"name": format!("S-LIVE-{run}"), "id": student});
    let mut r = seed("BTEC_Registrations", common::REGISTRATION);
    r["id"] = registration.clone().into();
    r["Student_ID"] = student_link.clone();
    r["Modified_Time"] = now.clone().into();
    let mut p = seed("BTEC_Payments", common::PAYMENT);
    p["id"] = payment.clone().into();
    p["Registration_ID"] = json!({"name": "REG-LIVE", "id": registration});
    p["Student_ID"] = student_link.clone();
    p["Modified_Time"] = now.clone().into();
    let mut g = seed("BTEC_Grades", common::GRADE);
    g["id"] = grade.clone().into();
    g["Student"] = student_link.clone();
    g["Modified_Time"] = now.clone().into();
    let mut bad = g.clone();
    bad["id"] = bad_grade.clone().into();
    bad["Grade"] = "Excellent".into();
    let mut q = seed("BTEC_Student_Requests", common::REQUEST);
    q["id"] = request.clone().into();
    q["Student"] = student_link;
    q["Modified_Time"] = now.clone().into();
    sim.insert_records("BTEC_Students", [s, old]);
    sim.insert_records("BTEC_Registrations", [r]);
    sim.insert_records("BTEC_Payments", [p]);
    sim.insert_records("BTEC_Grades", [g, bad]);
    sim.insert_records("BTEC_Student_Requests", [q]);

    let mut settings = testkit::settings(Some(&url), &sim.base_url());
    settings.moodle.target =
        Some(MoodleTarget { base_url: url.trim_end_matches('/').to_owned(), token: shared::Secret::new(token) });
    settings.moodle.timeout = Duration::from_secs(60);
    let mut live = Live { app: App::new(settings), sim, log: Vec::new() };

    let before = live.moodle_ids(&[&student], &[&registration]).await;
    assert_eq!(row(&before, "students", &student)["exists"], false, "fresh ids: {before}");

    // A payment first: its registration and student are not in Moodle, so they come first.
    let (status, answer) = live.send(Endpoint::PaymentRecorded, &payment).await;
    assert_eq!((status, answer["status"].as_str()), (200, Some("ok")), "{answer}");
    assert_eq!(results_of(&answer, "local_mzi_record_payment"), ["parent_missing", "created"], "{answer}");
    assert_eq!(results_of(&answer, "local_mzi_create_registration"), ["parent_missing", "created"], "{answer}");
    assert_eq!(results_of(&answer, "local_mzi_update_student"), ["created"], "{answer}");
    let ids = live.moodle_ids(&[&student], &[&registration]).await;
    for (list, zoho_id) in [("students", &student), ("registrations", &registration)] {
        let found = row(&ids, list, zoho_id);
        assert_eq!((found["exists"].as_bool(), found["deleted"].as_bool()), (Some(true), Some(false)), "{ids}");
        assert!(found["id"].as_i64().unwrap_or(0) > 0, "{ids}");
    }

    // Repeated deliveries of what is already there: unchanged, 200 ok.
    for (endpoint, zoho_id, function) in [
        (Endpoint::StudentUpdated, &student, "local_mzi_update_student"),
        (Endpoint::RegistrationCreated, &registration, "local_mzi_create_registration"),
        (Endpoint::PaymentRecorded, &payment, "local_mzi_record_payment"),
    ] {
        let (status, answer) = live.send(endpoint, zoho_id).await;
        assert_eq!((status, answer["status"].as_str()), (200, Some("ok")), "{answer}");
        assert_eq!(results_of(&answer, function), ["unchanged"], "{endpoint}: {answer}");
    }

    // Grade and request: created, then unchanged on a repeat (through the other request route).
    let (status, answer) = live.send(Endpoint::GradeSubmitted, &grade).await;
    assert_eq!((status, results_of(&answer, "local_mzi_submit_grade")), (200, vec!["created".to_owned()]), "{answer}");
    let (status, answer) = live.send(Endpoint::GradeSubmitted, &grade).await;
    assert_eq!(
        (status, results_of(&answer, "local_mzi_submit_grade")),
        (200, vec!["unchanged".to_owned()]),
        "{answer}"
    );
    let (status, answer) = live.send(Endpoint::RequestStatusChanged, &request).await;
    assert_eq!(
        (status, results_of(&answer, "local_mzi_update_request_status")),
        (200, vec!["created".to_owned()]),
        "{answer}"
    );
    let (status, answer) = live.send(Endpoint::SubmitStudentRequest, &request).await;
    assert_eq!(
        (status, results_of(&answer, "local_mzi_update_request_status")),
        (200, vec!["unchanged".to_owned()]),
        "{answer}"
    );

    // A letter that is not a BTEC grade: Moodle refuses it, 422, not retryable.
    let (status, answer) = live.send(Endpoint::GradeSubmitted, &bad_grade).await;
    assert_eq!((status, answer["error"]["retryable"].as_bool()), (422, Some(false)), "{answer}");
    assert!(answer["error"]["message"].as_str().unwrap_or("").contains("invalidgrade"), "{answer}");

    // Stale: Moodle already holds a newer version of the second student: an hour after Zoho's (the same wall
    // time one zone west), since the plugin refuses times more than a day ahead.
    let newer_time = now.replace("+00:00", "-01:00");
    let newer = json!({"student": {"zoho_student_id": stale_student, "zoho_modified_time": newer_time}});
    live.app.moodle.call_value("local_mzi_update_student", &newer).await.expect("direct upsert");
    let (status, answer) = live.send(Endpoint::StudentUpdated, &stale_student).await;
    assert_eq!((status, answer["status"].as_str()), (200, Some("stale")), "{answer}");

    // Gone from Zoho: skipped with the reason, nothing written.
    let (status, answer) = live.send(Endpoint::StudentUpdated, common::NOT_IN_ZOHO).await;
    assert_eq!((status, answer["status"].as_str()), (200, Some("skipped")), "{answer}");

    // A delete while Zoho still has the record: refused (409), nothing deleted in Moodle.
    let (status, answer) = live.send(Endpoint::GradeDeleted, &grade).await;
    assert_eq!((status, answer["error"]["code"].as_str()), (409, Some("record_still_exists")), "{answer}");

    // Deletes once Zoho no longer has the record: deleted, then unchanged, and absent for an id
    // never stored.
    for (endpoint, zoho_id, function) in [
        (Endpoint::GradeDeleted, &grade, "local_mzi_delete_grade"),
        (Endpoint::RequestDeleted, &request, "local_mzi_delete_request"),
        (Endpoint::PaymentDeleted, &payment, "local_mzi_delete_payment"),
        (Endpoint::RegistrationDeleted, &registration, "local_mzi_delete_registration"),
        (Endpoint::StudentDeleted, &student, "local_mzi_delete_student"),
        (Endpoint::StudentDeleted, &stale_student, "local_mzi_delete_student"),
    ] {
        live.sim.delete_record(endpoint.module(), zoho_id);
        for expected in ["deleted", "unchanged"] {
            let (status, answer) = live.send(endpoint, zoho_id).await;
            assert_eq!((status, answer["status"].as_str()), (200, Some("ok")), "{answer}");
            assert_eq!(results_of(&answer, function), [expected], "{endpoint}: {answer}");
        }
    }
    let (status, answer) = live.send(Endpoint::PaymentDeleted, &id(99)).await;
    assert_eq!((status, results_of(&answer, "local_mzi_delete_payment")), (200, vec!["absent".to_owned()]), "{answer}");

    let after = live.moodle_ids(&[&student], &[&registration]).await;
    for (list, zoho_id) in [("students", &student), ("registrations", &registration)] {
        let found = row(&after, list, zoho_id);
        assert_eq!((found["exists"].as_bool(), found["deleted"].as_bool()), (Some(true), Some(true)), "{after}");
    }

    let reads = live.sim.requests().iter().filter(|r| r.kind == zoho_sim::RequestKind::Get).count();
    println!(
        "live Moodle {url}, run {run}: {} webhooks, {reads} Zoho reads, {} token mint(s)",
        live.log.len(),
        live.sim.stats().mints
    );
    for line in &live.log {
        println!("  {line}");
    }
}
