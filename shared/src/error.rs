//! The error of processing one webhook, classified for the HTTP answer and for replay.

use crate::moodle::MoodleError;
pub use crate::retry::Retry;
use crate::zoho::ZohoError;

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error(transparent)]
    Moodle(#[from] MoodleError),
    #[error(transparent)]
    Zoho(#[from] ZohoError),
    /// The record read from Zoho cannot be synced as it is (a required link is empty, a value is
    /// out of range). The message names the field, never its value.
    #[error("{message}")]
    InvalidRecord { code: &'static str, message: String },
    /// A step failed after earlier steps had already changed Moodle; those changes stay (e.g. the
    /// course was created but `Moodle_Class_ID` could not be written back). Never reported as
    /// success; the message says what exists now and what completes the rest.
    #[error("{done}, but {step} failed: {source}; {next}", next = incomplete_next_step(source.retry()))]
    Incomplete { code: &'static str, done: String, step: &'static str, source: Box<SyncError> },
    /// The endpoint is routed and authenticated, but its processing is not built yet.
    #[error("endpoint {endpoint} is not implemented yet")]
    NotImplemented { endpoint: &'static str },
    /// The invocation's time budget (below the Lambda timeout) ran out while `waiting_for` had not
    /// answered; the work was stopped so that the event can be kept for a retry in time.
    #[error("the request's time budget of {budget_ms} ms ran out while waiting for {waiting_for}")]
    DeadlineExceeded { budget_ms: u64, waiting_for: String },
}

impl SyncError {
    pub fn invalid_record(code: &'static str, message: impl Into<String>) -> Self {
        SyncError::InvalidRecord { code, message: message.into() }
    }

    pub fn retry(&self) -> Retry {
        match self {
            SyncError::Moodle(e) => e.retry(),
            SyncError::Zoho(e) => e.retry(),
            SyncError::InvalidRecord { .. } => Retry::Never,
            SyncError::Incomplete { source, .. } => source.retry(),
            SyncError::NotImplemented { .. } => Retry::AfterFix,
            SyncError::DeadlineExceeded { .. } => Retry::Now,
        }
    }

    /// The HTTP status we answer with: 422 for data that cannot be synced, 501 for what is not
    /// built, 502/503/504 for upstream faults (503 when an operator must act first).
    pub fn http_status(&self) -> u16 {
        match self {
            SyncError::Moodle(e) => e.http_status(),
            SyncError::Zoho(e) => e.http_status(),
            SyncError::InvalidRecord { .. } => 422,
            SyncError::Incomplete { source, .. } => source.http_status(),
            SyncError::NotImplemented { .. } => 501,
            SyncError::DeadlineExceeded { .. } => 503,
        }
    }

    /// A stable machine-readable code for the JSON answer and the logs.
    pub fn code(&self) -> &str {
        match self {
            SyncError::Moodle(e) => e.code(),
            SyncError::Zoho(e) => e.code(),
            SyncError::InvalidRecord { code, .. } => code,
            SyncError::Incomplete { code, .. } => code,
            SyncError::NotImplemented { .. } => "not_implemented",
            SyncError::DeadlineExceeded { .. } => "deadline_exceeded",
        }
    }
}

/// What completes an incomplete sync, by the kind of failure.
fn incomplete_next_step(retry: Retry) -> &'static str {
    match retry {
        Retry::Now => "repeating the webhook completes the rest without duplicating anything",
        Retry::AfterFix => {
            "once the cause is fixed, repeating the webhook completes the rest without duplicating anything"
        }
        Retry::Never => "correct the data in Zoho; the next webhook completes the rest without duplicating anything",
    }
}
