//! Nothing lost: a webhook whose processing failed is kept durably before the function answers,
//! so that a worker retries it (replayable failures) or an operator sees it (bad data).
//!
//! Two stores, the same in every sink:
//! - **pending**: replayable failures ([`Retry::Now`], [`Retry::AfterFix`]) waiting for their next
//!   automatic attempt. In AWS the retry queue (`RETRY_QUEUE_URL`), consumed by `functions/worker`;
//!   locally `SPOOL_DIR/pending/`, drained by `mzi replay` (or the worker's `drain_spool`).
//! - **dead**: failures that must not loop: bad data ([`Retry::Never`]) and retries exhausted after
//!   `MAX_ATTEMPTS`. In AWS the dead-letter queue (`DEAD_LETTER_QUEUE_URL`, with an alarm);
//!   locally `SPOOL_DIR/dead/`. Only an operator's `mzi replay --dead` takes them out.
//!
//! A message holds what is needed to run the same processing again (endpoint, Zoho id, module)
//! and why it failed (code and message), never record fields: the processing re-reads the record
//! from Zoho, so a replay applies Zoho's current truth, and every write is idempotent.
//! Operating it: `docs/NOTHING-LOST.md`.

use std::fmt;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::error::SyncError;
use crate::retry::Retry;
pub use crate::retry::RetrySchedule;
use crate::webhook::endpoint::{Endpoint, WebhookCall};
use crate::zoho::ZohoDateTime;

/// Error messages kept in a message are cut to this many characters.
const MAX_MESSAGE_CHARS: usize = 300;

/// Where a captured failure lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Store {
    /// Waiting for an automatic retry.
    Pending,
    /// Kept for an operator: bad data or retries exhausted. Never retried automatically.
    Dead,
}

impl Store {
    pub fn name(self) -> &'static str {
        match self {
            Store::Pending => "pending",
            Store::Dead => "dead",
        }
    }

    /// The store a failure of this kind goes to first.
    pub fn for_retry(retry: Retry) -> Store {
        if retry.is_replayable() { Store::Pending } else { Store::Dead }
    }
}

/// Where a failure came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    Webhook,
    Reconcile,
    Replay,
}

/// An error as kept in a message: the stable code, the classification, and the message (which by
/// construction names fields, never their values), cut short.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CapturedError {
    pub code: String,
    pub message: String,
    pub retry: Retry,
}

impl CapturedError {
    pub fn from_sync_error(err: &SyncError) -> Self {
        Self {
            code: err.code().to_owned(),
            message: err.to_string().chars().take(MAX_MESSAGE_CHARS).collect(),
            retry: err.retry(),
        }
    }
}

/// One captured webhook (the body of an SQS message, or one spool file).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CapturedWebhook {
    /// Message format version.
    pub v: u32,
    pub endpoint: String,
    pub zoho_id: String,
    pub module: String,
    pub origin: Origin,
    /// The first failure: what went wrong when it was captured.
    pub error: CapturedError,
    /// The latest failure, once it was retried.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<CapturedError>,
    /// Processing attempts made so far (the webhook's own included).
    pub attempts: u32,
    pub first_seen: String,
    pub last_tried: String,
    /// Unix seconds before which the next automatic attempt must not run (the spool's delay;
    /// SQS uses `DelaySeconds` instead).
    #[serde(default)]
    pub not_before: i64,
    /// Why it is in the dead store (`not_retryable`, `retries_exhausted`), when it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dead_reason: Option<String>,
}

impl CapturedWebhook {
    /// A new message for a failed call.
    pub fn new(call: &WebhookCall, err: &SyncError, origin: Origin) -> Self {
        let now = now_unix();
        let error = CapturedError::from_sync_error(err);
        let dead_reason = (!error.retry.is_replayable()).then(|| "not_retryable".to_owned());
        Self {
            v: 1,
            endpoint: call.endpoint.name().to_owned(),
            zoho_id: call.zoho_id.to_string(),
            module: call.endpoint.module().to_owned(),
            origin,
            error,
            last_error: None,
            attempts: 1,
            first_seen: iso(now),
            last_tried: iso(now),
            not_before: now,
            dead_reason,
        }
    }

