//! `mzi zoho setup-rules`: the sixteen webhooks and workflow rules of the specification, created
//! and kept correct through the Zoho CRM v8 APIs (`docs/zoho-crm.md` §5), converging by name.
//!
//! Sixteen = eight modules × (create-or-edit, delete), derived from `Endpoint::ALL`:
//! `submit_student_request` gets no rule (it is a second upsert of `BTEC_Student_Requests`, and
//! one module has one upsert rule), and the classes rule fires on **edit only** and calls
//! `class_updated` (the predecessor's bug B3). Everything named `MZI - …` is ours: the
//! predecessor's rules and webhooks use that prefix too, so a name we no longer want (e.g. its
//! `MZI - BTEC_Classes - create edit`) is removed, and a wanted one with a wrong trigger, URL,
//! secret header or body is updated in place. Other rules and webhooks are never touched.
//!
//! Order of writes: rules to remove; webhooks to create or update; rules to create or update
//! (now pointing at the right webhooks); then the webhooks no rule of ours uses any more (Zoho
//! refuses to delete a webhook a rule still uses). Quotas are checked before the first write.

use std::collections::{BTreeMap, HashMap};
use std::io::Write;

use reqwest::Method;
use serde_json::{Value, json};
use shared::Secret;
use shared::config::Source;
use shared::webhook::Endpoint;
use shared::zoho::ZohoError;

use super::Console;
use crate::MziError;
use crate::table::Table;
use crate::zoho_admin::{Answer, ZohoAdmin};

/// The prefix that marks a rule or webhook as ours (the predecessor's too).
pub const PREFIX: &str = "MZI - ";
/// The header Zoho sends with every call, holding `WEBHOOK_SECRET`.
pub const SECRET_HEADER: &str = "X-Webhook-Secret";
const WEBHOOKS: &str = "/crm/v8/settings/automation/webhooks";
const RULES: &str = "/crm/v8/settings/automation/workflow_rules";
const DESCRIPTION: &str = "Zoho to Moodle sync, managed by mzi zoho setup-rules; edits are reverted";

#[derive(Debug, clap::Args)]
#[command(after_long_help = "Needs WEBHOOK_SECRET and the Zoho settings, and a refresh token with the scopes \
ZohoCRM.settings.workflow_rules.ALL and ZohoCRM.settings.automation_actions.ALL (see `mzi zoho authorize --help`).\n\n\
Rules and webhooks: \"MZI - <Module> - create edit\" and \"MZI - <Module> - delete\" for BTEC_Students, \
BTEC_Registrations, BTEC_Payments, BTEC_Enrollments, BTEC_Grades, BTEC_Student_Requests and BTEC; \
\"MZI - BTEC_Classes - edit\" (Edit only, class_updated) and \"MZI - BTEC_Classes - delete\". Each webhook POSTs \
{\"zoho_id\": \"${!<Module>.Id}\", \"module\": \"<Module>\"} to <base-url>/api/v1/webhooks/student-dashboard/<endpoint> \
with the header X-Webhook-Secret.")]
pub struct Args {
    /// Public base URL of the webhook API, e.g. https://abc123.execute-api.eu-west-2.amazonaws.com
    /// (the path /api/v1/webhooks/student-dashboard/<endpoint> is added).
    #[arg(long, value_name = "URL")]
    pub base_url: String,
    /// Print the plan (create / update / unchanged / remove per item) and write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Remove every rule and webhook whose name starts with "MZI - " (ours), and nothing else.
    #[arg(long)]
    pub remove: bool,
}

/// When a rule fires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    CreateOrEdit,
    Edit,
    Delete,
}

impl Trigger {
    pub fn api_name(self) -> &'static str {
        match self {
            Trigger::CreateOrEdit => "create_or_edit",
            Trigger::Edit => "edit",
            Trigger::Delete => "delete",
        }
    }

    fn name_suffix(self) -> &'static str {
        match self {
            Trigger::CreateOrEdit => "create edit",
            Trigger::Edit => "edit",
            Trigger::Delete => "delete",
        }
    }
}

/// The rule an endpoint gets, if any. Exhaustive, so a new endpoint needs a decision here.
pub fn trigger_of(endpoint: Endpoint) -> Option<Trigger> {
    use Endpoint::*;
    match endpoint {
        StudentUpdated
        | RegistrationCreated
        | PaymentRecorded
        | GradeSubmitted
        | RequestStatusChanged
        | EnrollmentUpdated
        | BtecDefinitionUpdated => Some(Trigger::CreateOrEdit),
        // The specification: BTEC_Classes on Edit only (a new class has no course yet to update;
        // its first edit creates it), pointing at class_updated.
        ClassUpdated => Some(Trigger::Edit),
        StudentDeleted
        | RegistrationDeleted
        | PaymentDeleted
        | GradeDeleted
        | RequestDeleted
        | ClassDeleted
        | EnrollmentDeleted
        | BtecDefinitionDeleted => Some(Trigger::Delete),
        // Same module and processing as request_status_changed: one upsert rule per module.
        SubmitStudentRequest => None,
    }
}

