//! Enrolments: one (`enrollment_updated`) or a whole class (`class_updated`), in batches.
//!
//! `local_mzi_update_enrollment` takes a list and answers per item, so a class with hundreds of
//! students costs a handful of Moodle calls, not one per student. Items whose student or class is
//! not in Moodle yet come back `parent_missing`: those parents are synced from Zoho and only those
//! items are sent again.

use std::collections::BTreeSet;

use serde::Deserialize;
use serde_json::{Value, json};

use super::params::{Params, modified_time};
use super::{Entity, PluginResult, Synced, Trail, sync_by_id};
use crate::app::App;
use crate::error::SyncError;
use crate::ids::ZohoId;
use crate::webhook::Action;
use crate::zoho;

pub const UPDATE_FUNCTION: &str = "local_mzi_update_enrollment";
/// PHP drops form fields beyond `max_input_vars` (5000 on Moodle sites) silently: stay under.
const FIELD_BUDGET: usize = 4500;
/// The plugin enrols item by item inside one request; keep each request well inside its timeout.
const MAX_ITEMS_PER_CALL: usize = 500;

/// Why an enrolment record cannot be sent at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotSendable {
    /// The specification's guard: an enrolment without a student is skipped, not an error.
    NoStudent,
    NoClass,
    NoModifiedTime,
}

impl NotSendable {
    pub fn reason(&self) -> &'static str {
        match self {
            NotSendable::NoStudent => "the enrolment has no student (Enrolled_Students is empty)",
            NotSendable::NoClass => "the enrolment has no class (Classes is empty)",
            NotSendable::NoModifiedTime => "the enrolment has no Modified_Time",
        }
    }
}

/// The plugin's item for one enrolment record.
pub fn item(r: &zoho::Enrollment) -> Result<Value, NotSendable> {
    let student = r.enrolled_students.as_ref().ok_or(NotSendable::NoStudent)?;
    let class = r.classes.as_ref().ok_or(NotSendable::NoClass)?;
    let modified = modified_time("BTEC_Enrollments", &r.modified_time).map_err(|_| NotSendable::NoModifiedTime)?;
    let mut p = Params::new();
    p.set("zoho_enrollment_id", r.id.to_string())
        .set("zoho_modified_time", modified)
        .set("zoho_student_id", student.id.to_string())
        .set("zoho_class_id", class.id.to_string())
        .text("enrollment_status", &r.enrollment_status)
        .date("enrollment_date", &r.start_date)
        .date("end_date", &r.end_date)
        .text("enrollment_type", &r.enrollment_type);
    Ok(p.into_value())
}

/// What a batch sync did, item by item.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct BatchReport {
    /// The final plugin result of every item that was sent, in no particular order.
    pub results: Vec<PluginResult>,
    /// Records that could not be sent, with the reason.
    pub not_sent: Vec<(ZohoId, &'static str)>,
    /// Calls to `local_mzi_update_enrollment`.
    pub moodle_calls: usize,
}

impl BatchReport {
    pub fn count(&self, status: &str) -> usize {
        self.results.iter().filter(|r| r.status == status).count()
    }

    /// Items the plugin could not apply (`failed`), with their error codes.
    pub fn failures(&self) -> Vec<(&str, &str)> {
        self.results.iter().filter(|r| r.status == "failed").map(|r| (r.zoho_id.as_str(), r.text("errorcode"))).collect()
    }

    pub fn summary(&self) -> Value {
        let mut by_status = serde_json::Map::new();
        for result in &self.results {
            let entry = by_status.entry(result.status_text().to_owned()).or_insert(Value::from(0));
            *entry = Value::from(entry.as_u64().unwrap_or(0) + 1);
        }
        json!({"items": self.results.len(), "by_status": by_status, "not_sent": self.not_sent.len(), "moodle_calls": self.moodle_calls})
    }
}

#[derive(Debug, Default, Deserialize)]
struct BatchAnswer {
    #[serde(default)]
    results: Vec<PluginResult>,
}

