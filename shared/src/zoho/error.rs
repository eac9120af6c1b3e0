//! Every way a Zoho call can fail, classified for the webhook answer and for replay.
//!
//! Messages name modules, fields, record ids and Zoho's error codes, never field values or tokens:
//! they end up in the webhook's JSON answer and in CloudWatch.

use crate::retry::Retry;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ZohoError {
    #[error("Zoho did not answer within {seconds} s")]
    Timeout { seconds: u64 },
    #[error("Zoho could not be reached: {reason}")]
    Unreachable { reason: String },
    /// 429, or 5xx, still failing when the retry budget ran out.
    #[error("Zoho answered HTTP {status}{code_text} after {attempts} attempt(s)", code_text = code.as_deref().map(|c| format!(" ({c})")).unwrap_or_default())]
    Unavailable { status: u16, code: Option<String>, attempts: u32 },
    /// The token endpoint's throttle ("Access Denied": more than ten mints per refresh token in
    /// ten minutes). It clears by itself; until then this client refuses to mint again.
    #[error(
        "Zoho refused to issue an access token (Access Denied: too many token requests); no new token is requested for {retry_after_secs} s"
    )]
    TokenThrottled { retry_after_secs: u64 },
    /// The token endpoint rejected the credentials (`invalid_code`: revoked refresh token,
    /// `invalid_client`: wrong client or data centre). A person must re-authorise.
    #[error(
        "Zoho rejected the OAuth credentials ({error}); check ZOHO_CLIENT_ID, ZOHO_CLIENT_SECRET, ZOHO_REFRESH_TOKEN and ZOHO_ACCOUNTS_URL"
    )]
    TokenRejected { error: String },
    /// The token endpoint answered without `access_token` and without a recognisable error.
    #[error("Zoho's token endpoint answered without an access token: {reason}")]
    TokenResponseInvalid { reason: String },
    /// 401/403 from the CRM that a fresh token did not cure (scope mismatch, no permission).
    #[error(
        "Zoho refused the request with HTTP {status} ({code}); check the OAuth scopes and the integration user's profile"
    )]
    Unauthorized { status: u16, code: String },
    /// Any other 4xx: the request is wrong (module name, query syntax). Repeating it changes
    /// nothing until the code or the org's configuration is fixed.
    #[error("Zoho rejected the request {operation}: HTTP {status} {code}: {message}")]
    Rejected { operation: String, status: u16, code: String, message: String },
    /// The per-record status of a write was not `SUCCESS`.
    #[error("Zoho did not update {module} record {id}: {code}{field_text}: {message}", field_text = field.as_deref().map(|f| format!(" on field {f}")).unwrap_or_default())]
    RecordRejected { module: String, id: String, code: String, field: Option<String>, message: String },
    /// The answer is not the JSON shape we expect (a record field of the wrong type included).
    #[error("Zoho's answer for {context} could not be read: {reason}")]
    Decode { context: String, reason: String },
}

/// Per-record codes that clear by themselves.
const TRANSIENT_RECORD_CODES: &[&str] = &["RECORD_LOCKED"];
/// Per-record codes that need a person: permissions, approvals, locked configuration.
const OPERATOR_RECORD_CODES: &[&str] =
    &["AUTHORIZATION_FAILED", "NO_PERMISSION", "NOT_APPROVED", "NOT_REVIEWED", "INVALID_MODULE"];

impl ZohoError {
    /// Access Denied is `Retry::Now`: it clears by itself within ten minutes and no operator
    /// has to act. Repeating the webhook is harmless because the client will not mint again
    /// during the cooling-off period; it fails fast with this same error instead.
    pub fn retry(&self) -> Retry {
        match self {
            ZohoError::Timeout { .. }
            | ZohoError::Unreachable { .. }
            | ZohoError::Unavailable { .. }
            | ZohoError::TokenThrottled { .. } => Retry::Now,
            ZohoError::TokenRejected { .. }
            | ZohoError::TokenResponseInvalid { .. }
            | ZohoError::Unauthorized { .. }
            | ZohoError::Rejected { .. } => Retry::AfterFix,
            ZohoError::RecordRejected { code, .. } => {
                if TRANSIENT_RECORD_CODES.contains(&code.as_str()) {
                    Retry::Now
                } else if OPERATOR_RECORD_CODES.contains(&code.as_str()) {
                    Retry::AfterFix
                } else {
                    Retry::Never
                }
            }
            ZohoError::Decode { .. } => Retry::Never,
        }
    }

    pub fn is_retryable(&self) -> bool {
        self.retry().is_retryable()
    }

    /// 504 for a timeout; 503 when time or an operator must pass first (throttles, credentials,
    /// permissions); 502 for every other upstream fault.
    pub fn http_status(&self) -> u16 {
        match self {
            ZohoError::Timeout { .. } => 504,
            ZohoError::Unavailable { status: 429, .. }
            | ZohoError::TokenThrottled { .. }
            | ZohoError::TokenRejected { .. }
            | ZohoError::TokenResponseInvalid { .. }
            | ZohoError::Unauthorized { .. } => 503,
            _ => 502,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            ZohoError::Timeout { .. } => "zoho_timeout",
            ZohoError::Unreachable { .. } => "zoho_unreachable",
            ZohoError::Unavailable { status: 429, .. } => "zoho_rate_limited",
            ZohoError::Unavailable { .. } => "zoho_unavailable",
            ZohoError::TokenThrottled { .. } => "zoho_token_throttled",
            ZohoError::TokenRejected { .. } => "zoho_credentials_rejected",
            ZohoError::TokenResponseInvalid { .. } => "zoho_token_response_invalid",
            ZohoError::Unauthorized { .. } => "zoho_unauthorized",
            ZohoError::Rejected { .. } => "zoho_request_rejected",
            ZohoError::RecordRejected { .. } => "zoho_record_rejected",
            ZohoError::Decode { .. } => "zoho_unexpected_response",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classification() {
        let throttled = ZohoError::TokenThrottled { retry_after_secs: 600 };
        assert_eq!(throttled.retry(), Retry::Now);
        assert_eq!(throttled.http_status(), 503);
        assert_eq!(ZohoError::Timeout { seconds: 10 }.http_status(), 504);
        let rejected = ZohoError::TokenRejected { error: "invalid_code".into() };
        assert_eq!(rejected.retry(), Retry::AfterFix);
        assert_eq!(rejected.http_status(), 503);
        let invalid = ZohoError::RecordRejected {
            module: "BTEC_Classes".into(),
            id: "1".into(),
            code: "INVALID_DATA".into(),
            field: Some("Moodle_Class_ID".into()),
            message: "invalid".into(),
        };
        assert_eq!(invalid.retry(), Retry::Never);
        assert_eq!(invalid.http_status(), 502);
        assert!(invalid.to_string().contains("Moodle_Class_ID"));
        let limited = ZohoError::Unavailable { status: 429, code: None, attempts: 3 };
        assert_eq!((limited.retry(), limited.http_status(), limited.code()), (Retry::Now, 503, "zoho_rate_limited"));
        let decode = ZohoError::Decode { context: "x".into(), reason: "y".into() };
        assert!(!decode.is_retryable());
    }
}
