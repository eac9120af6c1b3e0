//! The worker: runs captured webhooks again through the same processing as the four functions,
//! with growing delays, until they succeed or land in the dead-letter store; replays that store on
//! an operator's request; and reconciles Moodle with Zoho on a schedule (`reconcile`).
//!
//! In AWS it is one Lambda function with two event sources: the retry queue (SQS, partial batch
//! failures) and an EventBridge schedule. Locally the same code drains the spool directory
//! (`mzi replay`, and the tests). Design and operation: `docs/NOTHING-LOST.md`.

pub mod reconcile;

use std::sync::Arc;
use std::time::Duration;

use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};
use serde::Serialize;
use shared::App;
use shared::capture::{CaptureError, CapturedWebhook, FailureSink, RetrySchedule, Store, now_unix};
use shared::error::SyncError;
use shared::telemetry::RequestScope;
use shared::webhook::{Endpoint, Function, Outcome, OutcomeStatus, Processor, WebhookCall};

/// The processing the edge runs for `endpoint`: the same `Processor` as its function.
pub fn processor_for(endpoint: Endpoint) -> &'static dyn Processor {
    match endpoint.function() {
        Function::DashboardSync => &dashboard_sync::DashboardSync,
        Function::Courses => &courses::Courses,
        Function::Enrol => &enrol::Enrol,
        Function::BtecUnits => &btec_units::BtecUnits,
    }
}

/// Runs one call exactly as the webhook edge would.
pub async fn process(app: &App, call: &WebhookCall) -> Result<Outcome, SyncError> {
    processor_for(call.endpoint).process(app, call).await
}

/// What became of one attempt at a captured message.
#[derive(Debug)]
pub enum Attempt {
    /// Applied (or nothing to do): the message is finished.
    Done(Outcome),
    /// Failed again, replayable, attempts left: retry after `delay_seconds`.
    Retry { delay_seconds: u32 },
    /// Bad data, or no attempts left: to the dead store.
    Dead,
    /// The message names no endpoint we know, or a malformed id: to the dead store as is.
    Unreadable,
}

/// Runs a captured message once and updates it (attempts, last error, dead reason).
pub async fn attempt(app: &App, message: &mut CapturedWebhook, schedule: RetrySchedule) -> Attempt {
    attempt_until(app, message, schedule, None).await
}

/// [`attempt`] that stops once `budget` (from Lambda's deadline less the margin) has run out: a
/// run that is still waiting then is a replayable failure (`deadline_exceeded`, naming the call it
/// waited for, as at the webhook edge), so the message is re-queued with its error while the
/// invocation still has time to do that, instead of Lambda timing out and the batch coming back
/// later with no reason recorded.
pub async fn attempt_until(
    app: &App,
    message: &mut CapturedWebhook,
    schedule: RetrySchedule,
    budget: Option<Duration>,
) -> Attempt {
    let Some(call) = message.call() else {
        message.dead_reason = Some("unreadable_message".into());
        return Attempt::Unreadable;
    };
    let scope = RequestScope::new();
    let result = match budget {
        None => scope.run(process(app, &call)).await,
        Some(budget) => {
            scope.run(shared::webhook::within_budget(&scope, &call, budget, budget, process(app, &call))).await
        }
    };
    match result {
        Ok(outcome) => Attempt::Done(outcome),
        Err(err) => {
            message.failed_again(&err);
            if !err.retry().is_replayable() {
                message.dead_reason = Some("not_retryable".into());
                Attempt::Dead
            } else if message.attempts >= schedule.max_attempts {
                message.dead_reason = Some("retries_exhausted".into());
                Attempt::Dead
            } else {
                Attempt::Retry { delay_seconds: schedule.delay_after(message.attempts - 1) }
            }
        }
    }
}

/// What the worker did with a message, for reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Disposition {
    Applied,
    /// Finished without a change: Zoho did not confirm a delete (the record exists again). A
    /// final answer, so the message is removed like an applied one.
    Refused,
    RetryLater,
    MovedToDead,
    KeptInDead,
    Skipped,
    /// The store could not be written: the message is left where it was.
    StoreFailed,
}

