//! Delete only what Zoho has deleted: every `*_deleted` endpoint of the four functions, and the
//! worker's replay and reconciliation, against the Zoho simulator and a stand-in Moodle. A record
//! that still exists is refused with 409 and Moodle is untouched; 204 deletes; an ambiguous "not
//! found" deletes only when Zoho lists the record as deleted; a Zoho outage keeps the event for a
//! retry and Moodle untouched; a replay or a reconciliation of a record restored in the meantime
//! changes nothing.

use std::sync::Arc;

use serde_json::Value;
use shared::App;
use shared::capture::{FailureSink, RetrySchedule, SpoolSink, Store};
use shared::testkit::{self, Reply, StandInMoodle};
use shared::webhook::{Endpoint, handle};
use worker::reconcile::{self, FileCursorStore, Options};
use worker::{Disposition, Selection, drain};
use zoho_sim::{Faults, Simulator};

const NO_DELAY: RetrySchedule = RetrySchedule { max_attempts: 8, base_delay_seconds: 0 };
/// An id Zoho has never had.
const NEVER_EXISTED: &str = "5398830000199999999";

struct Rig {
    sim: Simulator,
    moodle: StandInMoodle,
    spool: std::path::PathBuf,
    sink: Arc<SpoolSink>,
    app: Arc<App>,
}

impl Rig {
    async fn start() -> Self {
        let seed = zoho_sim::load_seed_dir(testkit::workspace_root().join("fixtures/zoho")).unwrap();
        let sim = Simulator::start(seed).await.unwrap();
        let moodle = StandInMoodle::start().await;
        for endpoint in delete_endpoints() {
            let function = delete_function(endpoint);
            moodle.respond(&function, Reply::fixture(&format!("{function}.deleted")));
        }
        let spool = std::env::temp_dir().join(format!("mzi-deletes-{}", fastrand::u64(..)));
        let sink = Arc::new(SpoolSink::new(&spool));
        let app = App::with_failure_sink(
            testkit::settings(Some(moodle.base_url()), &sim.base_url()),
            Some(sink.clone() as Arc<dyn FailureSink>),
        );
        Self { sim, moodle, spool, sink, app }
    }

    async fn webhook(&self, endpoint: Endpoint, id: &str) -> (u16, Value) {
        let request = testkit::zoho_webhook(endpoint.name(), id, endpoint.module());
        let response = handle(&self.app, endpoint.function(), worker::processor_for(endpoint), request).await;
        testkit::response_json(&response)
    }

    fn deletes_sent(&self, endpoint: Endpoint) -> usize {
        self.moodle.calls_to(&delete_function(endpoint)).len()
    }

    fn pending(&self) -> usize {
        std::fs::read_dir(self.spool.join("pending")).map(|d| d.count()).unwrap_or(0)
    }

    /// The first seeded record of the endpoint's module.
    fn seeded(&self, endpoint: Endpoint) -> String {
        let seed = zoho_sim::load_seed_dir(testkit::workspace_root().join("fixtures/zoho")).unwrap();
        seed[endpoint.module()][0]["id"].as_str().unwrap().to_owned()
    }
}

impl Drop for Rig {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.spool);
    }
}

fn delete_endpoints() -> Vec<Endpoint> {
    Endpoint::ALL.into_iter().filter(|e| e.is_delete()).collect()
}

