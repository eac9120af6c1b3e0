//! Live: `btec_definition_updated` / `btec_definition_deleted` through the handler against a real
//! Moodle 4.5 with `gradingform_btec` and the plugin (MOODLE_URL, MOODLE_TOKEN), with the Zoho
//! simulator. Skipped when unset. Each run uses its own unit id.

use serde_json::{Value, json};
use shared::testkit;
use shared::webhook::handle;
use shared::{App, ZohoId};
use zoho_sim::{Simulator, now_iso};

const CREATE: &str = "local_mzi_create_btec_definition";

async fn post(app: &App, endpoint: &str, id: &str) -> (u16, Value) {
    let request = testkit::zoho_webhook(endpoint, id, "BTEC");
    testkit::response_json(&handle(app, btec_units::FUNCTION, &btec_units::BtecUnits, request).await)
}

/// Moodle's answer as the handler reports it: (status, [(id, shortname, sortorder)]).
fn stored(body: &Value) -> (String, Vec<(i64, String, i64)>) {
    let step = body["actions"]
        .as_array()
        .and_then(|a| a.iter().find(|a| a["step"] == format!("{CREATE} criteria")))
        .unwrap_or_else(|| panic!("no definition step in {body}"));
    let criteria = step["detail"]["criteria_stored"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (c["id"].as_i64().unwrap(), c["shortname"].as_str().unwrap().to_owned(), c["sortorder"].as_i64().unwrap())
        })
        .collect();
    (step["result"].as_str().unwrap().to_owned(), criteria)
}

fn names(criteria: &[(i64, String, i64)]) -> Vec<&str> {
    criteria.iter().map(|(_, n, _)| n.as_str()).collect()
}

fn orders(criteria: &[(i64, String, i64)]) -> Vec<i64> {
    criteria.iter().map(|(_, _, o)| *o).collect()
}

#[tokio::test]
#[ignore = "live: needs MOODLE_URL and MOODLE_TOKEN (a Moodle 4.5 with the plugin)"]
async fn live_definition_in_grading_order_updated_in_place_and_deleted() {
    let (url, token) = testkit::live_moodle();
    let run = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() % 10_000_000;
    let unit = format!("539883000083{run:07}");
    let empty_unit = format!("539883000085{run:07}");
    let zoho = Simulator::start_from_dir(testkit::workspace_root().join("fixtures/zoho")).await.unwrap();
    let now = now_iso();
    // Filled out of order and with gaps: P2, P1, P11 (subform), D2, M1, D1; P3 blank.
    zoho.insert_records(
        "BTEC",
        [
            json!({"id": unit, "Name": format!("Live unit {run}"), "Modified_Time": now,
                   "P2_description": "Explain networking devices.", "P1_description": "Examine networking principles.",
                   "P3_description": "   ",
                   "BTEC_Grading_Template_P1": [{"id": format!("539883000086{run:07}"), "P11_description": "Produce a test plan."}],
                   "D2_description": "Justify the choices.", "M1_description": "Compare topologies.",
                   "D1_description": "Critically reflect."}),
            json!({"id": empty_unit, "Name": format!("Live empty unit {run}"), "Modified_Time": now}),
        ],
    );
    let app = App::new(testkit::live_settings(&url, &token, &zoho.base_url()));

    let (status, body) = post(&app, "btec_definition_updated", &unit).await;
    eprintln!("btec_definition_updated (new): {status} {body}");
    assert_eq!(status, 200, "{body}");
    let (result, first) = stored(&body);
    assert_eq!(result, "created");
    assert_eq!(names(&first), ["P1", "P2", "P11", "M1", "D1", "D2"], "the grading form's order");
    assert_eq!(orders(&first), [1, 2, 3, 4, 5, 6], "one contiguous sortorder over P, M, D");

    // A repeat delivery changes nothing.
    let (status, body) = post(&app, "btec_definition_updated", &unit).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(stored(&body).0, "unchanged", "{body}");

    // P3 filled in Zoho: updated in place, the existing criteria keep their ids.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let mut fields = serde_json::Map::new();
    fields.insert("P3_description".into(), json!("Design a network."));
    app.zoho.update_record::<shared::zoho::Unit>(&ZohoId::parse(&unit).unwrap(), fields).await.unwrap();
    let (status, body) = post(&app, "btec_definition_updated", &unit).await;
    eprintln!("btec_definition_updated (P3 added): {status} {body}");
    assert_eq!(status, 200, "{body}");
    let (result, second) = stored(&body);
    assert_eq!(result, "updated");
    assert_eq!(names(&second), ["P1", "P2", "P3", "P11", "M1", "D1", "D2"]);
    assert_eq!(orders(&second), [1, 2, 3, 4, 5, 6, 7]);
    for (id, name, _) in &first {
        let kept = second.iter().find(|(_, n, _)| n == name).unwrap();
        assert_eq!(kept.0, *id, "{name} keeps its id, so marking stays attached (B13)");
    }

    // A unit with no criteria: a clear 422, nothing sent.
    let (status, body) = post(&app, "btec_definition_updated", &empty_unit).await;
    eprintln!("btec_definition_updated (no criteria): {status} {body}");
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["code"], "no_criteria");

    // While Zoho still has the unit, a delete is refused and Moodle keeps the definition.
    let (status, body) = post(&app, "btec_definition_deleted", &unit).await;
    eprintln!("btec_definition_deleted (still in Zoho): {status} {body}");
    assert_eq!((status, body["error"]["code"].as_str()), (409, Some("record_still_exists")), "{body}");

    // Deleted in Zoho, then the webhook twice: deleted, then absent; both success.
    assert!(zoho.delete_record("BTEC", &unit));
    let (status, body) = post(&app, "btec_definition_deleted", &unit).await;
    eprintln!("btec_definition_deleted: {status} {body}");
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["actions"][1]["result"], "deleted", "{body}");
    let (status, body) = post(&app, "btec_definition_deleted", &unit).await;
    eprintln!("btec_definition_deleted (again): {status} {body}");
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["actions"][1]["result"], "absent", "{body}");
}
