//! The edge from the raw API Gateway event on (the path `webhook::run` takes in Lambda), for what
//! the local emulator cannot show: bodies API Gateway hands over base64-encoded (binary, not
//! UTF-8, gzip/deflate), bodies over the limit, the order of the checks, and the time budget.
//! Zoho is a listener that counts connections and never answers, so "no Zoho request" is
//! measured, not assumed.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use shared::App;
use shared::capture::{FailureSink, SpoolSink};
use shared::testkit::{self, ConfirmedStudentDelete, ConnectionCounter, Reply, StandInMoodle, TEST_WEBHOOK_SECRET};
use shared::webhook::{self, Function};

const PATH: &str = "/api/v1/webhooks/student-dashboard/student_deleted";
const GZIP_JSON: &str =
    "H4sIAAAAAAACA6tWqsrPyI/PTFGyUlAyNba0sDA2AAJDAwgwVNJRUMrNTynNSQUpcApxdY4PLilNSc0rKVaqBQDQeLp9PQAAAA==";
const DEFLATE_JSON: &str = "eJyrVqrKz8iPz0xRslJQMjW2tLAwNgACQwMIMFTSUVDKzU8pzUkFKXAKcXWODy4pTUnNKylWqgUA9t0RCA==";
/// `zoho_id=…&module=BTEC_Students&note=caf\xe9`: Latin-1, not UTF-8.
const LATIN1_FORM: &str = "em9ob19pZD01Mzk4ODMwMDAwMTAwMDAwMDAxJm1vZHVsZT1CVEVDX1N0dWRlbnRzJm5vdGU9Y2Fm6Q==";
/// The first bytes of a PNG file.
const PNG: &str = "iVBORw0KGgoAAAANSUhEUgAAAAE=";

fn headers(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    out.push(("x-webhook-secret".into(), TEST_WEBHOOK_SECRET.into()));
    out
}

/// (label, headers, body, isBase64Encoded, status, code)
type Case = (&'static str, Vec<(String, String)>, String, bool, u16, &'static str);

