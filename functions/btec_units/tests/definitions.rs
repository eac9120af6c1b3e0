//! `btec_definition_updated` / `btec_definition_deleted` through the handler, against the Zoho
//! simulator (seeded from `fixtures/zoho/`, plus the unit the Moodle fixtures were recorded with)
//! and a stand-in Moodle replaying responses recorded from Moodle 4.5 (`fixtures/moodle/`).

use serde_json::{Map, Value, json};
use shared::testkit::recorded as fixture;
use shared::testkit::{self, RecordedCall, Reply};
use shared::webhook::handle;
use shared::{App, ZohoId};
use zoho_sim::{Faults, Simulator};

const CREATE: &str = "local_mzi_create_btec_definition";
const DELETE: &str = "local_mzi_delete_btec_definition";
/// The seed unit: P1–P4, P6, P11–P12 (subform), M1–M3, D1–D2.
const SEED_UNIT: &str = "5398830000100000301";
/// The unit `local_mzi_create_btec_definition.created/.updated` were recorded with.
const RECORDED_UNIT: &str = "5398830000100000801";

type Env = testkit::Doubles;

async fn env() -> Env {
    let env = testkit::Doubles::start().await;
    // P1, P2, P11 (in the subform), M1, M2, D1: the criteria of the recorded `.created` answer.
    env.zoho.insert_records(
        "BTEC",
        [json!({
            "id": RECORDED_UNIT,
            "Name": "Unit 2: Networking",
            "Modified_Time": "2026-02-23T12:34:56+03:00",
            "P1_description": "Examine networking principles.",
            "P2_description": "Explain networking devices.",
            "P3_description": "",
            "BTEC_Grading_Template_P1": [{"id": "5398830000100000811", "P11_description": "Produce a test plan."}],
            "M1_description": "Compare topologies.",
            "M2_description": "Evaluate the design.",
            "D1_description": "Critically reflect on the implementation."
        })],
    );
    env
}

async fn post(env: &Env, endpoint: &str, id: &str) -> (u16, Value) {
    let request = testkit::zoho_webhook(endpoint, id, "BTEC");
    testkit::response_json(&handle(&env.app, btec_units::FUNCTION, &btec_units::BtecUnits, request).await)
}

/// The short names of the criteria a call sent, with their sortorder.
fn sent_criteria(call: &RecordedCall) -> Vec<(String, u32)> {
    (0..)
        .map_while(|i| {
            let name = call.field(&format!("criteria[{i}][shortname]"))?;
            let order = call.field(&format!("criteria[{i}][sortorder]"))?.parse().unwrap();
            Some((name.to_owned(), order))
        })
        .collect()
}

async fn edit_unit(env: &Env, id: &str, fields: Value) {
    let fields: Map<String, Value> = fields.as_object().unwrap().clone();
    env.app.zoho.update_record::<shared::zoho::Unit>(&ZohoId::parse(id).unwrap(), fields).await.unwrap();
}

#[tokio::test]
async fn the_seed_unit_is_sent_with_subform_passes_and_one_sort_order() {
    let env = env().await;
    // Moodle's answer lists what it stored: build it from the criteria sent, as the plugin does.
    let names = ["P1", "P2", "P3", "P4", "P6", "P11", "P12", "M1", "M2", "M3", "D1", "D2"];
    let mut answer = fixture(&format!("{CREATE}.created"));
    answer["zoho_id"] = json!(SEED_UNIT);
    answer["criteria_count"] = json!(names.len());
    answer["criteria"] =
        names.iter().zip(1..).map(|(n, i)| json!({"id": i, "shortname": n, "sortorder": i})).collect::<Vec<_>>().into();
    env.moodle.respond(CREATE, Reply::json(answer));

    let (status, body) = post(&env, "btec_definition_updated", SEED_UNIT).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "ok");
    let calls = env.moodle.calls();
    assert_eq!(calls.len(), 1);
    let call = &calls[0];
    assert_eq!(call.field("zoho_unit_id"), Some(SEED_UNIT));
    assert_eq!(call.field("name"), Some("Unit 1: Programming"));
    assert_eq!(call.field("zoho_modified_time"), Some("2026-02-01T14:20:00+03:00"));
    let sent = sent_criteria(call);
    let expected: Vec<(String, u32)> = names.iter().zip(1..).map(|(n, i)| (n.to_string(), i)).collect();
    assert_eq!(sent, expected, "P11/P12 from the subform; one counter over P, M, D (B11, B32)");
    assert_eq!(
        call.field("criteria[5][description]"),
        Some("Produce a test plan for the application."),
        "the subform's description"
    );
}

