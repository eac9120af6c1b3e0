//! Enrolments: one (`enrollment_updated`) or a whole class (`class_updated`), in batches.
//!
//! `local_mzi_update_enrollment` takes a list and answers per item, so a class with hundreds of
//! students costs a handful of Moodle calls, not one per student. Items whose student or class is
//! not in Moodle yet come back `parent_missing`: those parents are synced from Zoho and only those
//! items are sent again.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use serde::Deserialize;
use serde_json::{Value, json};

use super::Context;
use super::params::PICKLIST_NONE;
use super::{Entity, PluginResult, Synced, Trail, delete, fetch, sync_by_id as sync_entity};
use crate::error::{Retry, SyncError};
use crate::ids::ZohoId;
use crate::moodle::MoodleError;
use crate::moodle::form;
use crate::outcome::{Action, Outcome, OutcomeStatus};
use crate::zoho::records::EnrollmentRow;
use crate::zoho::values::borrowed;
use crate::zoho::{self, Module as _};

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
    let mut fields = serde_json::Map::new();
    visit_item(&EnrollmentRow::from_record(r), &mut |name, value| {
        fields.insert(name.to_owned(), Value::String(value.to_string()));
    })?;
    Ok(Value::Object(fields))
}

/// One value of an item field.
enum FieldValue<'v> {
    Text(&'v str),
    Date(zoho::ZohoDate),
}

impl std::fmt::Display for FieldValue<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FieldValue::Text(text) => f.write_str(text),
            FieldValue::Date(date) => date.fmt(f),
        }
    }
}

/// The item's fields, in the order the plugin receives them, as [`Params`] maps them: blank text
/// is left out, `-None-` clears (`""`), dates in their canonical form, datetimes as received.
fn visit_item(r: &EnrollmentRow<'_>, field: &mut dyn FnMut(&'static str, FieldValue<'_>)) -> Result<(), NotSendable> {
    let student = r.enrolled_students.0.as_ref().ok_or(NotSendable::NoStudent)?;
    let class = r.classes.0.as_ref().ok_or(NotSendable::NoClass)?;
    let modified = r.modified_time.0.as_deref().ok_or(NotSendable::NoModifiedTime)?;
    field("zoho_enrollment_id", FieldValue::Text(r.id.as_str()));
    field("zoho_modified_time", FieldValue::Text(modified));
    field("zoho_student_id", FieldValue::Text(student.as_str()));
    field("zoho_class_id", FieldValue::Text(class.as_str()));
    if let Some(created) = r.created_time.0.as_deref() {
        field("zoho_created_time", FieldValue::Text(created));
    }
    let texts_and_dates: [(&'static str, Option<FieldValue<'_>>); 7] = [
        ("enrollment_status", text(&r.enrollment_status).map(FieldValue::Text)),
        ("enrollment_date", r.start_date.0.map(FieldValue::Date)),
        ("end_date", r.end_date.0.map(FieldValue::Date)),
        ("enrollment_type", text(&r.enrollment_type).map(FieldValue::Text)),
        ("student_name", text(&r.student_name).map(FieldValue::Text)),
        ("class_name", text(&r.class_name).map(FieldValue::Text)),
        ("enrolled_program", text(&r.enrolled_program).map(FieldValue::Text)),
    ];
    for (name, value) in texts_and_dates {
        if let Some(value) = value {
            field(name, value);
        }
    }
    Ok(())
}

/// Text as [`super::params::Params::text`] sends it: trimmed, blank left out, `-None-` cleared.
fn text<'v>(value: &'v borrowed::Text<'_>) -> Option<&'v str> {
    let trimmed = value.0.as_deref().map(str::trim).filter(|v| !v.is_empty())?;
    Some(if trimmed == PICKLIST_NONE { "" } else { trimmed })
}

/// The items of a batch, each percent-encoded once into one buffer as `%5Bfield%5D=value`
/// segments joined by `&` (a character the encoding never leaves bare). A call's body is then
/// these segments behind `&enrollments%5B<i>%5D`: the same bytes `form::encode_call` writes for
/// `{"enrollments": [...]}`, without a `Value` per item. Plan mode keeps the items as values
/// too, for the planned calls.
#[derive(Default)]
struct ItemStore {
    encoded: String,
    items: Vec<StoredItem>,
    planned: Option<Vec<Value>>,
}

