//! `mzi backfill`: every Zoho record into Moodle, module by module in dependency order, through
//! the same processing as the webhooks (`shared::sync::sync_by_id`: the class decision tree, the
//! BTEC criteria builder, parent-first resolution), with bounded concurrency, a checkpoint to
//! resume from, a dry run, and a summary.
//!
//! Order: teachers, students, classes, registrations, enrolments, payments, grades, requests,
//! BTEC definitions — parents before the records that point at them, so parent-first resolution
//! rarely has to step in. A class is synced without its enrolments (the decision tree as for an
//! enrolment's parent): the enrolments module follows, so each enrolment is applied once.
//!
//! Ids are listed with COQL (`Modified_Time >= --since` when given), every page, in id order.
//! The checkpoint keeps, per module, a watermark (every listed id up to it is done) and the ids
//! done beyond it (at most about `--concurrency` of them): a resumed run skips exactly what was
//! done. A record that failed for a reason that may pass (Moodle or Zoho unreachable, a
//! configuration fault) is not done and is tried again on the next run; a record whose data
//! cannot be synced is reported and not retried (fix it in Zoho: its webhook syncs it, or run
//! with `--restart`). When every module completes without such failures the checkpoint is deleted.

use std::collections::{BTreeMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use shared::App;
use shared::config::{Settings, Source};
use shared::error::Retry;
use shared::ids::ZohoId;
use shared::moodle::MoodleClient;
use shared::sync::{self, Entity, Synced, Trail};
use shared::telemetry::RequestScope;
use shared::zoho::{ZohoDateTime, coql_text};
use tokio::task::JoinSet;

use super::Console;
use crate::MziError;
use crate::table::Table;

/// Dependency order.
pub const ORDER: [Entity; 9] = [
    Entity::Teacher,
    Entity::Student,
    Entity::Class,
    Entity::Registration,
    Entity::Enrollment,
    Entity::Payment,
    Entity::Grade,
    Entity::Request,
    Entity::BtecUnit,
];
/// Ids per `local_mzi_get_moodle_ids` call in a dry run.
const PROBE_BATCH: usize = 100;
/// Failures listed one by one in the summary; the rest are counted.
const LISTED_FAILURES: usize = 50;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ModuleArg {
    Teachers,
    Students,
    Classes,
    Registrations,
    Enrollments,
    Payments,
    Grades,
    Requests,
    Btec,
}

impl ModuleArg {
    pub fn entity(self) -> Entity {
        match self {
            ModuleArg::Teachers => Entity::Teacher,
            ModuleArg::Students => Entity::Student,
            ModuleArg::Classes => Entity::Class,
            ModuleArg::Registrations => Entity::Registration,
            ModuleArg::Enrollments => Entity::Enrollment,
            ModuleArg::Payments => Entity::Payment,
            ModuleArg::Grades => Entity::Grade,
            ModuleArg::Requests => Entity::Request,
            ModuleArg::Btec => Entity::BtecUnit,
        }
    }
}

#[derive(Debug, Clone, clap::Args)]
#[command(after_long_help = "Modules, in the order they run: teachers (BTEC_Teachers), students (BTEC_Students), \
classes (BTEC_Classes), registrations (BTEC_Registrations), enrollments (BTEC_Enrollments), payments (BTEC_Payments), \
grades (BTEC_Grades), requests (BTEC_Student_Requests), btec (BTEC).\n\n\
Each record goes through the webhooks' processing, so a repeat is harmless (upserts keyed by Zoho id, stale data refused). \
Interrupt with Ctrl-C: the records in flight finish, the checkpoint is saved, and the next run resumes. \
A dry run sends nothing to Moodle and writes nothing to Zoho: it plans each record and, when MOODLE_URL is set, \
asks local_mzi_get_moodle_ids which students, teachers, classes and registrations already exist.\n\n\
Budget: about one Zoho API credit per record (a read) plus one per 200 listed ids; classes read their programme and teacher too.")]
pub struct Args {
    /// Only this module (repeat for several); default: all, in dependency order.
    #[arg(long, value_enum)]
    pub module: Vec<ModuleArg>,
    /// Only records modified at or after this time (2026-01-31 or 2026-01-31T08:00:00+03:00).
    #[arg(long, value_name = "DATETIME")]
    pub since: Option<String>,
    /// Plan only: report what would be created, updated or left unchanged; write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Records processed at the same time (Zoho allows about 10 concurrent calls).
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=10))]
    pub concurrency: u16,
    /// Where progress is kept between runs.
    #[arg(long, value_name = "FILE", default_value = "mzi-backfill.checkpoint.json")]
    pub checkpoint: PathBuf,
    /// Ignore (and replace) an existing checkpoint: start again from the first record.
    #[arg(long)]
    pub restart: bool,
    /// Stop after this many records in this run (a canary run); the next run continues.
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
}