#[tokio::test]
async fn created_then_updated_in_place_and_a_repeat_is_unchanged() {
    let env = env().await;
    env.moodle.respond_once(CREATE, Reply::fixture(&format!("{CREATE}.created")));
    let (status, body) = post(&env, "btec_definition_updated", RECORDED_UNIT).await;
    assert_eq!(status, 200, "{body}");
    let step = body["actions"].as_array().unwrap().iter().find(|a| a["step"] == format!("{CREATE} criteria")).unwrap();
    assert_eq!(step["result"], "created");
    assert_eq!(step["detail"]["definition_id"], 4);
    assert_eq!(step["detail"]["criteria_sent"], json!(["P1", "P2", "P11", "M1", "M2", "D1"]));
    assert_eq!(step["detail"]["criteria_stored"], fixture(&format!("{CREATE}.created"))["criteria"], "Moodle's answer");

    // A repeat delivery: the same definition, keyed by the unit id; Moodle answers unchanged.
    let mut unchanged = fixture(&format!("{CREATE}.created"));
    unchanged["status"] = json!("unchanged");
    env.moodle.respond_once(CREATE, Reply::json(unchanged));
    let (status, body) = post(&env, "btec_definition_updated", RECORDED_UNIT).await;
    assert_eq!((status, body["status"].as_str()), (200, Some("ok")), "{body}");

    // P3 added in Zoho: the recorded `.updated` answer keeps the ids of the existing criteria.
    edit_unit(&env, RECORDED_UNIT, json!({"P3_description": "Design a network."})).await;
    env.moodle.respond_once(CREATE, Reply::fixture(&format!("{CREATE}.updated")));
    let (status, body) = post(&env, "btec_definition_updated", RECORDED_UNIT).await;
    assert_eq!(status, 200, "{body}");

    let calls = env.moodle.calls_to(CREATE);
    assert_eq!(calls.len(), 3);
    assert_eq!(calls[0].fields, calls[1].fields, "a repeat sends the same definition");
    let names = |call: &RecordedCall| sent_criteria(call).into_iter().map(|(n, _)| n).collect::<Vec<_>>();
    assert_eq!(names(&calls[2]), ["P1", "P2", "P3", "P11", "M1", "M2", "D1"]);
    assert_ne!(calls[2].field("zoho_modified_time"), calls[0].field("zoho_modified_time"));
}

#[tokio::test]
async fn an_update_after_marking_is_refused_with_a_clear_422() {
    let env = env().await;
    edit_unit(&env, RECORDED_UNIT, json!({"M2_description": ""})).await;
    env.moodle.respond(
        CREATE,
        Reply::json(json!({
            "exception": "local_moodle_zoho_sync\\local\\sync_exception",
            "errorcode": "criterioninuse",
            "message": "The criteria M2 are used by marking and cannot be removed."
        })),
    );
    let (status, body) = post(&env, "btec_definition_updated", RECORDED_UNIT).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["code"], "criterion_in_use");
    assert_eq!(body["error"]["retryable"], false);
    assert!(body.get("status").is_none(), "never success for a Moodle failure (B12)");
}

#[tokio::test]
async fn a_criterion_moodle_rejects_is_a_422() {
    let env = env().await;
    env.moodle.respond(CREATE, Reply::fixture(&format!("{CREATE}.invalidcriterion")));
    let (status, body) = post(&env, "btec_definition_updated", RECORDED_UNIT).await;
    assert_eq!(status, 422, "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("invalidcriterion"), "{body}");
}

#[tokio::test]
async fn an_answer_without_the_criteria_sent_is_not_success() {
    let env = env().await;
    // The recorded `.created` answer holds six criteria; the seed unit has twelve.
    env.moodle.respond(CREATE, Reply::fixture(&format!("{CREATE}.created")));
    let (status, body) = post(&env, "btec_definition_updated", SEED_UNIT).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["error"]["code"], "moodle_unexpected_response");
}

#[tokio::test]
async fn a_unit_without_criteria_is_a_422_without_calling_moodle() {
    let env = env().await;
    env.zoho.insert_records(
        "BTEC",
        [json!({"id": "5398830000100000302", "Name": "Unit 9: Empty", "Modified_Time": "2026-02-01T14:20:00+03:00",
                "P1_description": "  ", "BTEC_Grading_Template_P1": [], "M1_description": null})],
    );
    let (status, body) = post(&env, "btec_definition_updated", "5398830000100000302").await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["code"], "no_criteria");
    assert!(env.moodle.calls().is_empty());
}

#[tokio::test]
async fn a_zoho_failure_is_retryable_and_a_unit_zoho_lacks_is_skipped() {
    let env = env().await;
    let (status, body) = post(&env, "btec_definition_updated", "5398830000100000399").await;
    assert_eq!((status, body["status"].as_str()), (200, Some("skipped")), "{body}");
    env.zoho.set_faults(Faults { api_status: Some(503), ..Faults::default() });
    let (status, body) = post(&env, "btec_definition_updated", SEED_UNIT).await;
    assert!(status >= 500, "{status} {body}");
    assert_eq!(body["error"]["retryable"], true);
    assert!(env.moodle.calls().is_empty());
}