/// One webhook and the rule that calls it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wanted {
    pub endpoint: Endpoint,
    pub module: &'static str,
    pub trigger: Trigger,
    /// The name of both the rule and its webhook.
    pub name: String,
    pub url: String,
}

/// The sixteen pairs, in `Endpoint::ALL` order.
pub fn wanted(base_url: &str) -> Vec<Wanted> {
    let base = base_url.trim_end_matches('/');
    Endpoint::ALL
        .into_iter()
        .filter_map(|endpoint| {
            let trigger = trigger_of(endpoint)?;
            let module = endpoint.module();
            Some(Wanted {
                endpoint,
                module,
                trigger,
                name: format!("{PREFIX}{module} - {}", trigger.name_suffix()),
                url: format!("{base}{}", endpoint.path()),
            })
        })
        .collect()
}

/// The raw JSON body Zoho sends (`docs/data-contract.md` §1.2), merge field by API name.
pub fn body_template(module: &str) -> String {
    format!("{{\"zoho_id\": \"${{!{module}.Id}}\", \"module\": \"{module}\"}}")
}

/// The webhook's configuration as we create or update it.
pub fn webhook_config(wanted: &Wanted, secret: &Secret) -> Value {
    json!({
        "name": wanted.name,
        "description": DESCRIPTION,
        "module": {"api_name": wanted.module},
        "url": wanted.url,
        "http_method": "POST",
        "feature_type": "workflow",
        "authentication": {"type": "general"},
        "headers": {
            "module_parameters": [],
            "custom_parameters": [{"name": SECRET_HEADER, "value": secret.expose()}]
        },
        "body": {"type": "raw", "format": "JSON", "raw_data_content": body_template(wanted.module)}
    })
}

/// The single condition of our rules: every record, one webhook.
fn condition(webhook_id: &str) -> Value {
    json!({
        "sequence_number": 1,
        "criteria_details": {"criteria": null},
        "instant_actions": {"actions": [{"type": "webhooks", "id": webhook_id}]}
    })
}

fn execute_when(wanted: &Wanted) -> Value {
    let mut details = json!({"trigger_module": {"api_name": wanted.module}});
    if wanted.trigger != Trigger::Delete {
        // Without it only the first edit of a record fires (`docs/zoho-crm.md` §5.3).
        details["repeat"] = json!(true);
    }
    json!({"type": wanted.trigger.api_name(), "details": details})
}

