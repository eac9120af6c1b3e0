//! Every case of `tests/corpus/cases.json` through every function's handler, from the raw API
//! Gateway event on (the path `shared::webhook::run` takes in Lambda): the stated 4xx with a JSON
//! error, no panic, no Moodle call, no Zoho connection.

use std::sync::Arc;

use reliability::{functions, load_corpus};
use shared::App;
use shared::testkit::{self, ConnectionCounter, StandInMoodle};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_bad_request_is_a_4xx_json_error_with_no_upstream_call() {
    let cases = load_corpus();
    assert!(cases.len() >= 60, "the corpus must hold at least 60 cases, has {}", cases.len());
    let mut failures = Vec::new();
    let mut sent = 0;
    for (function, processor) in functions() {
        let moodle = StandInMoodle::start().await;
        let zoho = ConnectionCounter::start().await;
        let app = App::new(testkit::settings(Some(moodle.base_url()), zoho.base_url()));
        for case in &cases {
            for attempt in case.attempts(function) {
                sent += 1;
                let (app, processor, event) = (app.clone(), Arc::clone(&processor), attempt.event.clone());
                let joined = tokio::spawn(async move {
                    shared::webhook::handle_event(&app, function, processor.as_ref(), &event.to_string(), None)
                        .await
                        .response
                })
                .await;
                let label = format!("{}: {}", function.name(), attempt.label);
                let response = match joined {
                    Ok(response) => response,
                    Err(e) => {
                        failures.push(format!("{label}: PANIC {e}"));
                        continue;
                    }
                };
                let (status, body) = testkit::response_json(&response);
                let json_type = response.headers().get("content-type").and_then(|v| v.to_str().ok());
                if status != case.status {
                    failures.push(format!("{label}: status {status}, expected {}: {body}", case.status));
                }
                if !(400..500).contains(&status) {
                    failures.push(format!("{label}: not a 4xx"));
                }
                if body["error"]["code"] != case.code.as_str() {
                    failures.push(format!("{label}: code {}, expected {}", body["error"]["code"], case.code));
                }
                if body["error"]["message"].as_str().is_none_or(|m| m.is_empty()) {
                    failures.push(format!("{label}: no error.message in {body}"));
                }
                if json_type != Some("application/json") {
                    failures.push(format!("{label}: content-type {json_type:?}"));
                }
            }
        }
        let calls = moodle.calls();
        if !calls.is_empty() {
            failures.push(format!("{}: {} Moodle call(s), e.g. {}", function.name(), calls.len(), calls[0].function));
        }
        if zoho.connections() != 0 {
            failures.push(format!("{}: {} Zoho connection(s)", function.name(), zoho.connections()));
        }
    }
    println!("corpus: {} cases, {sent} requests across the four functions", cases.len());
    assert!(failures.is_empty(), "{} failure(s):\n{}", failures.len(), failures.join("\n"));
}

/// The corpus itself must not rot: names unique, statuses 4xx, every category of issue 10 present.
#[test]
fn the_corpus_covers_every_category() {
    let cases = load_corpus();
    let mut names: Vec<_> = cases.iter().map(|c| c.name.as_str()).collect();
    names.sort();
    let before = names.len();
    names.dedup();
    assert_eq!(before, names.len(), "case names must be unique");
    assert!(cases.iter().all(|c| (400..500).contains(&c.status)));
    for status in [400, 401, 404, 405, 413, 415] {
        assert!(cases.iter().any(|c| c.status == status), "no case expects {status}");
    }
    for code in [
        "invalid_json",
        "unsupported_media_type",
        "missing_id",
        "payload_too_large",
        "invalid_id",
        "duplicate_key",
        "unexpected_field",
        "unexpected_query",
        "missing_module",
        "unsupported_content_encoding",
        "invalid_module",
        "module_mismatch",
        "unsubstituted_merge_field",
        "invalid_base64",
        "invalid_body",
        "unauthorized",
        "method_not_allowed",
        "not_found",
    ] {
        assert!(cases.iter().any(|c| c.code == code), "no case expects {code}");
    }
}