/// The checkpoint file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Checkpoint {
    pub since: Option<String>,
    pub modules: BTreeMap<String, ModuleProgress>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ModuleProgress {
    /// Every listed id up to this one (in id order) is done.
    pub watermark: Option<String>,
    /// Ids done beyond the watermark.
    #[serde(default)]
    pub done: Vec<String>,
    /// The module finished with nothing left to retry.
    #[serde(default)]
    pub complete: bool,
}

impl Checkpoint {
    pub fn load(path: &Path) -> Result<Option<Self>, MziError> {
        match std::fs::read_to_string(path) {
            Ok(text) => serde_json::from_str(&text).map(Some).map_err(|e| {
                MziError::file(path, format!("not a backfill checkpoint ({e}); remove it or use --restart"))
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(MziError::file(path, e)),
        }
    }

    /// Written to a temporary file and renamed: a crash never leaves half a checkpoint.
    pub fn save(&self, path: &Path) -> Result<(), MziError> {
        let text = serde_json::to_string_pretty(self).expect("a checkpoint serialises");
        let temporary = path.with_extension("json.tmp");
        std::fs::write(&temporary, text)
            .and_then(|()| std::fs::rename(&temporary, path))
            .map_err(|e| MziError::file(path, e))
    }
}

/// Ids in id order (Zoho ids are numbers written in decimal).
fn id_order(a: &str, b: &str) -> std::cmp::Ordering {
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

/// Tracks which listed ids are done and keeps the watermark compact.
struct Progress<'a> {
    listed: &'a [ZohoId],
    frontier: usize,
    done: HashSet<String>,
    state: ModuleProgress,
}

impl<'a> Progress<'a> {
    fn new(listed: &'a [ZohoId], state: ModuleProgress) -> Self {
        let done: HashSet<String> = state.done.iter().cloned().collect();
        let mut progress = Self { listed, frontier: 0, done, state };
        progress.advance();
        progress
    }

    fn is_done(&self, id: &ZohoId) -> bool {
        self.state.watermark.as_deref().is_some_and(|w| id_order(id.as_str(), w) != std::cmp::Ordering::Greater)
            || self.done.contains(id.as_str())
    }

    fn mark(&mut self, id: &ZohoId) {
        self.done.insert(id.as_str().to_owned());
        self.advance();
    }

    fn advance(&mut self) {
        while let Some(id) = self.listed.get(self.frontier) {
            let below = self
                .state
                .watermark
                .as_deref()
                .is_some_and(|w| id_order(id.as_str(), w) != std::cmp::Ordering::Greater);
            if !below && !self.done.contains(id.as_str()) {
                break;
            }
            self.done.remove(id.as_str());
            if !below {
                self.state.watermark = Some(id.as_str().to_owned());
            }
            self.frontier += 1;
        }
    }

    fn snapshot(&self) -> ModuleProgress {
        let mut done: Vec<String> = self.done.iter().cloned().collect();
        done.sort_by(|a, b| id_order(a, b));
        ModuleProgress { watermark: self.state.watermark.clone(), done, complete: self.state.complete }
    }
}

/// What became of one record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordOutcome {
    Created,
    Updated,
    Unchanged,
    Skipped(String),
    Failed {
        code: String,
        reason: String,
        retryable: bool,
    },
    /// Dry run: Moodle has it (or not), so the upsert would update or leave it (or create it).
    WouldCreate,
    WouldUpdateOrKeep,
    /// Dry run, for a record kind Moodle cannot be asked about.
    WouldUpsert,
}

impl RecordOutcome {
    /// Whether the record needs no further run.
    fn is_settled(&self) -> bool {
        !matches!(self, RecordOutcome::Failed { retryable: true, .. })
    }
}

fn classify(result: Result<Synced, shared::SyncError>) -> RecordOutcome {
    match result {
        Ok(Synced::MissingInZoho) => RecordOutcome::Skipped("no longer in Zoho".to_owned()),
        Ok(Synced::Applied(result)) => match result.status.as_str() {
            "created" => RecordOutcome::Created,
            "updated" | "deleted" => RecordOutcome::Updated,
            "unchanged" | "absent" => RecordOutcome::Unchanged,
            "stale" => RecordOutcome::Skipped("Moodle holds a newer version (stale)".to_owned()),
            "" => RecordOutcome::WouldUpsert,
            other => RecordOutcome::Skipped(format!("the plugin answered {other}")),
        },
        // The enrolment guard of the specification: no student, nothing to send.
        Err(error) if error.code() == "missing_student_data" => RecordOutcome::Skipped(error.to_string()),
        Err(error) => RecordOutcome::Failed {
            code: error.code().to_owned(),
            reason: error.to_string(),
            retryable: error.retry() != Retry::Never,
        },
    }
}

/// Totals of one module.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ModuleReport {
    pub module: &'static str,
    pub listed: usize,
    /// Done in an earlier run (from the checkpoint).
    pub already_done: usize,
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub skipped: usize,
    pub failed: usize,
    pub would_create: usize,
    pub would_update_or_keep: usize,
    pub would_upsert: usize,
    /// `(zoho id, code, reason)`.
    pub failures: Vec<(String, String, String)>,
    /// Reason → count.
    pub skip_reasons: BTreeMap<String, usize>,
}