    /// The call to run again; `None` when the message names an unknown endpoint or a bad id (a
    /// message we did not write).
    pub fn call(&self) -> Option<WebhookCall> {
        let endpoint = Endpoint::from_name(&self.endpoint)?;
        let zoho_id = crate::ids::ZohoId::parse(&self.zoho_id).ok()?;
        Some(WebhookCall { endpoint, zoho_id, module: Some(endpoint.module().to_owned()) })
    }

    /// The latest failure (the first one when it was never retried).
    pub fn latest_error(&self) -> &CapturedError {
        self.last_error.as_ref().unwrap_or(&self.error)
    }

    /// Records one more failed attempt.
    pub fn failed_again(&mut self, err: &SyncError) {
        self.attempts += 1;
        self.last_tried = iso(now_unix());
        self.last_error = Some(CapturedError::from_sync_error(err));
    }

    /// The spool's file name and the de-duplication key: one entry per endpoint and record.
    pub fn key(&self) -> String {
        let safe = |s: &str| s.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '_').collect::<String>();
        format!("{}__{}", safe(&self.endpoint), safe(&self.zoho_id))
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    pub fn from_json(text: &str) -> Result<Self, CaptureError> {
        serde_json::from_str(text).map_err(|e| CaptureError::new("decode", format!("not a captured webhook: {e}")))
    }
}

/// A message read from a store, with what removes it there.
#[derive(Debug, Clone)]
pub struct Stored {
    pub message: CapturedWebhook,
    /// The spool file path, or the SQS receipt handle.
    pub handle: String,
}

/// A sink or store operation that failed: the failure could not be kept (or read back).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("failure store {operation} failed: {reason}")]
pub struct CaptureError {
    pub operation: &'static str,
    pub reason: String,
}

impl CaptureError {
    pub fn new(operation: &'static str, reason: impl Into<String>) -> Self {
        Self { operation, reason: reason.into() }
    }
}

pub type SinkFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, CaptureError>> + Send + 'a>>;

/// Durable storage for failed webhooks. `put` returns only once the message is durable (the file
/// renamed into place, or SQS acknowledged the send).
pub trait FailureSink: Send + Sync + fmt::Debug {
    /// `spool` or `sqs`, for answers and logs.
    fn kind(&self) -> &'static str;
    /// Keeps `message` in `store`, delayed by `delay_seconds` for the next automatic attempt.
    /// Returns its new handle (the spool keeps one file per endpoint and record, so re-queueing
    /// a listed message may return that message's own handle: do not remove it then).
    fn put<'a>(&'a self, store: Store, message: &'a CapturedWebhook, delay_seconds: u32) -> SinkFuture<'a, String>;
    /// Up to `max` messages of `store` (for SQS: received, hidden until released or removed).
    fn list(&self, store: Store, max: usize) -> SinkFuture<'_, Vec<Stored>>;
    /// Removes a listed message (after a successful replay, or once moved elsewhere).
    fn remove<'a>(&'a self, store: Store, handle: &'a str) -> SinkFuture<'a, ()>;
    /// Makes a listed message visible again without changing it (SQS); nothing for the spool.
    fn release<'a>(&'a self, store: Store, handle: &'a str) -> SinkFuture<'a, ()>;
}

/// What became of a failure handed to [`capture`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Captured {
    pub store: Store,
    pub sink: &'static str,
}

/// Keeps a failed call in the store its classification calls for: pending (retried by the
/// worker) for replayable errors, dead (kept with its reason, no loop) for bad data.
pub async fn capture(
    sink: &dyn FailureSink,
    call: &WebhookCall,
    err: &SyncError,
    origin: Origin,
) -> Result<Captured, CaptureError> {
    let message = CapturedWebhook::new(call, err, origin);
    let store = Store::for_retry(err.retry());
    sink.put(store, &message, 0).await?;
    tracing::info!(endpoint = %message.endpoint, zoho_id = %message.zoho_id, code = %message.error.code, store = store.name(), sink = sink.kind(), "webhook failure captured");
    Ok(Captured { store, sink: sink.kind() })
}

