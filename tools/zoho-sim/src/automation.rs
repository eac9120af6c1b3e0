//! The setup side of Zoho CRM that `mzi` drives: workflow-rule webhooks and workflow rules (API
//! v8, `docs/zoho-crm.md` §5), the org's rule quotas (§1.6), the workflow configurations per
//! module, the daily webhook cap, and the Self Client grant-token exchange (§3.1).
//!
//! Routes (all behind the same token and fault gate as the record APIs):
//! - `GET|POST /crm/v8/settings/automation/webhooks`, `GET|PUT|DELETE …/webhooks/{id}`,
//!   `GET …/webhooks/actions/usage_reports`
//! - `GET|POST /crm/v8/settings/automation/workflow_rules`, `GET|PUT|DELETE …/workflow_rules/{id}`,
//!   `GET …/workflow_rules/actions/rules_count`
//! - `GET /crm/v8/workflow_configurations?module=`
//!
//! What Zoho enforces and this simulates: one object per create, the per-rule webhook limit
//! (`LIMIT_EXCEEDED`), the org and module rule quotas (`LIMIT_EXCEEDED`), the delete trigger's
//! short list of actions, a webhook cannot be deleted while a rule uses it (`NOT_ALLOWED`), the
//! module of a rule or webhook cannot change, list answers are summaries (full configuration only
//! by id, or for rules with `include_inner_details=true`). Names are unique per kind here
//! (`DUPLICATE_DATA` / `ALREADY_USED`), which the real API may or may not enforce.

// The `Err` of the validators is the HTTP answer the handler returns as it is; boxing it would
// only add noise to a test double.
#![allow(clippy::result_large_err)]

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{Path as UrlPath, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::{Data, KNOWN_MODULES, LoggedRequest, RequestKind, Shared, Simulator, delay, gate, log, random};

const WEBHOOKS: &str = "/crm/v8/settings/automation/webhooks";
const RULES: &str = "/crm/v8/settings/automation/workflow_rules";
/// How long a grant token (authorization code) can be exchanged (Zoho's default: 3 minutes).
const GRANT_LIFETIME: Duration = Duration::from_secs(180);
/// Actions the delete trigger accepts (`docs/zoho-crm.md` §1.7).
const DELETE_ACTIONS: [&str; 3] = ["email_notifications", "webhooks", "functions"];
const TRIGGERS: [&str; 4] = ["create", "edit", "create_or_edit", "delete"];

/// The org's limits (`GET …/workflow_rules/actions/rules_count`, `workflow_configurations`,
/// the webhook usage report). Defaults are the values of Zoho's published examples.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AutomationQuotas {
    pub total_rules_limit: u64,
    pub active_rules_limit: u64,
    pub total_rules_limit_per_module: u64,
    pub active_rules_limit_per_module: u64,
    pub total_actions_per_rule_limit: u64,
    pub scheduled_actions_per_rule_limit: u64,
    /// Conditions per rule.
    pub rules_per_process_limit: u64,
    /// Webhook actions per condition (`workflow_configurations` → `actions[webhooks].limit`).
    pub webhooks_per_rule_limit: u64,
    /// Webhook executions per day (`usage_reports` → `info.max_limit`).
    pub webhook_daily_limit: u64,
}

impl Default for AutomationQuotas {
    fn default() -> Self {
        Self {
            total_rules_limit: 2500,
            active_rules_limit: 2000,
            total_rules_limit_per_module: 125,
            active_rules_limit_per_module: 75,
            total_actions_per_rule_limit: 50,
            scheduled_actions_per_rule_limit: 5,
            rules_per_process_limit: 10,
            webhooks_per_rule_limit: 1,
            webhook_daily_limit: 2500,
        }
    }
}

/// Webhooks, rules, quotas and issued grant tokens.
#[derive(Debug, Default)]
pub(crate) struct Automation {
    webhooks: BTreeMap<String, Value>,
    rules: BTreeMap<String, Value>,
    quotas: AutomationQuotas,
    /// Every POST, PUT and DELETE received on the automation APIs, whatever the answer.
    writes: Vec<LoggedRequest>,
    grants: HashMap<String, Grant>,
}

#[derive(Debug)]
struct Grant {
    expires: Instant,
    used: bool,
    scopes: String,
}

pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route(WEBHOOKS, get(list_webhooks).post(create_webhook))
        .route(&format!("{WEBHOOKS}/actions/usage_reports"), get(usage_reports))
        .route(&format!("{WEBHOOKS}/{{id}}"), get(get_webhook).put(update_webhook).delete(delete_webhook))
        .route(RULES, get(list_rules).post(create_rule))
        .route(&format!("{RULES}/actions/rules_count"), get(rules_count))
        .route(&format!("{RULES}/{{id}}"), get(get_rule).put(update_rule).delete(delete_rule))
        .route("/crm/v8/workflow_configurations", get(workflow_configurations))
}

impl Simulator {
    pub fn set_automation_quotas(&self, quotas: AutomationQuotas) {
        self.shared.data().automation.quotas = quotas;
    }

    pub fn automation_quotas(&self) -> AutomationQuotas {
        self.shared.data().automation.quotas.clone()
    }

    /// Every webhook in full, in id order.
    pub fn webhooks(&self) -> Vec<Value> {
        self.shared.data().automation.webhooks.values().cloned().collect()
    }

    /// Every workflow rule in full, in id order.
    pub fn workflow_rules(&self) -> Vec<Value> {
        self.shared.data().automation.rules.values().cloned().collect()
    }