/// One line of a drain/replay report.
#[derive(Debug, Clone, Serialize)]
pub struct Handled {
    pub endpoint: String,
    pub zoho_id: String,
    pub attempts: u32,
    pub disposition: Disposition,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Which messages a drain or replay takes.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    pub endpoint: Option<String>,
    pub zoho_id: Option<String>,
    /// Run messages whose delay has not passed yet (an operator's replay does; the automatic
    /// local drain does not).
    pub ignore_delay: bool,
    /// List only; change nothing.
    pub dry_run: bool,
    pub max: usize,
}

impl Selection {
    fn takes(&self, message: &CapturedWebhook) -> bool {
        self.endpoint.as_deref().is_none_or(|e| e == message.endpoint)
            && self.zoho_id.as_deref().is_none_or(|id| id == message.zoho_id)
            && (self.ignore_delay || message.not_before <= now_unix())
    }
}

/// Runs the selected messages of `store` once each: a success removes the message; a failure
/// from the pending store is re-queued with a longer delay (or moved to the dead store); a
/// failure from the dead store stays there with its latest error. Safe to repeat: every write
/// the processing makes is idempotent, and a message is removed only after its success.
pub async fn drain(
    app: &App,
    sink: &dyn FailureSink,
    store: Store,
    schedule: RetrySchedule,
    selection: &Selection,
) -> Result<Vec<Handled>, CaptureError> {
    let listed = sink.list(store, selection.max.max(1)).await?;
    let mut report = Vec::new();
    for stored in listed {
        if !selection.takes(&stored.message) || selection.dry_run {
            sink.release(store, &stored.handle).await.ok();
            if selection.dry_run && selection.takes(&stored.message) {
                report.push(line(&stored.message, Disposition::Skipped, Some("dry run: not replayed".into())));
            }
            continue;
        }
        let mut message = stored.message.clone();
        let result = attempt(app, &mut message, schedule).await;
        let (target, delay, disposition) = match &result {
            Attempt::Done(outcome) => {
                let finished =
                    if outcome.status == OutcomeStatus::Refused { Disposition::Refused } else { Disposition::Applied };
                let disposition = match sink.remove(store, &stored.handle).await {
                    Ok(()) => finished,
                    Err(e) => {
                        tracing::warn!(error = %e, "applied, but the message could not be removed; a repeat is harmless");
                        Disposition::StoreFailed
                    }
                };
                report.push(line(&message, disposition, None));
                continue;
            }
            Attempt::Retry { delay_seconds } if store == Store::Pending => {
                (Store::Pending, *delay_seconds, Disposition::RetryLater)
            }
            Attempt::Retry { .. } => (Store::Dead, 0, Disposition::KeptInDead),
            Attempt::Dead | Attempt::Unreadable if store == Store::Dead => (Store::Dead, 0, Disposition::KeptInDead),
            Attempt::Dead | Attempt::Unreadable => (Store::Dead, 0, Disposition::MovedToDead),
        };
        let error = Some(format!("{}: {}", message.latest_error().code, message.latest_error().message));
        match sink.put(target, &message, delay).await {
            Ok(new_handle) => {
                if new_handle != stored.handle {
                    sink.remove(store, &stored.handle).await.ok();
                }
                report.push(line(&message, disposition, error));
            }
            Err(e) => {
                tracing::error!(error = %e, "could not re-queue a failed message; it stays where it was");
                sink.release(store, &stored.handle).await.ok();
                report.push(line(&message, Disposition::StoreFailed, error));
            }
        }
    }
    Ok(report)
}

fn line(message: &CapturedWebhook, disposition: Disposition, error: Option<String>) -> Handled {
    Handled {
        endpoint: message.endpoint.clone(),
        zoho_id: message.zoho_id.clone(),
        attempts: message.attempts,
        disposition,
        error,
    }
}

