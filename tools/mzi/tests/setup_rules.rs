//! `mzi zoho setup-rules` against the simulator's webhooks and workflow-rules APIs.

mod common;

use common::{assert_no_secrets, mzi, simulator, source};
use mzi::MziError;
use serde_json::{Value, json};
use shared::testkit::TEST_WEBHOOK_SECRET;
use zoho_sim::{AutomationQuotas, Simulator};

const BASE: &str = "https://hooks.college.example";

fn by_name<'a>(items: &'a [Value], name: &str) -> &'a Value {
    items.iter().find(|i| i["name"] == name).unwrap_or_else(|| panic!("no {name} in {items:?}"))
}

fn webhook_of_rule<'a>(sim_webhooks: &'a [Value], rule: &Value) -> &'a Value {
    let id = rule["conditions"][0]["instant_actions"]["actions"][0]["id"].as_str().expect("a webhook action");
    sim_webhooks.iter().find(|w| w["id"] == id).expect("the rule's webhook exists")
}

/// The plan has a row with this action, kind, name and detail.
fn has_row(out: &str, action: &str, kind: &str, name: &str, detail: &str) -> bool {
    out.lines().any(|line| {
        let mut words = line.split_whitespace();
        words.next() == Some(action)
            && words.next() == Some(kind)
            && line.contains(name)
            && line.trim_end().ends_with(detail)
    })
}

async fn setup(sim: &Simulator, extra: &[&str]) -> common::Run {
    let mut args = vec!["zoho", "setup-rules", "--base-url", BASE];
    args.extend_from_slice(extra);
    mzi(&args, source(sim, None)).await
}