    /// The POST, PUT and DELETE requests received on the automation APIs.
    pub fn automation_writes(&self) -> Vec<LoggedRequest> {
        self.shared.data().automation.writes.clone()
    }

    /// Stores a webhook as given (an org's existing configuration); returns its id.
    pub fn insert_webhook(&self, mut webhook: Value) -> String {
        let mut data = self.shared.data();
        let id = next_id(&mut data);
        if let Some(module) = webhook.get("module").and_then(|m| m.get("api_name")).and_then(Value::as_str) {
            webhook["module"] = module_ref(module);
        }
        webhook["id"] = json!(id);
        data.automation.webhooks.insert(id.clone(), webhook);
        id
    }

    /// Stores a workflow rule as given (active unless it says otherwise); returns its id.
    pub fn insert_workflow_rule(&self, mut rule: Value) -> String {
        let mut data = self.shared.data();
        let id = next_id(&mut data);
        if let Some(module) = rule.get("module").and_then(|m| m.get("api_name")).and_then(Value::as_str) {
            rule["module"] = module_ref(module);
        }
        if rule.get("status").is_none() {
            rule["status"] = json!({"active": true});
        }
        let mut serial = 0;
        if let Some(conditions) = rule.get_mut("conditions").and_then(Value::as_array_mut) {
            for condition in conditions {
                if condition.get("id").is_none() {
                    serial += 1;
                    condition["id"] = json!(format!("{id}{serial:02}"));
                }
            }
        }
        rule["id"] = json!(id);
        data.automation.rules.insert(id.clone(), rule);
        id
    }

    /// Replaces a stored rule (same `id`) as given: a hand edit in Zoho's UI.
    pub fn set_workflow_rule(&self, rule: Value) {
        let id = rule["id"].as_str().expect("the rule has an id").to_owned();
        self.shared.data().automation.rules.insert(id, rule);
    }

    /// Issues a Self Client grant token (authorization code) for `scopes`, valid for three
    /// minutes and exchangeable once at `POST /oauth/v2/token` with `grant_type=authorization_code`.
    pub fn issue_grant_code(&self, scopes: &str) -> String {
        let mut data = self.shared.data();
        data.serial += 1;
        let code = format!("1000.grant{}.{:016x}", data.serial, random());
        data.automation.grants.insert(
            code.clone(),
            Grant { expires: Instant::now() + GRANT_LIFETIME, used: false, scopes: scopes.to_owned() },
        );
        code
    }
}

/// `grant_type=authorization_code`: a one-time code for a refresh token and a first access
/// token. Errors in a 200 body, as Zoho answers them.
pub(crate) fn exchange_grant(shared: &Shared, data: &mut Data, form: &HashMap<String, String>) -> Value {
    let field = |k: &str| form.get(k).map(|v| v.trim()).filter(|v| !v.is_empty());
    if field("client_id").is_none() || field("client_secret").is_none() {
        return json!({"error": "invalid_client"});
    }
    let Some(code) = field("code") else { return json!({"error": "invalid_code"}) };
    let scopes = match data.automation.grants.get_mut(code) {
        Some(grant) if !grant.used && Instant::now() < grant.expires => {
            grant.used = true;
            grant.scopes.clone()
        }
        _ => return json!({"error": "invalid_code"}),
    };
    data.serial += 1;
    let refresh = format!("1000.simrefresh{}.{:016x}", data.serial, random());
    let access = format!("1000.sim{}.{:016x}", data.serial, random());
    let now = Instant::now();
    data.tokens.insert(access.clone(), now + shared.config.token_lifetime);
    data.mints.entry(refresh.clone()).or_default().push_back(now);
    data.stats.mints += 1;
    json!({
        "access_token": access,
        "refresh_token": refresh,
        "scope": scopes,
        "api_domain": shared.base_url,
        "token_type": "Bearer",
        "expires_in": shared.config.token_lifetime.as_secs()
    })
}

fn next_id(data: &mut Data) -> String {
    data.serial += 1;
    format!("539883000009{:07}", data.serial)
}

/// Module ids of the org (`docs/data-contract.md` §2.1); others get a stable made-up id.
fn module_ref(api_name: &str) -> Value {
    let id = match api_name {
        "BTEC_Students" => "5398830000032385830".to_owned(),
        "BTEC_Registrations" => "5398830000037633007".to_owned(),
        "BTEC_Payments" => "5398830000037635065".to_owned(),
        "BTEC_Classes" => "5398830000089417071".to_owned(),
        "BTEC_Enrollments" => "5398830000089418539".to_owned(),
        "BTEC_Grades" => "5398830000087309028".to_owned(),
        "BTEC_Student_Requests" => "5398830000125921010".to_owned(),
        "BTEC" => "5398830000033020716".to_owned(),
        other => format!("53988300000000{:05}", other.bytes().map(u64::from).sum::<u64>() % 100_000),
    };
    json!({"api_name": api_name, "id": id})
}

fn module_known(data: &Data, module: &str) -> bool {
    KNOWN_MODULES.contains(&module) || data.records.contains_key(module)
}

/// A per-item error as Zoho shapes it: `{"<key>": [{code, details, message, status}]}`.
fn item_error(key: &str, status: u16, code: &str, message: &str, details: Value) -> Response {
    let body = json!({key: [{"code": code, "details": details, "message": message, "status": "error"}]});
    (StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST), Json(body)).into_response()
}

