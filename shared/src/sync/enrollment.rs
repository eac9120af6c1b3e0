//! Enrolments: one (`enrollment_updated`) or a whole class (`class_updated`), in batches.
//!
//! `local_mzi_update_enrollment` takes a list and answers per item, so a class with hundreds of
//! students costs a handful of Moodle calls, not one per student. Items whose student or class is
//! not in Moodle yet come back `parent_missing`: those parents are synced from Zoho and only those
//! items are sent again.

use std::collections::BTreeSet;

use serde::Deserialize;
use serde_json::{Value, json};

use super::Context;
use super::params::{Params, modified_time};
use super::{Entity, PluginResult, Synced, Trail, delete, fetch, sync_by_id as sync_entity};
use crate::error::{Retry, SyncError};
use crate::ids::ZohoId;
use crate::moodle::MoodleError;
use crate::outcome::{Action, Outcome, OutcomeStatus};
use crate::zoho;

pub const UPDATE_FUNCTION: &str = "local_mzi_update_enrollment";
/// PHP drops form fields beyond `max_input_vars` (5000 on Moodle sites) silently: stay under.
const FIELD_BUDGET: usize = 4500;
/// The plugin enrols item by item inside one request; `docs/plugin-api.md` §3.5 asks for at most
/// about 300 items per call so each request stays well inside its timeout.
const MAX_ITEMS_PER_CALL: usize = 300;
/// Parent resolutions per item: the plugin reports one missing parent at a time, the student
/// first, then the class.
const MAX_RESOLUTIONS: usize = 2;

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

    /// The error for a record that must be fixed in Zoho (the guard's case is not an error).
    fn into_error(self) -> SyncError {
        match self {
            NotSendable::NoStudent => SyncError::invalid_record("missing_student_data", self.reason()),
            NotSendable::NoClass => SyncError::invalid_record("missing_link", self.reason()),
            NotSendable::NoModifiedTime => SyncError::invalid_record("missing_modified_time", self.reason()),
        }
    }
}

/// The plugin's item for one enrolment record. `Moodle_Course_ID` is deliberately not sent: the
/// course comes from the class mapping only (B23).
pub fn item(r: &zoho::Enrollment) -> Result<Value, NotSendable> {
    let student = r.enrolled_students.as_ref().ok_or(NotSendable::NoStudent)?;
    let class = r.classes.as_ref().ok_or(NotSendable::NoClass)?;
    let modified = modified_time("BTEC_Enrollments", &r.modified_time).map_err(|_| NotSendable::NoModifiedTime)?;
    let mut p = Params::new();
    p.set("zoho_enrollment_id", r.id.to_string())
        .set("zoho_modified_time", modified)
        .set("zoho_student_id", student.id.to_string())
        .set("zoho_class_id", class.id.to_string())
        .datetime("zoho_created_time", &r.created_time)
        .text("enrollment_status", &r.enrollment_status)
        .date("enrollment_date", &r.start_date)
        .date("end_date", &r.end_date)
        .text("enrollment_type", &r.enrollment_type)
        .text("student_name", &r.student_name)
        .text("class_name", &r.class_name)
        .text("enrolled_program", &r.enrolled_program);
    Ok(p.into_value())
}

/// A parent (student or class) that could not be synced, so the items needing it were not
/// applied: bad data in Zoho, a refusal by Moodle, or a parent Zoho no longer has.
#[derive(Debug, Clone, PartialEq)]
pub struct ParentFailure {
    /// The plugin's name of the parent kind (`student`, `class`).
    pub entity: String,
    pub zoho_id: String,
    /// The error's code and message (`SyncError::code`, its text).
    pub code: String,
    pub message: String,
}

/// What a batch sync did, item by item.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct BatchReport {
    /// The final plugin result of every item that was sent, in no particular order. Items whose
    /// parent could not be synced stay `parent_missing` (see `parent_failures`).
    pub results: Vec<PluginResult>,
    /// Records that could not be sent, with the reason.
    pub not_sent: Vec<(ZohoId, &'static str)>,
    /// Parents that could not be synced (errors that a repeat does not cure; transient errors
    /// fail the whole batch instead, so it is retried).
    pub parent_failures: Vec<ParentFailure>,
    /// Calls to `local_mzi_update_enrollment`.
    pub moodle_calls: usize,
}