fn delete_function(endpoint: Endpoint) -> String {
    match endpoint {
        Endpoint::BtecDefinitionDeleted => "local_mzi_delete_btec_definition".into(),
        other => format!("local_mzi_delete_{}", other.name().trim_end_matches("_deleted")),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_delete_endpoint_deletes_only_what_zoho_has_deleted() {
    let rig = Rig::start().await;
    let endpoints = delete_endpoints();
    assert_eq!(endpoints.len(), 8);
    for endpoint in endpoints {
        let id = rig.seeded(endpoint);
        let module = endpoint.module();

        // 1. The record exists: 409, logged with its reason, Moodle untouched, nothing kept.
        let (status, body) = rig.webhook(endpoint, &id).await;
        assert_eq!(status, 409, "{endpoint} exists: {body}");
        assert_eq!(body["error"]["code"], "record_still_exists", "{endpoint}: {body}");
        assert_eq!(body["error"]["retryable"], false);
        assert!(body["error"]["message"].as_str().unwrap().contains("still exists in Zoho"), "{body}");
        assert_eq!(rig.deletes_sent(endpoint), 0, "{endpoint}: Moodle must be untouched");
        assert_eq!(rig.pending(), 0, "{endpoint}: a final answer is not kept for retry");

        // 2. Zoho is down during the check: kept for a retry (202), Moodle untouched.
        rig.sim.set_faults(Faults { api_status: Some(503), ..Faults::default() });
        let (status, body) = rig.webhook(endpoint, &id).await;
        rig.sim.set_faults(Faults::default());
        assert_eq!((status, body["status"].as_str()), (202, Some("queued")), "{endpoint} outage: {body}");
        assert_eq!(body["error"]["code"], "zoho_unavailable");
        assert_eq!(rig.deletes_sent(endpoint), 0, "{endpoint}: never delete anyway");
        assert_eq!(rig.pending(), 1);

        // 3. The retry runs while the record still exists: the worker goes through the same
        //    confirmation, finishes the message with the refusal, and Moodle stays untouched.
        let selection = Selection { ignore_delay: true, max: 100, ..Selection::default() };
        let report = drain(&rig.app, rig.sink.as_ref(), Store::Pending, NO_DELAY, &selection).await.unwrap();
        assert_eq!(report.len(), 1);
        assert_eq!(report[0].disposition, Disposition::Refused, "{endpoint}: {report:?}");
        assert_eq!(rig.deletes_sent(endpoint), 0, "{endpoint}: the replay must not delete a live record");
        assert_eq!(rig.pending(), 0);

        // 4. Deleted in Zoho (GET answers 204): deleted in Moodle.
        assert!(rig.sim.delete_record(module, &id));
        let (status, body) = rig.webhook(endpoint, &id).await;
        assert_eq!(status, 200, "{endpoint} deleted: {body}");
        let confirm = &body["actions"][0];
        assert_eq!(
            (confirm["step"].as_str(), confirm["result"].as_str()),
            (Some(&*format!("zoho.confirm_deleted {module}")), Some("not_found"))
        );
        assert_eq!(rig.deletes_sent(endpoint), 1);

        // 5. Zoho answers "not found" ambiguously (400 INVALID_DATA, then 404): the deleted list
        //    decides. Listed: deleted.
        for ambiguous in [400, 404] {
            rig.sim.set_faults(Faults { missing_record_status: Some(ambiguous), ..Faults::default() });
            let (status, body) = rig.webhook(endpoint, &id).await;
            assert_eq!(status, 200, "{endpoint} {ambiguous} + listed: {body}");
            assert_eq!(body["actions"][0]["result"], "listed_as_deleted", "{body}");
            //    Not listed (an id Zoho never had): not confirmed, 409, Moodle untouched.
            let before = rig.deletes_sent(endpoint);
            let (status, body) = rig.webhook(endpoint, NEVER_EXISTED).await;
            assert_eq!((status, body["error"]["code"].as_str()), (409, Some("delete_not_confirmed")), "{body}");
            assert_eq!(rig.deletes_sent(endpoint), before);
        }
        rig.sim.set_faults(Faults::default());
        assert_eq!(rig.deletes_sent(endpoint), 3);
        assert_eq!(rig.pending(), 0);
    }
}

#[tokio::test]
async fn a_delete_costs_one_zoho_read() {
    let rig = Rig::start().await;
    let id = rig.seeded(Endpoint::StudentDeleted);
    rig.sim.delete_record("BTEC_Students", &id);
    // Warm the token, then count the CRM requests of one delete.
    rig.webhook(Endpoint::StudentDeleted, &id).await;
    rig.sim.reset_log();
    let (status, _) = rig.webhook(Endpoint::StudentDeleted, &id).await;
    assert_eq!(status, 200);
    let crm: Vec<_> = rig.sim.requests().into_iter().filter(|r| r.path.starts_with("/crm/")).collect();
    assert_eq!(crm.len(), 1, "{crm:?}");
    assert_eq!(crm[0].path, format!("/crm/v8/BTEC_Students/{id}"));
}

#[tokio::test]
async fn reconciliation_confirms_before_it_deletes() {
    let rig = Rig::start().await;
    let cursor = FileCursorStore { path: rig.spool.join("cursor.json") };
    let options = Options {
        dry_run: false,
        budget: 10_000,
        since: None,
        concurrency: 2,
        webhook_failures: false,
        deadline: None,
    };
    let gone = rig.seeded(Endpoint::StudentDeleted);
    let seed = zoho_sim::load_seed_dir(testkit::workspace_root().join("fixtures/zoho")).unwrap();
    let restored_row = seed["BTEC_Students"][1].clone();
    let restored = restored_row["id"].as_str().unwrap().to_owned();
    // Both are listed as deleted; the second is back in the module (restored, while Zoho's list
    // still shows its deletion).
    assert!(rig.sim.delete_record("BTEC_Students", &gone));
    assert!(rig.sim.delete_record("BTEC_Students", &restored));
    rig.sim.insert_records("BTEC_Students", [restored_row]);

    // The modified records are upserted first: answer those like a healthy plugin.
    for (function, fixture) in [
        ("local_mzi_update_student", "local_mzi_update_student.created"),
        ("local_mzi_create_registration", "local_mzi_create_registration.created"),
        ("local_mzi_record_payment", "local_mzi_record_payment.created"),
        ("local_mzi_submit_grade", "local_mzi_submit_grade.created"),
        ("local_mzi_update_request_status", "local_mzi_update_request_status.created"),
        ("local_mzi_sync_teacher", "local_mzi_sync_teacher.created"),
    ] {
        rig.moodle.respond(function, Reply::fixture(fixture));
    }
    let report = reconcile::run(&rig.app, &cursor, Some(rig.sink.as_ref()), &options).await.unwrap();
    let students = report.modules.iter().find(|m| m.module == "BTEC_Students").unwrap();
    let result_of =
        |id: &str| students.items.iter().find(|i| i.zoho_id == id && i.action == "delete").map(|i| i.result.clone());
    assert_eq!(result_of(&gone).as_deref(), Some("ok"), "{:?}", students.items);
    assert_eq!(result_of(&restored).as_deref(), Some("refused"), "{:?}", students.items);
    assert_eq!((students.deletes, students.refused, students.failed), (1, 1, 0));
    let deleted: Vec<String> = rig
        .moodle
        .calls_to("local_mzi_delete_student")
        .iter()
        .filter_map(|c| c.field("zoho_student_id").map(str::to_owned))
        .collect();
    assert_eq!(deleted, vec![gone], "only the record Zoho confirmed gone is deleted in Moodle");
    let kept = std::fs::read_dir(rig.spool.join("pending")).map(|d| d.flatten().count()).unwrap_or(0);
    let kept_deletes = std::fs::read_dir(rig.spool.join("pending"))
        .map(|d| d.flatten().filter(|e| e.file_name().to_string_lossy().contains("deleted")).count())
        .unwrap_or(0);
    assert_eq!(kept_deletes, 0, "a refusal is not kept for retry ({kept} pending in all)");
}
