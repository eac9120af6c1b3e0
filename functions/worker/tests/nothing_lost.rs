//! Nothing lost: capture, automatic retry, dead-letter store and replay, reconciliation, with the
//! Zoho simulator and a stand-in Moodle modelling the plugin.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use common::{Harness, deadlock, student, student_id};
use shared::capture::{FailureSink, RetrySchedule, Store};
use shared::webhook::Endpoint;
use worker::reconcile::{self, CursorFuture, CursorStore, Cursors, FileCursorStore, Options, ReconcileError};
use worker::{Disposition, Selection, drain};

const NO_DELAY: RetrySchedule = RetrySchedule { max_attempts: 8, base_delay_seconds: 0 };

fn everything() -> Selection {
    Selection { ignore_delay: true, max: 1000, ..Selection::default() }
}

fn options() -> Options {
    Options { dry_run: false, budget: 10_000, since: None, concurrency: 4, webhook_failures: true, deadline: None }
}

#[tokio::test]
async fn a_webhook_that_fails_three_times_then_succeeds_lands_once() {
    let h = Harness::start(3).await;
    let id = student_id(2);
    h.moodle_down(true);
    let (status, body) = h.webhook(Endpoint::StudentUpdated, &id).await;
    assert_eq!(status, 202, "{body}");
    assert_eq!(body["status"], "queued");
    assert_eq!(body["captured"]["store"], "pending");
    assert_eq!(body["error"]["code"], "moodle_http_error");
    assert!(body["reason"].as_str().unwrap().contains("retried automatically"), "{body}");

    for expected_attempts in [2, 3] {
        let report = drain(&h.app, h.sink.as_ref(), Store::Pending, NO_DELAY, &everything()).await.unwrap();
        assert_eq!(report.len(), 1);
        assert_eq!(report[0].disposition, Disposition::RetryLater);
        assert_eq!(report[0].attempts, expected_attempts);
    }
    h.moodle_down(false);
    let report = drain(&h.app, h.sink.as_ref(), Store::Pending, NO_DELAY, &everything()).await.unwrap();
    assert_eq!(report[0].disposition, Disposition::Applied);
    assert!(h.sink.list(Store::Pending, 10).await.unwrap().is_empty(), "a success removes the message");
    assert_eq!(h.writes(&id, "created"), 1, "landed exactly once");
    assert_eq!(h.model.lock().unwrap().writes.len(), 1, "no other write reached the plugin");
    // Draining again does nothing.
    assert!(drain(&h.app, h.sink.as_ref(), Store::Pending, NO_DELAY, &everything()).await.unwrap().is_empty());
}

#[tokio::test]
async fn delays_are_respected_by_the_automatic_drain() {
    let h = Harness::start(1).await;
    h.moodle_down(true);
    assert_eq!(h.webhook(Endpoint::StudentUpdated, &student_id(1)).await.0, 202);
    let schedule = RetrySchedule { max_attempts: 8, base_delay_seconds: 600 };
    let automatic = Selection { max: 100, ..Selection::default() };
    let first = drain(&h.app, h.sink.as_ref(), Store::Pending, schedule, &automatic).await.unwrap();
    assert_eq!(first[0].disposition, Disposition::RetryLater);
    let waiting = drain(&h.app, h.sink.as_ref(), Store::Pending, schedule, &automatic).await.unwrap();
    assert!(waiting.is_empty(), "not due for ten minutes: {waiting:?}");
}