/// A call built from the store: its form body, or in plan mode its parameters.
enum Prepared {
    Body(String),
    Planned(Value),
}

#[derive(Clone, Copy)]
struct StoredItem {
    start: usize,
    end: usize,
    fields: usize,
}

impl ItemStore {
    fn new(plan_mode: bool) -> Self {
        Self { planned: plan_mode.then(Vec::new), ..Self::default() }
    }

    fn len(&self) -> usize {
        self.items.len()
    }

    fn push(&mut self, r: &EnrollmentRow<'_>) -> Result<(), NotSendable> {
        let start = self.encoded.len();
        let mut fields = 0;
        let mut planned = self.planned.as_ref().map(|_| serde_json::Map::new());
        let encoded = &mut self.encoded;
        let result = visit_item(r, &mut |name, value| {
            if fields > 0 {
                encoded.push('&');
            }
            encoded.push_str("%5B");
            encoded.push_str(name);
            encoded.push_str("%5D=");
            match &value {
                FieldValue::Text(text) => form::append_encoded(encoded, text),
                // Digits and `-`: nothing to encode.
                FieldValue::Date(date) => {
                    let _ = write!(encoded, "{date}");
                }
            }
            if let Some(map) = planned.as_mut() {
                map.insert(name.to_owned(), Value::String(value.to_string()));
            }
            fields += 1;
        });
        if let Err(why) = result {
            self.encoded.truncate(start);
            return Err(why);
        }
        self.items.push(StoredItem { start, end: self.encoded.len(), fields });
        if let (Some(planned), Some(map)) = (self.planned.as_mut(), planned) {
            planned.push(Value::Object(map));
        }
        Ok(())
    }

    fn field_counts(&self, indices: &[usize]) -> Vec<usize> {
        indices.iter().map(|&i| self.items[i].fields).collect()
    }

    /// One call for these items, ready to send (the store is not needed any more).
    fn prepare(&self, app: &Context, indices: &[usize]) -> Prepared {
        match self.body(app, indices) {
            Some(body) => Prepared::Body(body),
            None => Prepared::Planned(self.params(indices)),
        }
    }

    /// The body of one `local_mzi_update_enrollment` call for these items, `None` in plan mode.
    fn body(&self, app: &Context, indices: &[usize]) -> Option<String> {
        let size: usize =
            indices.iter().map(|&i| self.items[i].end - self.items[i].start + 24 * self.items[i].fields).sum();
        let mut body = app.moodle.form_body(UPDATE_FUNCTION, size)?;
        for (position, &index) in indices.iter().enumerate() {
            let item = self.items[index];
            for segment in self.encoded[item.start..item.end].split('&') {
                let _ = write!(body, "&enrollments%5B{position}%5D");
                body.push_str(segment);
            }
        }
        Some(body)
    }