impl BatchReport {
    pub fn count(&self, status: &str) -> usize {
        self.results.iter().filter(|r| r.status == status).count()
    }

    /// Items the plugin could not apply (`failed`), with their error codes.
    pub fn failures(&self) -> Vec<(&str, &str)> {
        self.results
            .iter()
            .filter(|r| r.status == "failed")
            .map(|r| (r.zoho_id.as_str(), r.text("errorcode")))
            .collect()
    }

    /// Items that were not applied because a parent is still missing in Moodle.
    pub fn unresolved(&self) -> Vec<&PluginResult> {
        self.results.iter().filter(|r| r.status == "parent_missing").collect()
    }

    pub fn summary(&self) -> Value {
        let mut by_status = serde_json::Map::new();
        for result in &self.results {
            let entry = by_status.entry(result.status_text().to_owned()).or_insert(Value::from(0));
            *entry = Value::from(entry.as_u64().unwrap_or(0) + 1);
        }
        let parent_failures: Vec<Value> = self
            .parent_failures
            .iter()
            .map(|f| json!({"entity": f.entity, "zoho_id": f.zoho_id, "code": f.code}))
            .collect();
        json!({
            "items": self.results.len(),
            "by_status": by_status,
            "not_sent": self.not_sent.len(),
            "parent_failures": parent_failures,
            "moodle_calls": self.moodle_calls,
        })
    }
}

#[derive(Debug, Default, Deserialize)]
struct BatchAnswer {
    #[serde(default)]
    results: Vec<PluginResult>,
}

/// Sends `records` to Moodle in as few calls as the limits allow, then resolves missing
/// students and classes from Zoho and re-sends only the items that needed them.
///
/// A parent that cannot be synced for a reason a repeat does not cure (bad data, refused by
/// Moodle, gone from Zoho) is reported in `parent_failures` and only its items stay unapplied;
/// a transient failure (Zoho or Moodle down) fails the batch, which is safe to repeat.
pub async fn sync_batch(
    app: &Context,
    records: &[zoho::Enrollment],
    trail: &mut Trail,
) -> Result<BatchReport, SyncError> {
    run_batch(app, records, trail).await.map(|(report, _)| report)
}

/// [`sync_batch`], also handing back the parents' errors themselves (in `parent_failures` order).
async fn run_batch(
    app: &Context,
    records: &[zoho::Enrollment],
    trail: &mut Trail,
) -> Result<(BatchReport, Vec<SyncError>), SyncError> {
    let mut errors = Vec::new();
    let mut report = BatchReport::default();
    let mut pending = Vec::with_capacity(records.len());
    for record in records {
        match item(record) {
            Ok(value) => pending.push(value),
            Err(why) => report.not_sent.push((record.id.clone(), why.reason())),
        }
    }
    let mut synced: BTreeSet<(String, String)> = BTreeSet::new();
    let mut failed: BTreeSet<(String, String)> = BTreeSet::new();
    for round in 0..=MAX_RESOLUTIONS {
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
        if round == MAX_RESOLUTIONS {
            report.results.extend(missing.into_iter().map(|(result, _)| result));
            break;
        }
        let parents: BTreeSet<(String, String)> =
            missing.iter().map(|(r, _)| (r.parent_entity.clone(), r.parent_zoho_id.clone())).collect();
        for parent in parents {
            if failed.contains(&parent) {
                continue;
            }
            match sync_parent(app, &parent, synced.contains(&parent), trail).await {
                Ok(()) => {
                    synced.insert(parent);
                }
                Err(error) if error.retry() == Retry::Never => {
                    tracing::warn!(parent = %parent.0, zoho_id = %parent.1, code = error.code(), error = %error, "enrolment parent could not be synced");
                    report.parent_failures.push(ParentFailure {
                        entity: parent.0.clone(),
                        zoho_id: parent.1.clone(),
                        code: error.code().to_owned(),
                        message: error.to_string(),
                    });
                    errors.push(error);
                    failed.insert(parent);
                }
                Err(error) => return Err(error),
            }
        }
        pending = Vec::new();
        for (result, value) in missing {
            if failed.contains(&(result.parent_entity.clone(), result.parent_zoho_id.clone())) {
                report.results.push(result);
            } else {
                pending.push(value);
            }
        }
    }
    Ok((report, errors))
}