/// The rule as we create it.
pub fn rule_config(wanted: &Wanted, webhook_id: &str) -> Value {
    json!({
        "name": wanted.name,
        "description": DESCRIPTION,
        "module": {"api_name": wanted.module},
        "execute_when": execute_when(wanted),
        "conditions": [condition(webhook_id)]
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Webhook,
    Rule,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Webhook => "webhook",
            Kind::Rule => "rule",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Create,
    Update,
    Unchanged,
    Remove,
    /// Delete and create again: Zoho cannot change the module of a rule or webhook.
    Replace,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Update => "update",
            Action::Unchanged => "unchanged",
            Action::Remove => "remove",
            Action::Replace => "replace",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub kind: Kind,
    pub name: String,
    pub module: String,
    pub action: Action,
    /// What differs (never a value: "url", "secret header", "trigger create_or_edit → edit").
    pub reasons: Vec<String>,
    pub existing_id: Option<String>,
    /// Index into the wanted list, for creates and updates.
    pub wanted: Option<usize>,
    /// For an existing rule: its condition ids (an update replaces them).
    pub condition_ids: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    pub items: Vec<Item>,
}

impl Plan {
    pub fn count(&self, action: Action) -> usize {
        self.items.iter().filter(|i| i.action == action).count()
    }

    pub fn writes(&self) -> usize {
        self.items
            .iter()
            .filter(|i| i.action != Action::Unchanged)
            .map(|i| if i.action == Action::Replace { 2 } else { 1 })
            .sum()
    }
}

fn text(value: &Value, pointer: &str) -> String {
    value.pointer(pointer).and_then(Value::as_str).unwrap_or("").to_owned()
}

fn is_ours(value: &Value) -> bool {
    value.get("name").and_then(Value::as_str).is_some_and(|n| n.starts_with(PREFIX))
}

/// What differs between a stored webhook and the wanted one; `Err` when only a replacement helps.
pub fn webhook_differences(wanted: &Wanted, secret: &Secret, stored: &Value) -> Result<Vec<String>, Vec<String>> {
    if text(stored, "/module/api_name") != wanted.module {
        return Err(vec![format!("module {} → {}", text(stored, "/module/api_name"), wanted.module)]);
    }
    let mut reasons = Vec::new();
    if text(stored, "/url") != wanted.url {
        reasons.push("url".to_owned());
    }
    if text(stored, "/http_method") != "POST" {
        reasons.push("http method".to_owned());
    }
    if text(stored, "/feature_type") != "workflow" {
        reasons.push("feature type".to_owned());
    }
    if text(stored, "/authentication/type") != "general" {
        reasons.push("authentication".to_owned());
    }
    let custom = stored.pointer("/headers/custom_parameters").and_then(Value::as_array).cloned().unwrap_or_default();
    let secret_ok = custom.iter().any(|p| {
        p["name"].as_str().is_some_and(|n| n.eq_ignore_ascii_case(SECRET_HEADER))
            && p["value"].as_str() == Some(secret.expose())
    });
    if !secret_ok {
        reasons.push("secret header".to_owned());
    }
    let module_parameters = stored.pointer("/headers/module_parameters").and_then(Value::as_array).map_or(0, Vec::len);
    if custom.len() > 1 || module_parameters > 0 {
        reasons.push("extra headers".to_owned());
    }
    if text(stored, "/body/type") != "raw"
        || !text(stored, "/body/format").eq_ignore_ascii_case("json")
        || text(stored, "/body/raw_data_content") != body_template(wanted.module)
    {
        reasons.push("body template".to_owned());
    }
    Ok(reasons)
}

/// What differs between a stored rule and the wanted one calling `webhook_id` (`None`: the
/// webhook is yet to be created); `Err` when only a replacement helps.
pub fn rule_differences(wanted: &Wanted, webhook_id: Option<&str>, stored: &Value) -> Result<Vec<String>, Vec<String>> {
    if text(stored, "/module/api_name") != wanted.module {
        return Err(vec![format!("module {} → {}", text(stored, "/module/api_name"), wanted.module)]);
    }
    let mut reasons = Vec::new();
    let trigger = text(stored, "/execute_when/type");
    if trigger != wanted.trigger.api_name() {
        reasons.push(format!(
            "trigger {} → {}",
            if trigger.is_empty() { "?" } else { &trigger },
            wanted.trigger.api_name()
        ));
    }
    if wanted.trigger != Trigger::Delete && stored.pointer("/execute_when/details/repeat") != Some(&json!(true)) {
        reasons.push("repeat".to_owned());
    }
    if stored.pointer("/status/active") == Some(&json!(false)) {
        reasons.push("inactive".to_owned());
    }
    let conditions = stored.get("conditions").and_then(Value::as_array).cloned().unwrap_or_default();
    let well_formed = match conditions.as_slice() {
        [only] => {
            let actions =
                only.pointer("/instant_actions/actions").and_then(Value::as_array).cloned().unwrap_or_default();
            let scheduled = only.get("scheduled_actions").and_then(Value::as_array).is_some_and(|s| !s.is_empty());
            let criteria_all = only.pointer("/criteria_details/criteria").is_none_or(Value::is_null);
            let calls_ours = matches!(actions.as_slice(), [a] if a["type"] == "webhooks" && webhook_id.is_some_and(|id| a["id"] == id));
            if !criteria_all {
                reasons.push("criteria".to_owned());
            }
            if !calls_ours || scheduled {
                reasons.push("webhook action".to_owned());
            }
            true
        }
        _ => false,
    };
    if !well_formed {
        reasons.push("conditions".to_owned());
    }
    Ok(reasons)
}

/// The plan from the stored webhooks and rules (in full, any names: only ours are considered).
pub fn plan(wanted: &[Wanted], secret: &Secret, webhooks: &[Value], rules: &[Value], remove_all: bool) -> Plan {
    let ours_webhooks: Vec<&Value> = webhooks.iter().filter(|w| is_ours(w)).collect();
    let ours_rules: Vec<&Value> = rules.iter().filter(|r| is_ours(r)).collect();
    let mut items = Vec::new();
    let existing_item =
        |kind: Kind, stored: &Value, action: Action, reasons: Vec<String>, wanted: Option<usize>| Item {
            kind,
            name: text(stored, "/name"),
            module: text(stored, "/module/api_name"),
            action,
            reasons,
            existing_id: stored.get("id").and_then(Value::as_str).map(str::to_owned),
            wanted,
            condition_ids: stored
                .get("conditions")
                .and_then(Value::as_array)
                .map(|c| c.iter().filter_map(|c| c["id"].as_str().map(str::to_owned)).collect())
                .unwrap_or_default(),
        };
    if remove_all {
        for rule in &ours_rules {
            items.push(existing_item(Kind::Rule, rule, Action::Remove, vec![], None));
        }
        for webhook in &ours_webhooks {
            items.push(existing_item(Kind::Webhook, webhook, Action::Remove, vec![], None));
        }
        return Plan { items };
    }
    // The first stored object per name is the one we keep; a duplicate name is removed.
    let mut kept_webhooks: HashMap<&str, &Value> = HashMap::new();
    let mut kept_rules: HashMap<&str, &Value> = HashMap::new();
    let wanted_names: Vec<&str> = wanted.iter().map(|w| w.name.as_str()).collect();
    let mut removals = Vec::new();
    for webhook in &ours_webhooks {
        let name = webhook["name"].as_str().unwrap_or("");
        if wanted_names.contains(&name) && !kept_webhooks.contains_key(name) {
            kept_webhooks.insert(name, webhook);
        } else {
            let reason = if wanted_names.contains(&name) { "duplicate name" } else { "not in the specification" };
            removals.push(existing_item(Kind::Webhook, webhook, Action::Remove, vec![reason.to_owned()], None));
        }
    }
    for rule in &ours_rules {
        let name = rule["name"].as_str().unwrap_or("");
        if wanted_names.contains(&name) && !kept_rules.contains_key(name) {
            kept_rules.insert(name, rule);
        } else {
            let reason = if wanted_names.contains(&name) { "duplicate name" } else { "not in the specification" };
            removals.push(existing_item(Kind::Rule, rule, Action::Remove, vec![reason.to_owned()], None));
        }
    }
    for (index, w) in wanted.iter().enumerate() {
        let (webhook_item, webhook_id) = match kept_webhooks.get(w.name.as_str()) {
            None => (
                Item {
                    kind: Kind::Webhook,
                    name: w.name.clone(),
                    module: w.module.to_owned(),
                    action: Action::Create,
                    reasons: vec![],
                    existing_id: None,
                    wanted: Some(index),
                    condition_ids: vec![],
                },
                None,
            ),
            Some(stored) => match webhook_differences(w, secret, stored) {
                Err(reasons) => (existing_item(Kind::Webhook, stored, Action::Replace, reasons, Some(index)), None),
                Ok(reasons) if reasons.is_empty() => (
                    existing_item(Kind::Webhook, stored, Action::Unchanged, reasons, Some(index)),
                    stored["id"].as_str(),
                ),
                Ok(reasons) => {
                    (existing_item(Kind::Webhook, stored, Action::Update, reasons, Some(index)), stored["id"].as_str())
                }
            },
        };
        let rule_item = match kept_rules.get(w.name.as_str()) {
            None => Item {
                kind: Kind::Rule,
                name: w.name.clone(),
                module: w.module.to_owned(),
                action: Action::Create,
                reasons: vec![],
                existing_id: None,
                wanted: Some(index),
                condition_ids: vec![],
            },
            Some(stored) => match rule_differences(w, webhook_id, stored) {
                Err(reasons) => existing_item(Kind::Rule, stored, Action::Replace, reasons, Some(index)),
                Ok(reasons) if reasons.is_empty() => {
                    existing_item(Kind::Rule, stored, Action::Unchanged, reasons, Some(index))
                }
                Ok(reasons) => existing_item(Kind::Rule, stored, Action::Update, reasons, Some(index)),
            },
        };
        items.push(webhook_item);
        items.push(rule_item);
    }
    // A webhook being replaced is still used by its rule: that rule must let go of it first.
    let replaced: Vec<String> = items
        .iter()
        .filter(|i| i.kind == Kind::Webhook && i.action == Action::Replace)
        .filter_map(|i| i.existing_id.clone())
        .collect();
    for item in
        items.iter_mut().filter(|i| i.kind == Kind::Rule && matches!(i.action, Action::Update | Action::Unchanged))
    {
        let stored = kept_rules.get(item.name.as_str()).copied();
        let uses_replaced = stored.is_some_and(|r| {
            r.get("conditions").and_then(Value::as_array).into_iter().flatten().any(|c| {
                c.pointer("/instant_actions/actions")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .any(|a| replaced.iter().any(|id| a["id"] == id.as_str()))
            })
        });
        if uses_replaced {
            item.action = Action::Replace;
            item.reasons.push("its webhook is replaced".to_owned());
        }
    }
    items.extend(removals);
    Plan { items }
}

/// The org's rule quotas (`GET …/workflow_rules/actions/rules_count`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RuleQuotas {
    pub total_limit: u64,
    pub total_configured: u64,
    pub active_limit: u64,
    pub active_configured: u64,
    pub per_module_limit: u64,
    pub active_per_module_limit: u64,
}

impl RuleQuotas {
    fn from_answer(body: &Value) -> Self {
        let n = |key: &str| body.pointer(&format!("/rules_count/{key}")).and_then(Value::as_u64).unwrap_or(0);
        Self {
            total_limit: n("total_rules_limit"),
            total_configured: n("total_rules_configured"),
            active_limit: n("active_rules_limit"),
            active_configured: n("active_rules_configured"),
            per_module_limit: n("total_rules_limit_per_module"),
            active_per_module_limit: n("active_rules_limit_per_module"),
        }
    }
}

/// What a module's workflow configuration allows us (`GET /crm/v8/workflow_configurations`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleConfiguration {
    /// Triggers under which a webhook action is allowed.
    pub webhook_triggers: Vec<String>,
    /// Webhook actions per rule condition.
    pub webhook_limit: Option<u64>,
}

