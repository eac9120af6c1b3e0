//! Soak test against a live Moodle 4.5 (MOODLE_URL, MOODLE_TOKEN; ignored in CI):
//!
//! ```sh
//! MOODLE_URL=http://127.0.0.1:8045 MOODLE_TOKEN=… cargo test -p worker --test soak -- --ignored --nocapture
//! ```
//!
//! A simulated college (students, registrations, payments, grades; 1,000 records) in the Zoho
//! simulator; one webhook per record in random order, of which a random 10% are never delivered
//! and 10% fail transiently (Moodle unreachable while they are processed: captured to the spool,
//! then retried by the worker's drain); then one reconciliation run; then the records that differ
//! between Zoho and Moodle are counted (students and registrations through
//! `local_mzi_get_moodle_ids`; payments and grades by re-sending each, where anything but
//! `unchanged` is a difference) and the dead-letter store is counted. Target: 0 and 0.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use serde_json::{Value, json};
use shared::App;
use shared::capture::{FailureSink, RetrySchedule, SpoolSink, Store};
use shared::ids::ZohoId;
use shared::sync::{self, Entity, Trail};
use shared::testkit;
use shared::webhook::{Endpoint, handle};
use worker::reconcile::{self, FileCursorStore, Options};
use worker::{Selection, drain, processor_for};
use zoho_sim::{Records, Simulator};

const STUDENTS: usize = 150;
const REGISTRATIONS: usize = 150;
const PAYMENTS: usize = 350;
const GRADES: usize = 350;

fn fixture(module: &str) -> Value {
    let text = std::fs::read_to_string(testkit::workspace_root().join(format!("fixtures/zoho/{module}.json"))).unwrap();
    serde_json::from_str::<Vec<Value>>(&text).unwrap().remove(0)
}

fn lookup(name: &str, id: &str) -> Value {
    json!({"name": name, "id": id})
}

