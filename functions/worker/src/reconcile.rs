//! Reconciliation: converge Moodle to Zoho's truth even when webhooks were never delivered.
//!
//! For each module, in dependency order (teachers and students, classes, registrations,
//! enrolments, payments, grades, requests, BTEC units):
//! 1. the records changed since the module's cursor (COQL on `Modified_Time`, ascending, paged
//!    by key), each applied through the same processing as its webhook (classes through the
//!    courses processing, so the decision tree applies);
//! 2. then, children first, the records deleted since the cursor (`GET /{module}/deleted`),
//!    soft-deleted through the delete processing;
//! 3. then Zoho's list of failed webhook deliveries (`settings/automation/webhook_failures`),
//!    each record re-synced.
//!
//! The cursor (per module: a time and the ids already applied at that time) is saved after every
//! chunk and only moves past what was applied, so a crash mid-run repeats at most one chunk, and
//! every repeat is idempotent. A replayable failure stops its module there (and is captured for
//! the worker); bad data (a permanent failure) is captured to the dead store once, noted in the
//! cursors' poison list, and passed, since only a change in Zoho (a new `Modified_Time`) or a fix
//! in Moodle followed by `mzi replay --dead` can cure it. Zoho calls are counted against a per-run budget; Moodle
//! sees at most `concurrency` calls at a time.

use std::collections::{BTreeMap, HashSet};
use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use shared::App;
use shared::capture::{self, FailureSink, Origin, Store};
use shared::config::CaptureSettings;
use shared::error::{Retry, SyncError};
use shared::ids::ZohoId;
use shared::sync::{self, Entity, Trail};
use shared::telemetry::RequestScope;
use shared::webhook::{Endpoint, WebhookCall};
use shared::zoho::{ZohoDateTime, ZohoError, coql_text};

/// Rows per COQL page (one credit up to 200).
const PAGE: usize = 200;
/// Ids kept in a saved cursor mark; beyond that, ties at the mark's time are re-applied
/// (idempotently) on the next run rather than growing the SSM parameter.
const MAX_MARK_IDS: usize = 100;
/// Where a module's cursor starts when none is stored and no `--since` is given: everything.
pub const BEGINNING: &str = "1970-01-01T00:00:00+00:00";

/// A module and what applies its records.
#[derive(Debug, Clone, Copy)]
pub struct ModuleSpec {
    pub module: &'static str,
    pub entity: Entity,
    /// The webhook endpoint whose processing upserts a record (teachers have none: synced
    /// directly by `sync::sync_by_id`).
    pub upsert: Option<Endpoint>,
    pub delete: Option<Endpoint>,
}

/// Dependency order: parents before children.
pub const MODULES: [ModuleSpec; 9] = [
    ModuleSpec { module: "BTEC_Teachers", entity: Entity::Teacher, upsert: None, delete: None },
    ModuleSpec {
        module: "BTEC_Students",
        entity: Entity::Student,
        upsert: Some(Endpoint::StudentUpdated),
        delete: Some(Endpoint::StudentDeleted),
    },
    ModuleSpec {
        module: "BTEC_Classes",
        entity: Entity::Class,
        upsert: Some(Endpoint::ClassUpdated),
        delete: Some(Endpoint::ClassDeleted),
    },
    ModuleSpec {
        module: "BTEC_Registrations",
        entity: Entity::Registration,
        upsert: Some(Endpoint::RegistrationCreated),
        delete: Some(Endpoint::RegistrationDeleted),
    },
    ModuleSpec {
        module: "BTEC_Enrollments",
        entity: Entity::Enrollment,
        upsert: Some(Endpoint::EnrollmentUpdated),
        delete: Some(Endpoint::EnrollmentDeleted),
    },
    ModuleSpec {
        module: "BTEC_Payments",
        entity: Entity::Payment,
        upsert: Some(Endpoint::PaymentRecorded),
        delete: Some(Endpoint::PaymentDeleted),
    },
    ModuleSpec {
        module: "BTEC_Grades",
        entity: Entity::Grade,
        upsert: Some(Endpoint::GradeSubmitted),
        delete: Some(Endpoint::GradeDeleted),
    },
    ModuleSpec {
        module: "BTEC_Student_Requests",
        entity: Entity::Request,
        upsert: Some(Endpoint::RequestStatusChanged),
        delete: Some(Endpoint::RequestDeleted),
    },
    ModuleSpec {
        module: "BTEC",
        entity: Entity::BtecUnit,
        upsert: Some(Endpoint::BtecDefinitionUpdated),
        delete: Some(Endpoint::BtecDefinitionDeleted),
    },
];