impl ModuleConfiguration {
    fn from_answer(body: &Value) -> Self {
        let config = &body["workflow_configurations"];
        let webhook_triggers = config["triggers"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|t| t["actions"].as_array().is_some_and(|a| a.iter().any(|a| a == "webhooks")))
            .filter_map(|t| t["api_name"].as_str().map(str::to_owned))
            .collect();
        let webhook_limit = config["actions"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|a| a["api_name"] == "webhooks")
            .and_then(|a| a["limit"].as_u64());
        Self { webhook_triggers, webhook_limit }
    }
}

/// Every way the plan would break a limit, worded for the operator. Removals run first, so the
/// counts after the run are the peak.
pub fn quota_problems(
    plan: &Plan,
    wanted: &[Wanted],
    quotas: &RuleQuotas,
    rules: &[Value],
    configurations: &BTreeMap<String, ModuleConfiguration>,
) -> Vec<String> {
    let mut problems = Vec::new();
    let rule_items = || plan.items.iter().filter(|i| i.kind == Kind::Rule);
    let added = |module: Option<&str>| {
        rule_items().filter(|i| module.is_none_or(|m| i.module == m)).filter(|i| i.action == Action::Create).count()
            as i64
    };
    let removed = |module: Option<&str>| {
        rule_items().filter(|i| module.is_none_or(|m| i.module == m)).filter(|i| i.action == Action::Remove).count()
            as i64
    };
    let activated = |module: Option<&str>| {
        rule_items()
            .filter(|i| module.is_none_or(|m| i.module == m))
            .filter(|i| i.action == Action::Update && i.reasons.iter().any(|r| r == "inactive"))
            .count() as i64
    };
    let total_after = quotas.total_configured as i64 - removed(None) + added(None);
    if quotas.total_limit > 0 && total_after > quotas.total_limit as i64 {
        problems.push(format!(
            "the org would have {total_after} workflow rules, over its limit of {} (now {})",
            quotas.total_limit, quotas.total_configured
        ));
    }
    let active_after = quotas.active_configured as i64 - removed(None) + added(None) + activated(None);
    if quotas.active_limit > 0 && active_after > quotas.active_limit as i64 {
        problems.push(format!(
            "the org would have {active_after} active workflow rules, over its limit of {} (now {})",
            quotas.active_limit, quotas.active_configured
        ));
    }
    let mut modules: Vec<&str> = wanted.iter().map(|w| w.module).collect();
    modules.dedup();
    for module in modules {
        let in_module: Vec<&Value> = rules.iter().filter(|r| text(r, "/module/api_name") == module).collect();
        let now = in_module.len() as i64;
        let active_now = in_module.iter().filter(|r| r.pointer("/status/active") != Some(&json!(false))).count() as i64;
        let after = now - removed(Some(module)) + added(Some(module));
        if quotas.per_module_limit > 0 && after > quotas.per_module_limit as i64 {
            problems.push(format!(
                "module {module} would have {after} workflow rules, over the limit of {} per module (now {now})",
                quotas.per_module_limit
            ));
        }
        let active_after = active_now - removed(Some(module)) + added(Some(module)) + activated(Some(module));
        if quotas.active_per_module_limit > 0 && active_after > quotas.active_per_module_limit as i64 {
            problems.push(format!(
                "module {module} would have {active_after} active workflow rules, over the limit of {} per module (now {active_now})",
                quotas.active_per_module_limit
            ));
        }
        match configurations.get(module) {
            None => problems.push(format!("module {module}: its workflow configuration could not be read")),
            Some(config) => {
                for w in wanted.iter().filter(|w| w.module == module) {
                    if !config.webhook_triggers.iter().any(|t| t == w.trigger.api_name()) {
                        problems.push(format!(
                            "module {module}: Zoho does not allow a webhook on the {} trigger",
                            w.trigger.api_name()
                        ));
                    }
                }
                if config.webhook_limit == Some(0) {
                    problems.push(format!("module {module}: the org allows no webhook action per rule"));
                }
            }
        }
    }
    problems
}