/// Syncs one parent an item is waiting for. `again` means it was synced in this batch already
/// and Moodle still reports it missing: repeating would loop.
async fn sync_parent(
    app: &Context,
    (kind, id): &(String, String),
    again: bool,
    trail: &mut Trail,
) -> Result<(), SyncError> {
    let entity =
        Entity::from_plugin_name(kind).filter(|e| matches!(e, Entity::Student | Entity::Class)).ok_or_else(|| {
            SyncError::invalid_record(
                "unknown_parent",
                format!("Moodle asked for an unknown parent kind for {UPDATE_FUNCTION}"),
            )
        })?;
    let parent_id = ZohoId::parse(id).map_err(|_| {
        SyncError::invalid_record(
            "missing_parent_link",
            format!("the enrolment has no valid {} link in Zoho", entity.name()),
        )
    })?;
    if again {
        return Err(SyncError::invalid_record(
            "parent_not_stored",
            format!("{} {parent_id} was synced but Moodle still reports it missing", entity.name()),
        ));
    }
    trail.depth += 1;
    let result = Box::pin(sync_entity(app, entity, &parent_id, trail)).await;
    trail.depth -= 1;
    match result? {
        Synced::MissingInZoho => Err(SyncError::invalid_record(
            "parent_missing_in_zoho",
            format!("the {} {parent_id} this enrolment points at does not exist in Zoho", entity.name()),
        )),
        Synced::Applied(_) => Ok(()),
    }
}

/// What became of one enrolment re-read from Zoho.
#[derive(Debug, Clone, PartialEq)]
pub enum Single {
    MissingInZoho,
    /// The guard: the enrolment has no student; nothing was sent.
    NoStudent,
    /// The plugin's final result for the item (never `failed` or `parent_missing`).
    Applied(PluginResult),
}

/// Re-reads enrolment `id` and applies it, student and class first when Moodle lacks them.
/// A Zoho failure is an error (retryable), never the guard's skip.
pub async fn sync_one(app: &Context, id: &ZohoId, trail: &mut Trail) -> Result<Single, SyncError> {
    let Some(record) = fetch::<zoho::Enrollment>(app, id, trail).await? else { return Ok(Single::MissingInZoho) };
    match item(&record) {
        Ok(_) => {}
        Err(NotSendable::NoStudent) => return Ok(Single::NoStudent),
        Err(other) => return Err(other.into_error()),
    }
    let (mut report, mut errors) = run_batch(app, std::slice::from_ref(&record), trail).await?;
    if let Some(error) = errors.pop() {
        return Err(error);
    }
    let result = report.results.pop().ok_or_else(|| {
        SyncError::Moodle(MoodleError::UnexpectedResponse {
            function: UPDATE_FUNCTION.to_owned(),
            reason: "no result for the enrolment".to_owned(),
        })
    })?;
    match result.status.as_str() {
        "failed" => Err(item_failure(&result)),
        "parent_missing" => Err(SyncError::invalid_record(
            "parent_not_stored",
            format!(
                "Moodle still reports the enrolment's {} {} missing after its parents were synced",
                result.parent_entity, result.parent_zoho_id
            ),
        )),
        _ => Ok(Single::Applied(result)),
    }
}

/// `sync_by_id` for enrolments (replays, tools): the guard's case is an error there.
pub async fn sync_by_id(app: &Context, id: &ZohoId, trail: &mut Trail) -> Result<Synced, SyncError> {
    match sync_one(app, id, trail).await? {
        Single::MissingInZoho => Ok(Synced::MissingInZoho),
        Single::NoStudent => Err(NotSendable::NoStudent.into_error()),
        Single::Applied(result) => Ok(Synced::Applied(result)),
    }
}

