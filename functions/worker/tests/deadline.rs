//! The worker's own time budget: a captured webhook whose Moodle never answers is stopped at the
//! deadline (Lambda's deadline less the margin), kept for retry with `deadline_exceeded` naming
//! the call it waited for, instead of the invocation timing out with nothing recorded.

use std::time::{Duration, Instant};

use shared::App;
use shared::ZohoId;
use shared::capture::{CapturedWebhook, Origin, RetrySchedule};
use shared::error::SyncError;
use shared::testkit::{self, ConnectionCounter};
use shared::webhook::{Endpoint, WebhookCall};
use worker::Attempt;

#[tokio::test]
async fn a_captured_webhook_whose_moodle_never_answers_stops_at_the_deadline_and_is_kept_for_retry() {
    let sim = zoho_sim::Simulator::start_from_dir(testkit::workspace_root().join("fixtures/zoho")).await.unwrap();
    let moodle = ConnectionCounter::start().await;
    let mut settings = testkit::settings(Some(moodle.base_url()), &sim.base_url());
    // The per-call timeout alone would let one call run far past the invocation's deadline.
    settings.moodle.timeout = Duration::from_secs(60);
    let app = App::new(settings);
    let endpoint = Endpoint::StudentUpdated;
    let call = WebhookCall {
        endpoint,
        zoho_id: ZohoId::parse("5398830000100000001").unwrap(),
        module: Some(endpoint.module().to_owned()),
    };
    let first = SyncError::DeadlineExceeded { budget_ms: 1, waiting_for: "an earlier try".into() };
    let mut message = CapturedWebhook::new(&call, &first, Origin::Webhook);

    let started = Instant::now();
    let budget = Duration::from_millis(600);
    let attempt = worker::attempt_until(&app, &mut message, RetrySchedule::default(), Some(budget)).await;
    let elapsed = started.elapsed();

    assert!(matches!(attempt, Attempt::Retry { .. }), "kept for retry: {attempt:?}");
    assert!(elapsed >= Duration::from_millis(600) && elapsed < Duration::from_millis(2_000), "{elapsed:?}");
    let latest = message.latest_error();
    assert_eq!(latest.code, "deadline_exceeded");
    assert!(latest.message.contains("Moodle local_mzi_update_student"), "names the slow call: {}", latest.message);
    assert_eq!(message.attempts, 2);
    assert!(moodle.connections() >= 1, "Moodle was called (and never answered)");
}