/// Reads every page of a list endpoint (`key` is the array's name).
async fn list_all(zoho: &ZohoAdmin, path: &str, key: &str) -> Result<Vec<Value>, ZohoError> {
    let mut items = Vec::new();
    for page in 1.. {
        let answer = zoho.get(path, &[("page", page.to_string()), ("per_page", "200".to_owned())]).await?;
        match answer.status {
            204 => break,
            200 => {
                let rows = answer.body.get(key).and_then(Value::as_array).cloned().unwrap_or_default();
                let more = answer.body.pointer("/info/more_records").and_then(Value::as_bool).unwrap_or(false);
                let empty = rows.is_empty();
                items.extend(rows);
                if !more || empty {
                    break;
                }
            }
            _ => return Err(answer.into_error(&format!("list {key}"), key)),
        }
    }
    Ok(items)
}

async fn get_full(zoho: &ZohoAdmin, path: &str, key: &str, id: &str) -> Result<Value, ZohoError> {
    let answer = zoho.get(&format!("{path}/{id}"), &[]).await?;
    if answer.status != 200 {
        return Err(answer.into_error(&format!("get {key} {id}"), key));
    }
    answer
        .body
        .get(key)
        .and_then(Value::as_array)
        .and_then(|a| a.first())
        .cloned()
        .ok_or_else(|| ZohoError::Decode { context: format!("get {key} {id}"), reason: format!("no {key} array") })
}