    /// The parameters of the same call as a value (plan mode records them).
    fn params(&self, indices: &[usize]) -> Value {
        let planned = self.planned.as_deref().unwrap_or(&[]);
        json!({"enrollments": indices.iter().filter_map(|&i| planned.get(i).cloned()).collect::<Vec<_>>()})
    }
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

/// The answer of `local_mzi_update_enrollment`, decoded straight from its bytes.
#[derive(Debug, Default, Deserialize)]
struct BatchAnswer {
    /// Each read in one pass by `PluginResult`'s own decoder.
    #[serde(default)]
    results: Vec<PluginResult>,
    /// Moodle's error shape (`crate::moodle::TypedAnswer`).
    #[serde(default, deserialize_with = "crate::moodle::key_present")]
    exception: bool,
}

impl crate::moodle::TypedAnswer for BatchAnswer {
    fn had_exception_key(&self) -> bool {
        self.exception
    }
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
    let mut report = BatchReport::default();
    let mut store = ItemStore::new(app.moodle.is_plan_mode());
    for record in records {
        if let Err(why) = store.push(&EnrollmentRow::from_record(record)) {
            report.not_sent.push((record.id.clone(), why.reason()));
        }
    }
    let all: Vec<usize> = (0..store.len()).collect();
    let answered = send(app, &store, &all, &mut report, trail).await?;
    let errors = resolve(app, &store, answered, &mut report, trail).await?;
    Ok((report, errors))
}

/// After the first sending of every item (`answered`: item index and result): the items whose
/// student or class Moodle lacks are re-sent once those parents are synced from Zoho, up to
/// [`MAX_RESOLUTIONS`] times. Returns the parents' errors (in `parent_failures` order).
async fn resolve(
    app: &Context,
    store: &ItemStore,
    mut answered: Vec<(usize, PluginResult)>,
    report: &mut BatchReport,
    trail: &mut Trail,
) -> Result<Vec<SyncError>, SyncError> {
    let mut errors = Vec::new();
    let mut synced: BTreeSet<(String, String)> = BTreeSet::new();
    let mut failed: BTreeSet<(String, String)> = BTreeSet::new();
    for round in 0..=MAX_RESOLUTIONS {
        let (missing, done): (Vec<_>, Vec<_>) =
            answered.into_iter().partition(|(_, result)| result.status == "parent_missing");
        report.results.extend(done.into_iter().map(|(_, result)| result));
        if missing.is_empty() {
            break;
        }
        if round == MAX_RESOLUTIONS {
            report.results.extend(missing.into_iter().map(|(_, result)| result));
            break;
        }
        let parents: BTreeSet<(String, String)> =
            missing.iter().map(|(_, r)| (r.parent_entity.clone(), r.parent_zoho_id.clone())).collect();
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
        let mut pending = Vec::new();
        for (index, result) in missing {
            if failed.contains(&(result.parent_entity.clone(), result.parent_zoho_id.clone())) {
                report.results.push(result);
            } else {
                pending.push(index);
            }
        }
        if pending.is_empty() {
            break;
        }
        answered = send(app, store, &pending, report, trail).await?;
    }
    Ok(errors)
}

/// One call made by a sender of [`sync_class`]: its first item, the results, its action line.
struct SentChunk {
    first: usize,
    results: Vec<(usize, PluginResult)>,
    actions: Vec<Action>,
    calls: usize,
}

/// Every enrolment of class `class_id`, read from Zoho page by page and sent to Moodle as the
/// pages arrive by two senders, so at most two `local_mzi_update_enrollment` calls are in flight
/// at once: enough to keep Moodle busy while the next page is read, few enough not to overrun
/// it. Nothing is sent before `course`
/// says the class's course is in place (`Some(true)`); `Some(false)` (or the sender gone) stops
/// the sync, and `Ok(None)` says nothing was sent. The listing starts at once, so the COQL
/// pages are read while the course is being made (what a stopped sync read is not used).
///
/// The rows are decoded in one pass from each page's body and each item is encoded once; the
/// batches, the parent resolution and the report are those of [`sync_batch`].
pub async fn sync_class(
    app: &Context,
    class_id: &ZohoId,
    class_field: &str,
    course: tokio::sync::watch::Receiver<Option<bool>>,
    trail: &mut Trail,
) -> Result<Option<BatchReport>, SyncError> {
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicBool, Ordering};

    // Shared by the listing and the two senders, which run in this one task; a lock is never
    // held across an await (the futures must be `Send`, so no `RefCell`).
    let store = Mutex::new(ItemStore::new(app.moodle.is_plan_mode()));
    let not_sent = Mutex::new(Vec::new());
    let (tx, rx) = tokio::sync::mpsc::channel::<std::ops::Range<usize>>(1);
    let rx = tokio::sync::Mutex::new(rx);
    let stopped = AtomicBool::new(false);