fn awkward_bodies() -> Vec<Case> {
    let json_ct = ("content-type", "application/json");
    let form_ct = ("content-type", "application/x-www-form-urlencoded");
    let big_plain =
        format!(r#"{{"zoho_id":"5398830000100000001","module":"BTEC_Students","pad":"{}"}}"#, "x".repeat(70_000));
    vec![
        (
            "binary body, binary type",
            headers(&[("content-type", "image/png")]),
            PNG.into(),
            true,
            415,
            "unsupported_media_type",
        ),
        (
            "binary body, octet-stream",
            headers(&[("content-type", "application/octet-stream")]),
            PNG.into(),
            true,
            415,
            "unsupported_media_type",
        ),
        ("binary body declared JSON", headers(&[json_ct]), PNG.into(), true, 400, "invalid_json"),
        ("binary body without a type", headers(&[]), PNG.into(), true, 400, "invalid_body"),
        ("Latin-1 form body", headers(&[form_ct]), LATIN1_FORM.into(), true, 400, "invalid_body"),
        ("Latin-1 form body declared JSON", headers(&[json_ct]), LATIN1_FORM.into(), true, 400, "invalid_json"),
        (
            "gzip JSON",
            headers(&[json_ct, ("content-encoding", "gzip")]),
            GZIP_JSON.into(),
            true,
            415,
            "unsupported_content_encoding",
        ),
        (
            "deflate JSON",
            headers(&[json_ct, ("content-encoding", "deflate")]),
            DEFLATE_JSON.into(),
            true,
            415,
            "unsupported_content_encoding",
        ),
        (
            "br JSON",
            headers(&[json_ct, ("content-encoding", "br")]),
            GZIP_JSON.into(),
            true,
            415,
            "unsupported_content_encoding",
        ),
        ("gzip JSON without its header", headers(&[json_ct]), GZIP_JSON.into(), true, 400, "invalid_json"),
        ("deflate without any header", headers(&[]), DEFLATE_JSON.into(), true, 400, "invalid_body"),
        ("oversize, base64", headers(&[json_ct]), "QUFB".repeat(24_000), true, 413, "payload_too_large"),
        ("oversize, text", headers(&[json_ct]), big_plain, false, 413, "payload_too_large"),
        // 10 MB of text that is not base64 at all: refused on its size alone, never decoded.
        ("oversize and not base64", headers(&[json_ct]), "!".repeat(10 * 1024 * 1024), true, 413, "payload_too_large"),
        ("not base64", headers(&[json_ct]), "{not base64}".into(), true, 400, "invalid_base64"),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn awkward_bodies_from_rest_and_http_apis_get_a_clear_4xx_and_no_zoho_request() {
    let moodle = StandInMoodle::start().await;
    let zoho = ConnectionCounter::start().await;
    let app = App::new(testkit::settings(Some(moodle.base_url()), zoho.base_url()));
    let mut checked = 0;
    for version in ["1.0", "2.0"] {
        for (label, headers, body, base64, status, code) in awkward_bodies() {
            let event = testkit::raw_event(version, "POST", PATH, &headers, None, Some(&body), base64);
            let started = Instant::now();
            let answered =
                webhook::handle_event(&app, Function::DashboardSync, &ConfirmedStudentDelete, &event.to_string(), None)
                    .await;
            let (got, answer) = testkit::response_json(&answered.response);
            assert_eq!((got, answer["error"]["code"].as_str()), (status, Some(code)), "{version} {label}: {answer}");
            assert!(answer["error"]["message"].as_str().is_some_and(|m| !m.is_empty()), "{version} {label}");
            assert_eq!(answer["error"]["retryable"], false, "{version} {label}");
            assert!(started.elapsed() < Duration::from_secs(2), "{version} {label}: took {:?}", started.elapsed());
            // What API Gateway receives back: its proxy shape, with the JSON error as text.
            assert_eq!(answered.http_api, version == "2.0", "{version} {label}");
            let proxy = serde_json::to_value(&answered).unwrap();
            assert_eq!(proxy["statusCode"], status, "{version} {label}");
            assert_eq!(proxy["headers"]["content-type"], "application/json", "{version} {label}");
            let text: Value = serde_json::from_str(proxy["body"].as_str().unwrap()).unwrap();
            assert_eq!(text["error"]["code"], code, "{version} {label}");
            checked += 1;
        }
    }
    assert_eq!(checked, 30);
    assert_eq!(zoho.connections(), 0, "no refused body may reach Zoho or mint a token");
    assert!(moodle.calls().is_empty());
}

#[tokio::test]
async fn the_secret_and_the_size_are_checked_before_the_body_is_decoded_or_parsed() {
    let zoho = ConnectionCounter::start().await;
    let app = App::new(testkit::settings(None, zoho.base_url()));
    let send = |headers: Vec<(String, String)>, body: String, base64: bool| {
        let app = app.clone();
        async move {
            let event = testkit::raw_event("2.0", "POST", PATH, &headers, None, Some(&body), base64);
            let answer =
                webhook::handle_event(&app, Function::DashboardSync, &ConfirmedStudentDelete, &event.to_string(), None)
                    .await;
            testkit::response_json(&answer.response)
        }
    };
    let no_secret = vec![("content-type".to_string(), "application/json".to_string())];
    // Without the secret, neither the size nor the (broken) body is looked at.
    let (status, answer) = send(no_secret.clone(), "!".repeat(200_000), true).await;
    assert_eq!((status, answer["error"]["code"].as_str()), (401, Some("unauthorized")));
    let (status, _) = send(no_secret, "{{{{".into(), false).await;
    assert_eq!(status, 401);
    // With it, an oversize body is refused on its length: not decoded (it is not base64), not
    // parsed (it is not JSON).
    let (status, answer) = send(headers(&[("content-type", "application/json")]), "!".repeat(200_000), true).await;
    assert_eq!((status, answer["error"]["code"].as_str()), (413, Some("payload_too_large")));
    // At the limit exactly, the body is decoded and parsed (and refused for what it says).
    let mut at_limit = r#"{"zoho_id":"0","module":"BTEC_Students"}"#.to_owned();
    at_limit.push_str(&" ".repeat(64 * 1024 - at_limit.len()));
    let (status, answer) = send(headers(&[("content-type", "application/json")]), at_limit, false).await;
    assert_eq!((status, answer["error"]["code"].as_str()), (400, Some("invalid_id")), "{answer}");
    assert_eq!(zoho.connections(), 0);
}

fn spool_app(moodle_url: &str, zoho_url: &str, budget_ms: u64) -> (Arc<App>, std::path::PathBuf) {
    let spool = std::env::temp_dir().join(format!("mzi-gateway-{}", fastrand::u64(..)));
    let mut settings = testkit::settings(Some(moodle_url), zoho_url);
    settings.webhook.local_budget = Duration::from_millis(budget_ms);
    let sink = Arc::new(SpoolSink::new(&spool)) as Arc<dyn FailureSink>;
    (App::with_failure_sink(settings, Some(sink)), spool)
}

fn spooled(spool: &std::path::Path) -> Vec<Value> {
    let Ok(entries) = std::fs::read_dir(spool.join("pending")) else { return Vec::new() };
    entries
        .flatten()
        .filter_map(|e| std::fs::read_to_string(e.path()).ok())
        .filter_map(|t| serde_json::from_str(&t).ok())
        .collect()
}

#[tokio::test]
async fn a_zoho_that_never_answers_ends_in_the_budget_and_the_event_is_kept_for_retry() {
    let moodle = StandInMoodle::start().await;
    let zoho = ConnectionCounter::start().await;
    let (app, spool) = spool_app(moodle.base_url(), zoho.base_url(), 500);
    let started = Instant::now();
    let response = webhook::handle(
        &app,
        Function::DashboardSync,
        &ConfirmedStudentDelete,
        testkit::zoho_webhook("student_deleted", "5398830000100000001", "BTEC_Students"),
    )
    .await;
    let elapsed = started.elapsed();
    let (status, answer) = testkit::response_json(&response);
    assert_eq!((status, answer["status"].as_str()), (202, Some("queued")), "{answer}");
    assert_eq!(answer["error"]["code"], "deadline_exceeded");
    assert_eq!(answer["error"]["retryable"], true);
    let message = answer["error"]["message"].as_str().unwrap();
    assert!(message.contains("Zoho token refresh"), "the answer names the slow call: {message}");
    assert!(elapsed >= Duration::from_millis(500) && elapsed < Duration::from_millis(1_800), "{elapsed:?}");
    let kept = spooled(&spool);
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert_eq!(kept[0]["error"]["code"], "deadline_exceeded");
    assert!(moodle.calls().is_empty());
    let _ = std::fs::remove_dir_all(&spool);
}

#[tokio::test]
async fn a_moodle_that_never_answers_ends_in_the_budget_and_503_only_when_capture_fails() {
    let sim = zoho_sim::Simulator::start(zoho_sim::Records::new()).await.unwrap();
    let moodle = ConnectionCounter::start().await;
    // Zoho answers 204 (the student is gone), then Moodle hangs.
    let (app, spool) = spool_app(moodle.base_url(), &sim.base_url(), 700);
    let request = || testkit::zoho_webhook("student_deleted", "5398830000100000001", "BTEC_Students");
    let (status, answer) = testkit::response_json(
        &webhook::handle(&app, Function::DashboardSync, &ConfirmedStudentDelete, request()).await,
    );
    assert_eq!(status, 202, "{answer}");
    assert!(answer["error"]["message"].as_str().unwrap().contains("Moodle local_mzi_delete_student"), "{answer}");
    assert_eq!(spooled(&spool).len(), 1);
    let _ = std::fs::remove_dir_all(&spool);

    // The failure store cannot be written (its directory is a file): the answer is the 503.
    let blocked = std::env::temp_dir().join(format!("mzi-gateway-file-{}", fastrand::u64(..)));
    std::fs::write(&blocked, b"not a directory").unwrap();
    let mut settings = testkit::settings(Some(moodle.base_url()), &sim.base_url());
    settings.webhook.local_budget = Duration::from_millis(700);
    let app = App::with_failure_sink(settings, Some(Arc::new(SpoolSink::new(&blocked)) as Arc<dyn FailureSink>));
    let (status, answer) = testkit::response_json(
        &webhook::handle(&app, Function::DashboardSync, &ConfirmedStudentDelete, request()).await,
    );
    assert_eq!((status, answer["error"]["code"].as_str()), (503, Some("deadline_exceeded")), "{answer}");
    assert_eq!(answer["captured"], false);
    let _ = std::fs::remove_file(&blocked);
}

#[tokio::test]
async fn the_budget_comes_from_the_lambda_deadline_minus_the_margin() {
    let settings = testkit::settings(None, "http://127.0.0.1:9");
    let now_ms = || std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as u64;
    let budget = webhook::time_budget(&settings.webhook, Some(now_ms() + 10_000));
    assert!(budget > Duration::from_millis(6_500) && budget <= Duration::from_millis(7_000), "{budget:?}");
    assert_eq!(webhook::time_budget(&settings.webhook, Some(now_ms() + 1_000)), Duration::ZERO);
    assert_eq!(webhook::time_budget(&settings.webhook, None), settings.webhook.local_budget);
    assert_eq!(webhook::time_budget(&settings.webhook, Some(0)), settings.webhook.local_budget);
    // `cargo lambda watch` sends the constant 600000 (not a date): the local budget applies.
    assert_eq!(webhook::time_budget(&settings.webhook, Some(600_000)), settings.webhook.local_budget);

    // Through a real invocation context: 3.6 s to Lambda's deadline leaves 0.6 s of budget.
    let moodle = StandInMoodle::start().await;
    moodle.respond("local_mzi_delete_student", Reply::json(json!({"status": "deleted"})));
    let zoho = ConnectionCounter::start().await;
    let (app, spool) = spool_app(moodle.base_url(), zoho.base_url(), 60_000);
    let mut context = lambda_http::Context::default();
    context.deadline = now_ms() + 3_600;
    context.request_id = "budget-test".into();
    let event = testkit::raw_event(
        "2.0",
        "POST",
        PATH,
        &headers(&[("content-type", "application/json")]),
        None,
        Some(r#"{"zoho_id":"5398830000100000001","module":"BTEC_Students"}"#),
        false,
    );
    let started = Instant::now();
    let response = webhook::handle_event(
        &app,
        Function::DashboardSync,
        &ConfirmedStudentDelete,
        &event.to_string(),
        Some(context),
    )
    .await
    .response;
    let (status, answer) = testkit::response_json(&response);
    assert_eq!((status, answer["error"]["code"].as_str()), (202, Some("deadline_exceeded")), "{answer}");
    assert!(started.elapsed() < Duration::from_millis(1_500), "{:?}", started.elapsed());
    let _ = std::fs::remove_dir_all(&spool);
}