/// A position in a module's history: everything before `time` is applied, and at `time` the
/// listed ids are.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mark {
    pub time: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ids: Vec<String>,
}

impl Mark {
    fn at(time: &str) -> Self {
        Self { time: time.to_owned(), ids: Vec::new() }
    }

    fn covers(&self, time: &str, id: &str) -> bool {
        self.time == time && self.ids.iter().any(|i| i == id)
    }

    fn advance(&mut self, time: &str, id: &str) {
        if self.time != time {
            *self = Mark::at(time);
        }
        if !self.ids.iter().any(|i| i == id) {
            self.ids.push(id.to_owned());
        }
    }

    fn for_saving(&self) -> Self {
        let mut saved = self.clone();
        if saved.ids.len() > MAX_MARK_IDS {
            saved.ids.clear();
        }
        saved
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModuleCursor {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modified: Option<Mark>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted: Option<Mark>,
    /// The record version whose replayable failure stops the changed-records step.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub held: Option<Held>,
}

/// Runs in a row that a replayable failure of one record version may stop its module; the next
/// one passes it. By then it is in the retry store (captured when the hold began), where the
/// worker's retries and then the dead store (alarmed, `mzi replay --dead`) own it, so passing
/// loses nothing. Without this a failure that only looks transient (a `dmlwriteexception`
/// without `debuginfo`, which Moodle sends only with debugging on) would stop the cursor at
/// that record forever. Three runs are 15 minutes at the default schedule: a short outage or a
/// lock clears within them and the record is applied in order.
pub const HOLD_RUNS: u32 = 3;

/// A record version that stopped its module, and in how many runs in a row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Held {
    pub id: String,
    pub time: String,
    pub runs: u32,
}

impl Held {
    fn is(&self, id: &str, time: &str) -> bool {
        self.id == id && self.time == time
    }
}

/// Every module's cursor, plus the webhook-failure list's.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursors {
    #[serde(default)]
    pub modules: BTreeMap<String, ModuleCursor>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook_failures: Option<String>,
    /// Records whose last try failed permanently (bad data: it fails the same way until the
    /// record changes in Zoho), by [`poison_key`], with the time of the version that failed.
    /// Recorded once, when the failure is captured to the dead store; a record listed here is
    /// not tried again from Zoho's failed-delivery list (which lists it because our webhook
    /// answered 422). A newer `Modified_Time` reaches the changed-records step, which tries it
    /// again and clears the entry on success.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub poison: BTreeMap<String, String>,
}

/// Entries kept in [`Cursors::poison`]; beyond that the oldest are dropped (they may then be
/// recorded once more, never lost: their dead-store entries stay).
const MAX_POISON: usize = 50;

/// The key of a record in [`Cursors::poison`].
pub fn poison_key(module: &str, zoho_id: &str) -> String {
    format!("{module}/{zoho_id}")
}

