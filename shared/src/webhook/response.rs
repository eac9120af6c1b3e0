//! The JSON answer of a processed webhook.

use serde::Serialize;

use super::WebhookCall;
use crate::ids::ZohoId;
use crate::outcome::{Action, Outcome, OutcomeStatus};
use crate::telemetry::PlannedCall;

// The outcome is the processing's (`crate::outcome`); turning it into the answer is the edge's.
impl Outcome {
    /// `{"status", "endpoint", "zoho_id", "actions", "reason"?}`, and for a refusal (answered 409)
    /// the edge's usual `"error"` object, so Zoho's log and a person read it like any other
    /// refusal; in plan mode also `"mode": "plan"` and the Moodle calls that were not made.
    /// Serialised straight from the outcome, without a `Value` tree of it (the actions' details
    /// included).
    pub fn to_json_text(&self, call: &WebhookCall, planned: Option<Vec<PlannedCall>>) -> String {
        let answer = Answer {
            status: self.status,
            endpoint: call.endpoint.name(),
            zoho_id: &call.zoho_id,
            actions: &self.actions,
            reason: self.reason.as_deref(),
            error: self.refusal.map(|code| Refusal {
                code,
                message: self.reason.as_deref().unwrap_or_default(),
                retryable: false,
            }),
            mode: planned.as_ref().map(|_| "plan"),
            planned_moodle_calls: planned,
        };
        // Serialising these types cannot fail (string keys, no non-finite floats outside `Value`).
        serde_json::to_string(&answer).unwrap_or_default()
    }
}

/// The keys of the answer, in order.
#[derive(Serialize)]
struct Answer<'a> {
    status: OutcomeStatus,
    endpoint: &'static str,
    zoho_id: &'a ZohoId,
    actions: &'a [Action],
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<Refusal<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    mode: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    planned_moodle_calls: Option<Vec<PlannedCall>>,
}

#[derive(Serialize)]
struct Refusal<'a> {
    code: &'static str,
    message: &'a str,
    retryable: bool,
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;
    use crate::webhook::Endpoint;

    /// The answer as it was built before it was written in one pass: a `Value` tree, printed.
    fn reference(outcome: &Outcome, call: &WebhookCall, planned: Option<Vec<PlannedCall>>) -> Value {
        let mut body = json!({
            "status": outcome.status,
            "endpoint": call.endpoint.name(),
            "zoho_id": call.zoho_id,
            "actions": outcome.actions,
        });
        if let Some(reason) = &outcome.reason {
            body["reason"] = reason.clone().into();
        }
        if let Some(code) = outcome.refusal {
            // Answered 409 with the edge's usual error shape, so Zoho's log and a person read it
            // like any other refusal.
            body["error"] =
                json!({"code": code, "message": outcome.reason.clone().unwrap_or_default(), "retryable": false});
        }
        if let Some(planned) = planned {
            body["mode"] = "plan".into();
            body["planned_moodle_calls"] = serde_json::to_value(planned).unwrap_or_default();
        }
        body
    }

    /// The text written in one pass is the text of the `Value` tree it replaced, for every kind of
    /// outcome.
    #[test]
    fn the_text_is_the_value_printed() {
        let id = ZohoId::parse("5398830000100000001").unwrap();
        let call =
            WebhookCall { endpoint: Endpoint::StudentUpdated, zoho_id: id, module: Some("BTEC_Students".into()) };
        let actions = vec![
            Action::new("zoho.get BTEC_Students", "found").with_detail(json!({"zoho_id": "5398830000100000001"})),
            Action::new("local_mzi_update_student", "updated").with_detail(json!({
                "zoho_id": "5398830000100000001", "id": 27, "criteria": [{"shortname": "P1", "sortorder": 1}],
                "amount": 1500.5, "none": null, "text": "سارة \"quoted\" \\ \n tab\t", "flag": true
            })),
            Action::new("no detail", "x"),
        ];
        let planned = vec![PlannedCall {
            function: "local_mzi_update_student".into(),
            params: json!({"student": {"zoho_student_id": "1", "n": 2.25}}),
        }];
        let outcomes = [
            Outcome::ok(actions.clone()),
            Outcome::ok(Vec::new()),
            Outcome::skipped("BTEC_Students 1 does not exist in Zoho", actions.clone()),
            Outcome::stale("Moodle already holds a newer version", actions.clone()),
            Outcome::refused("record_still_exists", "still exists", actions.clone()),
            Outcome::ok(actions).with_reason("kept"),
        ];
        for outcome in &outcomes {
            for planned in [None, Some(planned.clone()), Some(Vec::new())] {
                assert_eq!(
                    outcome.to_json_text(&call, planned.clone()),
                    reference(outcome, &call, planned).to_string(),
                    "{outcome:?}"
                );
            }
        }
    }
}