/// The SQS consumer: each record of the batch is one captured webhook. A failure is re-sent
/// with a longer delay (`DelaySeconds`, capped at 900 s) or moved to the dead-letter queue, and
/// the original counts as handled; only a record whose re-send failed is reported as a batch
/// item failure, so SQS delivers it again (and its redrive policy is the last resort).
///
/// `budget` (Lambda's deadline less the margin) bounds each record's processing (the records run
/// side by side, so each gets the whole budget); a record still running then is re-queued with
/// `deadline_exceeded` like any replayable failure.
pub async fn handle_sqs(
    app: &App,
    sink: &dyn FailureSink,
    schedule: RetrySchedule,
    event: SqsEvent,
    budget: Option<Duration>,
) -> SqsBatchResponse {
    let results = futures_util::future::join_all(event.records.into_iter().map(|record| async move {
        let id = record.message_id.clone().unwrap_or_default();
        // A message without a body is not ours: left to the redrive policy, never dropped.
        let Some(body) = record.body.as_deref() else { return Some(id) };
        let mut message = match CapturedWebhook::from_json(body) {
            Ok(m) => m,
            Err(e) => {
                tracing::error!(message_id = %id, error = %e, "unreadable retry message; leaving it to the redrive policy");
                return Some(id);
            }
        };
        let result = attempt_until(app, &mut message, schedule, budget).await;
        let put = match result {
            Attempt::Done(outcome) => {
                tracing::info!(endpoint = %message.endpoint, zoho_id = %message.zoho_id, attempts = message.attempts, outcome = outcome.status.as_str(), reason = outcome.reason.as_deref().unwrap_or(""), "captured webhook finished");
                return None;
            }
            Attempt::Retry { delay_seconds } => sink.put(Store::Pending, &message, delay_seconds).await,
            Attempt::Dead | Attempt::Unreadable => {
                tracing::warn!(endpoint = %message.endpoint, zoho_id = %message.zoho_id, attempts = message.attempts, reason = ?message.dead_reason, "captured webhook moved to the dead-letter queue");
                sink.put(Store::Dead, &message, 0).await
            }
        };
        match put {
            Ok(_) => None,
            Err(e) => {
                tracing::error!(message_id = %id, error = %e, "could not re-queue; SQS will deliver the message again");
                Some(id)
            }
        }
    }))
    .await;
    let mut response = SqsBatchResponse::default();
    response.batch_item_failures = results
        .into_iter()
        .flatten()
        .map(|id| {
            let mut failure = BatchItemFailure::default();
            failure.item_identifier = id;
            failure
        })
        .collect();
    response
}

fn capture_now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

/// The Lambda entry point: SQS batches from the retry queue, and the reconciliation schedule.
pub async fn lambda_main() -> Result<(), lambda_runtime::Error> {
    shared::telemetry::init();
    let app = match App::from_environment().await {
        Ok(app) => app,
        Err(error) => {
            tracing::error!(%error, retryable = error.is_retryable(), "configuration is invalid; refusing to start");
            return Err(error.into());
        }
    };
    let sink = app.failure_sink.clone().ok_or("the worker needs RETRY_QUEUE_URL and DEAD_LETTER_QUEUE_URL")?;
    let cursor = reconcile::cursor_store_from_settings(&app.settings.capture).await;
    let state = Arc::new((app, sink, cursor));
    lambda_runtime::run(lambda_runtime::service_fn(move |event: lambda_runtime::LambdaEvent<serde_json::Value>| {
        let state = state.clone();
        async move {
            let (app, sink, cursor) = &*state;
            let schedule = app.settings.capture.retry;
            if event.payload.get("Records").is_some() {
                let sqs: SqsEvent = serde_json::from_value(event.payload)?;
                // Stop processing the margin before Lambda's deadline, so the re-queue of a record
                // that is still running fits in the time left.
                let budget = shared::webhook::time_budget(&app.settings.webhook, Some(event.context.deadline));
                let response = handle_sqs(app, sink.as_ref(), schedule, sqs, Some(budget)).await;
                return Ok::<_, lambda_runtime::Error>(serde_json::to_value(response)?);
            }
            // Anything else is the schedule (EventBridge "Scheduled Event").
            let cursor = cursor.as_deref().ok_or("no reconciliation cursor store configured")?;
            let mut options = reconcile::Options::from_settings(&app.settings.capture);
            // Stop starting work 5 s before Lambda's deadline; the next run continues.
            let left_ms = (event.context.deadline as i64 - capture_now_ms()).max(0) as u64;
            options.deadline =
                Some(std::time::Instant::now() + std::time::Duration::from_millis(left_ms.saturating_sub(5_000)));
            let report = reconcile::run(app, cursor, Some(sink.as_ref()), &options).await?;
            tracing::info!(report = %serde_json::to_string(&report.summary()).unwrap_or_default(), "reconciliation finished");
            Ok(serde_json::to_value(report.summary())?)
        }
    }))
    .await
}