#[tokio::test]
async fn one_that_always_fails_ends_in_the_dead_store_with_its_reason_and_replay_applies_it() {
    let h = Harness::start(2).await;
    let id = student_id(1);
    h.moodle_down(true);
    assert_eq!(h.webhook(Endpoint::StudentUpdated, &id).await.0, 202);
    let schedule = RetrySchedule { max_attempts: 4, base_delay_seconds: 0 };
    let mut last = Vec::new();
    for _ in 0..3 {
        last = drain(&h.app, h.sink.as_ref(), Store::Pending, schedule, &everything()).await.unwrap();
    }
    assert_eq!(last[0].disposition, Disposition::MovedToDead);
    assert!(h.sink.list(Store::Pending, 10).await.unwrap().is_empty());
    let dead = h.sink.list(Store::Dead, 10).await.unwrap();
    assert_eq!(dead.len(), 1);
    let message = &dead[0].message;
    assert_eq!(message.dead_reason.as_deref(), Some("retries_exhausted"));
    assert_eq!(message.attempts, 4);
    assert_eq!(message.error.code, "moodle_http_error");
    assert_eq!(message.endpoint, "student_updated");
    let text = message.to_json();
    assert!(!text.contains("Haddad") && !text.contains("@"), "no personal data in the message: {text}");

    // Still down: a replay keeps it, with the latest error.
    let kept = drain(&h.app, h.sink.as_ref(), Store::Dead, schedule, &everything()).await.unwrap();
    assert_eq!(kept[0].disposition, Disposition::KeptInDead);
    assert_eq!(h.sink.list(Store::Dead, 10).await.unwrap().len(), 1);

    h.moodle_down(false);
    let dry = Selection { dry_run: true, ..everything() };
    let listed = drain(&h.app, h.sink.as_ref(), Store::Dead, schedule, &dry).await.unwrap();
    assert_eq!(listed[0].disposition, Disposition::Skipped);
    assert_eq!(h.model.lock().unwrap().writes.len(), 0, "a dry run writes nothing");
    let other = Selection { zoho_id: Some(student_id(2)), ..everything() };
    assert!(drain(&h.app, h.sink.as_ref(), Store::Dead, schedule, &other).await.unwrap().is_empty());
    let only = Selection { zoho_id: Some(id.clone()), endpoint: Some("student_updated".into()), ..everything() };
    let replayed = drain(&h.app, h.sink.as_ref(), Store::Dead, schedule, &only).await.unwrap();
    assert_eq!(replayed[0].disposition, Disposition::Applied);
    assert!(h.sink.list(Store::Dead, 10).await.unwrap().is_empty());
    assert_eq!(h.writes(&id, "created"), 1);
    // A repeated replay is harmless: nothing left, nothing written.
    assert!(drain(&h.app, h.sink.as_ref(), Store::Dead, schedule, &everything()).await.unwrap().is_empty());
    assert_eq!(h.model.lock().unwrap().writes.len(), 1);
}

#[tokio::test]
async fn bad_data_keeps_its_422_and_is_kept_dead_without_looping() {
    let h = Harness::start(0).await;
    let mut record = student(7, "2026-01-01T00:00:00+00:00");
    record.as_object_mut().unwrap().remove("Modified_Time");
    h.sim.insert_records("BTEC_Students", [record]);
    let (status, body) = h.webhook(Endpoint::StudentUpdated, &student_id(7)).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["captured"]["store"], "dead");
    assert!(h.sink.list(Store::Pending, 10).await.unwrap().is_empty(), "never retried automatically");
    let dead = h.sink.list(Store::Dead, 10).await.unwrap();
    assert_eq!(dead[0].message.dead_reason.as_deref(), Some("not_retryable"));
    assert_eq!(h.moodle.calls().len(), 0);
}

#[tokio::test]
async fn without_a_sink_the_answer_is_unchanged() {
    let h = Harness::start(1).await;
    let app = shared::App::new(shared::testkit::settings(Some(h.moodle.base_url()), &h.sim.base_url()));
    h.moodle_down(true);
    let request = shared::testkit::zoho_webhook("student_updated", &student_id(1), "BTEC_Students");
    let response =
        shared::webhook::handle(&app, dashboard_sync::FUNCTION, &dashboard_sync::DashboardSync, request).await;
    let (status, body) = shared::testkit::response_json(&response);
    assert_eq!(status, 502, "{body}");
    assert!(body.get("captured").is_none());
}

