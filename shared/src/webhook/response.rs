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
    /// The change was refused as a final answer, with a code and a reason, and nothing changed:
    /// a delete of a record that Zoho still has (`record_still_exists`), or one Zoho could not
    /// confirm (`delete_not_confirmed`). Answered 409; not kept for a retry, since repeating it
    /// gives the same answer until Zoho's data changes (and then Zoho sends a new webhook).
    Refused,
}

impl OutcomeStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            OutcomeStatus::Ok => "ok",
            OutcomeStatus::Skipped => "skipped",
            OutcomeStatus::Stale => "stale",
            OutcomeStatus::Refused => "refused",
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
    /// The error code of a [`OutcomeStatus::Refused`] outcome.
    pub refusal: Option<&'static str>,
}

impl Outcome {
    pub fn ok(actions: Vec<Action>) -> Self {
        Self { status: OutcomeStatus::Ok, actions, reason: None, refusal: None }
    }

    pub fn skipped(reason: impl Into<String>, actions: Vec<Action>) -> Self {
        Self { status: OutcomeStatus::Skipped, actions, reason: Some(reason.into()), refusal: None }
    }

    pub fn stale(reason: impl Into<String>, actions: Vec<Action>) -> Self {
        Self { status: OutcomeStatus::Stale, actions, reason: Some(reason.into()), refusal: None }
    }

    /// The same outcome with a reason for people (e.g. what was kept).
    pub fn with_reason(mut self, reason: impl Into<String>) -> Self {
        self.reason = Some(reason.into());
        self
    }

    /// A final refusal: `code` for the JSON error, `reason` for people.
    pub fn refused(code: &'static str, reason: impl Into<String>, actions: Vec<Action>) -> Self {
        Self { status: OutcomeStatus::Refused, actions, reason: Some(reason.into()), refusal: Some(code) }
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
        if let Some(code) = self.refusal {
            // Answered 409 with the edge's usual error shape, so Zoho's log and a person read it
            // like any other refusal.
            body["error"] =
                json!({"code": code, "message": self.reason.clone().unwrap_or_default(), "retryable": false});
        }
        if let Some(planned) = planned {
            body["mode"] = "plan".into();
            body["planned_moodle_calls"] = serde_json::to_value(planned).unwrap_or_default();
        }
        body
    }
}
