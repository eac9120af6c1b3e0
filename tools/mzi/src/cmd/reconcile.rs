//! `mzi reconcile`: the worker's scheduled reconciliation, run by hand. Reads what changed in
//! Zoho since the stored cursor (COQL on `Modified_Time`), what was deleted, and Zoho's failed
//! webhook deliveries, and applies each through the same processing as a webhook. `--dry-run`
//! lists what would be applied and writes nothing (no Moodle call, no cursor, no capture).
//! Design: `docs/NOTHING-LOST.md`.

use shared::App;
use shared::capture::{self, Store};
use shared::config::Source;
use shared::zoho::ZohoDateTime;
use worker::reconcile;

use super::Console;
use crate::MziError;
use crate::table::Table;

#[derive(Debug, Default, clap::Args)]
#[command(after_long_help = "The cursor is RECONCILE_CURSOR_PARAM (SSM) when set, else RECONCILE_CURSOR_FILE \
(default SPOOL_DIR/reconcile-cursor.json). It advances only past what was applied. Exit code 1 when a record \
failed (it is captured for retry, or kept dead for bad data) or a module could not be read from Zoho; 0 only when \
every module was read to its end or to the budget. The counts add up: every record tried is done or failed, and \
every failure is kept for retry, kept dead, or (without a failure store) not kept.")]
pub struct Args {
    /// Print what would be applied; write nothing.
    #[arg(long = "dry-run")]
    pub dry_run: bool,
    /// Zoho API calls this run may make (default RECONCILE_BUDGET, 500).
    #[arg(long)]
    pub budget: Option<u32>,
    /// Start at this Modified_Time (e.g. 2026-03-01T00:00:00+00:00) instead of the cursor.
    #[arg(long)]
    pub since: Option<String>,
    /// Records applied at once (default RECONCILE_CONCURRENCY, 4).
    #[arg(long)]
    pub concurrency: Option<usize>,
}

fn write_error(e: std::io::Error) -> MziError {
    MziError::Failed(format!("cannot write the report: {e}"))
}

pub async fn run(args: &Args, source: &Source, console: &mut Console<'_>) -> Result<(), MziError> {
    if let Some(since) = &args.since
        && ZohoDateTime::parse(since).is_none()
    {
        return Err(MziError::Usage(format!("--since {since}: use YYYY-MM-DDTHH:MM:SS+00:00")));
    }
    let settings = crate::load_settings(source).await?;
    let cursor = reconcile::cursor_store_from_settings(&settings.capture).await.ok_or_else(|| {
        MziError::Usage("no cursor store: set RECONCILE_CURSOR_PARAM, RECONCILE_CURSOR_FILE or SPOOL_DIR".into())
    })?;
    let sink = capture::sink_from_settings(&settings.capture).await;
    let mut options = reconcile::Options::from_settings(&settings.capture);
    options.dry_run = args.dry_run;
    options.since = args.since.clone();
    if let Some(budget) = args.budget {
        options.budget = budget.max(1);
    }
    if let Some(concurrency) = args.concurrency {
        options.concurrency = concurrency.clamp(1, 32);
    }
    let app = App::with_failure_sink(settings, sink.clone());
    let report = reconcile::run(&app, cursor.as_ref(), sink.as_deref(), &options)
        .await
        .map_err(|e| MziError::Failed(e.to_string()))?;

    let mut table = Table::new(["ACTION", "ENDPOINT", "ZOHO ID", "TIME", "RESULT", "ERROR"]);
    for module in report.modules.iter().chain(std::iter::once(&report.webhook_failures)) {
        for item in &module.items {
            let captured = item.captured.map(|s| format!(" (kept: {})", s.name())).unwrap_or_default();
            table.row([
                item.action.to_owned(),
                item.endpoint.clone(),
                item.zoho_id.clone(),
                item.time.clone(),
                format!("{}{captured}", item.result),
                item.error.clone().unwrap_or_default(),
            ]);
        }
    }
    if !table.is_empty() {
        table.write(console.out).map_err(write_error)?;
    }
    let mut summary = Table::new(["MODULE", "UPSERTS", "DELETES", "FAILED", "KEPT FOR RETRY", "KEPT DEAD", "STOPPED"]);
    let mut totals = Totals::default();
    for module in report.modules.iter().chain(std::iter::once(&report.webhook_failures)) {
        let kept = |store: Store| module.items.iter().filter(|i| i.captured == Some(store)).count();
        let (pending, dead) = (kept(Store::Pending), kept(Store::Dead));
        totals.add(module.upserts + module.deletes, module.failed, pending, dead);
        summary.row([
            module.module.clone(),
            module.upserts.to_string(),
            module.deletes.to_string(),
            module.failed.to_string(),
            pending.to_string(),
            dead.to_string(),
            module.stopped.clone().unwrap_or_default(),
        ]);
    }
    writeln!(console.out).map_err(write_error)?;
    summary.write(console.out).map_err(write_error)?;
    let mode = if report.dry_run { "Dry run: nothing was written. " } else { "" };
    writeln!(
        console.out,
        "{mode}{} record(s) done, {} failed ({} kept for retry, {} kept dead, {} not kept); {} Zoho call(s){}.",
        totals.done,
        totals.failed,
        totals.pending,
        totals.dead,
        totals.failed.saturating_sub(totals.pending + totals.dead),
        report.zoho_calls,
        if report.budget_exhausted {
            "; the budget or time ran out, the next run continues from the cursor"
        } else {
            ""
        }
    )
    .map_err(write_error)?;
    if let Some(reason) = &report.webhook_failures.stopped
        && reason != BUDGET
    {
        writeln!(console.err, "warning: Zoho's failed-deliveries list was not read ({reason})").map_err(write_error)?;
    }
    // A run did its job when no record failed and every module was read to its end (or to the
    // budget, which the next run continues from). A module stopped by Zoho being unreadable did
    // not, even though nothing "failed".
    let unread: Vec<String> = report
        .modules
        .iter()
        .filter_map(|m| {
            m.stopped.as_ref().filter(|r| *r != BUDGET && m.failed == 0).map(|r| format!("{}: {r}", m.module))
        })
        .collect();
    match (report.failed(), unread.is_empty()) {
        (0, true) => Ok(()),
        (0, false) => {
            Err(MziError::Failed(format!("{} module(s) could not be reconciled: {}", unread.len(), unread.join("; "))))
        }
        (failed, _) => Err(MziError::Failed(format!(
            "{failed} record(s) failed ({} kept for retry, {} kept dead){}; see the ERROR column",
            totals.pending,
            totals.dead,
            if unread.is_empty() {
                String::new()
            } else {
                format!(", and {} module(s) could not be read", unread.len())
            }
        ))),
    }
}

/// The worker's reason for a module stopped by its Zoho-call budget: not a failure.
const BUDGET: &str = "budget";

#[derive(Debug, Default)]
struct Totals {
    done: usize,
    failed: usize,
    pending: usize,
    dead: usize,
}

impl Totals {
    fn add(&mut self, done: usize, failed: usize, pending: usize, dead: usize) {
        self.done += done;
        self.failed += failed;
        self.pending += pending;
        self.dead += dead;
    }
}
