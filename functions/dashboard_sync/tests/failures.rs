//! What happens when something is missing or failing: the record is gone from Zoho, Zoho is down,
//! Moodle refuses (each error class), a parent is not in Moodle yet, a webhook arrives twice, the
//! update is older than what Moodle holds, or no Moodle is configured (plan mode).

mod common;

use common::*;
use serde_json::{Value, json};
use shared::testkit::Reply;
use shared::webhook::Endpoint;
use zoho_sim::Faults;

// ------------------------------------------------------------------ the record is not in Zoho

#[tokio::test]
async fn a_record_missing_in_zoho_is_skipped_with_the_reason_and_moodle_is_not_called() {
    for endpoint in [
        Endpoint::StudentUpdated,
        Endpoint::RegistrationCreated,
        Endpoint::PaymentRecorded,
        Endpoint::GradeSubmitted,
        Endpoint::RequestStatusChanged,
        Endpoint::SubmitStudentRequest,
    ] {
        let h = Harness::start().await;
        let (status, answer) = h.send(endpoint, NOT_IN_ZOHO).await;
        assert_eq!(status, 200, "{endpoint}: {answer}");
        assert_eq!(answer["status"], "skipped", "{endpoint}: {answer}");
        let reason = answer["reason"].as_str().unwrap();
        assert!(reason.contains("does not exist in Zoho") && reason.contains(endpoint.module()), "{reason}");
        assert_eq!(
            steps(&answer),
            step_list(&[(&format!("zoho.get {}", endpoint.module()), "not_found")]),
            "{endpoint}"
        );
        assert!(h.moodle.calls().is_empty(), "{endpoint}: nothing is sent to Moodle for a missing record");
    }
}

#[tokio::test]
async fn a_record_without_modified_time_is_refused_not_written_unguarded() {
    let h = Harness::start().await;
    let id = "5398830000100000099";
    h.sim.insert_records("BTEC_Students", [json!({"id": id, "Name": "S-2024-0099"})]);
    let (status, answer) = h.send(Endpoint::StudentUpdated, id).await;
    assert_eq!(status, 422, "{answer}");
    assert_eq!(answer["error"]["code"], "missing_modified_time");
    assert_eq!(answer["error"]["retryable"], false);
    assert!(h.moodle.calls().is_empty());
}

#[tokio::test]
async fn a_record_zoho_returns_in_an_unreadable_shape_is_refused() {
    let h = Harness::start().await;
    let id = "5398830000100000098";
    h.sim.insert_records(
        "BTEC_Students",
        [json!({"id": id, "Birth_Date": "14/03/2004", "Modified_Time": "2026-02-20T10:30:00+03:00"})],
    );
    let (status, answer) = h.send(Endpoint::StudentUpdated, id).await;
    assert_eq!(status, 502, "{answer}");
    assert_eq!(answer["error"]["code"], "zoho_unexpected_response");
    assert_eq!(answer["error"]["retryable"], false);
    let message = answer["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("Birth_Date") && !message.contains("14/03/2004"),
        "names the field, not the value: {message}"
    );
    assert!(h.moodle.calls().is_empty());
}

// ------------------------------------------------------------------------------ Zoho is down

#[tokio::test]
async fn zoho_answering_503_is_a_retryable_502_and_moodle_is_not_called() {
    let h = Harness::start().await;
    h.sim.set_faults(Faults { api_status: Some(503), ..Faults::default() });
    for endpoint in [Endpoint::StudentUpdated, Endpoint::PaymentRecorded, Endpoint::GradeSubmitted] {
        let id = match endpoint {
            Endpoint::StudentUpdated => STUDENT,
            Endpoint::PaymentRecorded => PAYMENT,
            _ => GRADE,
        };
        let (status, answer) = h.send(endpoint, id).await;
        assert_eq!(status, 502, "{endpoint}: {answer}");
        assert_eq!(answer["error"]["code"], "zoho_unavailable");
        assert_eq!(answer["error"]["retryable"], true);
        assert_eq!(answer["zoho_id"], id);
    }
    assert!(h.moodle.calls().is_empty(), "never continue with an empty record");
}

