//! No secret and no personal value in any log line: a whole run of webhooks through every
//! endpoint (success paths against the Zoho simulator and the stand-in Moodle, upstream
//! failures, bad input) with every log line captured at DEBUG, then scanned.
//!
//! This file holds one test because it installs the process-wide subscriber (the edge, the
//! clients and the servers log from several threads).

use std::sync::Arc;

use reliability::{
    LogBuffer, answer_like_a_healthy_plugin, functions, load_corpus, seeded_id, seeded_personal_values, zoho_seed,
};
use serde_json::json;
use shared::App;
use shared::testkit::{self, Reply, StandInMoodle, TEST_MOODLE_TOKEN, TEST_WEBHOOK_SECRET};
use shared::webhook::{Endpoint, handle};
use zoho_sim::{Faults, Simulator};

const ZOHO_CLIENT_SECRET: &str = "test-zoho-client-secret";
const ZOHO_REFRESH_TOKEN: &str = "1000.test-refresh-token";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_or_personal_value_reaches_the_logs() {
    let buffer = LogBuffer::default();
    tracing::subscriber::set_global_default(reliability::capturing_subscriber(buffer.clone(), "debug"))
        .expect("the only subscriber of this test binary");

    let seed = zoho_seed();
    let personal = seeded_personal_values(&seed);
    assert!(personal.len() >= 20, "the seed must give personal values to look for: {personal:?}");
    let zoho = Simulator::start(seed.clone()).await.expect("simulator");
    let moodle = StandInMoodle::start().await;
    answer_like_a_healthy_plugin(&moodle);
    let app = App::new(testkit::settings(Some(moodle.base_url()), &zoho.base_url()));
    let mut statuses = Vec::new();

    let send = |function, processor: Arc<dyn shared::webhook::Processor>, request| {
        let app = app.clone();
        async move { testkit::response_json(&handle(&app, function, processor.as_ref(), request).await) }
    };

    // 1. Success paths: every endpoint with a seeded record.
    for (function, processor) in functions() {
        for endpoint in function.endpoints() {
            let id = seeded_id(&seed, endpoint.module());
            let request = testkit::zoho_webhook(endpoint.name(), &id, endpoint.module());
            // A delete's success path needs the record gone from Zoho; restored afterwards for
            // the steps below.
            let deleted = endpoint.is_delete() && zoho.delete_record(endpoint.module(), &id);
            statuses.push((endpoint, send(function, processor.clone(), request).await.0));
            if deleted {
                zoho.restore_record(endpoint.module(), &id);
            }
        }
    }
    let succeeded = statuses.iter().filter(|(_, s)| *s == 200).count();
    assert!(succeeded >= 10, "most endpoints must have run their success path: {statuses:?}");

    // 2. Upstream failures, Moodle's answers carrying personal data in `debuginfo`.
    let email = seed["BTEC_Students"][0]["Email"].as_str().unwrap().to_owned();
    let student = seeded_id(&seed, "BTEC_Students");
    for reply in [
        Reply::json(json!({"exception": "invalid_parameter_exception", "errorcode": "invalidparameter",
                           "message": "Invalid parameter value detected", "debuginfo": format!("student[email] => {email}")})),
        Reply::exception("invalidtoken", "Invalid token - token not found"),
        Reply::raw(200, "text/html", &format!("<html>Fatal error near {email}</html>")),
        Reply::raw(500, "text/html", ""),
    ] {
        moodle.set_fault(Some(reply));
        let (function, processor) = functions().remove(0);
        send(function, processor, testkit::zoho_webhook("student_updated", &student, "BTEC_Students")).await;
    }
    moodle.set_fault(None);
    for faults in [
        Faults { api_status: Some(500), ..Faults::default() },
        Faults { api_status: Some(429), retry_after_secs: Some(0), ..Faults::default() },
        Faults { token_access_denied: true, ..Faults::default() },
    ] {
        zoho.set_faults(faults);
        zoho.expire_all_tokens();
        let (function, processor) = functions().remove(0);
        send(function, processor, testkit::zoho_webhook("student_updated", &student, "BTEC_Students")).await;
    }
    zoho.set_faults(Faults::default());

    // 3. Bad input: the whole corpus, plus requests that carry secrets and personal values.
    for (function, processor) in functions() {
        for case in load_corpus() {
            for attempt in case.attempts(function) {
                shared::webhook::handle_event(&app, function, processor.as_ref(), &attempt.event.to_string(), None)
                    .await;
            }
        }
    }
    let (function, processor) = functions().remove(0);
    for (secret, body) in [
        (TEST_WEBHOOK_SECRET, json!({"zoho_id": email}).to_string()),
        (TEST_WEBHOOK_SECRET, json!({"zoho_id": student, "module": personal[0]}).to_string()),
        (&TEST_WEBHOOK_SECRET[..20], json!({"zoho_id": student}).to_string()),
        (TEST_MOODLE_TOKEN, json!({"zoho_id": student}).to_string()),
    ] {
        let request = testkit::event(
            "POST",
            Endpoint::StudentUpdated.name(),
            &[("content-type", "application/json"), ("x-webhook-secret", secret)],
            Some(&body),
        );
        send(function, processor.clone(), request).await;
    }

    // The scan.
    let logs = buffer.text();
    let lines = logs.lines().count();
    assert!(lines >= 100, "the run must have logged (got {lines} lines)");
    assert!(logs.contains("\"message\":\"webhook\""), "the edge's line is captured");
    let minted: Vec<String> =
        logs.match_indices("1000.sim").map(|(i, _)| logs[i..].chars().take(30).collect()).collect();
    assert!(minted.is_empty(), "a minted Zoho access token is in the logs: {minted:?}");
    let mut leaks = Vec::new();
    for secret in
        [TEST_WEBHOOK_SECRET, &TEST_WEBHOOK_SECRET[..20], TEST_MOODLE_TOKEN, ZOHO_CLIENT_SECRET, ZOHO_REFRESH_TOKEN]
    {
        if logs.contains(secret) {
            leaks.push(format!("secret {secret:?}"));
        }
    }
    for value in &personal {
        if logs.contains(value.as_str()) {
            leaks.push(format!("personal value {value:?}"));
        }
    }
    for leak in &leaks {
        let needle = leak.split('"').nth(1).unwrap_or_default();
        if let Some(line) = logs.lines().find(|l| l.contains(needle)) {
            eprintln!("{leak} in: {}", line.chars().take(400).collect::<String>());
        }
    }
    println!(
        "log scan: {lines} lines, {} personal values and 5 secrets looked for, {} success paths",
        personal.len(),
        succeeded
    );
    assert!(leaks.is_empty(), "{} leak(s): {leaks:?}", leaks.len());
}