impl Cursors {
    /// Notes what one try of a record showed: a permanent failure is recorded (once per
    /// version), a success clears an earlier one.
    fn note_outcome(&mut self, module: &str, item: &Item) {
        let key = poison_key(module, &item.zoho_id);
        if item.result == "failed" && item.captured == Some(Store::Dead) {
            self.poison.insert(key, item.time.clone());
            while self.poison.len() > MAX_POISON {
                let oldest = self.poison.iter().min_by(|a, b| a.1.cmp(b.1)).map(|(k, _)| k.clone());
                if let Some(oldest) = oldest {
                    self.poison.remove(&oldest);
                }
            }
        } else if item.result != "failed" {
            self.poison.remove(&key);
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ReconcileError {
    #[error("reconciliation cursor {operation} failed: {reason}")]
    Cursor { operation: &'static str, reason: String },
}

pub type CursorFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, ReconcileError>> + Send + 'a>>;

/// Durable cursor storage.
pub trait CursorStore: Send + Sync {
    fn load(&self) -> CursorFuture<'_, Cursors>;
    fn save<'a>(&'a self, cursors: &'a Cursors) -> CursorFuture<'a, ()>;
}

/// A JSON file, replaced atomically (temporary file, then rename).
#[derive(Debug, Clone)]
pub struct FileCursorStore {
    pub path: PathBuf,
}

impl CursorStore for FileCursorStore {
    fn load(&self) -> CursorFuture<'_, Cursors> {
        Box::pin(async move {
            match std::fs::read_to_string(&self.path) {
                Ok(text) => serde_json::from_str(&text).map_err(|e| ReconcileError::Cursor {
                    operation: "read",
                    reason: format!("{}: {e}", self.path.display()),
                }),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Cursors::default()),
                Err(e) => {
                    Err(ReconcileError::Cursor { operation: "read", reason: format!("{}: {e}", self.path.display()) })
                }
            }
        })
    }

    fn save<'a>(&'a self, cursors: &'a Cursors) -> CursorFuture<'a, ()> {
        Box::pin(async move {
            let fail = |e: std::io::Error| ReconcileError::Cursor {
                operation: "write",
                reason: format!("{}: {e}", self.path.display()),
            };
            if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(fail)?;
            }
            let tmp = self.path.with_extension(format!("tmp{}", std::process::id()));
            std::fs::write(&tmp, serde_json::to_vec_pretty(cursors).unwrap_or_default()).map_err(fail)?;
            std::fs::rename(&tmp, &self.path).map_err(fail)
        })
    }
}

/// An SSM parameter (String) holding the cursors as JSON.
#[derive(Debug, Clone)]
pub struct SsmCursorStore {
    pub client: aws_sdk_ssm::Client,
    pub name: String,
}

impl CursorStore for SsmCursorStore {
    fn load(&self) -> CursorFuture<'_, Cursors> {
        Box::pin(async move {
            match self.client.get_parameter().name(&self.name).send().await {
                Ok(answer) => {
                    let text = answer.parameter().and_then(|p| p.value()).unwrap_or("{}");
                    serde_json::from_str(text)
                        .map_err(|e| ReconcileError::Cursor { operation: "read", reason: e.to_string() })
                }
                Err(e) if e.as_service_error().is_some_and(|s| s.is_parameter_not_found()) => Ok(Cursors::default()),
                Err(e) => Err(ReconcileError::Cursor {
                    operation: "read",
                    reason: aws_sdk_ssm::error::DisplayErrorContext(e).to_string(),
                }),
            }
        })
    }

    fn save<'a>(&'a self, cursors: &'a Cursors) -> CursorFuture<'a, ()> {
        Box::pin(async move {
            self.client
                .put_parameter()
                .name(&self.name)
                .value(serde_json::to_string(cursors).unwrap_or_default())
                .r#type(aws_sdk_ssm::types::ParameterType::String)
                .overwrite(true)
                .send()
                .await
                .map_err(|e| ReconcileError::Cursor {
                    operation: "write",
                    reason: aws_sdk_ssm::error::DisplayErrorContext(e).to_string(),
                })?;
            Ok(())
        })
    }
}

/// SSM when `RECONCILE_CURSOR_PARAM` is set, else the cursor file.
pub async fn cursor_store_from_settings(settings: &CaptureSettings) -> Option<Box<dyn CursorStore>> {
    if let Some(name) = &settings.cursor_param {
        let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
        return Some(Box::new(SsmCursorStore { client: aws_sdk_ssm::Client::new(&config), name: name.clone() }));
    }
    settings.cursor_file.as_ref().map(|path| Box::new(FileCursorStore { path: path.clone() }) as Box<dyn CursorStore>)
}

#[derive(Debug, Clone)]
pub struct Options {
    /// List what would be applied; write nothing (no Moodle call, no cursor, no capture).
    pub dry_run: bool,
    /// Zoho calls this run may make (token mints included).
    pub budget: u32,
    /// Start here instead of the stored cursors (for every module).
    pub since: Option<String>,
    /// Records applied at once (Moodle load).
    pub concurrency: usize,
    /// Read Zoho's failed-deliveries list too.
    pub webhook_failures: bool,
    /// Stop starting new work after this instant (Lambda's deadline less a margin); the cursor
    /// is saved and the next run continues.
    pub deadline: Option<std::time::Instant>,
}

impl Options {
    pub fn from_settings(settings: &CaptureSettings) -> Self {
        Self {
            dry_run: false,
            budget: settings.reconcile_budget,
            since: None,
            concurrency: settings.reconcile_concurrency,
            webhook_failures: true,
            deadline: None,
        }
    }
}

