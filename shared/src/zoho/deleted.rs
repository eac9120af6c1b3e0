//! Is this record gone from Zoho? The check every delete makes before it reaches Moodle
//! (`sync::delete`): a webhook is a hint, Zoho is the truth, for deletes too.
//!
//! 1. `GET /crm/v8/{module}/{id}` decides, because only it says what exists *now*. A record in
//!    Zoho's recycle bin can be restored, and a restored record exists again: a delete webhook
//!    that was delayed, replayed or retried after the restore must not remove it from Moodle.
//!    - 200 with the record: it exists, the delete is refused.
//!    - 204 (Zoho's documented "no record matches", `docs/zoho-crm.md` §4.1): it is gone.
//! 2. Only when the GET is ambiguous, the module's deleted records decide:
//!    `GET /crm/v8/{module}/deleted?type=all` (newest first, 200 per page, `info.more_records`).
//!    Ambiguous are the "not found" answers Zoho gives in other words than 204: HTTP 404, or a
//!    4xx with `INVALID_DATA` ("the id given seems to be invalid"). They also answer a request
//!    that went to the wrong place, so on their own they must not remove data. `type=all` counts
//!    both kinds of deleted record: `recycle` (in the recycle bin) and `permanent`; either way
//!    the GET just said the record is not there now. Listed: gone. Not listed within
//!    [`MAX_DELETED_PAGES`] pages: not confirmed, and nothing is deleted.
//! 3. Anything else (timeout, 5xx, 429, token or permission trouble) is an error of the check,
//!    classified as usual: the caller never deletes on it, and the edge keeps the event for a
//!    retry.
//!
//! So a delete costs one Zoho read (the GET) unless Zoho answers ambiguously.

use serde_json::Value;

use super::{ZohoClient, ZohoError};
use crate::ids::ZohoId;

/// How many pages (of 200) of the deleted list an ambiguous check reads at most. Zoho lists
/// the newest deletions first, so a delete webhook's own record is on the first page.
pub const MAX_DELETED_PAGES: u32 = 5;

/// What Zoho says about a record a delete webhook names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Presence {
    /// The record exists: it must not be deleted.
    Exists,
    /// The record is gone, and how Zoho said so.
    Gone(GoneEvidence),
    /// Zoho answered "not found" ambiguously and does not list the record as deleted either.
    Unconfirmed,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GoneEvidence {
    /// `GET` answered 204.
    NotFound,
    /// Listed by `GET /{module}/deleted`, with its `type` (`recycle` or `permanent`).
    Listed { kind: String },
}

impl Presence {
    /// The result word of the trail's action line.
    pub fn as_str(&self) -> &'static str {
        match self {
            Presence::Exists => "exists",
            Presence::Gone(GoneEvidence::NotFound) => "not_found",
            Presence::Gone(GoneEvidence::Listed { .. }) => "listed_as_deleted",
            Presence::Unconfirmed => "not_confirmed",
        }
    }
}

impl ZohoClient {
    /// Whether record `id` of `module` still exists in Zoho (module doc above).
    pub async fn presence(&self, module: &str, id: &ZohoId) -> Result<Presence, ZohoError> {
        match self.get_raw(module, id).await {
            Ok(Some(_)) => Ok(Presence::Exists),
            Ok(None) => Ok(Presence::Gone(GoneEvidence::NotFound)),
            Err(error) if is_ambiguous_not_found(&error) => {
                tracing::info!(module, zoho_id = %id, error = %error, "zoho answered the record check ambiguously; looking in its deleted records");
                Ok(match self.listed_as_deleted(module, id).await? {
                    Some(kind) => Presence::Gone(GoneEvidence::Listed { kind }),
                    None => Presence::Unconfirmed,
                })
            }
            Err(error) => Err(error),
        }
    }

    /// The `type` of `id`'s entry in the module's deleted records, if it is listed.
    async fn listed_as_deleted(&self, module: &str, id: &ZohoId) -> Result<Option<String>, ZohoError> {
        for page in 1..=MAX_DELETED_PAGES {
            let Some(answer) = self.deleted_page(module, page, None).await? else { return Ok(None) };
            let rows = answer.get("data").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
            if let Some(row) = rows.iter().find(|row| row.get("id").and_then(Value::as_str) == Some(id.as_str())) {
                return Ok(Some(row.get("type").and_then(Value::as_str).unwrap_or("all").to_owned()));
            }
            let more = answer.pointer("/info/more_records").and_then(Value::as_bool).unwrap_or(false);
            if !more || rows.is_empty() {
                return Ok(None);
            }
        }
        Ok(None)
    }
}

/// Zoho's "not found" in words other than 204.
fn is_ambiguous_not_found(error: &ZohoError) -> bool {
    matches!(error, ZohoError::Rejected { status, code, .. } if *status == 404 || code == "INVALID_DATA")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_not_found_answers_are_ambiguous() {
        let rejected = |status, code: &str| ZohoError::Rejected {
            operation: "GET BTEC_Students/1".into(),
            status,
            code: code.into(),
            message: String::new(),
        };
        assert!(is_ambiguous_not_found(&rejected(404, "NO_CODE")));
        assert!(is_ambiguous_not_found(&rejected(400, "INVALID_DATA")));
        assert!(!is_ambiguous_not_found(&rejected(400, "INVALID_MODULE")));
        assert!(!is_ambiguous_not_found(&ZohoError::Unavailable { status: 500, code: None, attempts: 3 }));
        assert!(!is_ambiguous_not_found(&ZohoError::Timeout { seconds: 10 }));
        assert!(!is_ambiguous_not_found(&ZohoError::Unauthorized { status: 403, code: "NO_PERMISSION".into() }));
    }
}
