//! Every way a Moodle web-service call can fail, as one typed error.

use crate::retry::Retry;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoodleError {
    #[error("Moodle did not answer within {seconds} s")]
    Timeout { seconds: u64 },
    #[error("Moodle could not be reached: {reason}")]
    Unreachable { reason: String },
    /// 403 with an empty body: the REST protocol or web services are switched off.
    #[error("Moodle refused the REST call (HTTP 403): web services or the REST protocol are disabled")]
    WebServicesDisabled,
    #[error("Moodle answered HTTP {status}")]
    Http { status: u16 },
    /// A 200 whose body is not JSON (an HTML error page, a PHP fatal error, a login page).
    #[error("Moodle answered with something that is not JSON ({content_type})")]
    NotJson { content_type: String },
    /// JSON, but not the shape the function returns.
    #[error("Moodle's answer to {function} has an unexpected shape: {reason}")]
    UnexpectedResponse { function: String, reason: String },
    /// Moodle's `{"exception", "errorcode", "message"}`, sent with HTTP 200. `debuginfo` is kept
    /// out of the message: it can echo parameter values, i.e. personal data.
    #[error("Moodle {function} failed: {errorcode_text}: {message}", errorcode_text = errorcode.as_deref().unwrap_or(exception))]
    Exception { function: String, exception: String, errorcode: Option<String>, message: String },
}

/// Error codes that mean "the system is misconfigured": the call will work once an operator acts.
const NEEDS_OPERATOR: &[&str] = &[
    "invalidtoken",
    "accessexception",
    "nopermissions",
    "invalidrecord",
    "servicenotavailable",
    "requireloginerror",
    "restrictedcontextexception",
    "wsaccessuserdeleted",
    "wsaccessusersuspended",
    "wsaccessuserunconfirmed",
    "wsaccessusernologin",
    "webservicesnotenabled",
];

/// Error codes of transient states: a repeat is expected to succeed (every write is idempotent).
const TRANSIENT: &[&str] = &[
    "sitemaintenance",
    "dmlwriteexception",
    "dmlreadexception",
    "dmltransactionexception",
    "locktimeout",
    // The writes were committed but the answer failed validation: state unknown, so re-run.
    "invalidresponse",
];

impl MoodleError {
    pub fn errorcode(&self) -> Option<&str> {
        match self {
            MoodleError::Exception { errorcode, .. } => errorcode.as_deref(),
            _ => None,
        }
    }

    pub fn retry(&self) -> Retry {
        match self {
            MoodleError::Timeout { .. } | MoodleError::Unreachable { .. } | MoodleError::NotJson { .. } => Retry::Now,
            MoodleError::Http { status } if *status >= 500 || *status == 429 => Retry::Now,
            MoodleError::Http { .. } | MoodleError::WebServicesDisabled => Retry::AfterFix,
            MoodleError::UnexpectedResponse { .. } => Retry::AfterFix,
            MoodleError::Exception { errorcode: Some(code), .. } if NEEDS_OPERATOR.contains(&code.as_str()) => {
                Retry::AfterFix
            }
            MoodleError::Exception { errorcode: Some(code), .. } if TRANSIENT.contains(&code.as_str()) => Retry::Now,
            // No errorcode: a PHP error (TypeError, fatal) inside the server, i.e. a server fault.
            MoodleError::Exception { errorcode: None, .. } => Retry::Now,
            MoodleError::Exception { .. } => Retry::Never,
        }
    }

    pub fn is_retryable(&self) -> bool {
        self.retry().is_retryable()
    }

    pub fn http_status(&self) -> u16 {
        match self {
            MoodleError::Timeout { .. } => 504,
            _ => match self.retry() {
                Retry::Now => 502,
                Retry::AfterFix => 503,
                Retry::Never => 422,
            },
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            MoodleError::Timeout { .. } => "moodle_timeout",
            MoodleError::Unreachable { .. } => "moodle_unreachable",
            MoodleError::WebServicesDisabled => "moodle_webservices_disabled",
            MoodleError::Http { .. } => "moodle_http_error",
            MoodleError::NotJson { .. } => "moodle_not_json",
            MoodleError::UnexpectedResponse { .. } => "moodle_unexpected_response",
            MoodleError::Exception { errorcode: None, .. } => "moodle_server_error",
            MoodleError::Exception { .. } => match self.retry() {
                Retry::Now => "moodle_transient",
                Retry::AfterFix => "moodle_configuration",
                Retry::Never => "moodle_rejected",
            },
        }
    }
}
