//! The same webhook delivered 20 times at once and 20 times in a row, per endpoint family.
//!
//! Against the stand-in Moodle: every delivery makes exactly the calls one delivery makes, with
//! identical parameters (no extra create, no call built from a half-read state), every answer
//! is the same, and 60 deliveries mint one Zoho token between them.
//!
//! Against a live Moodle 4.5 (`MOODLE_URL`, `MOODLE_TOKEN`): the same races for students, then
//! `local_mzi_get_moodle_ids` must report exactly one row, and an older `Modified_Time` arriving
//! after a newer one must be answered `stale`. Without the variables the live test says it was
//! skipped.

use std::collections::BTreeMap;
use std::sync::Arc;

use reliability::{answer_like_a_healthy_plugin, seeded_id, zoho_seed};
use serde_json::{Value, json};
use shared::App;
use shared::testkit::{self, StandInMoodle};
use shared::webhook::{Endpoint, Function, Processor, handle};
use zoho_sim::Simulator;

const DELIVERIES: usize = 20;

fn families() -> Vec<(Function, Arc<dyn Processor>, Endpoint)> {
    vec![
        (dashboard_sync::FUNCTION, Arc::new(dashboard_sync::DashboardSync), Endpoint::StudentUpdated),
        (dashboard_sync::FUNCTION, Arc::new(dashboard_sync::DashboardSync), Endpoint::RegistrationCreated),
        (dashboard_sync::FUNCTION, Arc::new(dashboard_sync::DashboardSync), Endpoint::StudentDeleted),
        (courses::FUNCTION, Arc::new(courses::Courses), Endpoint::ClassUpdated),
        (enrol::FUNCTION, Arc::new(enrol::Enrol), Endpoint::EnrollmentUpdated),
        (btec_units::FUNCTION, Arc::new(btec_units::BtecUnits), Endpoint::BtecDefinitionUpdated),
    ]
}

async fn deliver(
    app: &Arc<App>,
    function: Function,
    processor: &Arc<dyn Processor>,
    endpoint: Endpoint,
    id: &str,
) -> (u16, Value) {
    let request = testkit::zoho_webhook(endpoint.name(), id, endpoint.module());
    testkit::response_json(&handle(app, function, processor.as_ref(), request).await)
}

/// The result of the `Moodle_Class_ID` write-back step, if the answer has one.
fn write_back_result(body: &Value) -> Option<String> {
    body["actions"].as_array()?.iter().find_map(|action| {
        let step = action["step"].as_str()?;
        step.starts_with("zoho.update ").then(|| action["result"].as_str().unwrap_or_default().to_owned())
    })
}

/// An answer without the write-back step and its mention in the reason.
fn without_write_back((status, body): &(u16, Value)) -> (u16, Value) {
    let mut body = body.clone();
    if let Some(actions) = body["actions"].as_array_mut() {
        actions.retain(|action| !action["step"].as_str().is_some_and(|step| step.starts_with("zoho.update ")));
    }
    if let Some(reason) = body["reason"].as_str() {
        body["reason"] = json!(reason.replace(", Moodle_Class_ID written to Zoho", ""));
    }
    (*status, body)
}