/// Failure capture, retry and reconciliation settings: `RETRY_QUEUE_URL` and
/// `DEAD_LETTER_QUEUE_URL` (both or neither), `SPOOL_DIR` (default `./.spool` outside Lambda),
/// `MAX_ATTEMPTS` (default 8), `RETRY_BASE_DELAY_SECONDS` (default 30), `RECONCILE_CURSOR_PARAM`
/// (SSM parameter) or `RECONCILE_CURSOR_FILE` (default `<spool>/reconcile-cursor.json`),
/// `RECONCILE_BUDGET` (Zoho calls per run, default 500), `RECONCILE_CONCURRENCY` (Moodle, default 4).
#[derive(Debug, Clone)]
pub struct CaptureSettings {
    pub queues: Option<QueueUrls>,
    pub spool_dir: Option<std::path::PathBuf>,
    pub retry: RetrySchedule,
    pub cursor_param: Option<String>,
    pub cursor_file: Option<std::path::PathBuf>,
    pub reconcile_budget: u32,
    pub reconcile_concurrency: usize,
}

/// Builds the sink from the settings: SQS when `RETRY_QUEUE_URL` is set, else the spool
/// directory when one is configured (always outside Lambda), else none.
pub async fn sink_from_settings(settings: &CaptureSettings) -> Option<Arc<dyn FailureSink>> {
    if let Some(queues) = &settings.queues {
        // The SQS client is built on the first failure, not at cold start: most containers
        // never capture anything.
        return Some(Arc::new(SqsSink::lazy(queues.clone())));
    }
    settings.spool_dir.as_ref().map(|dir| Arc::new(SpoolSink::new(dir.clone())) as Arc<dyn FailureSink>)
}

/// The local sink: `pending/` and `dead/` under a directory, one JSON file per endpoint and
/// record, written atomically (temporary file, then rename).
#[derive(Debug, Clone)]
pub struct SpoolSink {
    root: PathBuf,
}

impl SpoolSink {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    fn dir(&self, store: Store) -> PathBuf {
        self.root.join(store.name())
    }

    fn put_sync(&self, store: Store, message: &CapturedWebhook, delay_seconds: u32) -> Result<String, CaptureError> {
        let dir = self.dir(store);
        std::fs::create_dir_all(&dir).map_err(|e| io_error("put", &dir, &e))?;
        let path = dir.join(format!("{}.json", message.key()));
        let mut message = message.clone();
        message.not_before = now_unix() + i64::from(delay_seconds);
        // The same record failing again while it waits: one entry, with its first error and
        // first sighting kept.
        if let Some(existing) = std::fs::read_to_string(&path).ok().and_then(|t| CapturedWebhook::from_json(&t).ok()) {
            if existing.first_seen < message.first_seen {
                message.first_seen = existing.first_seen;
                message.error = existing.error;
            }
            message.attempts = message.attempts.max(existing.attempts);
        }
        let tmp = dir.join(format!(".{}.{}.tmp", message.key(), fastrand::u64(..)));
        std::fs::write(&tmp, message.to_json()).map_err(|e| io_error("put", &tmp, &e))?;
        if let Ok(file) = std::fs::File::open(&tmp) {
            let _ = file.sync_all();
        }
        std::fs::rename(&tmp, &path).map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            io_error("put", &path, &e)
        })?;
        // Moving to the dead store: the entry leaves the pending one.
        if store == Store::Dead {
            let _ = std::fs::remove_file(self.dir(Store::Pending).join(format!("{}.json", message.key())));
        }
        Ok(path.to_string_lossy().into_owned())
    }

    fn list_sync(&self, store: Store, max: usize) -> Result<Vec<Stored>, CaptureError> {
        let dir = self.dir(store);
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(io_error("list", &dir, &e)),
        };
        let mut paths: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        paths.sort();
        let mut out = Vec::new();
        for path in paths {
            if out.len() >= max {
                break;
            }
            let Ok(text) = std::fs::read_to_string(&path) else { continue };
            match CapturedWebhook::from_json(&text) {
                Ok(message) => out.push(Stored { message, handle: path.to_string_lossy().into_owned() }),
                Err(e) => tracing::warn!(path = %path.display(), error = %e, "unreadable spool file left in place"),
            }
        }
        out.sort_by(|a, b| a.message.first_seen.cmp(&b.message.first_seen));
        Ok(out)
    }
}

fn io_error(operation: &'static str, path: &Path, err: &std::io::Error) -> CaptureError {
    CaptureError::new(operation, format!("{}: {err}", path.display()))
}

