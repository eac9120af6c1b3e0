//! What processing one webhook did: applied, skipped or stale, with the steps it took. The sync
//! returns it; the webhook edge turns it into the JSON answer (`webhook::response`).

use serde::Serialize;
use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OutcomeStatus {
    /// The change was applied (or was already there: repeats are not errors).
    Ok,
    /// Nothing to do, with a reason (the record no longer exists, it has no student, …).
    Skipped,
    /// Moodle already holds a newer version of the record.
    Stale,
}

impl OutcomeStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            OutcomeStatus::Ok => "ok",
            OutcomeStatus::Skipped => "skipped",
            OutcomeStatus::Stale => "stale",
        }
    }
}

/// One step the processing took, e.g. `{"step": "local_mzi_update_student", "result": "updated"}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Action {
    pub step: String,
    pub result: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<Value>,
}

impl Action {
    pub fn new(step: impl Into<String>, result: impl Into<String>) -> Self {
        Self { step: step.into(), result: result.into(), detail: None }
    }

    pub fn with_detail(mut self, detail: Value) -> Self {
        self.detail = Some(detail);
        self
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub status: OutcomeStatus,
    pub actions: Vec<Action>,
    pub reason: Option<String>,
}

impl Outcome {
    pub fn ok(actions: Vec<Action>) -> Self {
        Self { status: OutcomeStatus::Ok, actions, reason: None }
    }

    pub fn skipped(reason: impl Into<String>, actions: Vec<Action>) -> Self {
        Self { status: OutcomeStatus::Skipped, actions, reason: Some(reason.into()) }
    }

    pub fn stale(reason: impl Into<String>, actions: Vec<Action>) -> Self {
        Self { status: OutcomeStatus::Stale, actions, reason: Some(reason.into()) }
    }
}