impl ModuleReport {
    fn add(&mut self, id: &ZohoId, outcome: &RecordOutcome) {
        match outcome {
            RecordOutcome::Created => self.created += 1,
            RecordOutcome::Updated => self.updated += 1,
            RecordOutcome::Unchanged => self.unchanged += 1,
            RecordOutcome::Skipped(reason) => {
                self.skipped += 1;
                *self.skip_reasons.entry(reason.clone()).or_default() += 1;
            }
            RecordOutcome::Failed { code, reason, .. } => {
                self.failed += 1;
                self.failures.push((id.to_string(), code.clone(), reason.clone()));
            }
            RecordOutcome::WouldCreate => self.would_create += 1,
            RecordOutcome::WouldUpdateOrKeep => self.would_update_or_keep += 1,
            RecordOutcome::WouldUpsert => self.would_upsert += 1,
        }
    }
}

/// The whole run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    pub modules: Vec<ModuleReport>,
    pub dry_run: bool,
    /// The run stopped before the end (`--limit` or Ctrl-C).
    pub stopped_early: bool,
    pub interrupted: bool,
}

impl Report {
    pub fn failed(&self) -> usize {
        self.modules.iter().map(|m| m.failed).sum()
    }
}

/// Parses `--since`: a date (midnight UTC) or a datetime with offset.
pub fn parse_since(raw: &str) -> Result<String, MziError> {
    let text = raw.trim();
    let full = if text.len() == 10 { format!("{text}T00:00:00+00:00") } else { text.to_owned() };
    ZohoDateTime::parse(&full)
        .map(|_| full.clone())
        .ok_or_else(|| MziError::Usage(format!("--since {raw:?}: use 2026-01-31 or 2026-01-31T08:00:00+03:00")))
}

/// Every id of the module's records (modified since `since`), in id order.
pub async fn list_ids(app: &App, entity: Entity, since: Option<&str>) -> Result<Vec<ZohoId>, MziError> {
    let condition = match since {
        Some(since) => format!("Modified_Time >= {}", coql_text(since)),
        None => "id is not null".to_owned(),
    };
    let rows =
        app.zoho.coql_raw(&format!("select id from {} where {condition} order by id asc", entity.module())).await?;
    let mut ids: Vec<ZohoId> = rows
        .iter()
        .filter_map(|r| r.get("id").and_then(Value::as_str))
        .filter_map(|id| ZohoId::parse(id).ok())
        .collect();
    ids.sort_by(|a, b| id_order(a.as_str(), b.as_str()));
    ids.dedup();
    Ok(ids)
}

