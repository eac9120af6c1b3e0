//! What Zoho keeps about changes that may not have reached us: records deleted from a module
//! (`GET /crm/v8/{module}/deleted?type=all|recycle|permanent&page&per_page`, with the
//! `If-Modified-Since` header) and the failed webhook deliveries
//! (`GET /crm/v8/settings/automation/webhook_failures?from&to&page&per_page`). Shapes from
//! `docs/zoho-crm.md` §1.5 and §4.7: deleted entries newest first, 204 when there is nothing.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path as UrlPath, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::{RequestKind, Shared, Simulator, gate, log, module_known, now_iso};

/// Deleted records and failed deliveries, oldest first as they happened.
#[derive(Debug, Default)]
pub struct Trash {
    deleted: Vec<Value>,
    failures: Vec<Value>,
}

impl Simulator {
    /// Deletes a record as a user would (to the recycle bin): it disappears from reads and COQL
    /// and is listed by `/{module}/deleted`. Returns whether it existed.
    pub fn delete_record(&self, module: &str, id: &str) -> bool {
        let mut data = self.shared.data();
        let Some(rows) = data.records.get_mut(module) else { return false };
        let Some(index) = rows.iter().position(|r| r.get("id").and_then(Value::as_str) == Some(id)) else {
            return false;
        };
        let record = rows.remove(index);
        let name = record.get("Name").cloned().unwrap_or(Value::Null);
        data.trash.deleted.push(json!({
            "module": module,
            "id": id,
            "display_name": name,
            "type": "recycle",
            "deleted_by": {"name": "College Admin", "id": "5398830000000000002"},
            "created_by": {"name": "College Admin", "id": "5398830000000000002"},
            "deleted_time": now_iso(),
            // Kept for `restore_record`; never listed.
            "_record": record,
        }));
        true
    }

    /// Restores a record from the recycle bin as a user would: it exists again (reads, COQL) and
    /// is no longer listed by `/{module}/deleted`. Returns whether it was in the recycle bin.
    pub fn restore_record(&self, module: &str, id: &str) -> bool {
        let mut data = self.shared.data();
        let Some(index) = data.trash.deleted.iter().position(|r| {
            r["module"] == module && r["id"] == id && r["type"] == "recycle" && r.get("_record").is_some()
        }) else {
            return false;
        };
        let mut entry = data.trash.deleted.remove(index);
        let record = entry.get_mut("_record").map(Value::take).unwrap_or(Value::Null);
        data.records.entry(module.to_owned()).or_default().push(record);
        true
    }

    /// Inserts or replaces a record as a user edit would, stamping `Modified_Time` now (no
    /// webhook is sent: the simulator has none). Returns the new `Modified_Time`.
    pub fn put_record(&self, module: &str, mut record: Value) -> String {
        let now = now_iso();
        record["Modified_Time"] = Value::String(now.clone());
        let id = record.get("id").and_then(Value::as_str).unwrap_or_default().to_owned();
        let mut data = self.shared.data();
        let rows = data.records.entry(module.to_owned()).or_default();
        match rows.iter_mut().find(|r| r.get("id").and_then(Value::as_str) == Some(id.as_str())) {
            Some(existing) => *existing = record,
            None => rows.push(record),
        }
        now
    }

    /// Lists a failed webhook delivery for a record, as Zoho does when our endpoint did not
    /// answer 2xx.
    pub fn add_webhook_failure(&self, module: &str, id: &str, reason: &str) {
        let mut data = self.shared.data();
        let serial = data.trash.failures.len() + 1;
        data.trash.failures.push(json!({
            "id": format!("53988300000{serial:08}"),
            "webhook": {"id": "5398830000000100001", "name": "mzi sync"},
            "workflow_rule": {"id": "5398830000000200001", "name": "mzi sync rule"},
            "entity_details": {"module": {"api_name": module, "id": "5398830000000300001"}, "id": id, "name": null},
            "failure_time": now_iso(),
            "failure_reason": reason,
        }));
    }
}

fn page_params(query: &std::collections::HashMap<String, String>) -> (usize, usize) {
    let page = query.get("page").and_then(|p| p.parse().ok()).filter(|p: &usize| *p >= 1).unwrap_or(1);
    let per_page = query.get("per_page").and_then(|p| p.parse().ok()).unwrap_or(200usize).clamp(1, 200);
    (page, per_page)
}

fn paged(rows: Vec<Value>, page: usize, per_page: usize, key: &str) -> Response {
    let start = (page - 1) * per_page;
    let slice: Vec<Value> = rows.iter().skip(start).take(per_page).cloned().collect();
    if slice.is_empty() {
        return StatusCode::NO_CONTENT.into_response();
    }
    let more = start + slice.len() < rows.len();
    let count = slice.len();
    (
        StatusCode::OK,
        Json(json!({key: slice, "info": {"per_page": per_page, "count": count, "page": page, "more_records": more}})),
    )
        .into_response()
}

pub(crate) async fn list_deleted(
    State(shared): State<Arc<Shared>>,
    UrlPath(module): UrlPath<String>,
    Query(query): Query<std::collections::HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    crate::delay(&shared).await;
    let path = format!("/crm/v8/{module}/deleted");
    let mut data = shared.data();
    if let Some(refused) = gate(&mut data, &headers, "GET", &path, RequestKind::Other) {
        return refused;
    }
    if !module_known(&data, &module) {
        log(&mut data, "GET", &path, RequestKind::Other, 400);
        return crate::invalid_module();
    }
    let kind = query.get("type").map(String::as_str).unwrap_or("all");
    // Same offset throughout, so text order is time order.
    let since = headers.get("if-modified-since").and_then(|v| v.to_str().ok()).map(str::to_owned);
    let mut rows: Vec<Value> = data
        .trash
        .deleted
        .iter()
        .filter(|r| r["module"] == module.as_str())
        .filter(|r| kind == "all" || r["type"] == kind)
        .filter(|r| since.as_deref().is_none_or(|s| r["deleted_time"].as_str().unwrap_or("") >= s))
        .map(|r| {
            let mut r = r.clone();
            if let Some(map) = r.as_object_mut() {
                map.remove("module");
                map.remove("_record");
            }
            r
        })
        .collect();
    rows.reverse();
    let (page, per_page) = page_params(&query);
    let response = paged(rows, page, per_page, "data");
    log(&mut data, "GET", &path, RequestKind::Other, response.status().as_u16());
    response
}

pub(crate) async fn list_webhook_failures(
    State(shared): State<Arc<Shared>>,
    Query(query): Query<std::collections::HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    crate::delay(&shared).await;
    let path = "/crm/v8/settings/automation/webhook_failures";
    let mut data = shared.data();
    if let Some(refused) = gate(&mut data, &headers, "GET", path, RequestKind::Other) {
        return refused;
    }
    let from = query.get("from").cloned().unwrap_or_default();
    let to = query.get("to").cloned().unwrap_or_else(|| "9999-12-31".into());
    let rows: Vec<Value> = data
        .trash
        .failures
        .iter()
        .filter(|r| {
            let day = r["failure_time"].as_str().unwrap_or("").get(..10).unwrap_or("").to_owned();
            day >= from && day <= to
        })
        .rev()
        .cloned()
        .collect();
    let (page, per_page) = page_params(&query);
    let response = paged(rows, page, per_page, "webhook_failures");
    log(&mut data, "GET", path, RequestKind::Other, response.status().as_u16());
    response
}