/// One thing reconciliation did or would do.
#[derive(Debug, Clone, Serialize)]
pub struct Item {
    pub action: &'static str,
    pub endpoint: String,
    pub zoho_id: String,
    pub time: String,
    pub result: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub captured: Option<Store>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct ModuleReport {
    pub module: String,
    pub upserts: usize,
    pub deletes: usize,
    /// Deletes Zoho did not confirm (the record exists again, e.g. restored from the recycle
    /// bin): nothing changed in Moodle, and the cursor moves on (a final answer, not a failure).
    pub refused: usize,
    pub failed: usize,
    /// The module stopped early (a replayable failure, the budget, or Zoho unreadable).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stopped: Option<String>,
    pub items: Vec<Item>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    pub dry_run: bool,
    pub zoho_calls: u32,
    pub budget_exhausted: bool,
    pub modules: Vec<ModuleReport>,
    pub webhook_failures: ModuleReport,
    pub cursors: Cursors,
}

impl Report {
    /// Counts only, for logs and the Lambda answer.
    pub fn summary(&self) -> Value {
        let modules: Vec<Value> = self
            .modules
            .iter()
            .chain(std::iter::once(&self.webhook_failures))
            .map(|m| serde_json::json!({"module": m.module, "upserts": m.upserts, "deletes": m.deletes, "refused": m.refused, "failed": m.failed, "stopped": m.stopped}))
            .collect();
        serde_json::json!({"dry_run": self.dry_run, "zoho_calls": self.zoho_calls, "budget_exhausted": self.budget_exhausted, "modules": modules})
    }

    pub fn failed(&self) -> usize {
        self.modules.iter().map(|m| m.failed).sum::<usize>() + self.webhook_failures.failed
    }
}

/// Runs one reconciliation. Errors only when the cursor cannot be read or saved; everything
/// else is in the report.
pub async fn run(
    app: &App,
    store: &dyn CursorStore,
    sink: Option<&dyn FailureSink>,
    options: &Options,
) -> Result<Report, ReconcileError> {
    let scope = RequestScope::new();
    let mut report = scope.run(run_in_scope(app, store, sink, options, &scope)).await?;
    report.zoho_calls = scope.zoho_calls();
    Ok(report)
}

struct Run<'a> {
    app: &'a App,
    store: &'a dyn CursorStore,
    sink: Option<&'a dyn FailureSink>,
    options: &'a Options,
    scope: &'a RequestScope,
    cursors: Cursors,
    budget_exhausted: bool,
}

impl Run<'_> {
    fn over_budget(&mut self) -> bool {
        let out_of_time = self.options.deadline.is_some_and(|d| std::time::Instant::now() >= d);
        if self.scope.zoho_calls() >= self.options.budget || out_of_time {
            self.budget_exhausted = true;
        }
        self.budget_exhausted
    }

    async fn save(&self) -> Result<(), ReconcileError> {
        if self.options.dry_run {
            return Ok(());
        }
        let mut saved = self.cursors.clone();
        for cursor in saved.modules.values_mut() {
            cursor.modified = cursor.modified.as_ref().map(Mark::for_saving);
            cursor.deleted = cursor.deleted.as_ref().map(Mark::for_saving);
        }
        self.store.save(&saved).await
    }
}

async fn run_in_scope(
    app: &App,
    store: &dyn CursorStore,
    sink: Option<&dyn FailureSink>,
    options: &Options,
    scope: &RequestScope,
) -> Result<Report, ReconcileError> {
    let cursors = store.load().await?;
    let mut run = Run { app, store, sink, options, scope, cursors, budget_exhausted: false };
    let mut report = Report { dry_run: options.dry_run, ..Report::default() };
    for spec in MODULES {
        let mut module_report = ModuleReport { module: spec.module.to_owned(), ..ModuleReport::default() };
        if run.over_budget() {
            module_report.stopped = Some("budget".into());
        } else {
            changed(&mut run, spec, &mut module_report).await?;
        }
        report.modules.push(module_report);
    }
    // Deletions children first, so a parent is never soft-deleted under a live child first.
    for (index, spec) in MODULES.iter().enumerate().rev() {
        let Some(endpoint) = spec.delete else { continue };
        if report.modules[index].stopped.is_some() {
            continue;
        }
        if run.over_budget() {
            report.modules[index].stopped = Some("budget".into());
            continue;
        }
        deleted(&mut run, spec, endpoint, &mut report.modules[index]).await?;
    }
    report.webhook_failures.module = "webhook_failures".into();
    if options.webhook_failures && !run.over_budget() {
        webhook_failures(&mut run, &mut report.webhook_failures).await?;
    }
    report.budget_exhausted = run.budget_exhausted;
    report.cursors = run.cursors.clone();
    Ok(report)
}