#[tokio::test]
#[ignore = "soak test against a live Moodle; run with --ignored (docs/NOTHING-LOST.md)"]
async fn soak_1000_webhooks_converge_after_one_reconciliation() {
    let (moodle_url, moodle_token) = testkit::live_moodle();
    let run = fastrand::u32(100_000..999_999);
    let id = |kind: u8, n: usize| format!("9{run:06}{kind}{n:011}");
    let modified = "2026-03-01T09:00:00+00:00";
    let mut rng = fastrand::Rng::with_seed(u64::from(run));

    let mut records = Records::new();
    let mut students = Vec::new();
    for n in 0..STUDENTS {
        let mut r = fixture("BTEC_Students");
        r["id"] = id(1, n).into();
        r["Name"] = format!("SOAK-{run}-{n}").into();
        r["Academic_Email"] = format!("soak{run}.{n}@students.college.example").into();
        r["Student_Moodle_ID"] = Value::Null;
        r["Modified_Time"] = modified.into();
        r.as_object_mut().unwrap().remove("Classes");
        students.push(r);
    }
    let mut registrations = Vec::new();
    for n in 0..REGISTRATIONS {
        let mut r = fixture("BTEC_Registrations");
        r["id"] = id(2, n).into();
        r["Name"] = format!("REG-{run}-{n}").into();
        r["Student_ID"] = lookup("s", &id(1, n % STUDENTS));
        r["Modified_Time"] = modified.into();
        registrations.push(r);
    }
    let mut payments = Vec::new();
    for n in 0..PAYMENTS {
        let mut r = fixture("BTEC_Payments");
        let reg = n % REGISTRATIONS;
        r["id"] = id(3, n).into();
        r["Name"] = format!("PAY-{run}-{n}").into();
        r["Registration_ID"] = lookup("r", &id(2, reg));
        r["Student_ID"] = lookup("s", &id(1, reg % STUDENTS));
        r["Modified_Time"] = modified.into();
        payments.push(r);
    }
    let mut grades = Vec::new();
    for n in 0..GRADES {
        let mut r = fixture("BTEC_Grades");
        r["id"] = id(4, n).into();
        r["Name"] = format!("GR-{run}-{n}").into();
        r["Student"] = lookup("s", &id(1, n % STUDENTS));
        r["Class"] = Value::Null;
        r["Modified_Time"] = modified.into();
        grades.push(r);
    }
    let mut calls: Vec<(Endpoint, String)> = Vec::new();
    calls.extend(students.iter().map(|r| (Endpoint::StudentUpdated, r["id"].as_str().unwrap().to_owned())));
    calls.extend(registrations.iter().map(|r| (Endpoint::RegistrationCreated, r["id"].as_str().unwrap().to_owned())));
    calls.extend(payments.iter().map(|r| (Endpoint::PaymentRecorded, r["id"].as_str().unwrap().to_owned())));
    calls.extend(grades.iter().map(|r| (Endpoint::GradeSubmitted, r["id"].as_str().unwrap().to_owned())));
    records.insert("BTEC_Students".into(), students);
    records.insert("BTEC_Registrations".into(), registrations);
    records.insert("BTEC_Payments".into(), payments);
    records.insert("BTEC_Grades".into(), grades);
    let sim = Simulator::start(records).await.unwrap();

    let spool = std::env::temp_dir().join(format!("mzi-soak-{run}"));
    let sink: Arc<dyn FailureSink> = Arc::new(SpoolSink::new(&spool));
    let live =
        App::with_failure_sink(testkit::live_settings(&moodle_url, &moodle_token, &sim.base_url()), Some(sink.clone()));
    // The same function while Moodle is unreachable (connection refused): a transient failure.
    let down = App::with_failure_sink(
        testkit::live_settings("http://127.0.0.1:9", &moodle_token, &sim.base_url()),
        Some(sink.clone()),
    );

    rng.shuffle(&mut calls);
    let started = Instant::now();
    let (mut lost, mut transient, mut statuses) = (0, 0, BTreeMap::<u16, usize>::new());
    for chunk in calls.chunks(4) {
        let mut batch = Vec::new();
        for (endpoint, zoho_id) in chunk {
            let roll = rng.u8(0..100);
            if roll < 10 {
                lost += 1;
                continue;
            }
            let app = if roll < 20 {
                transient += 1;
                &down
            } else {
                &live
            };
            batch.push(async move {
                let request = testkit::zoho_webhook(endpoint.name(), zoho_id, endpoint.module());
                let response = handle(app, endpoint.function(), processor_for(*endpoint), request).await;
                testkit::response_json(&response).0
            });
        }
        for status in futures_util::future::join_all(batch).await {
            *statuses.entry(status).or_default() += 1;
        }
    }
    let delivered = started.elapsed();
    let pending = sink.list(Store::Pending, 10_000).await.unwrap().len();
    let dead_after_webhooks = sink.list(Store::Dead, 10_000).await.unwrap().len();

    // The worker retries what was captured (Moodle is back).
    let schedule = RetrySchedule { max_attempts: 8, base_delay_seconds: 0 };
    let drained = drain(
        &live,
        sink.as_ref(),
        Store::Pending,
        schedule,
        &Selection { ignore_delay: true, max: 10_000, ..Selection::default() },
    )
    .await
    .unwrap();

    // One reconciliation run catches what was never delivered.
    let cursor = FileCursorStore { path: spool.join("cursor.json") };
    let options = Options {
        dry_run: false,
        budget: 100_000,
        since: None,
        concurrency: 4,
        webhook_failures: true,
        deadline: None,
    };
    let reconciled = reconcile::run(&live, &cursor, Some(sink.as_ref()), &options).await.unwrap();

    // Count the differences.
    let mut differ = BTreeMap::<&str, usize>::new();
    for (key, kind, count) in [("student_ids", 1u8, STUDENTS), ("registration_ids", 2, REGISTRATIONS)] {
        let ids: Vec<String> = (0..count).map(|n| id(kind, n)).collect();
        for batch in ids.chunks(100) {
            let answer = live
                .moodle
                .call_value("local_mzi_get_moodle_ids", &json!({key: batch}))
                .await
                .unwrap()
                .unwrap_or_default();
            let list_key = if kind == 1 { "students" } else { "registrations" };
            let rows = answer[list_key].as_array().cloned().unwrap_or_default();
            let present = rows.iter().filter(|r| r["exists"] == true && r["deleted"] == false).count();
            *differ.entry(list_key).or_default() += batch.len() - present;
        }
    }
    for (entity, kind, count, name) in
        [(Entity::Payment, 3u8, PAYMENTS, "payments"), (Entity::Grade, 4, GRADES, "grades")]
    {
        for n in 0..count {
            let mut trail = Trail::new();
            let synced = sync::sync_by_id(&live, entity, &ZohoId::parse(&id(kind, n)).unwrap(), &mut trail).await;
            let same = matches!(&synced, Ok(sync::Synced::Applied(r)) if r.status == "unchanged");
            *differ.entry(name).or_default() += usize::from(!same);
        }
    }
    let dead_left = sink.list(Store::Dead, 10_000).await.unwrap();
    let total_differ: usize = differ.values().sum();

    println!(
        "SOAK run {run}: {} records, {} webhooks delivered in {:.1}s",
        calls.len(),
        calls.len() - lost,
        delivered.as_secs_f64()
    );
    println!("  never delivered: {lost}; failing transiently: {transient}; answers: {statuses:?}");
    println!("  after webhooks: {pending} pending, {dead_after_webhooks} dead; worker drain handled {}", drained.len());
    println!("  reconciliation: {}", reconciled.summary());
    println!("  records that differ between Zoho and Moodle: {total_differ} {differ:?}");
    println!("  dead-letter store: {}", dead_left.len());
    for d in dead_left.iter().take(5) {
        println!("    dead: {} {} {:?}", d.message.endpoint, d.message.zoho_id, d.message.latest_error());
    }
    let _ = std::fs::remove_dir_all(&spool);
    assert_eq!(total_differ, 0, "{differ:?}");
    assert_eq!(dead_left.len(), 0);
}