/// `enrollment_updated`: the answer says what happened in Moodle (`enrol_action`).
pub async fn updated(app: &Context, id: &ZohoId) -> Result<Outcome, SyncError> {
    let mut trail = Trail::new();
    match sync_one(app, id, &mut trail).await? {
        Single::MissingInZoho => Ok(Synced::MissingInZoho.into_outcome(Entity::Enrollment, id, trail)),
        Single::NoStudent => Ok(Outcome::skipped(
            format!("missing_student_data: {}; nothing was sent to Moodle", NotSendable::NoStudent.reason()),
            trail.actions,
        )),
        Single::Applied(result) => {
            trail.push(effect_action(&result));
            let note = not_enrolled_note(&result);
            let mut outcome = Synced::Applied(result).into_outcome(Entity::Enrollment, id, trail);
            if outcome.status == OutcomeStatus::Ok {
                outcome.reason = note;
            }
            Ok(outcome)
        }
    }
}

/// `enrollment_deleted`: the plugin withdraws the enrolment (suspends it in Moodle, or unenrols
/// when its `unenrolondelete` setting is on). `absent` and `unchanged` (already withdrawn) are
/// success, so a repeated delete is harmless.
pub async fn deleted(app: &Context, id: &ZohoId) -> Result<Outcome, SyncError> {
    let mut trail = Trail::new();
    let result = match delete(app, Entity::Enrollment, id, &mut trail).await? {
        super::Deletion::Applied(result) => result,
        super::Deletion::Refused(refusal) => return Ok(refusal.into_outcome(trail)),
    };
    match result.status.as_str() {
        "deleted" | "unchanged" | "absent" => {}
        "" if app.moodle.is_plan_mode() => {}
        "failed" => return Err(item_failure(&result)),
        other => {
            return Err(SyncError::Moodle(MoodleError::UnexpectedResponse {
                function: "local_mzi_delete_enrollment".to_owned(),
                reason: format!("status {other:?} is not a result of a delete"),
            }));
        }
    }
    trail.push(effect_action(&result));
    Ok(Outcome::ok(trail.actions))
}

/// A `failed` item as the error of the webhook: classified by the item's `errorcode` like any
/// Moodle exception (bad data → 422, transient → 502; none at all → a server fault).
fn item_failure(result: &PluginResult) -> SyncError {
    let errorcode = Some(result.text("errorcode").to_owned()).filter(|c| !c.is_empty());
    SyncError::Moodle(MoodleError::Exception {
        function: UPDATE_FUNCTION.to_owned(),
        exception: "failed enrolment item".to_owned(),
        errorcode,
        message: result.message.clone(),
    })
}

/// The Moodle side of an enrolment result: what happened to the student's enrolment.
fn effect_action(result: &PluginResult) -> Action {
    let enrol_action = Some(result.text("enrol_action")).filter(|a| !a.is_empty()).unwrap_or("planned");
    Action::new("moodle enrolment", enrol_action).with_detail(json!({
        "zoho_id": result.zoho_id,
        "enrol_action": enrol_action,
        "moodle_user_id": result.int("moodle_user_id"),
        "moodle_course_id": result.int("moodle_course_id"),
        "user_tier": result.text("user_tier"),
    }))
}

/// Stored but not enrolled: say why, so the answer does not read as a finished enrolment.
fn not_enrolled_note(result: &PluginResult) -> Option<String> {
    let why = match result.text("enrol_action") {
        "user_not_found" => {
            "no Moodle account matches the student (stored Moodle id, academic e-mail, or student number as username)"
        }
        "course_not_found" => "the class has no Moodle course yet; it is enrolled when the class gets one",
        "notenrolled" => "Moodle did not enrol the student",
        _ => return None,
    };
    Some(format!("the enrolment is stored in Moodle but the student is not enrolled: {why}"))
}

/// One or more calls to the plugin; results in input order.
async fn send(
    app: &Context,
    items: &[Value],
    report: &mut BatchReport,
    trail: &mut Trail,
) -> Result<Vec<PluginResult>, SyncError> {
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
        trail.push(
            Action::new(UPDATE_FUNCTION, "batch").with_detail(json!({"items": chunk.len(), "by_status": by_status})),
        );
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
        assert_eq!(chunks(&items[..300]).len(), 1, "a class of 300 is one call");
        assert_eq!(chunks(&items[..301]).len(), 2);
        assert_eq!(chunks(&items[..1]).len(), 1);
        assert!(chunks(&[]).is_empty());
    }
}