/// Which of `ids` Moodle already stores (`local_mzi_get_moodle_ids`), for the kinds it answers.
async fn probe_existing(
    moodle: &MoodleClient,
    entity: Entity,
    ids: &[ZohoId],
) -> Result<Option<HashSet<String>>, MziError> {
    let (param, key) = match entity {
        Entity::Student => ("student_ids", "students"),
        Entity::Class => ("class_ids", "classes"),
        Entity::Registration => ("registration_ids", "registrations"),
        Entity::Teacher => ("teacher_ids", "teachers"),
        _ => return Ok(None),
    };
    let mut existing = HashSet::new();
    for chunk in ids.chunks(PROBE_BATCH) {
        let answer =
            moodle.call_value("local_mzi_get_moodle_ids", &json!({param: chunk})).await?.unwrap_or(Value::Null);
        for entry in answer[key].as_array().into_iter().flatten() {
            if entry["exists"].as_bool() == Some(true)
                && entry["deleted"].as_bool() != Some(true)
                && let Some(id) = entry["zoho_id"].as_str()
            {
                existing.insert(id.to_owned());
            }
        }
    }
    Ok(Some(existing))
}

/// Redraws one progress line on stderr: records done, rate, estimated time left.
fn draw_progress(err: &mut dyn Write, module: &str, done: usize, total: usize, started: Instant, finished: bool) {
    let elapsed = started.elapsed().as_secs_f64().max(0.001);
    let rate = done as f64 / elapsed;
    let eta = if rate > 0.0 { ((total.saturating_sub(done)) as f64 / rate).round() as u64 } else { 0 };
    let end = if finished { "\n" } else { "" };
    let _ = write!(err, "\r{module:<22} {done:>6}/{total:<6} {rate:>7.1}/s  ETA {:>3}:{:02}{end}", eta / 60, eta % 60);
    let _ = err.flush();
}