#[tokio::test]
async fn a_brief_zoho_fault_is_retried_inside_the_invocation() {
    let h = Harness::start().await;
    h.sim.set_faults(Faults { api_status: Some(500), api_status_times: Some(1), ..Faults::default() });
    h.moodle.respond("local_mzi_update_student", fixture_for("local_mzi_update_student.updated", STUDENT));
    let (status, answer) = h.send(Endpoint::StudentUpdated, STUDENT).await;
    assert_eq!((status, answer["status"].as_str()), (200, Some("ok")), "{answer}");
    assert_eq!(h.zoho_reads().len(), 2, "one failed read, one retry");
    assert_eq!(h.moodle.calls().len(), 1);
}

#[tokio::test]
async fn zoho_unreachable_is_a_retryable_5xx() {
    let moodle = shared::testkit::StandInMoodle::start().await;
    let app = shared::App::new(shared::testkit::settings(Some(moodle.base_url()), "http://127.0.0.1:9"));
    let request = shared::testkit::zoho_webhook("student_updated", STUDENT, "BTEC_Students");
    let (status, answer) = send_request(&app, request).await;
    assert!((502..=504).contains(&status), "{status} {answer}");
    assert_eq!(answer["error"]["retryable"], true, "{answer}");
    assert!(moodle.calls().is_empty());
}

#[tokio::test]
async fn zoho_too_slow_is_a_retryable_504() {
    let h = Harness::start().await;
    // Mint the token first, so that only the record read is slow.
    h.moodle.respond("local_mzi_update_student", fixture_for("local_mzi_update_student.updated", STUDENT));
    let (status, _) = h.send(Endpoint::StudentUpdated, STUDENT).await;
    assert_eq!(status, 200);
    h.sim.set_faults(Faults { delay_ms: 2500, ..Faults::default() });
    let (status, answer) = h.send(Endpoint::StudentUpdated, STUDENT).await;
    assert_eq!(status, 504, "{answer}");
    assert_eq!(answer["error"]["code"], "zoho_timeout");
    assert_eq!(answer["error"]["retryable"], true);
    assert_eq!(h.moodle.calls().len(), 1, "only the first, successful delivery reached Moodle");
}

// -------------------------------------------------------------------- Moodle refuses or fails

async fn student_with_moodle_reply(reply: Reply) -> (u16, Value, usize) {
    let h = Harness::start().await;
    h.moodle.respond("local_mzi_update_student", reply);
    let (status, answer) = h.send(Endpoint::StudentUpdated, STUDENT).await;
    (status, answer, h.moodle.calls().len())
}

#[tokio::test]
async fn moodle_invalidparameter_is_422_and_not_retryable() {
    let (status, answer, calls) =
        student_with_moodle_reply(Reply::fixture("local_mzi_update_student.invalidparameter")).await;
    assert_eq!(status, 422, "{answer}");
    assert_eq!(answer["error"]["code"], "moodle_rejected");
    assert_eq!(answer["error"]["retryable"], false);
    let message = answer["error"]["message"].as_str().unwrap();
    assert!(message.contains("invalidparameter"), "{message}");
    assert!(!message.contains("BTEC_Students.Id"), "debuginfo stays out of the answer: {message}");
    assert_eq!(calls, 1, "no retry of a refused call");
}