fn top_error(status: u16, code: &str, message: &str, details: Value) -> Response {
    let body = json!({"code": code, "details": details, "message": message, "status": "error"});
    (StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST), Json(body)).into_response()
}

fn item_success(key: &str, status: StatusCode, id: &str, message: &str) -> Response {
    let body = json!({key: [{"code": "SUCCESS", "details": {"id": id}, "message": message, "status": "success"}]});
    (status, Json(body)).into_response()
}

/// Gate (faults, token), then the write log for writes. `Err` is the answer to send instead
/// (the gate has logged it already).
fn enter(data: &mut Data, headers: &HeaderMap, method: &str, path: &str) -> Result<(), Response> {
    if method != "GET" {
        data.automation.writes.push(LoggedRequest {
            method: method.to_owned(),
            path: path.to_owned(),
            kind: RequestKind::Other,
            status: 0,
        });
    }
    match gate(data, headers, method, path, RequestKind::Other) {
        Some(refused) => {
            note_write_status(data, method, refused.status().as_u16());
            Err(refused)
        }
        None => Ok(()),
    }
}

fn note_write_status(data: &mut Data, method: &str, status: u16) {
    if method != "GET"
        && let Some(last) = data.automation.writes.last_mut()
    {
        last.status = status;
    }
}

/// Logs a served request (and the status of a write) and returns its answer.
fn done(data: &mut Data, method: &str, path: &str, response: Response) -> Response {
    let status = response.status().as_u16();
    note_write_status(data, method, status);
    log(data, method, path, RequestKind::Other, status);
    response
}

#[derive(Debug, Default, Deserialize)]
struct ListQuery {
    module: Option<String>,
    page: Option<usize>,
    per_page: Option<usize>,
    include_inner_details: Option<bool>,
}

fn page_of(items: Vec<Value>, query: &ListQuery, key: &str) -> Response {
    let per_page = query.per_page.unwrap_or(200).clamp(1, 200);
    let page = query.page.unwrap_or(1).max(1);
    let total = items.len();
    let start = (page - 1) * per_page;
    let slice: Vec<Value> = items.into_iter().skip(start).take(per_page).collect();
    if slice.is_empty() {
        return StatusCode::NO_CONTENT.into_response();
    }
    let more = start + slice.len() < total;
    let count = slice.len();
    (
        StatusCode::OK,
        Json(json!({key: slice, "info": {"per_page": per_page, "count": count, "page": page, "more_records": more}})),
    )
        .into_response()
}

fn one_object<'a>(body: &'a Value, key: &str) -> Result<&'a Map<String, Value>, Response> {
    match body.get(key).and_then(Value::as_array) {
        Some(items) if items.len() == 1 && items[0].is_object() => Ok(items[0].as_object().expect("checked")),
        Some(_) => {
            Err(top_error(400, "INVALID_DATA", "exactly one object is allowed per request", json!({"api_name": key})))
        }
        None => Err(top_error(400, "MANDATORY_NOT_FOUND", "required field not found", json!({"api_name": key}))),
    }
}

fn text<'a>(object: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    object.get(key).and_then(Value::as_str).map(str::trim).filter(|v| !v.is_empty())
}

fn has_special_characters(name: &str) -> bool {
    name.chars().any(|c| matches!(c, '~' | '#' | '%' | '<' | '>' | '"' | '\\' | '{' | '}' | '$'))
}

// ----- webhooks -------------------------------------------------------------------------------

fn webhook_summary(webhook: &Value, rules: &BTreeMap<String, Value>) -> Value {
    let mut summary = Map::new();
    for key in ["id", "name", "module", "url", "http_method", "feature_type", "description"] {
        summary.insert(key.to_owned(), webhook.get(key).cloned().unwrap_or(Value::Null));
    }
    summary.insert("associated".into(), json!(webhook_rule(rules, webhook["id"].as_str().unwrap_or("")).is_some()));
    summary.insert("editable".into(), json!(true));
    summary.insert("deletable".into(), json!(true));
    Value::Object(summary)
}

/// A rule that uses the webhook, if any.
fn webhook_rule<'a>(rules: &'a BTreeMap<String, Value>, webhook_id: &str) -> Option<&'a Value> {
    rules.values().find(|rule| rule_webhook_ids(rule).iter().any(|id| id == webhook_id))
}

fn rule_webhook_ids(rule: &Value) -> Vec<String> {
    let mut ids = Vec::new();
    for condition in rule["conditions"].as_array().into_iter().flatten() {
        for action in condition["instant_actions"]["actions"].as_array().into_iter().flatten() {
            if action["type"] == "webhooks"
                && let Some(id) = action["id"].as_str()
            {
                ids.push(id.to_owned());
            }
        }
    }
    ids
}