#[tokio::test]
async fn a_failed_capture_answers_the_original_5xx() {
    let h = Harness::start(1).await;
    // A spool whose root is a file cannot be written.
    let blocked = h.spool.with_extension("file");
    std::fs::write(&blocked, "x").unwrap();
    let sink: Arc<dyn FailureSink> = Arc::new(shared::capture::SpoolSink::new(&blocked));
    let app = shared::App::with_failure_sink(
        shared::testkit::settings(Some(h.moodle.base_url()), &h.sim.base_url()),
        Some(sink),
    );
    h.moodle_down(true);
    let request = shared::testkit::zoho_webhook("student_updated", &student_id(1), "BTEC_Students");
    let response =
        shared::webhook::handle(&app, dashboard_sync::FUNCTION, &dashboard_sync::DashboardSync, request).await;
    let (status, body) = shared::testkit::response_json(&response);
    assert_eq!(status, 502, "{body}");
    assert_eq!(body["captured"], false);
    let _ = std::fs::remove_file(blocked);
}

fn cursor_store(h: &Harness) -> FileCursorStore {
    FileCursorStore { path: h.spool.join("cursor.json") }
}

#[tokio::test]
async fn a_record_changed_in_zoho_without_a_webhook_is_applied_by_the_next_reconciliation() {
    let h = Harness::start(5).await;
    let store = cursor_store(&h);
    let first = reconcile::run(&h.app, &store, Some(h.sink.as_ref()), &options()).await.unwrap();
    assert_eq!(first.modules[1].upserts, 5, "{:?}", first.modules[1]);
    assert_eq!(first.failed(), 0);
    for n in 1..=5 {
        assert_eq!(h.writes(&student_id(n), "created"), 1);
    }
    // Nothing changed: nothing applied again.
    let idle = reconcile::run(&h.app, &store, Some(h.sink.as_ref()), &options()).await.unwrap();
    assert_eq!(idle.modules[1].upserts, 0, "{:?}", idle.modules[1].items);

    let mut changed = student(3, "");
    changed["Status"] = "Suspended".into();
    h.sim.put_record("BTEC_Students", changed);
    let next = reconcile::run(&h.app, &store, Some(h.sink.as_ref()), &options()).await.unwrap();
    assert_eq!(next.modules[1].upserts, 1, "{:?}", next.modules[1].items);
    assert_eq!(next.modules[1].items[0].zoho_id, student_id(3));
    assert_eq!(h.writes(&student_id(3), "updated"), 1);
    assert!(next.zoho_calls > 0 && next.zoho_calls < 40, "{}", next.zoho_calls);
}

#[tokio::test]
async fn a_record_deleted_in_zoho_is_soft_deleted() {
    let h = Harness::start(3).await;
    let store = cursor_store(&h);
    reconcile::run(&h.app, &store, Some(h.sink.as_ref()), &options()).await.unwrap();
    assert!(h.sim.delete_record("BTEC_Students", &student_id(2)));
    let report = reconcile::run(&h.app, &store, Some(h.sink.as_ref()), &options()).await.unwrap();
    assert_eq!(report.modules[1].deletes, 1, "{:?}", report.modules[1]);
    assert_eq!(h.writes(&student_id(2), "deleted"), 1);
    assert!(h.model.lock().unwrap().rows[&student_id(2)].1);
    // The deletion is behind the cursor now.
    let again = reconcile::run(&h.app, &store, Some(h.sink.as_ref()), &options()).await.unwrap();
    assert_eq!(again.modules[1].deletes, 0, "{:?}", again.modules[1].items);
}

#[tokio::test]
async fn a_failed_webhook_listed_by_zoho_is_resynced() {
    let h = Harness::start(2).await;
    let store = cursor_store(&h);
    reconcile::run(&h.app, &store, Some(h.sink.as_ref()), &options()).await.unwrap();
    h.sim.add_webhook_failure("BTEC_Students", &student_id(1), "page_notfound");
    let report = reconcile::run(&h.app, &store, Some(h.sink.as_ref()), &options()).await.unwrap();
    assert_eq!(report.webhook_failures.upserts, 1, "{:?}", report.webhook_failures);
    assert_eq!(h.writes(&student_id(1), "unchanged"), 1);
    let again = reconcile::run(&h.app, &store, Some(h.sink.as_ref()), &options()).await.unwrap();
    assert_eq!(again.webhook_failures.upserts, 0, "behind the cursor");
}

