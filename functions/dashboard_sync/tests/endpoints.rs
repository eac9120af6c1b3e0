//! Every endpoint end to end: a Zoho webhook (API Gateway v2 event with the secret header) through
//! the handler, the record re-read from the Zoho simulator, the exact parameters Moodle receives,
//! and the JSON answer, with Moodle's answers replayed from the responses recorded on Moodle 4.5.

mod common;

use common::*;
use serde_json::{Value, json};
use shared::webhook::Endpoint;

#[tokio::test]
async fn student_updated_sends_every_org_field_to_its_own_column() {
    let h = Harness::start().await;
    h.moodle.respond("local_mzi_update_student", fixture_for("local_mzi_update_student.created", STUDENT));

    let (status, answer) = h.send(Endpoint::StudentUpdated, STUDENT).await;

    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        answer,
        json!({
            "status": "ok",
            "endpoint": "student_updated",
            "zoho_id": STUDENT,
            "actions": [
                {"step": "zoho.get BTEC_Students", "result": "found", "detail": {"zoho_id": STUDENT}},
                {"step": "local_mzi_update_student", "result": "created", "detail": {"zoho_id": STUDENT, "id": 2}}
            ]
        })
    );
    let calls = h.moodle.calls();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].function, "local_mzi_update_student");
    assert_eq!(
        fields(&calls[0]),
        expect(&[
            ("student[zoho_student_id]", STUDENT),
            ("student[zoho_modified_time]", "2026-02-20T10:30:00+03:00"),
            ("student[zoho_created_time]", "2024-09-01T09:15:00+03:00"),
            ("student[student_id]", "S-2024-0001"),
            ("student[first_name]", "Omar"),
            ("student[last_name]", "Haddad"),
            ("student[academic_email]", "omar.haddad@students.college.example"),
            ("student[email]", "omar.h@mail.example"),
            ("student[phone_number]", "+90 555 010 0001"),
            ("student[address]", "12 Example Street"),
            ("student[city]", "Istanbul"),
            ("student[nationality]", "Jordan"),
            ("student[national_id]", "JO-0000001"),
            ("student[gender]", "Male"),
            ("student[emergency_contact_name]", "Lina Haddad"),
            ("student[emergency_contact_phone]", "+90 555 010 0099"),
            ("student[status]", "Active"),
            ("student[major]", "Computing"),
            ("student[sub_major]", "Software Engineering"),
            ("student[registration_number]", "BTEC-24-0001"),
            ("student[academic_program]", "HND Computing"),
            ("student[registration_date]", "2024-09-01"),
            ("student[study_language]", "English"),
            ("student[date_of_birth]", "2004-03-14"),
            ("student[moodle_user_id]", "27"),
        ])
    );
    assert_eq!(h.zoho_reads(), ["/crm/v8/BTEC_Students/5398830000100000001"]);
    let text = answer.to_string();
    for personal in ["Omar", "Haddad", "omar.haddad", "JO-0000001", "+90"] {
        assert!(!text.contains(personal), "the answer must not echo personal data ({personal}): {text}");
    }
}

#[tokio::test]
async fn student_updated_leaves_out_what_zoho_does_not_have() {
    let h = Harness::start().await;
    h.moodle.respond("local_mzi_update_student", fixture_for("local_mzi_update_student.created", STUDENT_2));

    let (status, answer) = h.send(Endpoint::StudentUpdated, STUDENT_2).await;

    assert_eq!((status, answer["status"].as_str()), (200, Some("ok")), "{answer}");
    let call = &h.moodle.calls()[0];
    for absent in [
        "student[address]",
        "student[national_id]",
        "student[sub_major]",
        "student[emergency_contact_name]",
        "student[emergency_contact_phone]",
        "student[registration_number]",
        "student[academic_program]",
        "student[moodle_user_id]",
    ] {
        assert_eq!(call.field(absent), None, "{absent} is null or empty in Zoho: it must not be sent");
    }
    assert_eq!(call.field("student[first_name]"), Some("سارة"));
    assert_eq!(call.field("student[academic_email]"), Some("sara.alali@students.college.example"));
    assert!(call.fields.iter().all(|(_, v)| !v.is_empty()), "no empty values: {:?}", call.fields);
}