/// The calls as a multiset of (function, fields).
fn call_counts(moodle: &StandInMoodle) -> BTreeMap<(String, Vec<(String, String)>), usize> {
    let mut counts = BTreeMap::new();
    for call in moodle.calls() {
        *counts.entry((call.function, call.fields)).or_insert(0) += 1;
    }
    counts
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repeated_and_concurrent_deliveries_make_identical_calls() {
    let seed = zoho_seed();
    let mut report = Vec::new();
    for (function, processor, endpoint) in families() {
        let zoho = Simulator::start(seed.clone()).await.unwrap();
        let moodle = StandInMoodle::start().await;
        answer_like_a_healthy_plugin(&moodle);
        // A batch answer that matches what is asked: both seeded enrolments of the class, or one.
        let enrolments: &[&str] = match endpoint {
            Endpoint::ClassUpdated => &["5398830000100000701", "5398830000100000702"],
            _ => &["5398830000100000701"],
        };
        moodle.respond("local_mzi_update_enrollment", reliability::enrolment_results(enrolments));
        let app = App::new(testkit::settings(Some(moodle.base_url()), &zoho.base_url()));
        let id = seeded_id(&seed, endpoint.module());
        if endpoint.is_delete() {
            // A delete is applied only once Zoho no longer has the record.
            assert!(zoho.delete_record(endpoint.module(), &id));
        }

        // 20 at once, before any token exists: one mint between them.
        let concurrent: Vec<_> = (0..DELIVERIES)
            .map(|_| {
                let (app, processor, id) = (app.clone(), processor.clone(), id.clone());
                tokio::spawn(async move { deliver(&app, function, &processor, endpoint, &id).await })
            })
            .collect();
        let mut answers = Vec::new();
        for task in concurrent {
            answers.push(task.await.expect("no panic"));
        }
        let after_concurrent = call_counts(&moodle);
        for _ in 0..DELIVERIES {
            answers.push(deliver(&app, function, &processor, endpoint, &id).await);
        }
        let after_all = call_counts(&moodle);

        // Whether a class delivery writes `Moodle_Class_ID` back depends on whether its read of
        // the class came before or after another delivery's write-back (it writes only when
        // Zoho's value differs), so that one step may differ between concurrent deliveries; the
        // halves may differ from each other for the same reason. Everything else in the answers
        // is the same inside each half.
        let compared: Vec<(u16, Value)> = answers.iter().map(without_write_back).collect();
        let (concurrent_half, sequential_half) = compared.split_at(DELIVERIES);
        for (i, answer) in sequential_half.iter().enumerate() {
            assert_eq!(answer, &sequential_half[0], "{endpoint}: repeat {i} answered differently");
        }
        for (i, answer) in concurrent_half.iter().enumerate() {
            // A concurrent class delivery read the class either before the first write-back
            // (and answers like the first delivery) or after it (and answers like a repeat:
            // Zoho's Moodle_Class_ID now decides `update_course`); nothing in between.
            let like_a_repeat = endpoint == Endpoint::ClassUpdated && answer == &sequential_half[0];
            assert!(
                answer == &concurrent_half[0] || like_a_repeat,
                "{endpoint}: delivery {i} answered differently:\n{answer:?}\nfirst: {:?}",
                concurrent_half[0]
            );
        }
        if endpoint == Endpoint::ClassUpdated {
            // Once Zoho holds the id, a repeated webhook writes nothing (issue 19.5).
            assert!(!zoho.updates().is_empty(), "{endpoint}: the new course's id was never written back");
            for (i, (_, body)) in answers[DELIVERIES..].iter().enumerate() {
                assert_ne!(write_back_result(body).as_deref(), Some("written"), "{endpoint}: repeat {i}: {body}");
            }
        }
        assert_eq!(concurrent_half[0].0, sequential_half[0].0, "{endpoint}: same status in both halves");
        let first = &answers[0];
        // With a healthy plugin every family succeeds: the race is about the calls of a success.
        assert_eq!(first.0, 200, "{endpoint}: {}", first.1);
        // Every family (deletes too: they confirm with Zoho) shares one token across 40 deliveries.
        assert_eq!(zoho.stats().mints, 1, "{endpoint}: 40 deliveries must share one access token");
        // Each distinct Moodle call (function and exact parameters) was made by every delivery
        // of a kind: no delivery made an extra create or a call built from a half-read state.
        // The repeats all made the same calls; a concurrent delivery made either the first
        // delivery's calls or (a class read after the write-back) a repeat's.
        assert!(!after_all.is_empty(), "{endpoint}: no Moodle call at all");
        let like_a_repeat = concurrent_half.iter().filter(|a| *a != &concurrent_half[0]).count();
        let like_the_first = DELIVERIES - like_a_repeat;
        for (key, count) in &after_all {
            let concurrent_count = after_concurrent.get(key).copied().unwrap_or(0);
            let repeated = count - concurrent_count;
            assert_eq!(repeated % DELIVERIES, 0, "{endpoint}: {} {repeated} times in 20 repeats", key.0);
            let by_the_first_kind = concurrent_count.checked_sub(like_a_repeat * (repeated / DELIVERIES));
            assert!(
                by_the_first_kind.is_some_and(|n| n % like_the_first == 0),
                "{endpoint}: {} {concurrent_count} times in 20 concurrent deliveries ({like_a_repeat} answered like a repeat)",
                key.0
            );
        }
        // Write-backs to Zoho, if any, all carry the same fields (idempotent).
        let mut written: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
        for update in zoho.updates() {
            let fields = Value::Object(update.fields.clone()).to_string();
            let entry = written.entry((update.module, update.id)).or_default();
            if !entry.contains(&fields) {
                entry.push(fields);
            }
        }
        for (record, versions) in &written {
            assert_eq!(versions.len(), 1, "{endpoint}: {record:?} written with different fields: {versions:?}");
        }
        report.push(format!(
            "{endpoint}: {} x{}, {} distinct Moodle calls, {} Zoho write(s)",
            first.0,
            answers.len(),
            after_all.len(),
            zoho.updates().len()
        ));
    }
    println!("races (stand-in): {}", report.join("; "));
}

// ------------------------------------------------------------------- live Moodle

/// A student of the seed under a fresh id and e-mail (so runs never collide), with the given
/// `Modified_Time`.
fn fresh_student(seed: &zoho_sim::Records, id: &str, modified: &str) -> Value {
    let mut student = seed["BTEC_Students"][0].clone();
    student["id"] = json!(id);
    student["Modified_Time"] = json!(modified);
    student["Academic_Email"] = json!(format!("race.{id}@students.college.example"));
    student["Email"] = json!(format!("race.{id}@mail.example"));
    student["Name"] = json!(format!("S-RACE-{}", &id[id.len() - 6..]));
    if let Some(map) = student.as_object_mut() {
        map.remove("Student_Moodle_ID");
    }
    student
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "live: needs MOODLE_URL and MOODLE_TOKEN (a Moodle 4.5 with the plugin)"]
async fn live_moodle_keeps_one_row_and_refuses_stale_updates() {
    let (url, token) = testkit::live_moodle();
    let seed = zoho_seed();
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    let id = format!("53988300{:011}", nanos % 100_000_000_000);
    let newer = "2026-03-01T10:00:00+03:00";
    let older = "2026-02-01T10:00:00+03:00";

    let mut records = seed.clone();
    records.insert("BTEC_Students".into(), vec![fresh_student(&seed, &id, newer)]);
    let zoho_newer = Simulator::start(records).await.unwrap();
    let app = App::new(testkit::live_settings(&url, &token, &zoho_newer.base_url()));
    let processor: Arc<dyn Processor> = Arc::new(dashboard_sync::DashboardSync);

    // 20 at once, then 20 in a row.
    let tasks: Vec<_> = (0..DELIVERIES)
        .map(|_| {
            let (app, processor, id) = (app.clone(), processor.clone(), id.clone());
            tokio::spawn(async move {
                deliver(&app, dashboard_sync::FUNCTION, &processor, Endpoint::StudentUpdated, &id).await
            })
        })
        .collect();
    let mut statuses = BTreeMap::new();
    for task in tasks {
        let (status, body) = task.await.unwrap();
        assert_eq!(status, 200, "{body}");
        let result =
            body["actions"].as_array().and_then(|a| a.last()).map(|a| a["result"].to_string()).unwrap_or_default();
        *statuses.entry(result).or_insert(0) += 1;
    }
    for _ in 0..DELIVERIES {
        let (status, body) = deliver(&app, dashboard_sync::FUNCTION, &processor, Endpoint::StudentUpdated, &id).await;
        assert_eq!(status, 200, "{body}");
        let result =
            body["actions"].as_array().and_then(|a| a.last()).map(|a| a["result"].to_string()).unwrap_or_default();
        *statuses.entry(result).or_insert(0) += 1;
    }
    println!("live: 40 deliveries of student {id}: {statuses:?}");
    assert_eq!(statuses.get("\"created\"").copied().unwrap_or(0), 1, "exactly one delivery creates: {statuses:?}");

    let ids: Value = app.moodle.call("local_mzi_get_moodle_ids", &json!({"student_ids": [id]})).await.unwrap();
    let students = ids["students"].as_array().cloned().unwrap_or_default();
    assert_eq!(students.len(), 1, "{ids}");
    assert_eq!(students[0]["exists"], true, "{ids}");
    assert_eq!(students[0]["deleted"], false, "{ids}");

    // The older version arrives late: stale, nothing changed.
    let mut records = seed.clone();
    records.insert("BTEC_Students".into(), vec![fresh_student(&seed, &id, older)]);
    let zoho_older = Simulator::start(records).await.unwrap();
    let late = App::new(testkit::live_settings(&url, &token, &zoho_older.base_url()));
    let (status, body) = deliver(&late, dashboard_sync::FUNCTION, &processor, Endpoint::StudentUpdated, &id).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "stale", "an older Modified_Time after a newer one: {body}");

    // Deleting at once, once Zoho no longer has the record: one row, soft-deleted.
    assert!(zoho_newer.delete_record("BTEC_Students", &id));
    let tasks: Vec<_> = (0..DELIVERIES)
        .map(|_| {
            let (app, processor, id) = (app.clone(), processor.clone(), id.clone());
            tokio::spawn(async move {
                deliver(&app, dashboard_sync::FUNCTION, &processor, Endpoint::StudentDeleted, &id).await
            })
        })
        .collect();
    for task in tasks {
        let (status, body) = task.await.unwrap();
        assert_eq!(status, 200, "{body}");
    }
    let ids: Value = app.moodle.call("local_mzi_get_moodle_ids", &json!({"student_ids": [id]})).await.unwrap();
    assert_eq!(ids["students"][0]["deleted"], true, "{ids}");
    println!("live: races passed for student {id}");
}