fn text(row: &Value, key: &str) -> String {
    row.get(key).and_then(Value::as_str).unwrap_or_default().to_owned()
}

/// The records of `spec` changed since its cursor, applied in `Modified_Time` order.
async fn changed(run: &mut Run<'_>, spec: ModuleSpec, report: &mut ModuleReport) -> Result<(), ReconcileError> {
    let stored = run.cursors.modules.get(spec.module).and_then(|c| c.modified.clone());
    let mut mark = match (&run.options.since, stored) {
        (Some(since), _) => Mark::at(since),
        (None, Some(mark)) => mark,
        (None, None) => Mark::at(BEGINNING),
    };
    // After reading every row at the mark's time in one go, continue strictly after it.
    let mut strictly_after = false;
    loop {
        if run.over_budget() {
            report.stopped = Some("budget".into());
            return Ok(());
        }
        let op = if strictly_after { ">" } else { ">=" };
        let query = format!(
            "select id, Modified_Time from {} where Modified_Time {op} {} order by Modified_Time asc",
            spec.module,
            coql_text(&mark.time)
        );
        let (mut rows, more) = match run.app.zoho.coql_page(&query, 0, PAGE).await {
            Ok(page) => page,
            Err(e) => return stop_on_read_error(report, e),
        };
        let page_all_at_mark = !rows.is_empty() && rows.iter().all(|r| text(r, "Modified_Time") == mark.time);
        strictly_after = false;
        if rows.is_empty() {
            return Ok(());
        }
        if more && page_all_at_mark {
            // More rows share this one time than a page holds: read them all, then go past it.
            let all = format!(
                "select id, Modified_Time from {} where Modified_Time = {}",
                spec.module,
                coql_text(&mark.time)
            );
            rows = match run.app.zoho.coql_raw(&all).await {
                Ok(rows) => rows,
                Err(e) => return stop_on_read_error(report, e),
            };
            strictly_after = true;
        }
        let todo: Vec<(String, String)> = rows
            .iter()
            .map(|r| (text(r, "id"), text(r, "Modified_Time")))
            .filter(|(id, time)| !id.is_empty() && !mark.covers(time, id))
            .collect();
        for chunk in todo.chunks(run.options.concurrency.max(1)) {
            let results = apply_chunk(run, spec, chunk, false).await;
            // Every record of the chunk was applied (concurrently): all of them are counted,
            // even after a failure, so the counts match what was done and captured.
            let mut stopped_at = None;
            for ((id, time), mut item) in chunk.iter().zip(results) {
                let mut stop = item.result == "failed" && item.captured != Some(Store::Dead);
                if item.result == "failed" {
                    report.failed += 1;
                } else {
                    report.upserts += 1;
                }
                if !run.options.dry_run {
                    run.cursors.note_outcome(spec.module, &item);
                    // Only the first stop of the chunk holds the cursor (and `hold` keeps one
                    // record's hold at a time): the records after it are applied again next run.
                    if stopped_at.is_none() {
                        stop = hold(run, spec, &mut item, stop);
                    }
                }
                report.items.push(item);
                if stop && stopped_at.is_none() {
                    stopped_at = Some((id, time));
                }
                if stopped_at.is_none() {
                    mark.advance(time, id);
                }
            }
            if let Some((id, time)) = stopped_at {
                // Replayable: the cursor stays before this record, so the next run tries it
                // again (the worker retries it meanwhile when it was captured).
                report.stopped = Some(format!("failed at {} {id} (Modified_Time {time})", spec.module));
                set_modified(run, spec, &mark);
                run.save().await?;
                return Ok(());
            }
            set_modified(run, spec, &mark);
            run.save().await?;
            if run.over_budget() {
                report.stopped = Some("budget".into());
                return Ok(());
            }
        }
        if !more && !strictly_after {
            return Ok(());
        }
    }
}