/// A cursor store that "crashes" (fails) on its n-th save, as if the process died there.
struct CrashingStore {
    inner: FileCursorStore,
    saves: AtomicUsize,
    crash_at: usize,
}

impl CursorStore for CrashingStore {
    fn load(&self) -> CursorFuture<'_, Cursors> {
        self.inner.load()
    }
    fn save<'a>(&'a self, cursors: &'a Cursors) -> CursorFuture<'a, ()> {
        if self.saves.fetch_add(1, Ordering::SeqCst) + 1 == self.crash_at {
            return Box::pin(async { Err(ReconcileError::Cursor { operation: "write", reason: "crash".into() }) });
        }
        self.inner.save(cursors)
    }
}

#[tokio::test]
async fn the_cursor_survives_a_crash_mid_run() {
    let h = Harness::start(12).await;
    let path = cursor_store(&h).path;
    let crashing =
        CrashingStore { inner: FileCursorStore { path: path.clone() }, saves: AtomicUsize::new(0), crash_at: 2 };
    let opts = Options { concurrency: 3, ..options() };
    let crashed = reconcile::run(&h.app, &crashing, Some(h.sink.as_ref()), &opts).await;
    assert!(crashed.is_err(), "the run died at its second cursor save");
    let applied_before_crash = h.model.lock().unwrap().writes.len();
    assert_eq!(applied_before_crash, 6, "two chunks of three were applied");

    let resumed = reconcile::run(&h.app, &FileCursorStore { path }, Some(h.sink.as_ref()), &opts).await.unwrap();
    assert_eq!(resumed.failed(), 0);
    let model = h.model.lock().unwrap();
    for n in 1..=12 {
        let id = student_id(n);
        let outcomes: Vec<&str> =
            model.writes.iter().filter(|(_, i, _)| *i == id).map(|(_, _, s)| s.as_str()).collect();
        assert_eq!(outcomes.first(), Some(&"created"), "{id} was skipped: {outcomes:?}");
        assert!(outcomes[1..].iter().all(|s| *s == "unchanged"), "{id} applied twice differently: {outcomes:?}");
    }
    let repeated = model.writes.iter().filter(|(_, _, s)| s == "unchanged").count();
    assert_eq!(repeated, 3, "only the chunk whose cursor save was lost is repeated");
}

#[tokio::test]
async fn a_replayable_failure_stops_the_cursor_there_and_is_captured() {
    let h = Harness::start(6).await;
    let store = cursor_store(&h);
    // The third write fails (Moodle briefly down), everything else succeeds.
    let calls = Arc::new(AtomicUsize::new(0));
    let counted = calls.clone();
    let model = h.model.clone();
    h.moodle.respond_with("local_mzi_update_student", move |call| {
        if counted.fetch_add(1, Ordering::SeqCst) == 2 {
            return shared::testkit::Reply::raw(503, "text/html", "down");
        }
        let id = call.field("student[zoho_student_id]").unwrap_or_default().to_owned();
        model.lock().unwrap().writes.push(("local_mzi_update_student".into(), id.clone(), "created".into()));
        shared::testkit::Reply::json(serde_json::json!({"status": "created", "id": 1, "zoho_id": id}))
    });
    let opts = Options { concurrency: 1, ..options() };
    let report = reconcile::run(&h.app, &store, Some(h.sink.as_ref()), &opts).await.unwrap();
    assert_eq!(report.modules[1].upserts, 2);
    assert_eq!(report.modules[1].failed, 1);
    assert!(report.modules[1].stopped.as_deref().unwrap().contains(&student_id(3)));
    let pending = h.sink.list(Store::Pending, 10).await.unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].message.zoho_id, student_id(3));
    let next = reconcile::run(&h.app, &store, Some(h.sink.as_ref()), &opts).await.unwrap();
    assert_eq!(next.modules[1].upserts, 4, "resumes at the failed record: {:?}", next.modules[1].items);
    assert_eq!(next.modules[1].items[0].zoho_id, student_id(3));
}