#[tokio::test]
async fn run_twice_makes_one_set_of_rules_and_the_second_run_writes_nothing() {
    let sim = simulator().await;
    let first = setup(&sim, &[]).await;
    assert!(first.result.is_ok(), "{:?}\n{}", first.result, first.out);
    assert_no_secrets(&first.printed());
    let (webhooks, rules) = (sim.webhooks(), sim.workflow_rules());
    assert_eq!((webhooks.len(), rules.len()), (16, 16));
    assert_eq!(sim.automation_writes().len(), 32);

    let classes = by_name(&rules, "MZI - BTEC_Classes - edit");
    assert_eq!(classes["execute_when"]["type"], "edit", "B3: the classes rule fires on edit only");
    assert_eq!(
        webhook_of_rule(&webhooks, classes)["url"],
        format!("{BASE}/api/v1/webhooks/student-dashboard/class_updated")
    );
    let students = by_name(&rules, "MZI - BTEC_Students - create edit");
    assert_eq!(students["execute_when"]["type"], "create_or_edit");
    assert_eq!(students["execute_when"]["details"]["repeat"], true);
    let hook = webhook_of_rule(&webhooks, students);
    assert_eq!(
        hook["headers"]["custom_parameters"],
        json!([{"name": "X-Webhook-Secret", "value": TEST_WEBHOOK_SECRET}])
    );
    assert_eq!(hook["body"]["raw_data_content"], r#"{"zoho_id": "${!BTEC_Students.Id}", "module": "BTEC_Students"}"#);
    let requests = by_name(&rules, "MZI - BTEC_Student_Requests - delete");
    assert_eq!(requests["execute_when"]["type"], "delete");
    assert_eq!(
        webhook_of_rule(&webhooks, requests)["url"],
        format!("{BASE}/api/v1/webhooks/student-dashboard/request_deleted")
    );
    assert!(rules.iter().all(|r| r["module"]["api_name"] != "BTEC_Requests"));

    let second = setup(&sim, &[]).await;
    assert!(second.result.is_ok(), "{:?}", second.result);
    assert_eq!(sim.automation_writes().len(), 32, "the second run wrote:\n{}", second.out);
    assert!(second.out.contains("0 to create, 0 to update, 0 to replace, 32 unchanged, 0 to remove"), "{}", second.out);
    assert_eq!(sim.webhooks(), webhooks);
    assert_eq!(sim.workflow_rules(), rules);
}

/// The predecessor's setup as it may be live: its names, the classes rule on create_or_edit
/// pointing at the removed /class_created, an ngrok URL, no secret header.
fn seed_predecessor(sim: &Simulator) -> String {
    let old = |module: &str, suffix: &str, endpoint: &str| {
        let webhook = sim.insert_webhook(json!({
            "name": format!("MZI - {module} - {suffix}"), "module": {"api_name": module},
            "url": format!("https://old-tunnel.ngrok-free.dev/api/v1/webhooks/student-dashboard/{endpoint}"),
            "http_method": "POST", "feature_type": "workflow", "authentication": {"type": "general"},
            "headers": {"module_parameters": [], "custom_parameters": []},
            "body": {"type": "raw", "format": "JSON", "raw_data_content": format!("{{\"zoho_id\": \"${{!{module}.Id}}\", \"module\": \"{module}\"}}")}
        }));
        let trigger = if suffix == "delete" { "delete" } else { "create_or_edit" };
        sim.insert_workflow_rule(json!({
            "name": format!("MZI - {module} - {suffix}"), "module": {"api_name": module},
            "execute_when": {"type": trigger, "details": {"type": "all_records", "repeat": true}},
            "conditions": [{"sequence_number": 1, "criteria_pattern": "1",
                "criteria_details": {"criteria": {"comparator": "is_not_empty", "field": {"api_name": "id"}, "value": ""}},
                "instant_actions": {"actions": [{"type": "webhooks", "id": webhook}]}}]
        }))
    };
    old("BTEC_Classes", "create edit", "class_created");
    old("BTEC_Classes", "delete", "class_deleted");
    old("BTEC_Students", "create edit", "student_updated")
}

#[tokio::test]
async fn the_predecessors_rules_are_corrected_in_place_and_its_class_rule_replaced() {
    let sim = simulator().await;
    let student_rule = seed_predecessor(&sim);
    let dry = setup(&sim, &["--dry-run"]).await;
    assert!(dry.result.is_ok(), "{:?}", dry.result);
    assert!(
        has_row(&dry.out, "update", "webhook", "MZI - BTEC_Students - create edit", "url, secret header"),
        "{}",
        dry.out
    );
    assert!(has_row(&dry.out, "update", "rule", "MZI - BTEC_Students - create edit", "criteria"), "{}", dry.out);
    assert!(
        has_row(&dry.out, "remove", "rule", "MZI - BTEC_Classes - create edit", "not in the specification"),
        "{}",
        dry.out
    );
    assert!(dry.out.contains("3 of 2500 rules now, 16 after"), "{}", dry.out);
    assert!(sim.automation_writes().is_empty(), "a dry run wrote: {:?}", sim.automation_writes());

    let run = setup(&sim, &[]).await;
    assert!(run.result.is_ok(), "{:?}\n{}", run.result, run.out);
    assert_no_secrets(&run.printed());
    let (webhooks, rules) = (sim.webhooks(), sim.workflow_rules());
    assert_eq!((webhooks.len(), rules.len()), (16, 16), "{}", run.out);
    assert!(rules.iter().all(|r| r["name"] != "MZI - BTEC_Classes - create edit"));
    assert!(webhooks.iter().all(
        |w| !w["url"].as_str().unwrap().contains("ngrok") && !w["url"].as_str().unwrap().contains("class_created")
    ));
    let students = by_name(&rules, "MZI - BTEC_Students - create edit");
    assert_eq!(students["id"], student_rule.as_str(), "corrected in place, not recreated");
    assert_eq!(students["conditions"].as_array().unwrap().len(), 1);
    assert_eq!(students["conditions"][0]["criteria_details"]["criteria"], Value::Null);
    assert_eq!(webhook_of_rule(&webhooks, students)["headers"]["custom_parameters"][0]["value"], TEST_WEBHOOK_SECRET);
    assert_eq!(by_name(&rules, "MZI - BTEC_Classes - edit")["execute_when"]["type"], "edit");

    let writes = sim.automation_writes().len();
    let again = setup(&sim, &[]).await;
    assert!(again.result.is_ok(), "{:?}", again.result);
    assert_eq!(sim.automation_writes().len(), writes, "converged: {}", again.out);

    // A rule someone edited by hand (trigger) is put back.
    let id = by_name(&sim.workflow_rules(), "MZI - BTEC_Grades - create edit")["id"].as_str().unwrap().to_owned();
    let mut edited = by_name(&sim.workflow_rules(), "MZI - BTEC_Grades - create edit").clone();
    edited["execute_when"]["type"] = json!("create");
    sim.set_workflow_rule(edited);
    sim.insert_workflow_rule(json!({"name": "MZI - placeholder", "module": {"api_name": "BTEC"}, "conditions": []}));
    let fixed = setup(&sim, &[]).await;
    assert!(fixed.result.is_ok(), "{:?}", fixed.result);
    assert!(
        has_row(&fixed.out, "update", "rule", "MZI - BTEC_Grades - create edit", "trigger create → create_or_edit"),
        "{}",
        fixed.out
    );
    assert_eq!(
        by_name(&sim.workflow_rules(), "MZI - BTEC_Grades - create edit")["execute_when"]["type"],
        "create_or_edit"
    );
    assert!(has_row(&fixed.out, "remove", "rule", "MZI - placeholder", "not in the specification"), "{}", fixed.out);
    assert_eq!(by_name(&sim.workflow_rules(), "MZI - BTEC_Grades - create edit")["id"], id.as_str());
}

#[tokio::test]
async fn dry_run_writes_nothing() {
    let sim = simulator().await;
    let run = setup(&sim, &["--dry-run"]).await;
    assert!(run.result.is_ok(), "{:?}", run.result);
    assert!(run.out.contains("32 to create") || run.out.contains("Plan: 32 to create"), "{}", run.out);
    assert!(
        has_row(&run.out, "create", "rule", "MZI - BTEC_Classes - edit", "MZI - BTEC_Classes - edit"),
        "{}",
        run.out
    );
    assert!(sim.automation_writes().is_empty());
    assert!(sim.webhooks().is_empty() && sim.workflow_rules().is_empty());
}

#[tokio::test]
async fn remove_removes_only_ours() {
    let sim = simulator().await;
    let foreign_hook = sim.insert_webhook(json!({"name": "Lead alert", "module": {"api_name": "BTEC_Students"}, "url": "https://crm.example/alert", "http_method": "POST", "feature_type": "workflow", "authentication": {"type": "general"}}));
    let foreign_rule = sim.insert_workflow_rule(json!({"name": "Welcome e-mail", "module": {"api_name": "BTEC_Students"},
        "execute_when": {"type": "create"}, "conditions": [{"sequence_number": 1, "criteria_details": {"criteria": null},
        "instant_actions": {"actions": [{"type": "webhooks", "id": foreign_hook}]}}]}));
    assert!(setup(&sim, &[]).await.result.is_ok());
    assert_eq!(sim.workflow_rules().len(), 17);

    let dry = setup(&sim, &["--remove", "--dry-run"]).await;
    assert!(dry.result.is_ok());
    assert_eq!(sim.workflow_rules().len(), 17, "a dry run removes nothing");

    let run = setup(&sim, &["--remove"]).await;
    assert!(run.result.is_ok(), "{:?}\n{}", run.result, run.out);
    let rules = sim.workflow_rules();
    let webhooks = sim.webhooks();
    assert_eq!(rules.len(), 1);
    assert_eq!(rules[0]["id"], foreign_rule.as_str());
    assert_eq!(webhooks.len(), 1);
    assert_eq!(webhooks[0]["id"], foreign_hook.as_str());
}

#[tokio::test]
async fn a_quota_that_would_be_exceeded_is_reported_before_any_write() {
    let sim = simulator().await;
    sim.set_automation_quotas(AutomationQuotas { total_rules_limit_per_module: 2, ..AutomationQuotas::default() });
    sim.insert_workflow_rule(json!({"name": "Welcome e-mail", "module": {"api_name": "BTEC_Students"},
        "execute_when": {"type": "create"}, "conditions": [{"sequence_number": 1, "criteria_details": {"criteria": null},
        "instant_actions": {"actions": [{"type": "email_notifications", "id": "1"}]}}]}));
    let run = setup(&sim, &[]).await;
    let error = run.result.as_ref().expect_err("the quota must stop the run");
    assert!(matches!(error, MziError::Quota(_)), "{error}");
    let text = error.to_string();
    assert!(
        text.contains("nothing was written")
            && text.contains("BTEC_Students would have 3 workflow rules, over the limit of 2"),
        "{text}"
    );
    assert!(sim.automation_writes().is_empty(), "{:?}", sim.automation_writes());

    sim.set_automation_quotas(AutomationQuotas {
        webhooks_per_rule_limit: 0,
        total_rules_limit: 10,
        ..AutomationQuotas::default()
    });
    let run = setup(&sim, &[]).await;
    let text = run.result.expect_err("over the org limit").to_string();
    assert!(text.contains("the org would have 17 workflow rules, over its limit of 10"), "{text}");
    assert!(text.contains("allows no webhook action per rule"), "{text}");
    assert!(sim.automation_writes().is_empty());
}