#[tokio::test]
async fn moodle_invalidtimestamp_and_invalidgrade_are_422() {
    let (status, answer, _) =
        student_with_moodle_reply(Reply::fixture("local_mzi_update_student.invalidtimestamp")).await;
    assert_eq!((status, answer["error"]["retryable"].as_bool()), (422, Some(false)), "{answer}");

    let h = Harness::start().await;
    h.moodle.respond("local_mzi_submit_grade", Reply::fixture("local_mzi_submit_grade.invalidgrade"));
    let (status, answer) = h.send(Endpoint::GradeSubmitted, GRADE).await;
    assert_eq!(status, 422, "{answer}");
    assert!(answer["error"]["message"].as_str().unwrap().contains("invalidgrade"), "{answer}");
}

#[tokio::test]
async fn moodle_invalidtoken_and_nopermissions_are_503_for_an_operator_not_a_retry() {
    for fixture in ["local_mzi_update_student.invalidtoken", "local_mzi_update_student.nopermissions"] {
        let (status, answer, calls) = student_with_moodle_reply(Reply::fixture(fixture)).await;
        assert_eq!(status, 503, "{fixture}: {answer}");
        assert_eq!(answer["error"]["code"], "moodle_configuration", "{fixture}");
        assert_eq!(answer["error"]["retryable"], false, "{fixture}: repeating it now changes nothing");
        assert_eq!(calls, 1);
    }
}

#[tokio::test]
async fn moodle_dmlwriteexception_is_a_retryable_502() {
    let reply = Reply::json(json!({
        "exception": "dml_write_exception",
        "errorcode": "dmlwriteexception",
        "message": "Error writing to database"
    }));
    let (status, answer, _) = student_with_moodle_reply(reply).await;
    assert_eq!(status, 502, "{answer}");
    assert_eq!(answer["error"]["code"], "moodle_transient");
    assert_eq!(answer["error"]["retryable"], true);
}

#[tokio::test]
async fn a_php_error_or_an_html_page_from_moodle_is_a_retryable_502() {
    for reply in [
        Reply::json(json!({"exception": "TypeError", "message": "Argument #1 must be of type int"})),
        Reply::raw(200, "text/html", "<html><body>Fatal error</body></html>"),
        Reply::raw(500, "text/html", ""),
    ] {
        let (status, answer, _) = student_with_moodle_reply(reply).await;
        assert_eq!(status, 502, "{answer}");
        assert_eq!(answer["error"]["retryable"], true, "{answer}");
    }
}

#[tokio::test]
async fn a_failing_delete_is_classified_like_any_moodle_error() {
    let h = Harness::start().await;
    assert!(h.sim.delete_record("BTEC_Grades", GRADE));
    h.moodle.respond("local_mzi_delete_grade", Reply::fixture("local_mzi_update_student.nopermissions"));
    let (status, answer) = h.send(Endpoint::GradeDeleted, GRADE).await;
    assert_eq!((status, answer["error"]["retryable"].as_bool()), (503, Some(false)), "{answer}");
    h.moodle.respond("local_mzi_delete_grade", Reply::exception("dmlwriteexception", "Error writing to database"));
    let (status, answer) = h.send(Endpoint::GradeDeleted, GRADE).await;
    assert_eq!((status, answer["error"]["retryable"].as_bool()), (502, Some(true)), "{answer}");
}

// ------------------------------------------------------------------------- parents first