#[tokio::test]
async fn dry_run_writes_nothing() {
    let h = Harness::start(4).await;
    h.sim.delete_record("BTEC_Students", &student_id(4));
    let store = cursor_store(&h);
    let report =
        reconcile::run(&h.app, &store, Some(h.sink.as_ref()), &Options { dry_run: true, ..options() }).await.unwrap();
    let items = &report.modules[1].items;
    assert_eq!(items.iter().filter(|i| i.result == "would_apply").count(), 4, "{items:?}");
    assert!(items.iter().any(|i| i.action == "delete" && i.zoho_id == student_id(4)));
    assert!(h.moodle.calls().is_empty(), "no Moodle call");
    assert!(!store.path.exists(), "no cursor saved");
    assert!(h.sink.list(Store::Pending, 10).await.unwrap().is_empty());
}

#[tokio::test]
async fn the_budget_bounds_zoho_calls_and_the_next_run_continues() {
    let h = Harness::start(10).await;
    let store = cursor_store(&h);
    let small = Options { budget: 5, concurrency: 1, ..options() };
    let first = reconcile::run(&h.app, &store, Some(h.sink.as_ref()), &small).await.unwrap();
    assert!(first.budget_exhausted);
    let applied = first.modules[1].upserts;
    assert!(applied > 0 && applied < 10, "{applied}");
    let rest = reconcile::run(&h.app, &store, Some(h.sink.as_ref()), &options()).await.unwrap();
    assert_eq!(rest.modules[1].upserts, 10 - applied, "{:?}", rest.modules[1].items);
}

/// A student whose city is longer than Moodle's column (a poison record).
fn with_long_city(n: usize, modified: &str) -> serde_json::Value {
    let mut record = student(n, modified);
    record["City"] = "C".repeat(300).into();
    record
}

fn moodle_calls_for(h: &Harness, zoho_id: &str) -> usize {
    h.moodle
        .calls_to("local_mzi_update_student")
        .iter()
        .filter(|c| c.field("student[zoho_student_id]") == Some(zoho_id))
        .count()
}

#[tokio::test]
async fn a_value_moodle_cannot_store_answers_422_goes_dead_at_once_and_replay_brings_it_in_after_the_fix() {
    let h = Harness::start(0).await;
    let id = student_id(5);
    h.sim.insert_records("BTEC_Students", [with_long_city(5, "2026-01-01T00:00:00+00:00")]);
    let (status, body) = h.webhook(Endpoint::StudentUpdated, &id).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["code"], "moodle_value_refused");
    assert_eq!(body["error"]["retryable"], false);
    let reason = body["error"]["message"].as_str().unwrap();
    assert!(
        reason.contains("longer than its database column") && reason.contains("correct the value in Zoho"),
        "{reason}"
    );
    assert!(!body.to_string().contains("private value"), "no value from Moodle's debuginfo: {body}");
    assert_eq!(body["captured"]["store"], "dead");

    // Straight to the dead store with its reason: no retry is burnt on it.
    assert!(h.sink.list(Store::Pending, 10).await.unwrap().is_empty());
    let dead = h.sink.list(Store::Dead, 10).await.unwrap();
    assert_eq!(dead.len(), 1);
    let message = &dead[0].message;
    assert_eq!((message.attempts, message.dead_reason.as_deref()), (1, Some("not_retryable")));
    assert_eq!(message.error.code, "moodle_value_refused");
    assert!(message.error.message.contains("longer than its database column"), "{:?}", message.error);
    assert!(drain(&h.app, h.sink.as_ref(), Store::Pending, NO_DELAY, &everything()).await.unwrap().is_empty());
    assert_eq!(moodle_calls_for(&h, &id), 1, "tried once, by the webhook");

    // Not fixed yet: a replay keeps it in the dead store, with the latest error.
    let kept = drain(&h.app, h.sink.as_ref(), Store::Dead, NO_DELAY, &everything()).await.unwrap();
    assert_eq!(kept[0].disposition, Disposition::KeptInDead);

    // An administrator widens the column (or the value is corrected in Zoho): replay applies it.
    h.model.lock().unwrap().city_column = None;
    let replayed = drain(&h.app, h.sink.as_ref(), Store::Dead, NO_DELAY, &everything()).await.unwrap();
    assert_eq!(replayed[0].disposition, Disposition::Applied);
    assert!(h.sink.list(Store::Dead, 10).await.unwrap().is_empty());
    assert_eq!(h.writes(&id, "created"), 1);
}