/// The org's current state: our webhooks and rules in full, every rule as a summary.
pub struct OrgState {
    pub webhooks: Vec<Value>,
    pub rules: Vec<Value>,
    pub all_rules: Vec<Value>,
}

pub async fn read_state(zoho: &ZohoAdmin) -> Result<OrgState, ZohoError> {
    let all_webhooks = list_all(zoho, WEBHOOKS, "webhooks").await?;
    let all_rules = list_all(zoho, RULES, "workflow_rules").await?;
    let mut webhooks = Vec::new();
    for summary in all_webhooks.iter().filter(|w| is_ours(w)) {
        webhooks.push(get_full(zoho, WEBHOOKS, "webhooks", &text(summary, "/id")).await?);
    }
    let mut rules = Vec::new();
    for summary in all_rules.iter().filter(|r| is_ours(r)) {
        rules.push(get_full(zoho, RULES, "workflow_rules", &text(summary, "/id")).await?);
    }
    Ok(OrgState { webhooks, rules, all_rules })
}

/// Validates and normalises the base URL (no trailing slash, no endpoint path).
pub fn normalise_base_url(raw: &str) -> Result<String, MziError> {
    let mut base = raw.trim().trim_end_matches('/').to_owned();
    let prefix = shared::webhook::PATH_PREFIX.trim_end_matches('/');
    if let Some(stripped) = base.strip_suffix(prefix) {
        base = stripped.to_owned();
    }
    let scheme_ok = base.starts_with("https://") || base.starts_with("http://");
    if !scheme_ok || base.len() <= "https://".len() || base.contains(char::is_whitespace) || base.contains('?') {
        return Err(MziError::Usage(format!(
            "--base-url must be the public http(s) URL of the webhook API, e.g. https://abc123.execute-api.eu-west-2.amazonaws.com; got {raw:?}"
        )));
    }
    Ok(base)
}

pub async fn run(args: &Args, source: &Source, console: &mut Console<'_>) -> Result<(), MziError> {
    let base = normalise_base_url(&args.base_url)?;
    let settings = crate::load_settings(source).await?;
    let secret = settings.webhook.secrets[0].clone();
    let zoho = ZohoAdmin::new(crate::http_client(), settings.zoho.clone());
    let wanted = wanted(&base);
    let out = &mut *console.out;

    let state = read_state(&zoho).await?;
    let plan = plan(&wanted, &secret, &state.webhooks, &state.rules, args.remove);
    let mode = match (args.remove, args.dry_run) {
        (true, true) => "remove ours, dry run: nothing is written",
        (true, false) => "remove ours",
        (false, true) => "dry run: nothing is written",
        (false, false) => "apply",
    };
    writeln!(out, "Zoho workflow rules and webhooks for {base} ({mode})").map_err(io)?;

    if !args.remove {
        let counts = zoho.get(&format!("{RULES}/actions/rules_count"), &[]).await?;
        if counts.status != 200 {
            return Err(counts.into_error("read the org's rule quotas", "rules_count").into());
        }
        let quotas = RuleQuotas::from_answer(&counts.body);
        let mut configurations = BTreeMap::new();
        let mut modules: Vec<&str> = wanted.iter().map(|w| w.module).collect();
        modules.dedup();
        for module in modules {
            let answer = zoho.get("/crm/v8/workflow_configurations", &[("module", module.to_owned())]).await?;
            if answer.status == 200 {
                configurations.insert(module.to_owned(), ModuleConfiguration::from_answer(&answer.body));
            } else {
                return Err(answer
                    .into_error(&format!("read the workflow configuration of {module}"), "workflow_configurations")
                    .into());
            }
        }
        let daily_cap = zoho
            .get(&format!("{WEBHOOKS}/actions/usage_reports"), &[("group_by", "date".to_owned())])
            .await
            .ok()
            .filter(Answer::is_success)
            .and_then(|a| a.body.pointer("/info/max_limit").and_then(Value::as_u64));
        let rules_with =
            |action: Action| plan.items.iter().filter(|i| i.kind == Kind::Rule && i.action == action).count() as i64;
        let after = quotas.total_configured as i64 - rules_with(Action::Remove) + rules_with(Action::Create);
        writeln!(
            out,
            "Org quotas: {} of {} rules now, {after} after; {} of {} active; at most {} rules ({} active) per module; {} webhook per rule; {} webhook calls per day",
            quotas.total_configured,
            quotas.total_limit,
            quotas.active_configured,
            quotas.active_limit,
            quotas.per_module_limit,
            quotas.active_per_module_limit,
            configurations.values().filter_map(|c| c.webhook_limit).min().map_or("?".to_owned(), |l| l.to_string()),
            daily_cap.map_or("an unknown number of".to_owned(), |c| c.to_string()),
        )
        .map_err(io)?;
        let problems = quota_problems(&plan, &wanted, &quotas, &state.all_rules, &configurations);
        if !problems.is_empty() {
            write_plan(out, &plan)?;
            return Err(MziError::Quota(format!(
                "nothing was written: {}. Free up rules in Zoho (Setup → Automation → Workflow Rules) or ask Zoho to raise the limit, then run again",
                problems.join("; ")
            )));
        }
    }

    write_plan(out, &plan)?;
    writeln!(
        out,
        "Plan: {} to create, {} to update, {} to replace, {} unchanged, {} to remove.",
        plan.count(Action::Create),
        plan.count(Action::Update),
        plan.count(Action::Replace),
        plan.count(Action::Unchanged),
        plan.count(Action::Remove)
    )
    .map_err(io)?;
    if args.dry_run {
        writeln!(out, "Dry run: nothing was written.").map_err(io)?;
        return Ok(());
    }
    if plan.writes() == 0 {
        writeln!(out, "Nothing to do: Zoho already matches the specification.").map_err(io)?;
        return Ok(());
    }
    let written = apply(&zoho, &plan, &wanted, &secret, out).await?;
    writeln!(out, "Done: {written} change(s) written to Zoho.").map_err(io)?;
    Ok(())
}