impl FailureSink for SpoolSink {
    fn kind(&self) -> &'static str {
        "spool"
    }

    fn put<'a>(&'a self, store: Store, message: &'a CapturedWebhook, delay_seconds: u32) -> SinkFuture<'a, String> {
        Box::pin(async move { self.put_sync(store, message, delay_seconds) })
    }

    fn list(&self, store: Store, max: usize) -> SinkFuture<'_, Vec<Stored>> {
        Box::pin(async move { self.list_sync(store, max) })
    }

    fn remove<'a>(&'a self, store: Store, handle: &'a str) -> SinkFuture<'a, ()> {
        Box::pin(async move {
            let path = Path::new(handle);
            // Only files of this spool's store: a handle is never a path chosen elsewhere.
            if path.parent() != Some(self.dir(store).as_path()) {
                return Err(CaptureError::new("remove", format!("{handle} is not in the {} spool", store.name())));
            }
            match std::fs::remove_file(path) {
                Ok(()) => Ok(()),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
                Err(e) => Err(io_error("remove", path, &e)),
            }
        })
    }

    fn release<'a>(&'a self, _store: Store, _handle: &'a str) -> SinkFuture<'a, ()> {
        Box::pin(async { Ok(()) })
    }
}

/// The two queue URLs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueUrls {
    pub retry: String,
    pub dead_letter: String,
}

/// The AWS sink: the retry queue (pending) and the dead-letter queue (dead).
#[derive(Debug, Clone)]
pub struct SqsSink {
    client: tokio::sync::OnceCell<aws_sdk_sqs::Client>,
    queues: QueueUrls,
}

impl SqsSink {
    pub fn new(client: aws_sdk_sqs::Client, queues: QueueUrls) -> Self {
        Self { client: tokio::sync::OnceCell::new_with(Some(client)), queues }
    }

    /// A sink whose client is built from the environment on first use.
    pub fn lazy(queues: QueueUrls) -> Self {
        Self { client: tokio::sync::OnceCell::new(), queues }
    }

    async fn client(&self) -> &aws_sdk_sqs::Client {
        self.client
            .get_or_init(|| async {
                aws_sdk_sqs::Client::new(&aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await)
            })
            .await
    }

    fn url(&self, store: Store) -> &str {
        match store {
            Store::Pending => &self.queues.retry,
            Store::Dead => &self.queues.dead_letter,
        }
    }
}

fn sqs_error<E: std::error::Error>(operation: &'static str, err: E) -> CaptureError {
    CaptureError::new(operation, aws_sdk_sqs::error::DisplayErrorContext(err).to_string())
}

impl FailureSink for SqsSink {
    fn kind(&self) -> &'static str {
        "sqs"
    }

    fn put<'a>(&'a self, store: Store, message: &'a CapturedWebhook, delay_seconds: u32) -> SinkFuture<'a, String> {
        Box::pin(async move {
            let delay = delay_seconds.min(RetrySchedule::MAX_DELAY_SECONDS) as i32;
            let sent = self
                .client()
                .await
                .send_message()
                .queue_url(self.url(store))
                .message_body(message.to_json())
                .delay_seconds(delay)
                .send()
                .await
                .map_err(|e| sqs_error("send", e))?;
            Ok(sent.message_id().unwrap_or_default().to_owned())
        })
    }

    fn list(&self, store: Store, max: usize) -> SinkFuture<'_, Vec<Stored>> {
        Box::pin(async move {
            let mut out = Vec::new();
            // Received messages stay hidden for the visibility timeout, so repeated receives walk
            // the queue; the caller removes or releases each one.
            while out.len() < max {
                let batch = (max - out.len()).min(10) as i32;
                let answer = self
                    .client()
                    .await
                    .receive_message()
                    .queue_url(self.url(store))
                    .max_number_of_messages(batch)
                    .visibility_timeout(120)
                    .wait_time_seconds(0)
                    .send()
                    .await
                    .map_err(|e| sqs_error("receive", e))?;
                let messages = answer.messages();
                if messages.is_empty() {
                    break;
                }
                for m in messages {
                    let (Some(body), Some(handle)) = (m.body(), m.receipt_handle()) else { continue };
                    match CapturedWebhook::from_json(body) {
                        Ok(message) => out.push(Stored { message, handle: handle.to_owned() }),
                        Err(e) => tracing::warn!(error = %e, "unreadable queue message left in place"),
                    }
                }
            }
            Ok(out)
        })
    }

    fn remove<'a>(&'a self, store: Store, handle: &'a str) -> SinkFuture<'a, ()> {
        Box::pin(async move {
            self.client()
                .await
                .delete_message()
                .queue_url(self.url(store))
                .receipt_handle(handle)
                .send()
                .await
                .map_err(|e| sqs_error("delete", e))?;
            Ok(())
        })
    }

    fn release<'a>(&'a self, store: Store, handle: &'a str) -> SinkFuture<'a, ()> {
        Box::pin(async move {
            self.client()
                .await
                .change_message_visibility()
                .queue_url(self.url(store))
                .receipt_handle(handle)
                .visibility_timeout(0)
                .send()
                .await
                .map_err(|e| sqs_error("release", e))?;
            Ok(())
        })
    }
}