fn set_modified(run: &mut Run<'_>, spec: ModuleSpec, mark: &Mark) {
    run.cursors.modules.entry(spec.module.to_owned()).or_default().modified = Some(mark.clone());
}

fn stop_on_read_error(report: &mut ModuleReport, e: ZohoError) -> Result<(), ReconcileError> {
    tracing::warn!(module = %report.module, error = %e, "reconciliation could not read Zoho; the cursor stays");
    report.stopped = Some(format!("zoho: {e}"));
    Ok(())
}

/// Counts the runs a replayable failure of one record version stopped the module and says
/// whether it still stops it (see [`HOLD_RUNS`]). A hold begins only once the failure is in the
/// retry store; a capture that failed keeps the plain stop (the next run captures it again).
fn hold(run: &mut Run<'_>, spec: ModuleSpec, item: &mut Item, stop: bool) -> bool {
    let cursor = run.cursors.modules.entry(spec.module.to_owned()).or_default();
    let previous = cursor.held.take();
    if !stop {
        return false;
    }
    if item.captured != Some(Store::Pending) {
        return true;
    }
    let runs = previous.filter(|h| h.is(&item.zoho_id, &item.time)).map_or(1, |h| h.runs + 1);
    if runs > HOLD_RUNS {
        tracing::warn!(module = spec.module, zoho_id = %item.zoho_id, runs, "a replayable failure stopped reconciliation {HOLD_RUNS} times; passing it, the worker owns it");
        item.result = "passed".into();
        if let Some(error) = &mut item.error {
            error.push_str(&format!(
                "; failed in {runs} runs in a row: passed, the worker retries it from the retry store"
            ));
        }
        return false;
    }
    cursor.held = Some(Held { id: item.zoho_id.clone(), time: item.time.clone(), runs });
    true
}

/// Applies a chunk of records concurrently (at most `concurrency` at a time) and returns one
/// item per record, in order.
async fn apply_chunk(run: &Run<'_>, spec: ModuleSpec, chunk: &[(String, String)], delete: bool) -> Vec<Item> {
    let endpoint = if delete { spec.delete } else { spec.upsert };
    let action = if delete { "delete" } else { "upsert" };
    let futures = chunk.iter().map(|(id, time)| async move {
        let endpoint_name = endpoint.map(Endpoint::name).unwrap_or(spec.entity.name()).to_owned();
        let mut item = Item {
            action,
            endpoint: endpoint_name,
            zoho_id: id.clone(),
            time: time.clone(),
            result: String::new(),
            error: None,
            captured: None,
        };
        let Ok(zoho_id) = ZohoId::parse(id) else {
            item.result = "skipped".into();
            item.error = Some("not a Zoho id".into());
            return item;
        };
        if run.options.dry_run {
            item.result = "would_apply".into();
            return item;
        }
        let result = match endpoint {
            Some(endpoint) => {
                let call = WebhookCall { endpoint, zoho_id: zoho_id.clone(), module: Some(spec.module.to_owned()) };
                crate::process(run.app, &call).await.map(|o| o.status.as_str().to_owned()).map_err(|e| (e, Some(call)))
            }
            None => {
                let mut trail = Trail::new();
                sync::sync_by_id(run.app, spec.entity, &zoho_id, &mut trail)
                    .await
                    .map(|s| if s == sync::Synced::MissingInZoho { "skipped".to_owned() } else { "ok".to_owned() })
                    .map_err(|e| (e, None))
            }
        };
        match result {
            Ok(status) => item.result = status,
            Err((err, call)) => {
                item.result = "failed".into();
                item.error = Some(format!("{}: {}", err.code(), err));
                // The version that holds its module was captured when the hold began: once is
                // enough (the worker retries it).
                let held =
                    run.cursors.modules.get(spec.module).and_then(|c| c.held.as_ref()).is_some_and(|h| h.is(id, time));
                item.captured = if held && !delete && err.retry().is_replayable() {
                    Some(Store::Pending)
                } else {
                    capture_failure(run, call.as_ref(), &err).await
                };
            }
        }
        item
    });
    futures_util::future::join_all(futures).await
}