/// Checks a webhook configuration (create, or the full object after an update).
fn validate_webhook(data: &Data, webhook: &Map<String, Value>, own_id: Option<&str>) -> Result<(), Response> {
    let invalid = |api_name: &str, message: &str| {
        item_error(
            "webhooks",
            400,
            "INVALID_DATA",
            message,
            json!({"api_name": api_name, "json_path": format!("$.webhooks[0].{api_name}")}),
        )
    };
    let missing = |api_name: &str| {
        item_error(
            "webhooks",
            400,
            "MANDATORY_NOT_FOUND",
            "required field not found",
            json!({"api_name": api_name, "json_path": format!("$.webhooks[0].{api_name}")}),
        )
    };
    let name = text(webhook, "name").ok_or_else(|| missing("name"))?;
    if name.chars().count() > 250 {
        return Err(invalid("name", "The lenght of name has exceeded the limit"));
    }
    if has_special_characters(name) {
        return Err(invalid("name", "Special characters not allowed"));
    }
    if data.automation.webhooks.iter().any(|(id, w)| Some(id.as_str()) != own_id && w["name"] == name) {
        return Err(item_error("webhooks", 400, "DUPLICATE_DATA", "duplicate data", json!({"api_name": "name"})));
    }
    let module = webhook
        .get("module")
        .and_then(|m| m.get("api_name"))
        .and_then(Value::as_str)
        .ok_or_else(|| missing("module"))?;
    if !module_known(data, module) {
        return Err(invalid("module", "the module name given seems to be invalid"));
    }
    let url = text(webhook, "url").ok_or_else(|| missing("url"))?;
    if !(url.starts_with("https://") || url.starts_with("http://") || url.starts_with("www.")) || url.len() > 2000 {
        return Err(invalid("url", "please enter a valid URL"));
    }
    let method = text(webhook, "http_method").ok_or_else(|| missing("http_method"))?;
    if !["POST", "PUT", "GET", "DELETE"].contains(&method) {
        return Err(invalid("http_method", "The method type given is invalid"));
    }
    match webhook.get("authentication").and_then(|a| a.get("type")).and_then(Value::as_str) {
        Some("general") | Some("connection") => {}
        _ => return Err(missing("authentication")),
    }
    if text(webhook, "feature_type").is_none() {
        return Err(missing("feature_type"));
    }
    if let Some(headers) = webhook.get("headers").filter(|h| !h.is_null()) {
        if !["POST", "PUT", "DELETE"].contains(&method) {
            return Err(item_error(
                "webhooks",
                400,
                "DEPENDENT_MISMATCH",
                "Invalid value provided for the given http method",
                json!({"api_name": "http_method"}),
            ));
        }
        if !headers.get("module_parameters").is_some_and(Value::is_array) {
            return Err(missing("headers.module_parameters"));
        }
        let custom = headers.get("custom_parameters").and_then(Value::as_array).cloned().unwrap_or_default();
        if custom.len() > 10 {
            return Err(invalid("headers.custom_parameters", "Invalid data"));
        }
        let mut names: Vec<String> = Vec::new();
        for parameter in &custom {
            let (Some(name), Some(value)) = (parameter["name"].as_str(), parameter["value"].as_str()) else {
                return Err(item_error(
                    "webhooks",
                    400,
                    "MANDATORY_NOT_FOUND",
                    "the given parameter is invalid, specify both name and value",
                    json!({"api_name": "value"}),
                ));
            };
            if name.eq_ignore_ascii_case("host") || name.len() > 255 || value.len() > 255 {
                return Err(invalid("headers.custom_parameters", "Invalid data"));
            }
            if names.iter().any(|n| n.eq_ignore_ascii_case(name)) {
                return Err(item_error(
                    "webhooks",
                    400,
                    "DUPLICATE_DATA",
                    "duplicate parameter name found",
                    json!({"api_name": "name"}),
                ));
            }
            names.push(name.to_owned());
        }
    }
    if let Some(body) = webhook.get("body").filter(|b| !b.is_null()) {
        match body["type"].as_str() {
            Some("raw") => {
                let content = body["raw_data_content"].as_str().ok_or_else(|| missing("body.raw_data_content"))?;
                if content.chars().count() > 500 {
                    return Err(invalid("body.raw_data_content", "Invalid data"));
                }
            }
            Some("form_data") | Some("none") => {}
            _ => return Err(invalid("body.type", "Invalid data")),
        }
    }
    Ok(())
}

async fn list_webhooks(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Query(query): Query<ListQuery>,
) -> Response {
    delay(&shared).await;
    let mut data = shared.data();
    if let Err(refused) = enter(&mut data, &headers, "GET", WEBHOOKS) {
        return refused;
    }
    let automation = &data.automation;
    let items: Vec<Value> = automation
        .webhooks
        .values()
        .filter(|w| query.module.as_deref().is_none_or(|m| w["module"]["api_name"] == m))
        .map(|w| webhook_summary(w, &automation.rules))
        .collect();
    let response = page_of(items, &query, "webhooks");
    done(&mut data, "GET", WEBHOOKS, response)
}

async fn get_webhook(State(shared): State<Arc<Shared>>, UrlPath(id): UrlPath<String>, headers: HeaderMap) -> Response {
    delay(&shared).await;
    let path = format!("{WEBHOOKS}/{id}");
    let mut data = shared.data();
    if let Err(refused) = enter(&mut data, &headers, "GET", &path) {
        return refused;
    }
    let response = match data.automation.webhooks.get(&id) {
        Some(webhook) => {
            let mut full = webhook.clone();
            full["associated"] = json!(webhook_rule(&data.automation.rules, &id).is_some());
            (StatusCode::OK, Json(json!({"webhooks": [full]}))).into_response()
        }
        None => top_error(400, "INVALID_DATA", "the id given seems to be invalid", json!({"resource_path_index": 4})),
    };
    done(&mut data, "GET", &path, response)
}