    let listing = async {
        let result = list_into(app, class_id, class_field, &store, &not_sent, &tx).await;
        drop(tx);
        result
    };
    let lane = || async {
        let mut sent: Vec<SentChunk> = Vec::new();
        let mut course = course.clone();
        let ready = matches!(course.wait_for(Option::is_some).await.as_deref(), Ok(Some(true)));
        if !ready {
            stopped.store(true, Ordering::Relaxed);
            rx.lock().await.close();
            return Ok(sent);
        }
        loop {
            let range = { rx.lock().await.recv().await };
            let Some(range) = range else { return Ok(sent) };
            let indices: Vec<usize> = range.clone().collect();
            let mut report = BatchReport::default();
            let mut lane_trail = Trail::new();
            // Built before the call, so the store is free for the listing while it is in flight.
            let prepared = lock(&store).prepare(app, &indices);
            match send_chunk(app, prepared, &indices, &mut report, &mut lane_trail).await {
                Ok(results) => sent.push(SentChunk {
                    first: range.start,
                    results,
                    actions: lane_trail.actions,
                    calls: report.moodle_calls,
                }),
                Err(error) => {
                    rx.lock().await.close();
                    return Err(error);
                }
            }
        }
    };
    let (listed, first, second) = tokio::join!(listing, lane(), lane());
    let (first, second) = (first?, second?);
    if stopped.load(Ordering::Relaxed) {
        return Ok(None);
    }
    let records = listed?;
    let store = store.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner);
    let not_sent = not_sent.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut report = BatchReport { not_sent, ..BatchReport::default() };
    trail.push(
        Action::new(format!("zoho.coql {}", zoho::Enrollment::API_NAME), "found")
            .with_detail(json!({"class_zoho_id": class_id, "records": records})),
    );
    let mut chunks: Vec<_> = first.into_iter().chain(second).collect();
    chunks.sort_by_key(|chunk| chunk.first);
    let mut answered = Vec::with_capacity(store.len());
    for chunk in chunks {
        answered.extend(chunk.results);
        trail.actions.extend(chunk.actions);
        report.moodle_calls += chunk.calls;
    }
    let errors = resolve(app, &store, answered, &mut report, trail).await?;
    drop(errors);
    Ok(Some(report))
}

