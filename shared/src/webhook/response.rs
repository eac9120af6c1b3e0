//! The JSON answer of a processed webhook.

use serde_json::{Value, json};

use super::WebhookCall;
use crate::outcome::Outcome;
use crate::telemetry::PlannedCall;

// The outcome is the processing's (`crate::outcome`); turning it into the answer is the edge's.
impl Outcome {
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