async fn create_webhook(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: axum::body::Bytes) -> Response {
    delay(&shared).await;
    let mut data = shared.data();
    if let Err(refused) = enter(&mut data, &headers, "POST", WEBHOOKS) {
        return refused;
    }
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let response =
        match one_object(&body, "webhooks").and_then(|w| validate_webhook(&data, w, None).map(|()| w.clone())) {
            Err(refused) => refused,
            Ok(mut webhook) => {
                let id = next_id(&mut data);
                let module = webhook["module"]["api_name"].as_str().unwrap_or_default().to_owned();
                webhook.insert("module".into(), module_ref(&module));
                webhook.insert("id".into(), json!(id));
                data.automation.webhooks.insert(id.clone(), Value::Object(webhook));
                item_success("webhooks", StatusCode::CREATED, &id, "webhook created successfully")
            }
        };
    done(&mut data, "POST", WEBHOOKS, response)
}

async fn update_webhook(
    State(shared): State<Arc<Shared>>,
    UrlPath(id): UrlPath<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    delay(&shared).await;
    let path = format!("{WEBHOOKS}/{id}");
    let mut data = shared.data();
    if let Err(refused) = enter(&mut data, &headers, "PUT", &path) {
        return refused;
    }
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let response = (|| {
        let changes = one_object(&body, "webhooks")?;
        let Some(stored) = data.automation.webhooks.get(&id).cloned() else {
            return Err(top_error(
                400,
                "INVALID_DATA",
                "the id given seems to be invalid",
                json!({"resource_path_index": 4}),
            ));
        };
        let mut merged = stored.as_object().cloned().unwrap_or_default();
        if let Some(module) = changes.get("module").and_then(|m| m.get("api_name"))
            && *module != stored["module"]["api_name"]
        {
            return Err(item_error(
                "webhooks",
                400,
                "NOT_ALLOWED",
                "the module of a webhook cannot be changed",
                json!({"api_name": "module"}),
            ));
        }
        for (key, value) in changes {
            if key != "id" && key != "module" {
                merged.insert(key.clone(), value.clone());
            }
        }
        validate_webhook(&data, &merged, Some(&id))?;
        data.automation.webhooks.insert(id.clone(), Value::Object(merged));
        Ok(item_success("webhooks", StatusCode::OK, &id, "webhook updated successfully"))
    })()
    .unwrap_or_else(|refused| refused);
    done(&mut data, "PUT", &path, response)
}

async fn delete_webhook(
    State(shared): State<Arc<Shared>>,
    UrlPath(id): UrlPath<String>,
    headers: HeaderMap,
) -> Response {
    delay(&shared).await;
    let path = format!("{WEBHOOKS}/{id}");
    let mut data = shared.data();
    if let Err(refused) = enter(&mut data, &headers, "DELETE", &path) {
        return refused;
    }
    let response = if !data.automation.webhooks.contains_key(&id) {
        top_error(400, "INVALID_DATA", "the id given seems to be invalid", json!({"resource_path_index": 4}))
    } else if webhook_rule(&data.automation.rules, &id).is_some() {
        top_error(
            400,
            "NOT_ALLOWED",
            "This webhook is associated with at least one of Approval Process/Workflow Rules/Blueprint",
            json!({"resource_path_index": 4}),
        )
    } else {
        data.automation.webhooks.remove(&id);
        item_success("webhooks", StatusCode::OK, &id, "Webhook is deleted")
    };
    done(&mut data, "DELETE", &path, response)
}

async fn usage_reports(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    delay(&shared).await;
    let path = format!("{WEBHOOKS}/actions/usage_reports");
    let mut data = shared.data();
    if let Err(refused) = enter(&mut data, &headers, "GET", &path) {
        return refused;
    }
    let limit = data.automation.quotas.webhook_daily_limit;
    let response = (StatusCode::OK, Json(json!({"data_usage": [], "info": {"max_limit": limit}}))).into_response();
    done(&mut data, "GET", &path, response)
}

// ----- workflow rules -------------------------------------------------------------------------

fn rule_summary(rule: &Value) -> Value {
    let mut summary = rule.as_object().cloned().unwrap_or_default();
    summary.remove("conditions");
    Value::Object(summary)
}

fn is_active(rule: &Value) -> bool {
    rule["status"]["active"].as_bool().unwrap_or(true)
}

