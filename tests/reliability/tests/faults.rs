//! Faults of Zoho (the simulator's switches) and of Moodle (the stand-in's), through a real
//! function's handler: each gives its documented status and retry class, and once the fault is
//! gone the same webhook succeeds (no partial state a retry cannot complete).

use std::time::{Duration, Instant};

use reliability::{answer_like_a_healthy_plugin, seeded_id, zoho_seed};
use shared::App;
use shared::testkit::{self, Reply, StandInMoodle};
use shared::webhook::handle;
use zoho_sim::{Faults, Simulator};

struct Rig {
    zoho: Simulator,
    moodle: StandInMoodle,
    app: std::sync::Arc<App>,
    student: String,
}

async fn start_rig() -> Rig {
    let seed = zoho_seed();
    let zoho = Simulator::start(seed.clone()).await.unwrap();
    let moodle = StandInMoodle::start().await;
    answer_like_a_healthy_plugin(&moodle);
    let app = App::new(testkit::settings(Some(moodle.base_url()), &zoho.base_url()));
    Rig { zoho, moodle, app, student: seeded_id(&seed, "BTEC_Students") }
}

impl Rig {
    /// `student_updated` for the seeded student through dashboard_sync: status and body.
    async fn webhook(&self) -> (u16, serde_json::Value, Duration) {
        let started = Instant::now();
        let request = testkit::zoho_webhook("student_updated", &self.student, "BTEC_Students");
        let response = handle(&self.app, dashboard_sync::FUNCTION, &dashboard_sync::DashboardSync, request).await;
        let (status, body) = testkit::response_json(&response);
        (status, body, started.elapsed())
    }

    async fn expect(&self, what: &str, status: u16, code: &str, retryable: bool) -> Duration {
        let (got, body, took) = self.webhook().await;
        assert_eq!(got, status, "{what}: {body}");
        assert_eq!(body["error"]["code"], code, "{what}: {body}");
        assert_eq!(body["error"]["retryable"], retryable, "{what}: {body}");
        assert!(body["error"]["message"].as_str().is_some_and(|m| !m.is_empty()), "{what}");
        took
    }

    async fn expect_recovered(&self, what: &str) {
        let (status, body, _) = self.webhook().await;
        assert_eq!(status, 200, "{what}: the same webhook must succeed once the fault is gone: {body}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn zoho_faults_give_retryable_statuses_and_the_retry_completes() {
    let rig = start_rig().await;
    rig.expect_recovered("baseline").await;

    // 5xx: retried inside the budget, then a retryable 502.
    rig.zoho.reset_log();
    rig.zoho.set_faults(Faults { api_status: Some(500), ..Faults::default() });
    rig.expect("Zoho 500", 502, "zoho_unavailable", true).await;
    assert_eq!(rig.zoho.stats().faulted, 3, "three attempts (RetryPolicy::default)");
    assert!(rig.moodle.calls_to("local_mzi_update_student").len() == 1, "nothing sent to Moodle while Zoho fails");
    rig.zoho.set_faults(Faults::default());
    rig.expect_recovered("after Zoho 500").await;

    // 429 with Retry-After: the hint is honoured between attempts, then a retryable 503.
    rig.zoho.reset_log();
    rig.zoho.set_faults(Faults { api_status: Some(429), retry_after_secs: Some(1), ..Faults::default() });
    let took = rig.expect("Zoho 429", 503, "zoho_rate_limited", true).await;
    assert!(took >= Duration::from_millis(1900), "Retry-After: 1 twice, took {took:?}");
    rig.zoho.set_faults(Faults::default());
    rig.expect_recovered("after Zoho 429").await;

    // A 429 that clears within the budget is invisible to Zoho's webhook.
    rig.zoho.set_faults(Faults {
        api_status: Some(429),
        api_status_times: Some(1),
        retry_after_secs: Some(0),
        ..Faults::default()
    });
    rig.expect_recovered("one 429 then fine").await;
    rig.zoho.set_faults(Faults::default());

    // Token endpoint "Access Denied" (Zoho's throttle): retryable 503, no minting loop.
    rig.zoho.expire_all_tokens();
    rig.zoho.reset_log();
    rig.zoho.set_faults(Faults { token_access_denied: true, ..Faults::default() });
    rig.expect("Access Denied", 503, "zoho_token_throttled", true).await;
    rig.expect("Access Denied again", 503, "zoho_token_throttled", true).await;
    let denied = rig.zoho.stats().token_requests;
    assert!(denied <= 2, "the cooling-off period stops token requests: {denied} requests");

    // Slow beyond the timeout (2 s in the test settings): 504, retryable.
    let slow = start_rig().await;
    slow.zoho.set_faults(Faults { delay_ms: 2500, ..Faults::default() });
    slow.expect("Zoho slow", 504, "zoho_timeout", true).await;
    slow.zoho.set_faults(Faults::default());
    slow.expect_recovered("after Zoho slow").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn moodle_faults_give_their_documented_statuses_and_the_retry_completes() {
    let rig = start_rig().await;
    rig.expect_recovered("baseline").await;
    let cases = [
        (
            "Moodle slow",
            Reply::json(serde_json::json!({})).delayed(Duration::from_secs(3)),
            504,
            "moodle_timeout",
            true,
        ),
        (
            "HTML instead of JSON",
            Reply::raw(200, "text/html", "<html><body>Fatal error</body></html>"),
            502,
            "moodle_not_json",
            true,
        ),
        (
            "accessexception",
            Reply::exception("accessexception", "Access control exception"),
            503,
            "moodle_configuration",
            false,
        ),
        ("invalidtoken", Reply::fixture("local_mzi_update_student.invalidtoken"), 503, "moodle_configuration", false),
        ("nopermissions", Reply::fixture("local_mzi_update_student.nopermissions"), 503, "moodle_configuration", false),
        ("403 (web services off)", Reply::raw(403, "text/html", ""), 503, "moodle_webservices_disabled", false),
        ("500", Reply::raw(500, "text/html", "<h1>500</h1>"), 502, "moodle_http_error", true),
        (
            "dmlwriteexception",
            Reply::exception("dmlwriteexception", "Error writing to database"),
            502,
            "moodle_transient",
            true,
        ),
    ];
    for (what, reply, status, code, retryable) in cases {
        rig.moodle.set_fault(Some(reply));
        rig.expect(what, status, code, retryable).await;
        rig.moodle.set_fault(None);
        rig.expect_recovered(what).await;
    }

    // Moodle down: nothing listens on the port.
    let down = App::new(testkit::settings(Some("http://127.0.0.1:9"), &rig.zoho.base_url()));
    let request = testkit::zoho_webhook("student_updated", &rig.student, "BTEC_Students");
    let response = handle(&down, dashboard_sync::FUNCTION, &dashboard_sync::DashboardSync, request).await;
    let (status, body) = testkit::response_json(&response);
    assert_eq!((status, body["error"]["code"].as_str()), (502, Some("moodle_unreachable")), "{body}");
    assert_eq!(body["error"]["retryable"], true);
}
