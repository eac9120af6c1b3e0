//! `mzi backfill` against the simulator and a stand-in Moodle that models the plugin's upserts
//! (first call for a Zoho id: `created`, later calls: `unchanged`).

mod common;

use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex};

use common::{assert_no_secrets, mzi, simulator, source};
use serde_json::json;
use shared::testkit::{Reply, StandInMoodle};
use zoho_sim::Simulator;

const STUDENT: &str = "5398830000100000001";

/// Ten more students (copies of the seed student with their own ids).
fn add_students(sim: &Simulator) -> Vec<String> {
    let template = sim.record("BTEC_Students", STUDENT).expect("seed student");
    let ids: Vec<String> = (11..21).map(|n| format!("53988300001000000{n}")).collect();
    let rows: Vec<_> = ids
        .iter()
        .map(|id| {
            let mut row = template.clone();
            row["id"] = json!(id);
            row["Name"] = json!(format!("S-2024-{id}"));
            row
        })
        .collect();
    sim.insert_records("BTEC_Students", rows);
    ids
}

/// The plugin's upserts keyed by Zoho id.
fn install_plugin(moodle: &StandInMoodle) {
    for (function, key) in [
        ("local_mzi_update_student", "student[zoho_student_id]"),
        ("local_mzi_sync_teacher", "teacher[zoho_teacher_id]"),
        ("local_mzi_create_registration", "registration[zoho_registration_id]"),
        ("local_mzi_record_payment", "payment[zoho_payment_id]"),
    ] {
        let seen: Arc<Mutex<HashSet<String>>> = Arc::default();
        moodle.respond_with(function, move |call| {
            let id = call.field(key).unwrap_or_default().to_owned();
            let status = if seen.lock().unwrap().insert(id.clone()) { "created" } else { "unchanged" };
            Reply::json(json!({"status": status, "id": 7, "zoho_id": id, "message": "", "parent_entity": "", "parent_zoho_id": "", "moodle_user_id": 0}))
        });
    }
}

/// Calls of `function` per Zoho id.
fn calls_per_id(moodle: &StandInMoodle, function: &str, key: &str) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for call in moodle.calls_to(function) {
        *counts.entry(call.field(key).unwrap_or_default().to_owned()).or_default() += 1;
    }
    counts
}

#[tokio::test]
async fn an_interrupted_backfill_resumes_and_applies_each_record_once() {
    let sim = simulator().await;
    let mut students = add_students(&sim);
    students.extend([STUDENT.to_owned(), "5398830000100000002".to_owned()]);
    let moodle = StandInMoodle::start().await;
    install_plugin(&moodle);
    let dir = tempfile::tempdir().unwrap();
    let checkpoint = dir.path().join("progress.json");
    let checkpoint_arg = checkpoint.to_str().unwrap();
    let args = |extra: &[&'static str]| {
        let mut args = vec![
            "backfill",
            "--module",
            "students",
            "--module",
            "teachers",
            "--concurrency",
            "3",
            "--checkpoint",
            checkpoint_arg,
        ];
        args.extend_from_slice(extra);
        args
    };

    // Stopped after 5 records: the teacher and 4 students.
    let first = mzi(&args(&["--limit", "5"]), source(&sim, Some(moodle.base_url()))).await;
    assert!(first.result.is_ok(), "{:?}\n{}\n{}", first.result, first.out, first.err);
    assert!(first.out.contains("run the same command again to continue"), "{}", first.out);
    assert!(checkpoint.exists());
    assert_eq!(moodle.calls_to("local_mzi_update_student").len(), 4);
    assert!(first.err.contains("BTEC_Students") && first.err.contains("/s"), "a progress line: {}", first.err);

    let second = mzi(&args(&[]), source(&sim, Some(moodle.base_url()))).await;
    assert!(second.result.is_ok(), "{:?}\n{}", second.result, second.out);
    assert_no_secrets(&second.printed());
    let per_id = calls_per_id(&moodle, "local_mzi_update_student", "student[zoho_student_id]");
    assert_eq!(per_id.len(), students.len(), "{per_id:?}");
    assert!(per_id.values().all(|n| *n == 1), "each student applied once: {per_id:?}");
    assert_eq!(moodle.calls_to("local_mzi_sync_teacher").len(), 1);
    let row = second.out.lines().find(|l| l.starts_with("BTEC_Students")).expect("a summary row");
    let cells: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(cells, ["BTEC_Students", "12", "4", "8", "0", "0", "0", "0"], "{}", second.out);
    assert!(!checkpoint.exists(), "a complete backfill removes its checkpoint");
    assert!(sim.updates().is_empty(), "students and teachers write nothing to Zoho");
}