/// Checks a rule (create, or the full object after an update) against the org's configuration
/// and the per-rule limits.
fn validate_rule(data: &Data, rule: &Map<String, Value>, own_id: Option<&str>) -> Result<(), Response> {
    let key = "workflow_rules";
    let invalid = |api_name: &str, message: &str| {
        item_error(
            key,
            400,
            "INVALID_DATA",
            message,
            json!({"api_name": api_name, "json_path": format!("$.workflow_rules[0].{api_name}")}),
        )
    };
    let missing = |api_name: &str| {
        item_error(
            key,
            400,
            "MANDATORY_NOT_FOUND",
            "required field not found",
            json!({"api_name": api_name, "json_path": format!("$.workflow_rules[0].{api_name}")}),
        )
    };
    let quotas = &data.automation.quotas;
    let name = text(rule, "name").ok_or_else(|| missing("name"))?;
    if name.chars().count() > 100 {
        return Err(invalid("name", "The length of name has exceeded the limit"));
    }
    if has_special_characters(name) {
        return Err(invalid("name", "Special characters not allowed"));
    }
    let module =
        rule.get("module").and_then(|m| m.get("api_name")).and_then(Value::as_str).ok_or_else(|| missing("module"))?;
    if !module_known(data, module) {
        return Err(invalid("module", "the module name given seems to be invalid"));
    }
    if data
        .automation
        .rules
        .iter()
        .any(|(id, r)| Some(id.as_str()) != own_id && r["name"] == name && r["module"]["api_name"] == module)
    {
        return Err(item_error(
            key,
            400,
            "ALREADY_USED",
            "the name is already used by another rule",
            json!({"api_name": "name"}),
        ));
    }
    let execute_when = rule.get("execute_when").ok_or_else(|| missing("execute_when"))?;
    let Some(trigger) = execute_when.get("type").and_then(Value::as_str) else {
        return Err(invalid("execute_when", "Invalid data type"));
    };
    if !TRIGGERS.contains(&trigger) {
        return Err(invalid("execute_when.type", "Invalid data"));
    }
    let conditions = rule.get("conditions").and_then(Value::as_array).ok_or_else(|| missing("conditions"))?;
    if conditions.is_empty() {
        return Err(missing("conditions"));
    }
    if conditions.len() as u64 > quotas.rules_per_process_limit {
        return Err(item_error(
            key,
            400,
            "LIMIT_EXCEEDED",
            "conditions limit exceeded",
            json!({"api_name": "conditions", "limit": quotas.rules_per_process_limit}),
        ));
    }
    for condition in conditions {
        if condition.get("criteria_details").is_none_or(Value::is_null) {
            return Err(missing("conditions[].criteria_details"));
        }
        let actions = condition["instant_actions"]["actions"].as_array().cloned().unwrap_or_default();
        if actions.is_empty() && condition.get("scheduled_actions").is_none_or(Value::is_null) {
            return Err(missing("conditions[].instant_actions"));
        }
        let mut webhooks = 0u64;
        for action in &actions {
            let Some(kind) = action["type"].as_str() else {
                return Err(missing("conditions[].instant_actions.actions[].type"));
            };
            if trigger == "delete" && !DELETE_ACTIONS.contains(&kind) {
                return Err(item_error(
                    key,
                    400,
                    "AMBIGUITY_DURING_PROCESSING",
                    "action not supported for this trigger",
                    json!({"ambiguity_due_to": [{"json_path": "$.workflow_rules[0].execute_when.type"}, {"json_path": "$.workflow_rules[0].conditions[0].instant_actions.actions[0].type"}]}),
                ));
            }
            if kind == "webhooks" {
                webhooks += 1;
                let id = action["id"].as_str().unwrap_or("");
                match data.automation.webhooks.get(id) {
                    Some(webhook) if webhook["module"]["api_name"] == module => {}
                    Some(_) => {
                        return Err(invalid(
                            "conditions[].instant_actions.actions[].id",
                            "the webhook belongs to another module",
                        ));
                    }
                    None => {
                        return Err(invalid(
                            "conditions[].instant_actions.actions[].id",
                            "the id given seems to be invalid",
                        ));
                    }
                }
            }
        }
        if webhooks > quotas.webhooks_per_rule_limit {
            return Err(item_error(
                key,
                400,
                "LIMIT_EXCEEDED",
                "actions limit exceeded",
                json!({"api_name": "webhooks", "limit": quotas.webhooks_per_rule_limit}),
            ));
        }
        if actions.len() as u64 > quotas.total_actions_per_rule_limit {
            return Err(item_error(
                key,
                400,
                "LIMIT_EXCEEDED",
                "actions limit exceeded",
                json!({"api_name": "actions", "limit": quotas.total_actions_per_rule_limit}),
            ));
        }
    }
    Ok(())
}

/// The org and module quotas for one more rule in `module`.
fn check_quota(data: &Data, module: &str, active: bool) -> Result<(), Response> {
    let quotas = &data.automation.quotas;
    let rules = &data.automation.rules;
    let in_module = |r: &&Value| r["module"]["api_name"] == module;
    let exceeded = |what: &str, limit: u64| {
        Err(item_error(
            "workflow_rules",
            400,
            "LIMIT_EXCEEDED",
            &format!("{what} limit exceeded"),
            json!({"api_name": what, "limit": limit}),
        ))
    };
    if rules.len() as u64 >= quotas.total_rules_limit {
        return exceeded("total_rules", quotas.total_rules_limit);
    }
    if rules.values().filter(in_module).count() as u64 >= quotas.total_rules_limit_per_module {
        return exceeded("total_rules_per_module", quotas.total_rules_limit_per_module);
    }
    if active {
        if rules.values().filter(|r| is_active(r)).count() as u64 >= quotas.active_rules_limit {
            return exceeded("active_rules", quotas.active_rules_limit);
        }
        if rules.values().filter(in_module).filter(|r| is_active(r)).count() as u64
            >= quotas.active_rules_limit_per_module
        {
            return exceeded("active_rules_per_module", quotas.active_rules_limit_per_module);
        }
    }
    Ok(())
}

async fn list_rules(State(shared): State<Arc<Shared>>, headers: HeaderMap, Query(query): Query<ListQuery>) -> Response {
    delay(&shared).await;
    let mut data = shared.data();
    if let Err(refused) = enter(&mut data, &headers, "GET", RULES) {
        return refused;
    }
    let full = query.include_inner_details.unwrap_or(false);
    let items: Vec<Value> = data
        .automation
        .rules
        .values()
        .filter(|r| query.module.as_deref().is_none_or(|m| r["module"]["api_name"] == m))
        .map(|r| if full { r.clone() } else { rule_summary(r) })
        .collect();
    let response = page_of(items, &query, "workflow_rules");
    done(&mut data, "GET", RULES, response)
}

