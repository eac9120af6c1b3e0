//! What processing one webhook did: applied, skipped, stale or refused, with the steps it took. The sync
//! returns it; the webhook edge turns it into the JSON answer (`webhook::response`).

use serde::Serialize;
use serde_json::Value;
use serde_json::value::RawValue;

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
///
/// The detail is kept as the JSON text the answer will hold: it is written once, when the step is
/// recorded, from a `Value` or straight from a typed report ([`Action::with_detail_of`]), and the
/// answer copies it as it is.
#[derive(Debug, Clone, Serialize)]
pub struct Action {
    pub step: String,
    pub result: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<Box<RawValue>>,
}

impl PartialEq for Action {
    fn eq(&self, other: &Self) -> bool {
        self.step == other.step
            && self.result == other.result
            && self.detail.as_deref().map(RawValue::get) == other.detail.as_deref().map(RawValue::get)
    }
}

impl Action {
    pub fn new(step: impl Into<String>, result: impl Into<String>) -> Self {
        Self { step: step.into(), result: result.into(), detail: None }
    }

    pub fn with_detail(self, detail: Value) -> Self {
        self.with_detail_of(&detail)
    }

    /// The detail written straight from `detail`'s fields, without a `Value` tree.
    pub fn with_detail_of(mut self, detail: &impl Serialize) -> Self {
        // Serialising our own detail types and `Value`s cannot fail (string keys, no non-finite
        // floats outside a `Value`, which writes them as `null`).
        self.detail = serde_json::value::to_raw_value(detail).ok();
        self
    }

    /// The detail read back (tests and tools; the answer copies the text).
    pub fn detail_value(&self) -> Option<Value> {
        self.detail.as_deref().and_then(|raw| serde_json::from_str(raw.get()).ok())
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
}