/// Runs the backfill; the report is what the summary prints.
pub async fn backfill(args: &Args, settings: Settings, err: &mut dyn Write) -> Result<Report, MziError> {
    let since = args.since.as_deref().map(parse_since).transpose()?;
    let entities: Vec<Entity> = if args.module.is_empty() {
        ORDER.to_vec()
    } else {
        ORDER.into_iter().filter(|e| args.module.iter().any(|m| m.entity() == *e)).collect()
    };
    let probe = match (&settings.moodle.target, args.dry_run) {
        (Some(target), true) => {
            Some(MoodleClient::new(crate::http_client(), Some(target.clone()), settings.moodle.timeout))
        }
        _ => None,
    };
    let mut app_settings = settings;
    if args.dry_run {
        // Plan mode: the processing runs, the Moodle calls are recorded, not made.
        app_settings.moodle.target = None;
    } else if app_settings.moodle.target.is_none() {
        return Err(MziError::Usage(
            "MOODLE_URL is not set: a backfill needs Moodle (or use --dry-run to see the plan)".into(),
        ));
    }
    let app = App::new(app_settings);

    let mut checkpoint = if args.dry_run || args.restart { None } else { Checkpoint::load(&args.checkpoint)? }
        .unwrap_or_else(|| Checkpoint { since: since.clone(), modules: BTreeMap::new() });
    if checkpoint.since != since {
        return Err(MziError::Usage(format!(
            "{} was made with --since {}; run with the same --since, or --restart",
            args.checkpoint.display(),
            checkpoint.since.as_deref().unwrap_or("(none)")
        )));
    }

    let mut interrupt = Box::pin(tokio::signal::ctrl_c());
    let mut report = Report { dry_run: args.dry_run, ..Report::default() };
    let mut budget = args.limit;
    for entity in entities {
        if report.stopped_early {
            break;
        }
        let module = entity.module();
        let listed = list_ids(&app, entity, since.as_deref()).await?;
        let previous = checkpoint.modules.get(module).cloned().unwrap_or_default();
        let mut progress = Progress::new(&listed, ModuleProgress { complete: false, ..previous });
        let todo: Vec<ZohoId> = listed.iter().filter(|id| !progress.is_done(id)).cloned().collect();
        let mut module_report = ModuleReport {
            module,
            listed: listed.len(),
            already_done: listed.len() - todo.len(),
            ..ModuleReport::default()
        };
        let existing = match &probe {
            Some(moodle) => probe_existing(moodle, entity, &todo).await?,
            None => None,
        };

        let started = Instant::now();
        let mut finished = module_report.already_done;
        let mut running: JoinSet<(ZohoId, RecordOutcome)> = JoinSet::new();
        let mut next = 0;
        let mut stop = false;
        draw_progress(err, module, finished, listed.len(), started, false);
        loop {
            while !stop && running.len() < usize::from(args.concurrency) && next < todo.len() {
                if budget == Some(0) {
                    stop = true;
                    break;
                }
                budget = budget.map(|b| b - 1);
                let id = todo[next].clone();
                next += 1;
                let app = app.clone();
                running.spawn(async move {
                    let scope = RequestScope::new();
                    let result = scope
                        .run(async {
                            let mut trail = Trail::new();
                            sync::sync_by_id(&app, entity, &id, &mut trail).await
                        })
                        .await;
                    (id, classify(result))
                });
            }
            if running.is_empty() {
                break;
            }
            tokio::select! {
                joined = running.join_next() => {
                    let Some(joined) = joined else { break };
                    let (id, mut outcome) = joined.map_err(|e| MziError::Failed(format!("a record task failed: {e}")))?;
                    if let (Some(existing), RecordOutcome::WouldUpsert) = (&existing, &outcome) {
                        outcome = if existing.contains(id.as_str()) { RecordOutcome::WouldUpdateOrKeep } else { RecordOutcome::WouldCreate };
                    }
                    module_report.add(&id, &outcome);
                    finished += 1;
                    if outcome.is_settled() {
                        progress.mark(&id);
                    }
                    if !args.dry_run {
                        checkpoint.modules.insert(module.to_owned(), progress.snapshot());
                        checkpoint.save(&args.checkpoint)?;
                    }
                    draw_progress(err, module, finished, listed.len(), started, false);
                }
                _ = &mut interrupt, if !report.interrupted => {
                    report.interrupted = true;
                    stop = true;
                    let _ = writeln!(err, "\ninterrupted: finishing the {} record(s) in flight, then saving the checkpoint", running.len());
                }
            }
        }
        draw_progress(err, module, finished, listed.len(), started, true);
        if stop {
            report.stopped_early = true;
        } else if listed.iter().all(|id| progress.is_done(id)) {
            progress.state.complete = true;
        }
        if !args.dry_run {
            checkpoint.modules.insert(module.to_owned(), progress.snapshot());
            checkpoint.save(&args.checkpoint)?;
        }
        report.modules.push(module_report);
    }

    if !args.dry_run && !report.stopped_early && checkpoint.modules.values().all(|m| m.complete) {
        // Everything is done: the next backfill starts from the beginning.
        if let Err(e) = std::fs::remove_file(&args.checkpoint)
            && e.kind() != std::io::ErrorKind::NotFound
        {
            return Err(MziError::file(&args.checkpoint, e));
        }
    }
    Ok(report)
}