/// Keeps a failed record in the sink (pending or dead by its classification). Returns the store
/// it went to. Without an endpoint (teachers) or a sink, nothing is kept: for bad data that is
/// still the dead store's meaning (pass it), for a replayable failure the cursor holds it.
async fn capture_failure(run: &Run<'_>, call: Option<&WebhookCall>, err: &SyncError) -> Option<Store> {
    let (Some(sink), Some(call)) = (run.sink, call) else {
        return (err.retry() == Retry::Never).then_some(Store::Dead);
    };
    match capture::capture(sink, call, err, Origin::Reconcile).await {
        Ok(captured) => Some(captured.store),
        Err(e) => {
            tracing::error!(error = %e, "reconciliation could not capture a failure; the cursor stays before it");
            None
        }
    }
}

/// One deleted record as Zoho lists it.
#[derive(Debug, Clone)]
struct Deletion {
    id: String,
    time: String,
    unix: i64,
}

/// The records of `spec` deleted since its cursor, soft-deleted oldest first.
async fn deleted(
    run: &mut Run<'_>,
    spec: &ModuleSpec,
    endpoint: Endpoint,
    report: &mut ModuleReport,
) -> Result<(), ReconcileError> {
    let stored = run.cursors.modules.get(spec.module).and_then(|c| c.deleted.clone());
    let mut mark = match (&run.options.since, stored) {
        (Some(since), _) => Mark::at(since),
        (None, Some(mark)) => mark,
        (None, None) => Mark::at(BEGINNING),
    };
    let since_unix = ZohoDateTime::parse(&mark.time).map(|t| t.unix_seconds()).unwrap_or(0);
    let header = (mark.time != BEGINNING).then(|| mark.time.clone());
    let mut found: Vec<Deletion> = Vec::new();
    let mut page = 1;
    loop {
        if run.over_budget() {
            report.stopped = Some("budget".into());
            return Ok(());
        }
        let answer = match run.app.zoho.deleted_page(spec.module, page, header.as_deref()).await {
            Ok(answer) => answer,
            Err(e) => return stop_on_read_error(report, e),
        };
        let Some(answer) = answer else { break };
        let rows = answer.get("data").and_then(Value::as_array).cloned().unwrap_or_default();
        let mut older_seen = false;
        for row in &rows {
            let time = text(row, "deleted_time");
            let unix = ZohoDateTime::parse(&time).map(|t| t.unix_seconds()).unwrap_or(i64::MAX);
            if unix < since_unix {
                older_seen = true;
                continue;
            }
            let id = text(row, "id");
            if !id.is_empty() && !mark.covers(&time, &id) {
                found.push(Deletion { id, time, unix });
            }
        }
        let more = answer.pointer("/info/more_records").and_then(Value::as_bool).unwrap_or(false);
        // Zoho lists the newest first: a page reaching past the cursor is the last one needed.
        if !more || rows.is_empty() || older_seen {
            break;
        }
        page += 1;
    }
    found.sort_by(|a, b| a.unix.cmp(&b.unix).then_with(|| a.id.cmp(&b.id)));
    found.dedup_by(|a, b| a.id == b.id);
    let todo: Vec<(String, String)> = found.into_iter().map(|d| (d.id, d.time)).collect();
    for chunk in todo.chunks(run.options.concurrency.max(1)) {
        let results = apply_chunk(run, spec_with_delete(spec, endpoint), chunk, true).await;
        // As for upserts: count the whole chunk, advance the cursor only before the first stop.
        let mut stopped_at = None;
        for ((id, time), item) in chunk.iter().zip(results) {
            let stop = item.result == "failed" && item.captured != Some(Store::Dead);
            if item.result == "failed" {
                report.failed += 1;
            } else if item.result == "refused" {
                report.refused += 1;
            } else {
                report.deletes += 1;
            }
            report.items.push(item);
            if stop && stopped_at.is_none() {
                stopped_at = Some(id);
            }
            if stopped_at.is_none() {
                mark.advance(time, id);
            }
        }
        if let Some(id) = stopped_at {
            report.stopped = Some(format!("delete failed at {} {id}", spec.module));
            run.cursors.modules.entry(spec.module.to_owned()).or_default().deleted = Some(mark.clone());
            run.save().await?;
            return Ok(());
        }
        run.cursors.modules.entry(spec.module.to_owned()).or_default().deleted = Some(mark.clone());
        run.save().await?;
    }
    Ok(())
}

fn spec_with_delete(spec: &ModuleSpec, endpoint: Endpoint) -> ModuleSpec {
    ModuleSpec { delete: Some(endpoint), ..*spec }
}