#[tokio::test]
async fn registration_created_carries_the_payment_schedule_as_installments() {
    let h = Harness::start().await;
    h.moodle
        .respond("local_mzi_create_registration", fixture_for("local_mzi_create_registration.created", REGISTRATION));

    let (status, answer) = h.send(Endpoint::RegistrationCreated, REGISTRATION).await;

    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        answer,
        json!({
            "status": "ok",
            "endpoint": "registration_created",
            "zoho_id": REGISTRATION,
            "actions": [
                {"step": "zoho.get BTEC_Registrations", "result": "found", "detail": {"zoho_id": REGISTRATION}},
                {"step": "local_mzi_create_registration", "result": "created", "detail": {"zoho_id": REGISTRATION, "id": 2}}
            ]
        })
    );
    let calls = h.moodle.calls_to("local_mzi_create_registration");
    assert_eq!(calls.len(), 1);
    assert_eq!(
        fields(&calls[0]),
        expect(&[
            ("registration[zoho_registration_id]", REGISTRATION),
            ("registration[zoho_modified_time]", "2026-02-18T13:10:00+03:00"),
            ("registration[zoho_student_id]", STUDENT),
            ("registration[zoho_created_time]", "2024-09-01T09:30:00+03:00"),
            ("registration[registration_number]", "BTEC-24-0001"),
            ("registration[program_name]", "BTEC Level 5 HND in Computing"),
            ("registration[registration_date]", "2024-09-01"),
            ("registration[registration_status]", "Active"),
            ("registration[currency]", "USD"),
            ("registration[study_mode]", "Onsite"),
            ("registration[total_fees]", "4500.0"),
            ("registration[remaining_amount]", "1500.0"),
            ("registration[number_of_installments]", "3"),
            ("installments[0][installment_number]", "1"),
            ("installments[0][due_date]", "2024-09-15"),
            ("installments[0][amount]", "1500.0"),
            ("installments[0][status]", "Paid"),
            ("installments[0][paid_date]", "2024-09-12"),
            ("installments[1][installment_number]", "2"),
            ("installments[1][due_date]", "2025-02-15"),
            ("installments[1][amount]", "1500.0"),
            ("installments[1][status]", "Paid"),
            ("installments[1][paid_date]", "2025-02-20"),
            ("installments[2][installment_number]", "3"),
            ("installments[2][due_date]", "2026-03-15"),
            ("installments[2][amount]", "1500.0"),
            ("installments[2][status]", "Pending"),
        ])
    );
    assert_eq!(calls[0].field("registration[paid_amount]"), None, "the org has no paid amount; none is invented");
    assert_eq!(h.zoho_reads(), ["/crm/v8/BTEC_Registrations/5398830000100000501"]);
}

#[tokio::test]
async fn payment_recorded_sends_the_payment_with_its_registration_link() {
    let h = Harness::start().await;
    h.moodle.respond("local_mzi_record_payment", fixture_for("local_mzi_record_payment.created", PAYMENT));

    let (status, answer) = h.send(Endpoint::PaymentRecorded, PAYMENT).await;

    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        answer,
        json!({
            "status": "ok",
            "endpoint": "payment_recorded",
            "zoho_id": PAYMENT,
            "actions": [
                {"step": "zoho.get BTEC_Payments", "result": "found", "detail": {"zoho_id": PAYMENT}},
                {"step": "local_mzi_record_payment", "result": "created", "detail": {"zoho_id": PAYMENT, "id": 2}}
            ]
        })
    );
    assert_eq!(h.moodle_functions(), ["local_mzi_record_payment"], "a known registration needs no extra call");
    assert_eq!(
        fields(&h.moodle.calls()[0]),
        expect(&[
            ("payment[zoho_payment_id]", PAYMENT),
            ("payment[zoho_modified_time]", "2025-02-20T11:05:00+03:00"),
            ("payment[zoho_registration_id]", REGISTRATION),
            ("payment[zoho_created_time]", "2025-02-20T11:00:00+03:00"),
            ("payment[payment_number]", "PAY-0601"),
            ("payment[payment_amount]", "1500.0"),
            ("payment[payment_date]", "2025-02-20"),
            ("payment[payment_method]", "Bank Transfer"),
            ("payment[payment_notes]", "Second installment"),
        ])
    );
    assert_eq!(h.zoho_reads(), ["/crm/v8/BTEC_Payments/5398830000100000601"]);
}