#[tokio::test]
async fn a_deadlock_keeps_the_retry_path_where_a_value_too_long_does_not() {
    let h = Harness::start(2).await;
    h.moodle.set_fault(Some(deadlock()));
    let (status, body) = h.webhook(Endpoint::StudentUpdated, &student_id(1)).await;
    assert_eq!(status, 202, "{body}");
    assert_eq!(body["captured"]["store"], "pending");
    assert_eq!(body["error"]["code"], "moodle_transient");
    h.moodle.set_fault(Some(common::value_too_long()));
    let (status, body) = h.webhook(Endpoint::StudentUpdated, &student_id(2)).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["captured"]["store"], "dead");
    h.moodle.set_fault(None);
    // The deadlock clears on the worker's next attempt.
    let report = drain(&h.app, h.sink.as_ref(), Store::Pending, NO_DELAY, &everything()).await.unwrap();
    assert_eq!(report.len(), 1);
    assert_eq!((report[0].zoho_id.as_str(), &report[0].disposition), (student_id(1).as_str(), &Disposition::Applied));
}

#[tokio::test]
async fn a_poison_record_is_recorded_once_the_cursor_moves_past_it_and_a_change_in_zoho_retries_it() {
    let h = Harness::start(0).await;
    h.sim.insert_records(
        "BTEC_Students",
        (1..=5).map(|n| {
            let modified = format!("2026-01-01T10:00:{n:02}+00:00");
            if n == 3 { with_long_city(n, &modified) } else { student(n, &modified) }
        }),
    );
    let poison = student_id(3);
    let store = cursor_store(&h);
    let opts = Options { concurrency: 1, ..options() };
    let first = reconcile::run(&h.app, &store, Some(h.sink.as_ref()), &opts).await.unwrap();
    let students = &first.modules[1];
    assert_eq!((students.upserts, students.failed), (4, 1), "{:?}", students.items);
    assert_eq!(students.stopped, None, "the cursor moves past a permanent failure");
    assert_eq!(h.writes(&student_id(5), "created"), 1, "the record after it is applied");
    let dead = h.sink.list(Store::Dead, 10).await.unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!(
        (dead[0].message.zoho_id.as_str(), dead[0].message.error.code.as_str()),
        (poison.as_str(), "moodle_value_refused")
    );
    assert!(h.sink.list(Store::Pending, 10).await.unwrap().is_empty(), "no retry burnt on it");
    let saved = store.load().await.unwrap();
    assert_eq!(
        saved.poison.get(&format!("BTEC_Students/{poison}")).map(String::as_str),
        Some("2026-01-01T10:00:03+00:00")
    );

    // Later runs do not try the same version again, not even from Zoho's failed-delivery list
    // (which lists it because the webhook answered 422).
    h.sim.add_webhook_failure("BTEC_Students", &poison, "http_status_422");
    let again = reconcile::run(&h.app, &store, Some(h.sink.as_ref()), &opts).await.unwrap();
    assert_eq!(again.failed(), 0, "{:?}", again.webhook_failures);
    assert_eq!(again.webhook_failures.items[0].result, "skipped");
    assert_eq!(moodle_calls_for(&h, &poison), 1, "recorded once, tried once");
    assert_eq!(h.sink.list(Store::Dead, 10).await.unwrap().len(), 1);

    // Corrected in Zoho (a new Modified_Time): the next run applies it and clears the entry.
    let mut fixed = student(3, "");
    fixed["City"] = "Amman".into();
    h.sim.put_record("BTEC_Students", fixed);
    let cured = reconcile::run(&h.app, &store, Some(h.sink.as_ref()), &opts).await.unwrap();
    assert_eq!((cured.modules[1].upserts, cured.modules[1].failed), (1, 0), "{:?}", cured.modules[1].items);
    assert_eq!(h.writes(&poison, "created"), 1);
    assert!(store.load().await.unwrap().poison.is_empty());
}