pub fn now_unix() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

/// Unix seconds as `YYYY-MM-DDTHH:MM:SS+00:00`.
pub fn iso(unix_seconds: i64) -> String {
    ZohoDateTime::from_unix_utc(unix_seconds).as_str().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::ZohoId;

    fn call() -> WebhookCall {
        WebhookCall {
            endpoint: Endpoint::StudentUpdated,
            zoho_id: ZohoId::parse("5398830000100000001").unwrap(),
            module: None,
        }
    }

    #[test]
    fn delays_grow_and_are_capped_at_sqs_maximum() {
        let s = RetrySchedule { max_attempts: 8, base_delay_seconds: 30 };
        assert_eq!(s.delay_after(0), 30);
        assert_eq!(s.delay_after(1), 60);
        assert_eq!(s.delay_after(4), 480);
        assert_eq!(s.delay_after(5), 900);
        assert_eq!(s.delay_after(40), 900);
    }

    #[test]
    fn a_message_holds_no_record_data_and_round_trips() {
        let err = SyncError::invalid_record("missing_student", "the registration has no Student_Name link");
        let message = CapturedWebhook::new(&call(), &err, Origin::Webhook);
        assert_eq!(message.dead_reason.as_deref(), Some("not_retryable"));
        let json = message.to_json();
        let keys: Vec<String> =
            serde_json::from_str::<serde_json::Value>(&json).unwrap().as_object().unwrap().keys().cloned().collect();
        assert_eq!(
            keys,
            [
                "v",
                "endpoint",
                "zoho_id",
                "module",
                "origin",
                "error",
                "attempts",
                "first_seen",
                "last_tried",
                "not_before",
                "dead_reason"
            ]
        );
        assert_eq!(CapturedWebhook::from_json(&json).unwrap(), message);
        assert_eq!(message.call().unwrap().endpoint, Endpoint::StudentUpdated);
    }

    #[tokio::test]
    async fn the_spool_writes_atomically_and_keeps_one_entry_per_record() {
        let dir = std::env::temp_dir().join(format!("mzi-spool-unit-{}", fastrand::u64(..)));
        let sink = SpoolSink::new(&dir);
        let err = SyncError::NotImplemented { endpoint: "x" };
        let mut message = CapturedWebhook::new(&call(), &err, Origin::Webhook);
        sink.put(Store::Pending, &message, 0).await.unwrap();
        message.failed_again(&err);
        sink.put(Store::Pending, &message, 60).await.unwrap();
        let listed = sink.list(Store::Pending, 10).await.unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].message.attempts, 2);
        assert!(listed[0].message.not_before > now_unix() + 30);
        let leftovers: Vec<_> = std::fs::read_dir(dir.join("pending")).unwrap().filter_map(Result::ok).collect();
        assert_eq!(leftovers.len(), 1, "no temporary file is left behind");
        sink.put(Store::Dead, &message, 0).await.unwrap();
        assert!(sink.list(Store::Pending, 10).await.unwrap().is_empty(), "moved, not copied");
        let dead = sink.list(Store::Dead, 10).await.unwrap();
        assert!(sink.remove(Store::Pending, &dead[0].handle).await.is_err(), "a handle works only in its own store");
        sink.remove(Store::Dead, &dead[0].handle).await.unwrap();
        assert!(sink.list(Store::Dead, 10).await.unwrap().is_empty());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