#[tokio::test]
async fn grade_submitted_keeps_the_btec_letter_as_text() {
    let h = Harness::start().await;
    h.moodle.respond("local_mzi_submit_grade", fixture_for("local_mzi_submit_grade.created", GRADE));

    let (status, answer) = h.send(Endpoint::GradeSubmitted, GRADE).await;

    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        answer,
        json!({
            "status": "ok",
            "endpoint": "grade_submitted",
            "zoho_id": GRADE,
            "actions": [
                {"step": "zoho.get BTEC_Grades", "result": "found", "detail": {"zoho_id": GRADE}},
                {"step": "local_mzi_submit_grade", "result": "created", "detail": {"zoho_id": GRADE, "id": 2}}
            ]
        })
    );
    let call = &h.moodle.calls_to("local_mzi_submit_grade")[0];
    let mut sent = fields(call);
    let outcomes = sent.iter().position(|(k, _)| k == "grade[learning_outcomes]").expect("learning outcomes sent");
    let (_, outcomes) = sent.remove(outcomes);
    assert_eq!(
        sent,
        expect(&[
            ("grade[zoho_grade_id]", GRADE),
            ("grade[zoho_modified_time]", "2026-02-21T17:30:00+03:00"),
            ("grade[zoho_student_id]", STUDENT),
            ("grade[zoho_created_time]", "2026-02-10T15:00:00+03:00"),
            ("grade[zoho_class_id]", CLASS),
            ("grade[grade]", "M"),
            ("grade[grade_status]", "Released"),
            ("grade[unit_name]", "Unit 1: Programming"),
            ("grade[btec_grade_name]", "Assignment 1"),
            ("grade[grade_number]", "GR-0801"),
            ("grade[grade_date]", "2026-02-09"),
            ("grade[feedback]", "Good analysis of IDE features; evaluation needs more depth."),
            ("grade[attempt_number]", "1"),
        ])
    );
    let seed = h.sim.record("BTEC_Grades", GRADE).unwrap();
    let outcomes: Value = serde_json::from_str(&outcomes).expect("the subform is sent as JSON text");
    assert_eq!(outcomes, seed["Learning_Outcomes_Assessm"], "the whole subform, unchanged");
    assert_eq!(call.field("grade[numeric_grade]"), None, "a letter is never cast to a number (B14)");
}

/// `request_status_changed` and `submit_student_request` are the same Zoho→Moodle upsert.
async fn request_upsert(endpoint: Endpoint) {
    let h = Harness::start().await;
    h.moodle
        .respond("local_mzi_update_request_status", fixture_for("local_mzi_update_request_status.created", REQUEST));

    let (status, answer) = h.send(endpoint, REQUEST).await;

    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        answer,
        json!({
            "status": "ok",
            "endpoint": endpoint.name(),
            "zoho_id": REQUEST,
            "actions": [
                {"step": "zoho.get BTEC_Student_Requests", "result": "found", "detail": {"zoho_id": REQUEST}},
                {"step": "local_mzi_update_request_status", "result": "created", "detail": {"zoho_id": REQUEST, "id": 2}}
            ]
        })
    );
    assert_eq!(h.moodle_functions(), ["local_mzi_update_request_status"]);
    assert_eq!(
        fields(&h.moodle.calls()[0]),
        expect(&[
            ("request[zoho_request_id]", REQUEST),
            ("request[zoho_modified_time]", "2026-02-20T09:15:00+03:00"),
            ("request[zoho_student_id]", STUDENT),
            ("request[zoho_created_time]", "2026-02-19T12:00:00+03:00"),
            ("request[request_number]", "REQ-0901"),
            ("request[request_type]", "Late Submission"),
            ("request[request_status]", "Pending"),
            ("request[request_date]", "2026-02-19"),
            ("request[description]", "Medical leave during the submission week."),
        ])
    );
    assert_eq!(h.zoho_reads(), ["/crm/v8/BTEC_Student_Requests/5398830000100000901"]);
    assert_eq!(h.sim.stats().updates, 0, "nothing is written to Zoho");
}