fn io(error: std::io::Error) -> MziError {
    MziError::Failed(format!("cannot write the report: {error}"))
}

fn write_plan(out: &mut dyn Write, plan: &Plan) -> Result<(), MziError> {
    let mut table = Table::new(["ACTION", "KIND", "NAME", "DETAIL"]);
    for item in &plan.items {
        table.row([
            item.action.as_str().to_owned(),
            item.kind.as_str().to_owned(),
            item.name.clone(),
            item.reasons.join(", "),
        ]);
    }
    table.write(out).map_err(io)
}

/// Carries the plan out in a safe order; stops at the first refusal, saying what was written.
async fn apply(
    zoho: &ZohoAdmin,
    plan: &Plan,
    wanted: &[Wanted],
    secret: &Secret,
    out: &mut dyn Write,
) -> Result<usize, MziError> {
    let mut written = 0usize;
    let fail = |written: usize, error: ZohoError| {
        MziError::Failed(format!(
            "{error}; {written} change(s) were written before this one. Fix the cause and run again: the run converges from where it stopped"
        ))
    };
    // 1. Rules that go away (or are replaced): they release their webhooks.
    for item in
        plan.items.iter().filter(|i| i.kind == Kind::Rule && matches!(i.action, Action::Remove | Action::Replace))
    {
        let id = item.existing_id.as_deref().unwrap_or_default();
        delete(zoho, RULES, "workflow_rules", id).await.map_err(|e| fail(written, e))?;
        written += 1;
        writeln!(out, "removed rule {} ({id})", item.name).map_err(io)?;
    }
    for item in plan.items.iter().filter(|i| i.kind == Kind::Webhook && i.action == Action::Replace) {
        let id = item.existing_id.as_deref().unwrap_or_default();
        delete(zoho, WEBHOOKS, "webhooks", id).await.map_err(|e| fail(written, e))?;
        written += 1;
        writeln!(out, "removed webhook {} ({id}) to create it again", item.name).map_err(io)?;
    }
    // 2. Webhooks, remembering each wanted pair's webhook id.
    let mut webhook_ids: HashMap<usize, String> = HashMap::new();
    for item in plan.items.iter().filter(|i| i.kind == Kind::Webhook && i.wanted.is_some()) {
        let index = item.wanted.expect("filtered");
        let w = &wanted[index];
        let body = json!({"webhooks": [webhook_config(w, secret)]});
        match item.action {
            Action::Create | Action::Replace => {
                let answer =
                    zoho.request(Method::POST, WEBHOOKS, &[], Some(&body)).await.map_err(|e| fail(written, e))?;
                let id =
                    created(answer, "webhooks", &format!("create webhook {}", w.name)).map_err(|e| fail(written, e))?;
                written += 1;
                writeln!(out, "created webhook {} ({id})", w.name).map_err(io)?;
                webhook_ids.insert(index, id);
            }
            Action::Update => {
                let id = item.existing_id.clone().unwrap_or_default();
                let answer = zoho
                    .request(Method::PUT, &format!("{WEBHOOKS}/{id}"), &[], Some(&body))
                    .await
                    .map_err(|e| fail(written, e))?;
                if !answer.is_success() {
                    return Err(fail(written, answer.into_error(&format!("update webhook {}", w.name), "webhooks")));
                }
                written += 1;
                writeln!(out, "updated webhook {} ({id}): {}", w.name, item.reasons.join(", ")).map_err(io)?;
                webhook_ids.insert(index, id);
            }
            Action::Unchanged => {
                webhook_ids.insert(index, item.existing_id.clone().unwrap_or_default());
            }
            Action::Remove => {}
        }
    }
    // 3. Rules.
    for item in plan.items.iter().filter(|i| i.kind == Kind::Rule && i.wanted.is_some()) {
        let index = item.wanted.expect("filtered");
        let w = &wanted[index];
        let webhook_id = webhook_ids.get(&index).cloned().unwrap_or_default();
        match item.action {
            Action::Create | Action::Replace => {
                let body = json!({"workflow_rules": [rule_config(w, &webhook_id)]});
                let answer = zoho.request(Method::POST, RULES, &[], Some(&body)).await.map_err(|e| fail(written, e))?;
                let id = created(answer, "workflow_rules", &format!("create rule {}", w.name))
                    .map_err(|e| fail(written, e))?;
                written += 1;
                writeln!(out, "created rule {} ({id}): {} → {}", w.name, w.trigger.api_name(), w.endpoint.name())
                    .map_err(io)?;
            }
            Action::Update => {
                let id = item.existing_id.clone().unwrap_or_default();
                // All conditions are replaced by ours: simpler and safer than patching actions.
                let mut conditions: Vec<Value> =
                    item.condition_ids.iter().map(|c| json!({"id": c, "_delete": null})).collect();
                conditions.push(condition(&webhook_id));
                let body = json!({"workflow_rules": [{
                    "name": w.name,
                    "description": DESCRIPTION,
                    "execute_when": execute_when(w),
                    "status": {"active": true},
                    "conditions": conditions
                }]});
                let answer = zoho
                    .request(Method::PUT, &format!("{RULES}/{id}"), &[], Some(&body))
                    .await
                    .map_err(|e| fail(written, e))?;
                if !answer.is_success() {
                    return Err(fail(written, answer.into_error(&format!("update rule {}", w.name), "workflow_rules")));
                }
                written += 1;
                writeln!(out, "updated rule {} ({id}): {}", w.name, item.reasons.join(", ")).map_err(io)?;
            }
            Action::Unchanged | Action::Remove => {}
        }
    }
    // 4. Webhooks nobody of ours uses any more.
    for item in plan.items.iter().filter(|i| i.kind == Kind::Webhook && i.action == Action::Remove) {
        let id = item.existing_id.as_deref().unwrap_or_default();
        delete(zoho, WEBHOOKS, "webhooks", id).await.map_err(|e| fail(written, e))?;
        written += 1;
        writeln!(out, "removed webhook {} ({id})", item.name).map_err(io)?;
    }
    Ok(written)
}

