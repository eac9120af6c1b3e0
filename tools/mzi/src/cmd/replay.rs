//! `mzi replay`: list and replay captured webhooks — the dead-letter store (`--dead`: the SQS
//! dead-letter queue, or `SPOOL_DIR/dead/`) or the pending store (the retry queue, or
//! `SPOOL_DIR/pending/`, which a local run has no worker to drain). A replay runs the same
//! processing as the webhook (re-reading the record from Zoho), so it is safe to repeat; a
//! message is removed only after it succeeded. Design: `docs/NOTHING-LOST.md`.

use shared::App;
use shared::capture::{self, Store};
use shared::config::Source;
use shared::webhook::Endpoint;
use worker::{Disposition, Selection};

use super::Console;
use crate::MziError;
use crate::table::Table;

/// At most this many messages are read from a store in one command.
const MAX_MESSAGES: usize = 10_000;

#[derive(Debug, Default, clap::Args)]
#[command(
    after_long_help = "Examples:\n  mzi replay --dead --list\n  mzi replay --dead --zoho-id 5398830000100000001\n  \
mzi replay --dead --endpoint class_updated --dry-run\n  mzi replay --dead --all\n\nThe store is the SQS queues when \
RETRY_QUEUE_URL and DEAD_LETTER_QUEUE_URL are set, else SPOOL_DIR (default ./.spool). Exit code 1 when a replayed \
message failed again (it stays in its store, with its latest error)."
)]
pub struct Args {
    /// List the messages (endpoint, Zoho id, attempts, first error); change nothing.
    #[arg(long)]
    pub list: bool,
    /// Replay every message of the store (or every one the filters select).
    #[arg(long)]
    pub all: bool,
    /// Only messages of this endpoint (e.g. student_updated).
    #[arg(long)]
    pub endpoint: Option<String>,
    /// Only messages about this Zoho record id.
    #[arg(long = "zoho-id")]
    pub zoho_id: Option<String>,
    /// The dead-letter store instead of the pending (retry) store.
    #[arg(long)]
    pub dead: bool,
    /// Show what would be replayed; change nothing.
    #[arg(long = "dry-run")]
    pub dry_run: bool,
}

fn write_error(e: std::io::Error) -> MziError {
    MziError::Failed(format!("cannot write the report: {e}"))
}

pub async fn run(args: &Args, source: &Source, console: &mut Console<'_>) -> Result<(), MziError> {
    if let Some(endpoint) = &args.endpoint
        && Endpoint::from_name(endpoint).is_none()
    {
        return Err(MziError::Usage(format!("unknown endpoint {endpoint}")));
    }
    if !args.list && !args.all && args.endpoint.is_none() && args.zoho_id.is_none() {
        return Err(MziError::Usage(
            "say what to replay: --all, --endpoint E or --zoho-id ID (or --list to see the store)".into(),
        ));
    }
    let settings = crate::load_settings(source).await?;
    let sink = capture::sink_from_settings(&settings.capture).await.ok_or_else(|| {
        MziError::Usage("no failure store: set RETRY_QUEUE_URL and DEAD_LETTER_QUEUE_URL, or SPOOL_DIR".into())
    })?;
    let store = if args.dead { Store::Dead } else { Store::Pending };
    let schedule = settings.capture.retry;
    let selection = Selection {
        endpoint: args.endpoint.clone(),
        zoho_id: args.zoho_id.clone(),
        ignore_delay: true,
        dry_run: args.dry_run || args.list,
        max: MAX_MESSAGES,
    };

    if args.list {
        let listed = sink.list(store, MAX_MESSAGES).await.map_err(|e| MziError::Failed(e.to_string()))?;
        let mut table = Table::new(["ENDPOINT", "ZOHO ID", "ATTEMPTS", "FIRST SEEN", "LAST TRIED", "ERROR", "REASON"]);
        for stored in &listed {
            let m = &stored.message;
            let takes = args.endpoint.as_deref().is_none_or(|e| e == m.endpoint)
                && args.zoho_id.as_deref().is_none_or(|id| id == m.zoho_id);
            if takes {
                let error = m.latest_error();
                table.row([
                    m.endpoint.clone(),
                    m.zoho_id.clone(),
                    m.attempts.to_string(),
                    m.first_seen.clone(),
                    m.last_tried.clone(),
                    format!("{}: {}", error.code, error.message),
                    m.dead_reason.clone().unwrap_or_default(),
                ]);
            }
            sink.release(store, &stored.handle).await.ok();
        }
        if table.is_empty() {
            writeln!(console.out, "The {} store ({}) is empty.", store.name(), sink.kind()).map_err(write_error)?;
        } else {
            table.write(console.out).map_err(write_error)?;
        }
        return Ok(());
    }

    let app = App::with_failure_sink(settings, Some(sink.clone()));
    let report = worker::drain(&app, sink.as_ref(), store, schedule, &selection)
        .await
        .map_err(|e| MziError::Failed(e.to_string()))?;
    let mut table = Table::new(["ENDPOINT", "ZOHO ID", "ATTEMPTS", "RESULT", "ERROR"]);
    for line in &report {
        let result = serde_json::to_value(&line.disposition).ok().and_then(|v| v.as_str().map(str::to_owned));
        table.row([
            line.endpoint.clone(),
            line.zoho_id.clone(),
            line.attempts.to_string(),
            result.unwrap_or_default(),
            line.error.clone().unwrap_or_default(),
        ]);
    }
    if table.is_empty() {
        writeln!(console.out, "Nothing to replay in the {} store ({}).", store.name(), sink.kind())
            .map_err(write_error)?;
        return Ok(());
    }
    table.write(console.out).map_err(write_error)?;
    let applied = report.iter().filter(|l| l.disposition == Disposition::Applied).count();
    // A refused message is finished too (a delete Zoho does not confirm: nothing was deleted in
    // Moodle, and repeating it would give the same answer), so it left its store.
    let refused = report.iter().filter(|l| l.disposition == Disposition::Refused).count();
    if args.dry_run {
        writeln!(console.out, "Dry run: {} message(s) would be replayed; nothing was changed.", report.len())
            .map_err(write_error)?;
        return Ok(());
    }
    writeln!(console.out, "Replayed {applied} of {} message(s).", report.len()).map_err(write_error)?;
    if refused > 0 {
        writeln!(
            console.out,
            "Refused {refused} delete(s) that Zoho does not confirm (the record exists again, or is not in Zoho's \
             deleted records): nothing was deleted in Moodle, and the message(s) left the store."
        )
        .map_err(write_error)?;
    }
    let unfinished = report.len() - applied - refused;
    if unfinished > 0 {
        return Err(MziError::Failed(format!(
            "{unfinished} message(s) failed again and stay in their store with the latest error"
        )));
    }
    Ok(())
}