#[tokio::test]
async fn delete_twice_is_success_and_a_marked_definition_is_refused() {
    let env = env().await;
    // While Zoho still has the unit, the delete is refused and Moodle is not called.
    let (status, body) = post(&env, "btec_definition_deleted", RECORDED_UNIT).await;
    assert_eq!((status, body["error"]["code"].as_str()), (409, Some("record_still_exists")), "{body}");
    assert!(env.moodle.calls().is_empty());
    assert!(env.zoho.delete_record("BTEC", RECORDED_UNIT));
    env.zoho.reset_log();
    env.moodle.respond_once(DELETE, Reply::fixture(&format!("{DELETE}.deleted")));
    env.moodle.respond_once(DELETE, Reply::fixture(&format!("{DELETE}.again")));
    let (first, body1) = post(&env, "btec_definition_deleted", RECORDED_UNIT).await;
    let (second, body2) = post(&env, "btec_definition_deleted", RECORDED_UNIT).await;
    assert_eq!((first, second), (200, 200), "{body1} {body2}");
    assert_eq!(body1["actions"][0]["result"], "not_found", "{body1}");
    assert_eq!(body1["actions"][1]["result"], "deleted");
    assert_eq!(body2["actions"][1]["result"], "absent");
    let calls = env.moodle.calls_to(DELETE);
    assert_eq!(calls[0].fields, [("zoho_unit_id".to_owned(), RECORDED_UNIT.to_owned())]);
    assert_eq!(env.zoho.stats().gets, 2, "a delete costs one Zoho read");

    assert!(env.zoho.delete_record("BTEC", SEED_UNIT));
    env.moodle.respond(
        DELETE,
        Reply::json(json!({
            "exception": "local_moodle_zoho_sync\\local\\sync_exception",
            "errorcode": "btecinuse",
            "message": "The BTEC definition is used by marking and was not deleted."
        })),
    );
    let (status, body) = post(&env, "btec_definition_deleted", SEED_UNIT).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["code"], "btec_in_use");
}

#[tokio::test]
async fn sample_events_are_handled() {
    let env = env().await;
    let names = ["P1", "P2", "P3", "P4", "P6", "P11", "P12", "M1", "M2", "M3", "D1", "D2"];
    let mut answer = fixture(&format!("{CREATE}.created"));
    answer["criteria"] =
        names.iter().zip(1..).map(|(n, i)| json!({"id": i, "shortname": n, "sortorder": i})).collect::<Vec<_>>().into();
    env.moodle.respond(CREATE, Reply::json(answer));
    env.moodle.respond(DELETE, Reply::fixture(&format!("{DELETE}.deleted")));
    for name in ["btec_definition_updated", "btec_definition_deleted"] {
        let path = testkit::workspace_root().join("events").join(format!("{name}.json"));
        let mut event: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        // The sample carries the local-dev secret; the tests' settings use the test secret.
        event["headers"]["x-webhook-secret"] = json!(testkit::TEST_WEBHOOK_SECRET);
        let request = lambda_http::request::from_str(&event.to_string()).unwrap();
        if name.ends_with("_deleted") {
            // A delete is applied only once Zoho no longer has the record.
            let body: Value = serde_json::from_str(event["body"].as_str().unwrap()).unwrap();
            env.zoho.delete_record("BTEC", body["zoho_id"].as_str().unwrap());
        }
        let (status, body) =
            testkit::response_json(&handle(&env.app, btec_units::FUNCTION, &btec_units::BtecUnits, request).await);
        assert_eq!(status, 200, "{name}: {body}");
        assert_eq!(body["endpoint"], name);
    }
    let functions: Vec<_> = env.moodle.calls().into_iter().map(|c| c.function).collect();
    assert_eq!(functions, [CREATE, DELETE]);
}

#[tokio::test]
async fn plan_mode_shows_the_definition_without_sending_it() {
    let zoho = Simulator::start_from_dir(testkit::workspace_root().join("fixtures/zoho")).await.unwrap();
    let app = App::new(testkit::settings(None, &zoho.base_url()));
    let request = testkit::zoho_webhook("btec_definition_updated", SEED_UNIT, "BTEC");
    let (status, body) =
        testkit::response_json(&handle(&app, btec_units::FUNCTION, &btec_units::BtecUnits, request).await);
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["mode"], "plan");
    assert_eq!(body["planned_moodle_calls"][0]["function"], CREATE);
    assert_eq!(body["planned_moodle_calls"][0]["params"]["criteria"][5]["shortname"], "P11", "{body}");
}