#[tokio::test]
async fn a_payment_whose_registration_and_student_are_not_in_moodle_syncs_them_first() {
    let h = Harness::start().await;
    let payment = "local_mzi_record_payment";
    let registration = "local_mzi_create_registration";
    let student = "local_mzi_update_student";
    h.moodle.respond_once(
        payment,
        fixture_with(
            "local_mzi_record_payment.parent_missing",
            json!({"zoho_id": PAYMENT, "parent_zoho_id": REGISTRATION}),
        ),
    );
    h.moodle.respond_once(
        registration,
        fixture_with(
            "local_mzi_create_registration.parent_missing",
            json!({"zoho_id": REGISTRATION, "parent_zoho_id": STUDENT}),
        ),
    );
    h.moodle.respond(student, fixture_for("local_mzi_update_student.created", STUDENT));
    h.moodle.respond(registration, fixture_for("local_mzi_create_registration.created", REGISTRATION));
    h.moodle.respond(payment, fixture_for("local_mzi_record_payment.created", PAYMENT));

    let (status, answer) = h.send(Endpoint::PaymentRecorded, PAYMENT).await;

    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["status"], "ok");
    assert_eq!(h.moodle_functions(), [payment, registration, student, registration, payment]);
    assert_eq!(
        h.zoho_reads(),
        [
            "/crm/v8/BTEC_Payments/5398830000100000601",
            "/crm/v8/BTEC_Registrations/5398830000100000501",
            "/crm/v8/BTEC_Students/5398830000100000001",
        ],
        "each record is read once"
    );
    let calls = h.moodle.calls();
    assert_eq!(fields(&calls[0]), fields(&calls[4]), "the payment is repeated unchanged");
    assert_eq!(fields(&calls[1]), fields(&calls[3]), "the registration is repeated unchanged");
    assert_eq!(calls[1].field("installments[2][installment_number]"), Some("3"), "with its schedule");
    assert_eq!(calls[2].field("student[zoho_student_id]"), Some(STUDENT));
    assert_eq!(
        answer["actions"],
        json!([
            {"step": "zoho.get BTEC_Payments", "result": "found", "detail": {"zoho_id": PAYMENT}},
            {"step": payment, "result": "parent_missing", "detail": {"zoho_id": PAYMENT, "id": 0, "parent_entity": "registration", "parent_zoho_id": REGISTRATION}},
            {"step": "zoho.get BTEC_Registrations", "result": "found", "detail": {"zoho_id": REGISTRATION}},
            {"step": registration, "result": "parent_missing", "detail": {"zoho_id": REGISTRATION, "id": 0, "parent_entity": "student", "parent_zoho_id": STUDENT}},
            {"step": "zoho.get BTEC_Students", "result": "found", "detail": {"zoho_id": STUDENT}},
            {"step": student, "result": "created", "detail": {"zoho_id": STUDENT, "id": 2}},
            {"step": registration, "result": "created", "detail": {"zoho_id": REGISTRATION, "id": 2}},
            {"step": payment, "result": "created", "detail": {"zoho_id": PAYMENT, "id": 2}}
        ])
    );
}

/// A grade, a request or a registration whose student is not in Moodle yet: the student first.
async fn student_first(endpoint: Endpoint, id: &str, function: &str, fixture: &str) {
    let h = Harness::start().await;
    h.moodle.respond_once(
        function,
        Reply::json(json!({
            "status": "parent_missing", "id": 0, "zoho_id": id,
            "message": format!("its student {STUDENT} is not synced yet"),
            "parent_entity": "student", "parent_zoho_id": STUDENT
        })),
    );
    h.moodle.respond("local_mzi_update_student", fixture_for("local_mzi_update_student.created", STUDENT));
    h.moodle.respond(function, fixture_for(fixture, id));

    let (status, answer) = h.send(endpoint, id).await;

    assert_eq!((status, answer["status"].as_str()), (200, Some("ok")), "{endpoint}: {answer}");
    assert_eq!(h.moodle_functions(), [function, "local_mzi_update_student", function], "{endpoint}");
    let calls = h.moodle.calls();
    assert_eq!(fields(&calls[0]), fields(&calls[2]), "{endpoint}: the same call, repeated");
    assert_eq!(
        h.zoho_reads(),
        [format!("/crm/v8/{}/{id}", endpoint.module()), format!("/crm/v8/BTEC_Students/{STUDENT}")],
        "{endpoint}"
    );
    let results: Vec<String> = steps(&answer).into_iter().filter(|(s, _)| s == function).map(|(_, r)| r).collect();
    assert_eq!(results, ["parent_missing", "created"], "{endpoint}");
}