#[tokio::test]
async fn request_status_changed_upserts_the_request() {
    request_upsert(Endpoint::RequestStatusChanged).await;
}

#[tokio::test]
async fn submit_student_request_is_the_same_zoho_to_moodle_upsert() {
    request_upsert(Endpoint::SubmitStudentRequest).await;
}

/// A delete first asks Zoho whether the record is gone (one read), then sends only the webhook's
/// id, and is idempotent: refused with 409 while Zoho still has the record (Moodle untouched),
/// then deleted, `unchanged` on a repeat, `absent` for an id Moodle never stored, all answered
/// 200 ok.
async fn delete_is_idempotent(endpoint: Endpoint, function: &str, key: &str, id: &str) {
    let h = Harness::start().await;
    let absent_id = "5398830000199999991";

    let (status, answer) = h.send(endpoint, id).await;
    assert_eq!((status, answer["error"]["code"].as_str()), (409, Some("record_still_exists")), "{answer}");
    assert_eq!(answer["status"], "refused");
    assert_eq!(answer["actions"][0]["result"], "exists", "{answer}");
    assert!(h.moodle.calls().is_empty(), "{endpoint}: a record Zoho still has must not be deleted");
    assert!(h.sim.delete_record(endpoint.module(), id));
    h.sim.reset_log();

    h.moodle.respond_once(function, fixture_for(&format!("{function}.deleted"), id));
    h.moodle.respond_once(function, fixture_for(&format!("{function}.again"), id));
    h.moodle.respond_once(function, fixture_for(&format!("{function}.absent"), absent_id));
    let mut results = Vec::new();
    for target in [id, id, absent_id] {
        let (status, answer) = h.send(endpoint, target).await;
        assert_eq!(status, 200, "{endpoint} {target}: {answer}");
        assert_eq!(answer["status"], "ok", "{answer}");
        assert_eq!(answer["endpoint"], endpoint.name());
        assert_eq!(answer["zoho_id"], target);
        let actions = answer["actions"].as_array().unwrap();
        assert_eq!(actions.len(), 2, "{answer}");
        assert_eq!(actions[0]["step"], format!("zoho.confirm_deleted {}", endpoint.module()));
        assert_eq!(actions[0]["result"], "not_found");
        assert_eq!(actions[1]["step"], function);
        assert_eq!(actions[1]["detail"]["zoho_id"], target);
        results.push(actions[1]["result"].as_str().unwrap().to_owned());
    }
    assert_eq!(results, ["deleted", "unchanged", "absent"]);
    let calls = h.moodle.calls();
    assert_eq!(calls.len(), 3);
    for (call, target) in calls.iter().zip([id, id, absent_id]) {
        assert_eq!(call.function, function);
        assert_eq!(fields(call), expect(&[(key, target)]), "only the webhook's id is sent");
    }
    let reads: Vec<String> = [id, id, absent_id].iter().map(|t| format!("/crm/v8/{}/{t}", endpoint.module())).collect();
    assert_eq!(h.zoho_reads(), reads, "one Zoho read per delete, nothing else");
    assert_eq!(h.zoho_crm_requests(), 3);
}

#[tokio::test]
async fn student_deleted() {
    delete_is_idempotent(Endpoint::StudentDeleted, "local_mzi_delete_student", "zoho_student_id", STUDENT).await;
}

#[tokio::test]
async fn registration_deleted() {
    delete_is_idempotent(
        Endpoint::RegistrationDeleted,
        "local_mzi_delete_registration",
        "zoho_registration_id",
        REGISTRATION,
    )
    .await;
}

#[tokio::test]
async fn payment_deleted() {
    delete_is_idempotent(Endpoint::PaymentDeleted, "local_mzi_delete_payment", "zoho_payment_id", PAYMENT).await;
}

#[tokio::test]
async fn grade_deleted() {
    delete_is_idempotent(Endpoint::GradeDeleted, "local_mzi_delete_grade", "zoho_grade_id", GRADE).await;
}

#[tokio::test]
async fn request_deleted() {
    delete_is_idempotent(Endpoint::RequestDeleted, "local_mzi_delete_request", "zoho_request_id", REQUEST).await;
}

