//! The webhook edge end to end: an API Gateway event through `webhook::handle`, a processor that
//! calls Moodle, and a loopback stand-in for Moodle that records exactly what it received.

use serde_json::json;
use shared::testkit::{self, ConfirmedStudentDelete, Reply, StandInMoodle, TEST_MOODLE_TOKEN, TEST_WEBHOOK_SECRET};
use shared::webhook::{self, Action, Function, Outcome, ProcessFuture, Processor, WebhookCall};
use shared::{App, SyncError};

const UNUSED_ZOHO: &str = "http://127.0.0.1:9";

/// A processor that deletes a student in Moodle: the smallest real use of the edge.
struct DeleteStudent;

impl Processor for DeleteStudent {
    fn process<'a>(&'a self, app: &'a App, call: &'a WebhookCall) -> ProcessFuture<'a> {
        Box::pin(async move {
            let params = json!({"zoho_student_id": call.zoho_id, "options": {"soft": true, "notify": false}});
            let result: serde_json::Value = app.moodle.call("local_mzi_delete_student", &params).await?;
            let status = result.get("status").and_then(|s| s.as_str()).unwrap_or("planned").to_owned();
            Ok(Outcome::ok(vec![Action::new("local_mzi_delete_student", status)]))
        })
    }
}

async fn send(app: &App, request: lambda_http::Request) -> (u16, serde_json::Value) {
    let response = webhook::handle(app, Function::DashboardSync, &DeleteStudent, request).await;
    assert_eq!(response.headers().get("content-type").unwrap(), "application/json");
    testkit::response_json(&response)
}

#[tokio::test]
async fn moodle_receives_the_exact_form_body_and_the_answer_is_json() {
    let moodle = StandInMoodle::start().await;
    moodle.respond("local_mzi_delete_student", Reply::json(json!({"status": "deleted", "id": 7})));
    let app = App::new(testkit::settings(Some(moodle.base_url()), UNUSED_ZOHO));

    let (status, body) =
        send(&app, testkit::zoho_webhook("student_deleted", "5398830000100000001", "BTEC_Students")).await;

    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        json!({"status": "ok", "endpoint": "student_deleted", "zoho_id": "5398830000100000001",
               "actions": [{"step": "local_mzi_delete_student", "result": "deleted"}]})
    );
    let calls = moodle.calls();
    assert_eq!(calls.len(), 1);
    assert_eq!(
        calls[0].raw_body,
        format!(
            "wstoken={TEST_MOODLE_TOKEN}&wsfunction=local_mzi_delete_student&moodlewsrestformat=json\
             &zoho_student_id=5398830000100000001&options%5Bsoft%5D=1&options%5Bnotify%5D=0"
        )
    );
    assert_eq!(calls[0].query, None, "nothing, and certainly not the token, goes in the URL");
}