/// Zoho's failed webhook deliveries since the cursor: each record re-synced through its
/// module's upsert (a record since deleted is skipped by the processing and handled by the
/// deleted list). Without the scope (`ZohoCRM.settings.automation_actions.READ`) or the feature,
/// Zoho refuses and this step is skipped with a warning.
async fn webhook_failures(run: &mut Run<'_>, report: &mut ModuleReport) -> Result<(), ReconcileError> {
    let since = run.options.since.clone().or_else(|| run.cursors.webhook_failures.clone());
    let since_unix = since.as_deref().and_then(ZohoDateTime::parse).map(|t| t.unix_seconds());
    let now = capture::now_unix();
    // Zoho's window: at most 90 days, by date.
    let from_unix = since_unix.unwrap_or(now - 30 * 86_400).max(now - 89 * 86_400);
    let date = |unix: i64| capture::iso(unix)[..10].to_owned();
    let mut found: Vec<(String, String, String, i64)> = Vec::new();
    let mut page = 1;
    loop {
        if run.over_budget() {
            report.stopped = Some("budget".into());
            return Ok(());
        }
        let query =
            [("from", date(from_unix)), ("to", date(now)), ("page", page.to_string()), ("per_page", "200".to_owned())];
        let answer = match run.app.zoho.get_list("settings/automation/webhook_failures", &query, None).await {
            Ok(answer) => answer,
            Err(e) => return stop_on_read_error(report, e),
        };
        let Some(answer) = answer else { break };
        let rows = answer
            .get("webhook_failures")
            .or_else(|| answer.get("data"))
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for row in &rows {
            let time = text(row, "failure_time");
            let unix = ZohoDateTime::parse(&time).map(|t| t.unix_seconds()).unwrap_or(0);
            if since_unix.is_some_and(|s| unix <= s) {
                continue;
            }
            let details = row.get("entity_details").cloned().unwrap_or(Value::Null);
            let module = details
                .get("module")
                .and_then(|m| {
                    m.as_str()
                        .map(str::to_owned)
                        .or_else(|| m.get("api_name").and_then(Value::as_str).map(str::to_owned))
                })
                .unwrap_or_default();
            let id = text(&details, "id");
            found.push((module, id, time, unix));
        }
        let more = answer.pointer("/info/more_records").and_then(Value::as_bool).unwrap_or(false);
        if !more || rows.is_empty() {
            break;
        }
        page += 1;
    }
    found.sort_by_key(|f| f.3);
    let mut seen = HashSet::new();
    let mut latest: Option<String> = None;
    for (module, id, time, _) in found {
        let Some(spec) = MODULES.iter().find(|s| s.module == module) else {
            latest = Some(time);
            continue;
        };
        if !seen.insert((module.clone(), id.clone())) {
            latest = Some(time);
            continue;
        }
        // Zoho lists a delivery our webhook refused with a 422 (bad data): that failure is
        // recorded already, and only a change in Zoho can cure it (the changed-records step,
        // which ran before this one, tries every newer version).
        if let Some(failed_version) = run.cursors.poison.get(&poison_key(&module, &id)) {
            report.items.push(Item {
                action: "upsert",
                endpoint: spec.upsert.map(Endpoint::name).unwrap_or(spec.entity.name()).to_owned(),
                zoho_id: id.clone(),
                time: time.clone(),
                result: "skipped".into(),
                error: Some(format!(
                    "failed permanently at Modified_Time {failed_version} and is in the dead store; it is tried again when the record changes in Zoho"
                )),
                captured: None,
            });
            latest = Some(time);
            continue;
        }
        let items = apply_chunk(run, *spec, &[(id.clone(), time.clone())], false).await;
        let item = items.into_iter().next().expect("one item per record");
        let stop = item.result == "failed" && item.captured != Some(Store::Dead);
        if item.result == "failed" {
            report.failed += 1;
        } else {
            report.upserts += 1;
        }
        if !run.options.dry_run {
            run.cursors.note_outcome(spec.module, &item);
        }
        report.items.push(item);
        if stop {
            report.stopped = Some(format!("failed at {module} {id}"));
            break;
        }
        latest = Some(time);
    }
    if let Some(latest) = latest {
        run.cursors.webhook_failures = Some(latest);
        run.save().await?;
    }
    Ok(())
}