async fn get_rule(State(shared): State<Arc<Shared>>, UrlPath(id): UrlPath<String>, headers: HeaderMap) -> Response {
    delay(&shared).await;
    let path = format!("{RULES}/{id}");
    let mut data = shared.data();
    if let Err(refused) = enter(&mut data, &headers, "GET", &path) {
        return refused;
    }
    let response = match data.automation.rules.get(&id) {
        Some(rule) => (StatusCode::OK, Json(json!({"workflow_rules": [rule]}))).into_response(),
        None => top_error(400, "INVALID_DATA", "the id given seems to be invalid", json!({"resource_path_index": 4})),
    };
    done(&mut data, "GET", &path, response)
}

async fn create_rule(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: axum::body::Bytes) -> Response {
    delay(&shared).await;
    let mut data = shared.data();
    if let Err(refused) = enter(&mut data, &headers, "POST", RULES) {
        return refused;
    }
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let response = (|| {
        let rule = one_object(&body, "workflow_rules")?;
        if rule.get("status").and_then(|s| s.get("active")) == Some(&json!(false)) {
            return Err(item_error(
                "workflow_rules",
                400,
                "INVALID_DATA",
                "a rule cannot be created inactive",
                json!({"api_name": "active", "json_path": "$.workflow_rules[0].status.active"}),
            ));
        }
        validate_rule(&data, rule, None)?;
        let module = rule["module"]["api_name"].as_str().unwrap_or_default().to_owned();
        check_quota(&data, &module, true)?;
        let id = next_id(&mut data);
        let mut stored = rule.clone();
        stored.insert("id".into(), json!(id));
        stored.insert("module".into(), module_ref(&module));
        stored.insert("status".into(), json!({"active": true}));
        if let Some(conditions) = stored.get_mut("conditions").and_then(Value::as_array_mut) {
            for (i, condition) in conditions.iter_mut().enumerate() {
                condition["id"] = json!(format!("{id}{:02}", i + 1));
            }
        }
        data.automation.rules.insert(id.clone(), Value::Object(stored));
        Ok(item_success("workflow_rules", StatusCode::CREATED, &id, "workflow created"))
    })()
    .unwrap_or_else(|refused| refused);
    done(&mut data, "POST", RULES, response)
}

/// Merges an update into a stored rule: top-level fields are replaced; conditions are matched by
/// `id` (`"_delete": null` removes one; without an id a condition is added); inside a condition,
/// `criteria_details` is replaced and each action either removes its match (`_delete`) or is added.
fn merge_rule(stored: &Value, changes: &Map<String, Value>) -> Result<Value, &'static str> {
    let mut merged = stored.as_object().cloned().unwrap_or_default();
    for (key, value) in changes {
        match key.as_str() {
            "id" | "module" => {}
            "conditions" => {
                let mut conditions = merged.get("conditions").and_then(Value::as_array).cloned().unwrap_or_default();
                let mut serial = conditions.len();
                for change in value.as_array().ok_or("conditions must be an array")? {
                    let change_id = change.get("id").and_then(Value::as_str);
                    let position = change_id.and_then(|id| conditions.iter().position(|c| c["id"] == id));
                    match (position, change.get("_delete").is_some()) {
                        (Some(i), true) => {
                            conditions.remove(i);
                        }
                        (Some(i), false) => merge_condition(&mut conditions[i], change),
                        (None, true) => return Err("the condition to delete does not exist"),
                        (None, false) if change_id.is_some() => {
                            return Err("the condition id given seems to be invalid");
                        }
                        (None, false) => {
                            serial += 1;
                            let mut added = change.clone();
                            added["id"] = json!(format!("{}{serial:02}", stored["id"].as_str().unwrap_or("")));
                            conditions.push(added);
                        }
                    }
                }
                merged.insert("conditions".into(), Value::Array(conditions));
            }
            _ => {
                merged.insert(key.clone(), value.clone());
            }
        }
    }
    Ok(Value::Object(merged))
}

fn merge_condition(condition: &mut Value, change: &Value) {
    for (key, value) in change.as_object().into_iter().flatten() {
        match key.as_str() {
            "id" => {}
            "instant_actions" => {
                let mut actions = condition["instant_actions"]["actions"].as_array().cloned().unwrap_or_default();
                for action in value["actions"].as_array().into_iter().flatten() {
                    let same = |a: &Value| a["type"] == action["type"] && a["id"] == action["id"];
                    if action.get("_delete").is_some() {
                        actions.retain(|a| !same(a));
                    } else if !actions.iter().any(same) {
                        actions.push(action.clone());
                    }
                }
                condition["instant_actions"] = json!({"actions": actions});
            }
            _ => condition[key] = value.clone(),
        }
    }
}