#[tokio::test]
async fn a_record_that_failed_for_a_passing_reason_is_retried_and_only_it() {
    let sim = simulator().await;
    add_students(&sim);
    let moodle = StandInMoodle::start().await;
    install_plugin(&moodle);
    moodle.respond_once("local_mzi_update_student", Reply::exception("dmlwriteexception", "Error writing to database"));
    let dir = tempfile::tempdir().unwrap();
    let checkpoint = dir.path().join("progress.json");
    let args = ["backfill", "--module", "students", "--concurrency", "1", "--checkpoint", checkpoint.to_str().unwrap()];

    let first = mzi(&args, source(&sim, Some(moodle.base_url()))).await;
    let error = first.result.as_ref().expect_err("one record failed");
    assert!(error.to_string().contains("1 record(s) failed"), "{error}");
    assert!(
        first.out.contains("Failed") && first.out.contains(STUDENT) && first.out.contains("dmlwriteexception"),
        "{}",
        first.out
    );
    assert!(checkpoint.exists());

    let second = mzi(&args, source(&sim, Some(moodle.base_url()))).await;
    assert!(second.result.is_ok(), "{:?}\n{}", second.result, second.out);
    let per_id = calls_per_id(&moodle, "local_mzi_update_student", "student[zoho_student_id]");
    assert_eq!(per_id[STUDENT], 2, "the failed student is tried again");
    assert!(per_id.iter().filter(|(id, _)| id.as_str() != STUDENT).all(|(_, n)| *n == 1), "{per_id:?}");
    assert!(!checkpoint.exists());
}

#[tokio::test]
async fn a_dry_run_of_every_module_writes_nothing() {
    let sim = simulator().await;
    let moodle = StandInMoodle::start().await;
    moodle.respond_with("local_mzi_get_moodle_ids", |call| {
        let students: Vec<_> = call
            .fields
            .iter()
            .filter(|(k, _)| k.starts_with("student_ids["))
            .map(|(_, id)| json!({"zoho_id": id, "exists": id == STUDENT, "id": 2, "deleted": false, "moodle_id": 27}))
            .collect();
        Reply::json(json!({"students": students, "classes": [], "registrations": [], "teachers": []}))
    });
    let dir = tempfile::tempdir().unwrap();
    let checkpoint = dir.path().join("progress.json");
    let run = mzi(
        &["backfill", "--dry-run", "--checkpoint", checkpoint.to_str().unwrap()],
        source(&sim, Some(moodle.base_url())),
    )
    .await;
    assert!(run.result.is_ok(), "{:?}\n{}\n{}", run.result, run.out, run.err);
    assert!(run.out.contains("Backfill plan (dry run: nothing was written)"), "{}", run.out);
    let row = |module: &str| {
        run.out
            .lines()
            .find(|l| l.split_whitespace().next() == Some(module))
            .unwrap_or_else(|| panic!("{module} in {}", run.out))
            .to_owned()
    };
    assert_eq!(
        row("BTEC_Students").split_whitespace().collect::<Vec<_>>(),
        ["BTEC_Students", "2", "1", "1", "0", "0", "0"]
    );
    assert_eq!(row("BTEC_Classes").split_whitespace().nth(1), Some("3"));
    for module in [
        "BTEC_Teachers",
        "BTEC_Classes",
        "BTEC_Registrations",
        "BTEC_Enrollments",
        "BTEC_Payments",
        "BTEC_Grades",
        "BTEC_Student_Requests",
        "BTEC",
    ] {
        assert!(row(module).ends_with(" 0"), "no failure in {module}: {}", run.out);
    }
    let functions: HashSet<String> = moodle.calls().into_iter().map(|c| c.function).collect();
    assert_eq!(
        functions,
        HashSet::from(["local_mzi_get_moodle_ids".to_owned()]),
        "only the read-only probe reaches Moodle"
    );
    assert!(sim.updates().is_empty(), "nothing is written to Zoho");
    assert!(!checkpoint.exists(), "a dry run keeps no checkpoint");
}