#[tokio::test]
async fn a_grade_whose_student_is_not_in_moodle_syncs_the_student_first() {
    student_first(Endpoint::GradeSubmitted, GRADE, "local_mzi_submit_grade", "local_mzi_submit_grade.created").await;
}

#[tokio::test]
async fn a_request_whose_student_is_not_in_moodle_syncs_the_student_first() {
    student_first(
        Endpoint::RequestStatusChanged,
        REQUEST,
        "local_mzi_update_request_status",
        "local_mzi_update_request_status.created",
    )
    .await;
}

#[tokio::test]
async fn a_registration_whose_student_is_not_in_moodle_syncs_the_student_first() {
    student_first(
        Endpoint::RegistrationCreated,
        REGISTRATION,
        "local_mzi_create_registration",
        "local_mzi_create_registration.created",
    )
    .await;
}

#[tokio::test]
async fn a_parent_missing_in_zoho_too_is_refused_without_writing() {
    let h = Harness::start().await;
    let orphan = "5398830000100000699";
    let mut record = h.sim.record("BTEC_Payments", PAYMENT).unwrap();
    record["id"] = orphan.into();
    record["Registration_ID"] = json!({"name": "REG-GONE", "id": NOT_IN_ZOHO});
    h.sim.insert_records("BTEC_Payments", [record]);
    h.moodle.respond(
        "local_mzi_record_payment",
        fixture_with(
            "local_mzi_record_payment.parent_missing",
            json!({"zoho_id": orphan, "parent_zoho_id": NOT_IN_ZOHO}),
        ),
    );

    let (status, answer) = h.send(Endpoint::PaymentRecorded, orphan).await;

    assert_eq!(status, 422, "{answer}");
    assert_eq!(answer["error"]["code"], "parent_missing_in_zoho");
    assert_eq!(answer["error"]["retryable"], false);
    assert_eq!(h.moodle_functions(), ["local_mzi_record_payment"], "nothing else is written");
    assert_eq!(h.zoho_reads().last().map(String::as_str), Some("/crm/v8/BTEC_Registrations/5398830000199999990"));
}

#[tokio::test]
async fn a_parent_still_missing_after_its_sync_stops_instead_of_looping() {
    let h = Harness::start().await;
    h.moodle.respond(
        "local_mzi_submit_grade",
        Reply::json(json!({
            "status": "parent_missing", "id": 0, "zoho_id": GRADE, "message": "",
            "parent_entity": "student", "parent_zoho_id": STUDENT
        })),
    );
    h.moodle.respond("local_mzi_update_student", fixture_for("local_mzi_update_student.unchanged", STUDENT));

    let (status, answer) = h.send(Endpoint::GradeSubmitted, GRADE).await;

    assert_eq!(status, 422, "{answer}");
    assert_eq!(answer["error"]["code"], "parent_not_stored");
    assert_eq!(h.moodle_functions(), ["local_mzi_submit_grade", "local_mzi_update_student", "local_mzi_submit_grade"]);
}

// ------------------------------------------------------------- repeats and stale updates

#[tokio::test]
async fn the_same_webhook_twice_sends_the_same_parameters_and_answers_ok_both_times() {
    let h = Harness::start().await;
    let function = "local_mzi_create_registration";
    h.moodle.respond_once(function, fixture_for("local_mzi_create_registration.created", REGISTRATION));
    h.moodle.respond_once(
        function,
        fixture_with(
            "local_mzi_create_registration.updated",
            json!({"zoho_id": REGISTRATION, "status": "unchanged", "installments_updated": 0}),
        ),
    );

    let first = h.send(Endpoint::RegistrationCreated, REGISTRATION).await;
    let second = h.send(Endpoint::RegistrationCreated, REGISTRATION).await;

    assert_eq!((first.0, first.1["status"].as_str()), (200, Some("ok")), "{}", first.1);
    assert_eq!((second.0, second.1["status"].as_str()), (200, Some("ok")), "{}", second.1);
    assert_eq!(steps(&second.1)[1], (function.to_owned(), "unchanged".to_owned()));
    let calls = h.moodle.calls();
    assert_eq!(calls.len(), 2);
    assert_eq!(fields(&calls[0]), fields(&calls[1]), "a repeat sends exactly the same parameters");
    assert_eq!(h.zoho_reads().len(), 2, "each delivery re-reads the record");
    assert_eq!(h.sim.stats().mints, 1, "one access token serves both deliveries");
}