#[tokio::test]
async fn a_deleted_record_is_deleted_even_though_zoho_no_longer_has_it() {
    let h = Harness::start().await;
    h.moodle.respond("local_mzi_delete_payment", fixture_for("local_mzi_delete_payment.deleted", NOT_IN_ZOHO));
    let (status, answer) = h.send(Endpoint::PaymentDeleted, NOT_IN_ZOHO).await;
    assert_eq!((status, answer["status"].as_str()), (200, Some("ok")), "{answer}");
    assert_eq!(h.moodle.calls()[0].field("zoho_payment_id"), Some(NOT_IN_ZOHO));
}

/// The sample events in `events/` (the API Gateway v2 shape `cargo lambda invoke` sends) run
/// through the handler as they are, secret header included.
#[tokio::test]
async fn the_sample_events_of_every_endpoint_are_processed() {
    let h = Harness::start().await;
    for (function, name) in [
        ("local_mzi_update_student", "local_mzi_update_student.updated"),
        ("local_mzi_create_registration", "local_mzi_create_registration.updated"),
        ("local_mzi_record_payment", "local_mzi_record_payment.created"),
        ("local_mzi_submit_grade", "local_mzi_submit_grade.created"),
        ("local_mzi_update_request_status", "local_mzi_update_request_status.created"),
        ("local_mzi_delete_student", "local_mzi_delete_student.deleted"),
        ("local_mzi_delete_registration", "local_mzi_delete_registration.deleted"),
        ("local_mzi_delete_payment", "local_mzi_delete_payment.deleted"),
        ("local_mzi_delete_grade", "local_mzi_delete_grade.deleted"),
        ("local_mzi_delete_request", "local_mzi_delete_request.deleted"),
    ] {
        h.moodle.respond(function, shared::testkit::Reply::fixture(name));
    }
    let mut app = None;
    for endpoint in dashboard_sync::FUNCTION.endpoints() {
        let path = shared::testkit::workspace_root().join("events").join(format!("{}.json", endpoint.name()));
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let event: Value = serde_json::from_str(&text).unwrap();
        let secret = event["headers"]["x-webhook-secret"].as_str().expect("sample events carry the secret header");
        let body: Value = serde_json::from_str(event["body"].as_str().unwrap()).unwrap();
        assert_eq!(body["module"], endpoint.module(), "{}", path.display());
        // One app for every event (as one warm Lambda container): one token for all of them.
        let app = app.get_or_insert_with(|| {
            let mut settings = shared::testkit::settings(Some(h.moodle.base_url()), &h.sim.base_url());
            settings.webhook.secrets = vec![shared::Secret::new(secret)];
            shared::App::new(settings)
        });
        let request = lambda_http::request::from_str(&text).expect("a valid API Gateway v2 event");
        if endpoint.is_delete() {
            // A delete is applied only once Zoho no longer has the record.
            h.sim.delete_record(endpoint.module(), body["zoho_id"].as_str().unwrap());
        }

        let (status, answer) = send_request(app, request).await;

        assert_eq!(status, 200, "{}: {answer}", endpoint.name());
        assert_eq!(answer["status"], "ok", "{}: {answer}", endpoint.name());
        assert_eq!(answer["zoho_id"], body["zoho_id"], "{}", endpoint.name());
    }
    assert_eq!(h.moodle.calls().len(), 11, "one plugin call per endpoint");
}

#[tokio::test]
async fn a_registration_whose_schedule_lost_every_row_empties_the_stored_schedule() {
    let h = Harness::start().await;
    let mut record = h.sim.record("BTEC_Registrations", REGISTRATION).expect("seeded registration");
    record["Payment_Schedule"] = json!([]);
    h.sim.put_record("BTEC_Registrations", record);
    h.moodle
        .respond("local_mzi_create_registration", fixture_for("local_mzi_create_registration.updated", REGISTRATION));

    let (status, answer) = h.send(Endpoint::RegistrationCreated, REGISTRATION).await;

    assert_eq!(status, 200, "{answer}");
    let call = &h.moodle.calls_to("local_mzi_create_registration")[0];
    // A form cannot carry an empty list: the flag says the schedule is now empty.
    assert_eq!(call.field("clearschedule"), Some("1"));
    assert!(call.fields.iter().all(|(k, _)| !k.starts_with("installments")), "{:?}", call.fields);
}