fn created(answer: Answer, key: &str, operation: &str) -> Result<String, ZohoError> {
    if !answer.is_success() {
        return Err(answer.into_error(operation, key));
    }
    answer
        .created_id(key)
        .ok_or_else(|| ZohoError::Decode { context: operation.to_owned(), reason: "no id in the answer".into() })
}

async fn delete(zoho: &ZohoAdmin, path: &str, key: &str, id: &str) -> Result<(), ZohoError> {
    let answer = zoho.request(Method::DELETE, &format!("{path}/{id}"), &[], None).await?;
    if answer.is_success() { Ok(()) } else { Err(answer.into_error(&format!("delete {key} {id}"), key)) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sixteen_pairs_with_the_classes_rule_on_edit() {
        let wanted = wanted("https://hooks.example/");
        assert_eq!(wanted.len(), 16);
        let mut names: Vec<&str> = wanted.iter().map(|w| w.name.as_str()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), 16, "names are unique");
        let modules: std::collections::BTreeSet<&str> = wanted.iter().map(|w| w.module).collect();
        assert_eq!(modules.len(), 8);
        assert!(!modules.contains("BTEC_Requests"));
        let classes = wanted.iter().find(|w| w.endpoint == Endpoint::ClassUpdated).unwrap();
        assert_eq!(classes.trigger, Trigger::Edit);
        assert_eq!(classes.url, "https://hooks.example/api/v1/webhooks/student-dashboard/class_updated");
        assert!(wanted.iter().all(|w| w.name.starts_with(PREFIX) && w.name.len() <= 50));
        assert!(wanted.iter().all(|w| w.endpoint != Endpoint::SubmitStudentRequest));
    }

    #[test]
    fn the_body_is_the_contract_shape() {
        assert_eq!(body_template("BTEC_Students"), r#"{"zoho_id": "${!BTEC_Students.Id}", "module": "BTEC_Students"}"#);
        let parsed: Value = serde_json::from_str(&body_template("BTEC")).unwrap();
        assert_eq!(parsed["module"], "BTEC");
    }

    #[test]
    fn base_urls_are_normalised() {
        assert_eq!(normalise_base_url("https://h.example/Prod/").unwrap(), "https://h.example/Prod");
        assert_eq!(
            normalise_base_url("https://h.example/api/v1/webhooks/student-dashboard/").unwrap(),
            "https://h.example"
        );
        assert!(normalise_base_url("h.example").is_err());
    }

    #[test]
    fn differences_never_show_the_secret() {
        let secret = Secret::new("the-secret-value-0123456789");
        let w = &wanted("https://h.example")[0];
        let mut stored = webhook_config(w, &Secret::new("another-secret-0123456789"));
        stored["url"] = json!("https://old.ngrok-free.dev/api/v1/webhooks/student-dashboard/student_updated");
        let reasons = webhook_differences(w, &secret, &stored).unwrap();
        assert_eq!(reasons, vec!["url", "secret header"]);
        assert!(!format!("{reasons:?}").contains("secret-value"));
    }
}