/// Sends `records` to Moodle in as few calls as the limits allow, then resolves missing
/// students and classes from Zoho and re-sends only the items that needed them.
pub async fn sync_batch(app: &App, records: &[zoho::Enrollment], trail: &mut Trail) -> Result<BatchReport, SyncError> {
    let mut report = BatchReport::default();
    let mut items = Vec::with_capacity(records.len());
    for record in records {
        match item(record) {
            Ok(value) => items.push(value),
            Err(why) => report.not_sent.push((record.id.clone(), why.reason())),
        }
    }
    // Two rounds of parent resolution at most: students, then classes (the plugin reports one
    // missing parent per item at a time).
    let mut pending = items;
    for round in 0..3 {
        if pending.is_empty() {
            break;
        }
        let answered = send(app, &pending, &mut report, trail).await?;
        let (missing, done): (Vec<_>, Vec<_>) =
            answered.into_iter().zip(pending).partition(|(result, _)| result.status == "parent_missing");
        report.results.extend(done.into_iter().map(|(result, _)| result));
        if missing.is_empty() {
            break;
        }
        if round == 2 {
            report.results.extend(missing.into_iter().map(|(result, _)| result));
            break;
        }
        let parents: BTreeSet<(String, String)> =
            missing.iter().map(|(r, _)| (r.parent_entity.clone(), r.parent_zoho_id.clone())).collect();
        let mut unresolvable = BTreeSet::new();
        for (kind, id) in &parents {
            let (Some(entity), Ok(parent_id)) = (Entity::from_plugin_name(kind), ZohoId::parse(id)) else {
                unresolvable.insert((kind.clone(), id.clone()));
                continue;
            };
            if sync_by_id(app, entity, &parent_id, trail).await? == Synced::MissingInZoho {
                unresolvable.insert((kind.clone(), id.clone()));
            }
        }
        pending = Vec::new();
        for (result, value) in missing {
            if unresolvable.contains(&(result.parent_entity.clone(), result.parent_zoho_id.clone())) {
                report.results.push(result);
            } else {
                pending.push(value);
            }
        }
    }
    Ok(report)
}

/// One or more calls to the plugin; results in input order.
async fn send(app: &App, items: &[Value], report: &mut BatchReport, trail: &mut Trail) -> Result<Vec<PluginResult>, SyncError> {
    let mut results = Vec::with_capacity(items.len());
    for chunk in chunks(items) {
        let params = json!({"enrollments": chunk});
        let answer: BatchAnswer = app.moodle.call(UPDATE_FUNCTION, &params).await?;
        report.moodle_calls += 1;
        let mut answered = answer.results;
        if app.moodle.is_plan_mode() {
            answered = chunk.iter().map(|_| PluginResult::default()).collect();
        }
        if answered.len() != chunk.len() {
            return Err(SyncError::Moodle(crate::moodle::MoodleError::UnexpectedResponse {
                function: UPDATE_FUNCTION.into(),
                reason: format!("{} results for {} enrolments", answered.len(), chunk.len()),
            }));
        }
        let mut by_status = std::collections::BTreeMap::<String, usize>::new();
        for result in &answered {
            *by_status.entry(result.status_text().to_owned()).or_default() += 1;
        }
        trail.push(Action::new(UPDATE_FUNCTION, "batch").with_detail(json!({"items": chunk.len(), "by_status": by_status})));
        results.extend(answered);
    }
    Ok(results)
}

/// Splits items so that each call stays within the field budget and the item cap.
fn chunks(items: &[Value]) -> Vec<&[Value]> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut fields = 0;
    for (index, item) in items.iter().enumerate() {
        let size = item.as_object().map_or(1, |o| o.len());
        if index > start && (fields + size > FIELD_BUDGET || index - start >= MAX_ITEMS_PER_CALL) {
            out.push(&items[start..index]);
            start = index;
            fields = 0;
        }
        fields += size;
    }
    if start < items.len() {
        out.push(&items[start..]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(id: u64, student: Option<&str>) -> zoho::Enrollment {
        let mut v = json!({"id": id.to_string(), "Classes": {"id": "401", "name": "C"}, "Modified_Time": "2026-02-23T12:34:56+03:00", "Enrollment_Status": "Active"});
        if let Some(s) = student {
            v["Enrolled_Students"] = json!({"id": s, "name": "S"});
        }
        zoho::records::decode(v).unwrap()
    }

    #[test]
    fn item_carries_links_and_status() {
        let v = item(&record(701, Some("1"))).unwrap();
        assert_eq!(v["zoho_student_id"], "1");
        assert_eq!(v["zoho_class_id"], "401");
        assert_eq!(v["enrollment_status"], "Active");
        assert_eq!(item(&record(702, None)).unwrap_err(), NotSendable::NoStudent);
    }

    #[test]
    fn chunks_respect_the_field_budget_and_item_cap() {
        let items: Vec<Value> = (0..2000).map(|i| item(&record(i + 1, Some("1"))).unwrap()).collect();
        let parts = chunks(&items);
        assert!(parts.iter().all(|c| c.len() <= MAX_ITEMS_PER_CALL));
        assert!(parts.iter().all(|c| c.iter().map(|i| i.as_object().unwrap().len()).sum::<usize>() <= FIELD_BUDGET));
        assert_eq!(parts.iter().map(|c| c.len()).sum::<usize>(), 2000);
        assert_eq!(chunks(&items[..450]).len(), 1, "a class of 450 is one call");
        assert_eq!(chunks(&items[..1]).len(), 1);
        assert!(chunks(&[]).is_empty());
    }
}