#[tokio::test]
async fn the_same_student_webhook_twice_is_created_then_unchanged() {
    let h = Harness::start().await;
    let function = "local_mzi_update_student";
    h.moodle.respond_once(function, fixture_for("local_mzi_update_student.created", STUDENT));
    h.moodle.respond_once(function, fixture_for("local_mzi_update_student.unchanged", STUDENT));
    let (s1, a1) = h.send(Endpoint::StudentUpdated, STUDENT).await;
    let (s2, a2) = h.send(Endpoint::StudentUpdated, STUDENT).await;
    assert_eq!((s1, s2), (200, 200));
    assert_eq!(steps(&a1)[1].1, "created");
    assert_eq!(steps(&a2)[1].1, "unchanged");
    assert_eq!(a2["status"], "ok");
    let calls = h.moodle.calls();
    assert_eq!(fields(&calls[0]), fields(&calls[1]));
}

#[tokio::test]
async fn an_update_older_than_what_moodle_holds_answers_stale() {
    let h = Harness::start().await;
    h.moodle.respond("local_mzi_record_payment", fixture_for("local_mzi_record_payment.stale", PAYMENT));
    let (status, answer) = h.send(Endpoint::PaymentRecorded, PAYMENT).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["status"], "stale");
    assert!(answer["reason"].as_str().unwrap().contains("Modified_Time"), "{answer}");
    assert_eq!(h.moodle.calls()[0].field("payment[zoho_modified_time]"), Some("2025-02-20T11:05:00+03:00"));
    assert_eq!(h.moodle.calls().len(), 1, "stale is final: no retry");
}

// -------------------------------------------------------------------------------- plan mode

#[tokio::test]
async fn plan_mode_reads_zoho_and_shows_the_moodle_calls_without_making_them() {
    let h = Harness::start_in_plan_mode().await;
    let (status, answer) = h.send(Endpoint::RegistrationCreated, REGISTRATION).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["status"], "ok");
    assert_eq!(answer["mode"], "plan");
    assert_eq!(steps(&answer)[1], ("local_mzi_create_registration".to_owned(), "planned".to_owned()));
    assert_eq!(answer["actions"][1]["detail"]["zoho_id"], REGISTRATION);
    let planned = answer["planned_moodle_calls"].as_array().unwrap();
    assert_eq!(planned.len(), 1);
    assert_eq!(planned[0]["function"], "local_mzi_create_registration");
    assert_eq!(planned[0]["params"]["registration"]["zoho_registration_id"], REGISTRATION);
    assert_eq!(planned[0]["params"]["installments"].as_array().map(Vec::len), Some(3));
    assert!(h.moodle.calls().is_empty());

    // A delete is planned only once Zoho confirms the record is gone.
    let (status, answer) = h.send(Endpoint::GradeDeleted, GRADE).await;
    assert_eq!((status, answer["error"]["code"].as_str()), (409, Some("record_still_exists")), "{answer}");
    assert_eq!(answer["planned_moodle_calls"], json!([]), "{answer}");
    assert!(h.sim.delete_record("BTEC_Grades", GRADE));
    let (status, answer) = h.send(Endpoint::GradeDeleted, GRADE).await;
    assert_eq!((status, answer["mode"].as_str()), (200, Some("plan")), "{answer}");
    assert_eq!(
        answer["planned_moodle_calls"],
        json!([{"function": "local_mzi_delete_grade", "params": {"zoho_grade_id": GRADE}}])
    );
}