async fn update_rule(
    State(shared): State<Arc<Shared>>,
    UrlPath(id): UrlPath<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    delay(&shared).await;
    let path = format!("{RULES}/{id}");
    let mut data = shared.data();
    if let Err(refused) = enter(&mut data, &headers, "PUT", &path) {
        return refused;
    }
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let response = (|| {
        let changes = one_object(&body, "workflow_rules")?;
        let Some(stored) = data.automation.rules.get(&id).cloned() else {
            return Err(top_error(
                400,
                "INVALID_DATA",
                "the id given seems to be invalid",
                json!({"resource_path_index": 4}),
            ));
        };
        if let Some(module) = changes.get("module").and_then(|m| m.get("api_name"))
            && *module != stored["module"]["api_name"]
        {
            return Err(item_error(
                "workflow_rules",
                400,
                "NOT_ALLOWED",
                "the module of a rule cannot be changed",
                json!({"api_name": "module"}),
            ));
        }
        let merged = merge_rule(&stored, changes).map_err(|reason| {
            item_error("workflow_rules", 400, "INVALID_DATA", reason, json!({"api_name": "conditions"}))
        })?;
        validate_rule(&data, merged.as_object().expect("a rule is an object"), Some(&id))?;
        if !is_active(&stored) && is_active(&merged) {
            let module = stored["module"]["api_name"].as_str().unwrap_or_default().to_owned();
            let others: BTreeMap<String, Value> =
                data.automation.rules.iter().filter(|(k, _)| **k != id).map(|(k, v)| (k.clone(), v.clone())).collect();
            let before = std::mem::replace(&mut data.automation.rules, others);
            let checked = check_quota(&data, &module, true);
            data.automation.rules = before;
            checked?;
        }
        data.automation.rules.insert(id.clone(), merged);
        Ok(item_success("workflow_rules", StatusCode::OK, &id, "workflow updated"))
    })()
    .unwrap_or_else(|refused| refused);
    done(&mut data, "PUT", &path, response)
}

async fn delete_rule(State(shared): State<Arc<Shared>>, UrlPath(id): UrlPath<String>, headers: HeaderMap) -> Response {
    delay(&shared).await;
    let path = format!("{RULES}/{id}");
    let mut data = shared.data();
    if let Err(refused) = enter(&mut data, &headers, "DELETE", &path) {
        return refused;
    }
    let response = if data.automation.rules.remove(&id).is_some() {
        item_success("workflow_rules", StatusCode::OK, &id, "workflow deleted")
    } else {
        top_error(400, "INVALID_DATA", "the id given seems to be invalid", json!({"resource_path_index": 4}))
    };
    done(&mut data, "DELETE", &path, response)
}

async fn rules_count(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    delay(&shared).await;
    let path = format!("{RULES}/actions/rules_count");
    let mut data = shared.data();
    if let Err(refused) = enter(&mut data, &headers, "GET", &path) {
        return refused;
    }
    let quotas = &data.automation.quotas;
    let rules = &data.automation.rules;
    let body = json!({"rules_count": {
        "scheduled_actions_per_rule_limit": quotas.scheduled_actions_per_rule_limit,
        "total_rules_limit": quotas.total_rules_limit,
        "active_rules_configured": rules.values().filter(|r| is_active(r)).count(),
        "rules_per_process_limit": quotas.rules_per_process_limit,
        "total_rules_limit_per_module": quotas.total_rules_limit_per_module,
        "active_rules_limit": quotas.active_rules_limit,
        "total_rules_configured": rules.len(),
        "active_rules_limit_per_module": quotas.active_rules_limit_per_module,
        "total_actions_per_rule_limit": quotas.total_actions_per_rule_limit
    }});
    let response = (StatusCode::OK, Json(body)).into_response();
    done(&mut data, "GET", &path, response)
}

#[derive(Debug, Default, Deserialize)]
struct ModuleQuery {
    module: Option<String>,
}

async fn workflow_configurations(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Query(query): Query<ModuleQuery>,
) -> Response {
    delay(&shared).await;
    let path = "/crm/v8/workflow_configurations";
    let mut data = shared.data();
    if let Err(refused) = enter(&mut data, &headers, "GET", path) {
        return refused;
    }
    let response = match query.module.as_deref() {
        None => top_error(
            400,
            "REQUIRED_PARAM_MISSING",
            "One of the expected parameter is missing",
            json!({"param_name": "module"}),
        ),
        Some(module) if !module_known(&data, module) => top_error(
            400,
            "INVALID_MODULE",
            "The value provided to the param is Invalid",
            json!({"param_name": "module"}),
        ),
        Some(_) => {
            let record_actions = json!([
                "field_updates",
                "assign_owner",
                "add_tags",
                "remove_tags",
                "email_notifications",
                "create_record",
                "webhooks",
                "functions",
                "flow"
            ]);
            let trigger = |api_name: &str, name: &str, scheduled: bool, actions: &Value| json!({"api_name": api_name, "deprecated": false, "name": name, "scheduled_actions_supported": scheduled, "actions": actions});
            let limit = data.automation.quotas.webhooks_per_rule_limit;
            let body = json!({"workflow_configurations": {
                "related_triggers_details": [],
                "triggers": [
                    trigger("create", "Create", true, &record_actions),
                    trigger("create_or_edit", "CreateorEdit", true, &record_actions),
                    trigger("edit", "Edit", true, &record_actions),
                    trigger("delete", "Delete", false, &json!(DELETE_ACTIONS)),
                ],
                "actions": [
                    {"is_clickable": true, "associate_action": true, "limit_per_action": null, "api_name": "webhooks", "supported_in_scheduled_action": true, "name": "Webhook", "limit": limit},
                    {"is_clickable": true, "associate_action": true, "limit_per_action": null, "api_name": "functions", "supported_in_scheduled_action": true, "name": "Deluge", "limit": 1},
                    {"is_clickable": true, "associate_action": true, "limit_per_action": null, "api_name": "email_notifications", "supported_in_scheduled_action": true, "name": "Alert", "limit": 5}
                ]
            }});
            (StatusCode::OK, Json(body)).into_response()
        }
    };
    done(&mut data, "GET", path, response)
}