#[tokio::test]
async fn refused_requests_get_4xx_json_and_never_reach_moodle() {
    let moodle = StandInMoodle::start().await;
    let app = App::new(testkit::settings(Some(moodle.base_url()), UNUSED_ZOHO));
    let secret = ("x-webhook-secret", TEST_WEBHOOK_SECRET);
    let json_ct = ("content-type", "application/json");
    let big = format!(r#"{{"zoho_id":"1","pad":"{}"}}"#, "x".repeat(70 * 1024));
    let cases: Vec<(&str, lambda_http::Request, u16, &str)> = vec![
        (
            "no secret",
            testkit::event("POST", "student_deleted", &[json_ct], Some(r#"{"zoho_id":"1"}"#)),
            401,
            "unauthorized",
        ),
        (
            "wrong secret",
            testkit::event(
                "POST",
                "student_deleted",
                &[json_ct, ("x-webhook-secret", "nope")],
                Some(r#"{"zoho_id":"1"}"#),
            ),
            401,
            "unauthorized",
        ),
        (
            "unknown endpoint",
            testkit::event("POST", "student_exploded", &[json_ct, secret], Some(r#"{"zoho_id":"1"}"#)),
            404,
            "not_found",
        ),
        (
            "endpoint of another function",
            testkit::event("POST", "class_updated", &[json_ct, secret], Some(r#"{"zoho_id":"1"}"#)),
            404,
            "not_found",
        ),
        ("wrong method", testkit::event("GET", "student_deleted", &[secret], None), 405, "method_not_allowed"),
        (
            "too large",
            testkit::event("POST", "student_deleted", &[json_ct, secret], Some(&big)),
            413,
            "payload_too_large",
        ),
        (
            "letters in id",
            testkit::event("POST", "student_deleted", &[json_ct, secret], Some(r#"{"zoho_id":"12ab"}"#)),
            400,
            "invalid_id",
        ),
        (
            "no id",
            testkit::event("POST", "student_deleted", &[json_ct, secret], Some(r#"{"module":"BTEC_Students"}"#)),
            400,
            "missing_id",
        ),
        (
            "truncated json",
            testkit::event("POST", "student_deleted", &[json_ct, secret], Some(r#"{"zoho_id":"1"#)),
            400,
            "invalid_json",
        ),
        (
            "wrong module",
            testkit::event(
                "POST",
                "student_deleted",
                &[json_ct, secret],
                Some(r#"{"zoho_id":"1","module":"BTEC_Classes"}"#),
            ),
            400,
            "module_mismatch",
        ),
        (
            "merge field",
            testkit::event(
                "POST",
                "student_deleted",
                &[json_ct, secret],
                Some(r#"{"zoho_id":"${!BTEC_Students.Id}"}"#),
            ),
            400,
            "unsubstituted_merge_field",
        ),
    ];
    for (name, request, expected_status, expected_code) in cases {
        let (status, body) = send(&app, request).await;
        assert_eq!(status, expected_status, "{name}: {body}");
        assert_eq!(body["error"]["code"], expected_code, "{name}: {body}");
        assert!(body["error"]["message"].as_str().is_some_and(|m| !m.is_empty()), "{name}");
    }
    assert!(moodle.calls().is_empty(), "a refused request must not call Moodle");
}

#[tokio::test]
async fn other_body_shapes_are_accepted() {
    let moodle = StandInMoodle::start().await;
    moodle.respond("local_mzi_delete_student", Reply::json(json!({"status": "absent"})));
    let app = App::new(testkit::settings(Some(moodle.base_url()), UNUSED_ZOHO));
    let secret = ("x-webhook-secret", TEST_WEBHOOK_SECRET);

    let form = testkit::event(
        "POST",
        "student_deleted",
        &[("content-type", "application/x-www-form-urlencoded"), secret],
        Some("zoho_id=42&module=BTEC_Students"),
    );
    assert_eq!(send(&app, form).await.0, 200);
    let lowercase_header = testkit::event(
        "POST",
        "student_deleted",
        &[("X-WEBHOOK-SECRET", TEST_WEBHOOK_SECRET)],
        Some(r#"{"zoho_id":"43","module":"BTEC_Students"}"#),
    );
    assert_eq!(send(&app, lowercase_header).await.0, 200);

    let ids: Vec<_> = moodle.calls().iter().map(|c| c.field("zoho_student_id").unwrap().to_owned()).collect();
    assert_eq!(ids, ["42", "43"]);
}

#[tokio::test]
async fn base64_bodies_and_rest_stage_prefixes_are_handled() {
    let moodle = StandInMoodle::start().await;
    moodle.respond("local_mzi_delete_student", Reply::json(json!({"status": "deleted"})));
    let app = App::new(testkit::settings(Some(moodle.base_url()), UNUSED_ZOHO));
    // API Gateway REST (v1) event with a stage and a base64 form body.
    let event = json!({
        "resource": "/api/v1/webhooks/student-dashboard/{proxy+}",
        "path": "/api/v1/webhooks/student-dashboard/student_deleted",
        "httpMethod": "POST",
        "headers": {"Content-Type": "application/x-www-form-urlencoded", "X-Webhook-Secret": TEST_WEBHOOK_SECRET},
        "multiValueHeaders": {},
        "queryStringParameters": null,
        "multiValueQueryStringParameters": null,
        "pathParameters": null,
        "stageVariables": null,
        "requestContext": {"accountId": "1", "resourceId": "r", "stage": "Prod", "requestId": "x", "identity": {"sourceIp": "203.0.113.1"},
                           "resourcePath": "/api/v1/webhooks/student-dashboard/{proxy+}", "httpMethod": "POST", "apiId": "a", "path": "/Prod/api/v1/webhooks/student-dashboard/student_deleted"},
        // zoho_id=5398830000100000001&module=BTEC_Students
        "body": "em9ob19pZD01Mzk4ODMwMDAwMTAwMDAwMDAxJm1vZHVsZT1CVEVDX1N0dWRlbnRz",
        "isBase64Encoded": true
    });
    let request = lambda_http::request::from_str(&event.to_string()).unwrap();
    let (status, body) = send(&app, request).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(moodle.calls()[0].field("zoho_student_id"), Some("5398830000100000001"));
}

#[tokio::test]
async fn health_needs_no_secret_and_reveals_nothing() {
    let app = App::new(testkit::settings(None, UNUSED_ZOHO));
    let (status, body) = send(&app, testkit::event("GET", "health", &[], None)).await;
    assert_eq!((status, body), (200, json!({"status": "ok"})));
    let (status, _) = send(&app, testkit::event("POST", "health", &[], None)).await;
    assert_eq!(status, 405);
}

#[tokio::test]
async fn plan_mode_answers_with_the_calls_it_would_make() {
    let app = App::new(testkit::settings(None, UNUSED_ZOHO));
    let (status, body) = send(&app, testkit::zoho_webhook("student_deleted", "77", "BTEC_Students")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["mode"], "plan");
    assert_eq!(
        body["planned_moodle_calls"],
        json!([{"function": "local_mzi_delete_student", "params": {"zoho_student_id": "77", "options": {"soft": true, "notify": false}}}])
    );
}

#[tokio::test]
async fn moodle_failures_map_to_retryable_or_final_statuses() {
    let moodle = StandInMoodle::start().await;
    let app = App::new(testkit::settings(Some(moodle.base_url()), UNUSED_ZOHO));
    let cases = [
        (Reply::exception("invalidparameter", "Invalid parameter value detected"), 422, "moodle_rejected", false),
        (Reply::exception("accessexception", "Access control exception"), 503, "moodle_configuration", false),
        (Reply::exception("invalidtoken", "Invalid token - token not found"), 503, "moodle_configuration", false),
        (Reply::exception("dmlwriteexception", "Error writing to database"), 502, "moodle_transient", true),
        (
            Reply::raw(200, "application/json", r#"{"exception":"TypeError","message":"boom"}"#),
            502,
            "moodle_server_error",
            true,
        ),
        (Reply::raw(403, "text/html", ""), 503, "moodle_webservices_disabled", false),
        (Reply::raw(500, "text/html", "<h1>Internal</h1>"), 502, "moodle_http_error", true),
        (Reply::raw(200, "text/html", "<html>Maintenance</html>"), 502, "moodle_not_json", true),
        (Reply::json(json!({"status": "ok"})).delayed(std::time::Duration::from_secs(4)), 504, "moodle_timeout", true),
    ];
    for (reply, expected_status, expected_code, retryable) in cases {
        moodle.set_fault(Some(reply));
        let (status, body) = send(&app, testkit::zoho_webhook("student_deleted", "1", "BTEC_Students")).await;
        assert_eq!(status, expected_status, "{body}");
        assert_eq!(body["error"]["code"], expected_code, "{body}");
        assert_eq!(body["error"]["retryable"], retryable, "{body}");
        assert!(!body.to_string().contains(TEST_MOODLE_TOKEN));
    }
    moodle.set_fault(None);
}

#[tokio::test]
async fn moodle_unreachable_is_retryable() {
    // A port nothing listens on.
    let app = App::new(testkit::settings(Some("http://127.0.0.1:9"), UNUSED_ZOHO));
    let (status, body) = send(&app, testkit::zoho_webhook("student_deleted", "1", "BTEC_Students")).await;
    assert_eq!(status, 502, "{body}");
    assert_eq!(body["error"]["code"], "moodle_unreachable");
}

#[tokio::test]
async fn not_implemented_processing_answers_501() {
    struct Later;
    impl Processor for Later {
        fn process<'a>(&'a self, _app: &'a App, call: &'a WebhookCall) -> ProcessFuture<'a> {
            Box::pin(async move { Err(SyncError::NotImplemented { endpoint: call.endpoint.name() }) })
        }
    }
    let app = App::new(testkit::settings(None, UNUSED_ZOHO));
    let response =
        webhook::handle(&app, Function::Courses, &Later, testkit::zoho_webhook("class_deleted", "1", "BTEC_Classes"))
            .await;
    let (status, body) = testkit::response_json(&response);
    assert_eq!(status, 501);
    assert_eq!(body["error"]["code"], "not_implemented");
}

/// (label, content type, body, query, code, field)
type RefusedShape = (&'static str, &'static str, String, &'static str, &'static str, Option<&'static str>);

/// Every body shape the strict contract refuses, on `student_deleted`.
fn refused_shapes() -> Vec<RefusedShape> {
    let json = "application/json";
    let form = "application/x-www-form-urlencoded";
    let id = "5398830000100000001";
    let m = "BTEC_Students";
    vec![
        ("id zero", json, format!(r#"{{"zoho_id":"0","module":"{m}"}}"#), "", "invalid_id", Some("zoho_id")),
        (
            "id all zeros",
            json,
            format!(r#"{{"zoho_id":"0000000000","module":"{m}"}}"#),
            "",
            "invalid_id",
            Some("zoho_id"),
        ),
        (
            "id leading zero",
            json,
            format!(r#"{{"zoho_id":"0{id}","module":"{m}"}}"#),
            "",
            "invalid_id",
            Some("zoho_id"),
        ),
        ("id 21 digits", json, format!(r#"{{"zoho_id":"1{id}0","module":"{m}"}}"#), "", "invalid_id", Some("zoho_id")),
        (
            "id with plus sign",
            json,
            format!(r#"{{"zoho_id":"+{id}","module":"{m}"}}"#),
            "",
            "invalid_id",
            Some("zoho_id"),
        ),
        (
            "id with minus sign",
            json,
            format!(r#"{{"zoho_id":"-{id}","module":"{m}"}}"#),
            "",
            "invalid_id",
            Some("zoho_id"),
        ),
        (
            "id with spaces",
            json,
            format!(r#"{{"zoho_id":" {id} ","module":"{m}"}}"#),
            "",
            "invalid_id",
            Some("zoho_id"),
        ),
        (
            "id as a JSON number",
            json,
            format!(r#"{{"zoho_id":{id},"module":"{m}"}}"#),
            "",
            "invalid_id",
            Some("zoho_id"),
        ),
        ("id under the key id", json, format!(r#"{{"id":"{id}","module":"{m}"}}"#), "", "unexpected_field", Some("id")),
        (
            "id twice under two keys",
            json,
            format!(r#"{{"zoho_id":"{id}","id":"{id}","module":"{m}"}}"#),
            "",
            "unexpected_field",
            Some("id"),
        ),
        (
            "id inside a data array",
            json,
            format!(r#"{{"data":[{{"id":"{id}"}}]}}"#),
            "",
            "unexpected_field",
            Some("data"),
        ),
        (
            "an extra key",
            json,
            format!(r#"{{"zoho_id":"{id}","module":"{m}","Name":"x"}}"#),
            "",
            "unexpected_field",
            Some("Name"),
        ),
        ("id in the query", json, String::new(), "zoho_id=5398830000100000001", "unexpected_query", Some("zoho_id")),
        (
            "a query beside the body",
            json,
            format!(r#"{{"zoho_id":"{id}","module":"{m}"}}"#),
            "debug=1",
            "unexpected_query",
            Some("debug"),
        ),
        ("module missing", json, format!(r#"{{"zoho_id":"{id}"}}"#), "", "missing_module", Some("module")),
        (
            "module of another endpoint",
            json,
            format!(r#"{{"zoho_id":"{id}","module":"BTEC_Classes"}}"#),
            "",
            "module_mismatch",
            Some("module"),
        ),
        (
            "module not a string",
            json,
            format!(r#"{{"zoho_id":"{id}","module":1}}"#),
            "",
            "invalid_module",
            Some("module"),
        ),
        ("id missing", json, format!(r#"{{"module":"{m}"}}"#), "", "missing_id", Some("zoho_id")),
        ("form id zero", form, format!("zoho_id=0&module={m}"), "", "invalid_id", Some("zoho_id")),
        ("form key id", form, format!("id={id}&module={m}"), "", "unexpected_field", Some("id")),
        (
            "form id repeated",
            form,
            format!("zoho_id={id}&zoho_id={id}&module={m}"),
            "",
            "duplicate_key",
            Some("zoho_id"),
        ),
        ("form without module", form, format!("zoho_id={id}"), "", "missing_module", Some("module")),
    ]
}

#[tokio::test]
async fn refused_shapes_name_the_field_before_any_zoho_request_or_token_mint() {
    let moodle = StandInMoodle::start().await;
    let zoho = testkit::ConnectionCounter::start().await;
    let mut settings = testkit::settings(Some(moodle.base_url()), zoho.base_url());
    settings.webhook.local_budget = std::time::Duration::from_millis(400);
    let app = App::new(settings);
    let secret = ("x-webhook-secret", TEST_WEBHOOK_SECRET);
    for (label, content_type, body, query, code, field) in refused_shapes() {
        let mut request =
            testkit::event("POST", "student_deleted", &[("content-type", content_type), secret], Some(&body));
        if !query.is_empty() {
            let uri: lambda_http::http::Uri =
                format!("{}student_deleted?{query}", webhook::PATH_PREFIX).parse().unwrap();
            *request.uri_mut() = uri;
        }
        let response = webhook::handle(&app, Function::DashboardSync, &ConfirmedStudentDelete, request).await;
        let (status, answer) = testkit::response_json(&response);
        assert_eq!(status, 400, "{label}: {answer}");
        assert_eq!(answer["error"]["code"], code, "{label}: {answer}");
        assert_eq!(answer["error"]["field"].as_str(), field, "{label}: {answer}");
        if let Some(field) = field {
            assert!(answer["error"]["message"].as_str().unwrap().contains(field), "{label}: {answer}");
        }
    }
    assert_eq!(zoho.connections(), 0, "a refused request reached Zoho (a record read or a token mint)");
    assert!(moodle.calls().is_empty(), "a refused request reached Moodle");

    // The control: the same stand-in does count a well-formed webhook's first Zoho request (the
    // token mint), so the zero above means something. It never answers, so the budget ends it.
    let response = webhook::handle(
        &app,
        Function::DashboardSync,
        &ConfirmedStudentDelete,
        testkit::zoho_webhook("student_deleted", "5398830000100000001", "BTEC_Students"),
    )
    .await;
    let (status, answer) = testkit::response_json(&response);
    assert_eq!((status, answer["error"]["code"].as_str()), (503, Some("deadline_exceeded")), "{answer}");
    assert!(zoho.connections() >= 1);
    assert!(moodle.calls().is_empty());
}
