//! The JSON answer of a processed webhook.

use serde::Serialize;
use serde_json::{Value, json};

use super::WebhookCall;
use crate::telemetry::PlannedCall;

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

    /// `{"status", "endpoint", "zoho_id", "actions", "reason"?}`; in plan mode also
    /// `"mode": "plan"` and the Moodle calls that were not made.
    pub fn to_json(&self, call: &WebhookCall, planned: Option<Vec<PlannedCall>>) -> Value {
        let mut body = json!({
            "status": self.status,
            "endpoint": call.endpoint.name(),
            "zoho_id": call.zoho_id,
            "actions": self.actions,
        });
        if let Some(reason) = &self.reason {
            body["reason"] = reason.clone().into();
        }
        if let Some(planned) = planned {
            body["mode"] = "plan".into();
            body["planned_moodle_calls"] = serde_json::to_value(planned).unwrap_or_default();
        }
        body
    }
}