/// A lock of this module's own mutexes (never poisoned: nothing panics while holding one).
fn lock<T>(mutex: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The listing side of [`sync_class`]: every COQL page decoded into the store, each batch handed
/// to the senders as soon as it is complete. Returns how many records Zoho listed.
async fn list_into(
    app: &Context,
    class_id: &ZohoId,
    class_field: &str,
    store: &std::sync::Mutex<ItemStore>,
    not_sent: &std::sync::Mutex<Vec<(ZohoId, &'static str)>>,
    tx: &tokio::sync::mpsc::Sender<std::ops::Range<usize>>,
) -> Result<usize, SyncError> {
    if !class_field.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.') || class_field.is_empty() {
        return Err(SyncError::invalid_record(
            "invalid_query",
            "a field API name is letters, digits, underscores and dots",
        ));
    }
    let query = format!(
        "select {} from {} where {class_field} = '{class_id}'",
        zoho::Enrollment::COQL_FIELDS,
        zoho::Enrollment::API_NAME
    );
    let mut offset = 0;
    let mut listed = 0;
    // The first item not yet handed to a sender.
    let mut next = 0;
    loop {
        let body = app.zoho.coql_page_body(&query, offset, zoho::COQL_PAGE_SIZE).await?;
        let operation = format!("COQL (offset {offset})");
        let (rows, more) = match &body {
            Some(body) => zoho::records::decode_enrollment_page(body, &operation)?,
            None => (zoho::records::EnrollmentPageRows::Borrowed(Vec::new()), false),
        };
        let count = rows.len();
        listed += count;
        {
            let mut store = lock(store);
            let mut not_sent = lock(not_sent);
            rows.for_each(|row| {
                if let Err(why) = store.push(row) {
                    not_sent.push((row.id.clone(), why.reason()));
                }
            });
        }
        drop(rows);
        let last = zoho::ZohoClient::coql_next_offset(offset, count, more)?;
        // Hand over every batch that can no longer grow; at the end, the rest.
        loop {
            let ready = {
                let store = lock(store);
                let indices: Vec<usize> = (next..store.len()).collect();
                let ranges = chunks(&store.field_counts(&indices));
                match (ranges.first(), last) {
                    (Some(first), _) if ranges.len() > 1 || last.is_none() => {
                        Some(next + first.start..next + first.end)
                    }
                    _ => None,
                }
            };
            let Some(range) = ready else { break };
            next = range.end;
            if tx.send(range).await.is_err() {
                // The senders stopped (the course is not there, or a call failed).
                return Ok(listed);
            }
        }
        match last {
            Some(following) => offset = following,
            None => return Ok(listed),
        }
    }
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

/// The items `indices` of `store`, in as few calls as the limits allow; each item's result in
/// input order, with its index.
async fn send(
    app: &Context,
    store: &ItemStore,
    indices: &[usize],
    report: &mut BatchReport,
    trail: &mut Trail,
) -> Result<Vec<(usize, PluginResult)>, SyncError> {
    let mut results = Vec::with_capacity(indices.len());
    for range in chunks(&store.field_counts(indices)) {
        let chunk = &indices[range];
        results.extend(send_chunk(app, store.prepare(app, chunk), chunk, report, trail).await?);
    }
    Ok(results)
}

/// One call to the plugin with the items `indices`, prepared from the store.
async fn send_chunk(
    app: &Context,
    prepared: Prepared,
    indices: &[usize],
    report: &mut BatchReport,
    trail: &mut Trail,
) -> Result<Vec<(usize, PluginResult)>, SyncError> {
    let answered: Vec<PluginResult> = match prepared {
        Prepared::Body(body) => {
            let answer: BatchAnswer = app.moodle.call_form(UPDATE_FUNCTION, body).await?;
            answer.results
        }
        Prepared::Planned(params) => {
            let _: BatchAnswer = app.moodle.call(UPDATE_FUNCTION, &params).await?;
            indices.iter().map(|_| PluginResult::default()).collect()
        }
    };
    report.moodle_calls += 1;
    if answered.len() != indices.len() {
        return Err(SyncError::Moodle(crate::moodle::MoodleError::UnexpectedResponse {
            function: UPDATE_FUNCTION.into(),
            reason: format!("{} results for {} enrolments", answered.len(), indices.len()),
        }));
    }
    let mut by_status = std::collections::BTreeMap::<String, usize>::new();
    for result in &answered {
        *by_status.entry(result.status_text().to_owned()).or_default() += 1;
    }
    trail.push(
        Action::new(UPDATE_FUNCTION, "batch").with_detail(json!({"items": indices.len(), "by_status": by_status})),
    );
    Ok(indices.iter().copied().zip(answered).collect())
}

/// Splits items (given by their field counts) so that each call stays within the field budget
/// and the item cap; the ranges of consecutive items.
fn chunks(fields: &[usize]) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut total = 0;
    for (index, &size) in fields.iter().enumerate() {
        if index > start && (total + size > FIELD_BUDGET || index - start >= MAX_ITEMS_PER_CALL) {
            out.push(start..index);
            start = index;
            total = 0;
        }
        total += size;
    }
    if start < fields.len() {
        out.push(start..fields.len());
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
        let fields: Vec<usize> = items.iter().map(|i| i.as_object().unwrap().len()).collect();
        let parts = chunks(&fields);
        assert!(parts.iter().all(|c| c.len() <= MAX_ITEMS_PER_CALL));
        assert!(parts.iter().all(|c| fields[c.clone()].iter().sum::<usize>() <= FIELD_BUDGET));
        assert_eq!(parts.iter().map(|c| c.len()).sum::<usize>(), 2000);
        assert_eq!(chunks(&fields[..300]).len(), 1, "a class of 300 is one call");
        assert_eq!(chunks(&fields[..301]).len(), 2);
        assert_eq!(chunks(&fields[..1]).len(), 1);
        assert!(chunks(&[]).is_empty());
        // Wide items: the field budget binds before the item cap.
        let wide = vec![40; 200];
        assert!(chunks(&wide).iter().all(|c| c.len() * 40 <= FIELD_BUDGET));
    }

    #[test]
    fn the_encoded_store_writes_what_encode_call_writes() {
        let mut records: Vec<zoho::Enrollment> = (0..3).map(|i| record(i + 1, Some("1"))).collect();
        records[1].student_name = Some(" Zoë & Ana=1+2 ".into());
        records[2].enrollment_type = Some("-None-".into());
        let mut store = ItemStore::new(false);
        for r in &records {
            store.push(&EnrollmentRow::from_record(r)).unwrap();
        }
        let items: Vec<Value> = records.iter().map(|r| item(r).unwrap()).collect();
        let expected = crate::moodle::form::encode_call("tok", UPDATE_FUNCTION, &json!({"enrollments": items}));
        let mut body = String::new();
        crate::moodle::form::begin_call(&mut body, "tok", UPDATE_FUNCTION);
        for (position, index) in [0usize, 1, 2].iter().enumerate() {
            let item = store.items[*index];
            for segment in store.encoded[item.start..item.end].split('&') {
                body.push_str(&format!("&enrollments%5B{position}%5D"));
                body.push_str(segment);
            }
        }
        assert_eq!(body, expected);
    }
}