/// A sink that counts what is put in it (the spool keeps one file per record, so it cannot).
#[derive(Debug)]
struct CountingSink {
    inner: Arc<shared::capture::SpoolSink>,
    puts: AtomicUsize,
}

impl FailureSink for CountingSink {
    fn kind(&self) -> &'static str {
        "spool"
    }
    fn put<'a>(
        &'a self,
        store: Store,
        message: &'a shared::capture::CapturedWebhook,
        delay_seconds: u32,
    ) -> shared::capture::SinkFuture<'a, String> {
        self.puts.fetch_add(1, Ordering::SeqCst);
        self.inner.put(store, message, delay_seconds)
    }
    fn list(&self, store: Store, max: usize) -> shared::capture::SinkFuture<'_, Vec<shared::capture::Stored>> {
        self.inner.list(store, max)
    }
    fn remove<'a>(&'a self, store: Store, handle: &'a str) -> shared::capture::SinkFuture<'a, ()> {
        self.inner.remove(store, handle)
    }
    fn release<'a>(&'a self, store: Store, handle: &'a str) -> shared::capture::SinkFuture<'a, ()> {
        self.inner.release(store, handle)
    }
}

#[tokio::test]
async fn a_failure_that_only_looks_transient_holds_the_cursor_a_few_runs_then_the_worker_owns_it() {
    let h = Harness::start(5).await;
    let store = cursor_store(&h);
    let stuck = student_id(3);
    // Moodle with debugging off: a dml_write_exception without debuginfo, every time, for one
    // record (what a value too long for its column looks like on a production site).
    let model = h.model.clone();
    let refused = stuck.clone();
    h.moodle.respond_with("local_mzi_update_student", move |call| {
        let id = call.field("student[zoho_student_id]").unwrap_or_default().to_owned();
        if id == refused {
            return shared::testkit::Reply::exception("dmlwriteexception", "Error writing to database");
        }
        model.lock().unwrap().writes.push(("local_mzi_update_student".into(), id.clone(), "created".into()));
        shared::testkit::Reply::json(serde_json::json!({"status": "created", "id": 1, "zoho_id": id}))
    });
    let sink = CountingSink { inner: h.sink.clone(), puts: AtomicUsize::new(0) };
    let opts = Options { concurrency: 1, ..options() };
    for run in 1..=reconcile::HOLD_RUNS {
        let report = reconcile::run(&h.app, &store, Some(&sink), &opts).await.unwrap();
        let stopped = report.modules[1].stopped.as_deref().unwrap_or_default();
        assert!(stopped.contains(&stuck), "run {run} holds at the record: {:?}", report.modules[1]);
    }
    assert_eq!(sink.puts.load(Ordering::SeqCst), 1, "captured once for the worker, not once per run");
    assert_eq!(h.writes(&student_id(4), "created"), 0, "held in order meanwhile");

    let passed = reconcile::run(&h.app, &store, Some(&sink), &opts).await.unwrap();
    assert_eq!(passed.modules[1].stopped, None, "{:?}", passed.modules[1]);
    assert_eq!(passed.modules[1].items.iter().find(|i| i.zoho_id == stuck).unwrap().result, "passed");
    assert_eq!((h.writes(&student_id(4), "created"), h.writes(&student_id(5), "created")), (1, 1));
    let pending = h.sink.list(Store::Pending, 10).await.unwrap();
    assert_eq!(pending.len(), 1, "the worker owns it");
    assert_eq!(pending[0].message.zoho_id, stuck);
    let after = reconcile::run(&h.app, &store, Some(&sink), &opts).await.unwrap();
    assert!(after.modules[1].items.is_empty(), "not tried again: {:?}", after.modules[1].items);
    assert_eq!(sink.puts.load(Ordering::SeqCst), 1);
}