/// Prints the summary table, the failures and the skip reasons.
pub fn write_summary(out: &mut dyn Write, report: &Report, checkpoint: &Path) -> std::io::Result<()> {
    let mut table = if report.dry_run {
        Table::new(["MODULE", "LISTED", "WOULD CREATE", "WOULD UPDATE OR KEEP", "WOULD UPSERT", "SKIPPED", "FAILED"])
    } else {
        Table::new(["MODULE", "LISTED", "EARLIER RUN", "CREATED", "UPDATED", "UNCHANGED", "SKIPPED", "FAILED"])
    };
    for m in &report.modules {
        let n = |v: usize| v.to_string();
        if report.dry_run {
            table.row([
                m.module.to_owned(),
                n(m.listed),
                n(m.would_create),
                n(m.would_update_or_keep),
                n(m.would_upsert),
                n(m.skipped),
                n(m.failed),
            ]);
        } else {
            table.row([
                m.module.to_owned(),
                n(m.listed),
                n(m.already_done),
                n(m.created),
                n(m.updated),
                n(m.unchanged),
                n(m.skipped),
                n(m.failed),
            ]);
        }
    }
    writeln!(
        out,
        "{}",
        if report.dry_run { "Backfill plan (dry run: nothing was written)" } else { "Backfill summary" }
    )?;
    table.write(out)?;
    if report.dry_run && report.modules.iter().any(|m| m.would_upsert > 0) {
        writeln!(
            out,
            "WOULD UPSERT: Moodle cannot be asked whether these records exist; the plugin creates or updates each."
        )?;
    }
    let skips: Vec<(&str, &String, &usize)> =
        report.modules.iter().flat_map(|m| m.skip_reasons.iter().map(move |(r, c)| (m.module, r, c))).collect();
    if !skips.is_empty() {
        writeln!(out, "\nSkipped")?;
        let mut table = Table::new(["MODULE", "COUNT", "REASON"]);
        for (module, reason, count) in skips {
            table.row([module.to_owned(), count.to_string(), reason.clone()]);
        }
        table.write(out)?;
    }
    let failures: Vec<(&str, &(String, String, String))> =
        report.modules.iter().flat_map(|m| m.failures.iter().map(move |f| (m.module, f))).collect();
    if !failures.is_empty() {
        writeln!(out, "\nFailed")?;
        let mut table = Table::new(["MODULE", "ZOHO ID", "CODE", "REASON"]);
        for (module, (id, code, reason)) in failures.iter().take(LISTED_FAILURES) {
            table.row([module.to_string(), id.clone(), code.clone(), reason.clone()]);
        }
        table.write(out)?;
        if failures.len() > LISTED_FAILURES {
            writeln!(out, "… and {} more failures", failures.len() - LISTED_FAILURES)?;
        }
    }
    if !report.dry_run && (report.stopped_early || report.failed() > 0) {
        writeln!(
            out,
            "\nProgress is in {}: run the same command again to continue (records that failed for a passing reason are retried).",
            checkpoint.display()
        )?;
    }
    Ok(())
}

pub async fn run(args: &Args, source: &Source, console: &mut Console<'_>) -> Result<(), MziError> {
    let settings = crate::load_settings(source).await?;
    let report = backfill(args, settings, console.err).await?;
    write_summary(console.out, &report, &args.checkpoint)
        .map_err(|e| MziError::Failed(format!("cannot write the report: {e}")))?;
    if report.interrupted {
        return Err(MziError::Interrupted(format!("progress saved in {}", args.checkpoint.display())));
    }
    let failed = report.failed();
    if failed > 0 {
        return Err(MziError::Failed(format!("{failed} record(s) failed; see the table above")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(raw: &[&str]) -> Vec<ZohoId> {
        raw.iter().map(|r| ZohoId::parse(r).unwrap()).collect()
    }

    #[test]
    fn the_watermark_advances_over_a_contiguous_prefix_only() {
        let listed = ids(&["5398830000100000001", "5398830000100000002", "5398830000100000003", "5398830000100000004"]);
        let mut progress = Progress::new(&listed, ModuleProgress::default());
        progress.mark(&listed[1]);
        assert_eq!(progress.snapshot().watermark, None);
        assert_eq!(progress.snapshot().done, vec!["5398830000100000002"]);
        progress.mark(&listed[0]);
        assert_eq!(progress.snapshot().watermark.as_deref(), Some("5398830000100000002"));
        assert!(progress.snapshot().done.is_empty());
        let resumed = Progress::new(&listed, progress.snapshot());
        assert!(resumed.is_done(&listed[1]) && !resumed.is_done(&listed[2]));
    }

    #[test]
    fn since_accepts_a_date_or_a_datetime() {
        assert_eq!(parse_since("2026-01-31").unwrap(), "2026-01-31T00:00:00+00:00");
        assert_eq!(parse_since("2026-01-31T08:00:00+03:00").unwrap(), "2026-01-31T08:00:00+03:00");
        assert!(parse_since("yesterday").is_err());
    }

    #[test]
    fn permanent_failures_settle_and_passing_ones_do_not() {
        let bad = classify(Err(shared::SyncError::invalid_record("missing_parent_link", "no student")));
        assert!(matches!(bad, RecordOutcome::Failed { retryable: false, .. }) && bad.is_settled());
        let down = classify(Err(shared::SyncError::Moodle(shared::moodle::MoodleError::Timeout { seconds: 2 })));
        assert!(!down.is_settled());
    }
}
