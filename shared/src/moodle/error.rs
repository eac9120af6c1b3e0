//! Every way a Moodle web-service call can fail, as one typed error.

use std::fmt;

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
    /// A database error (`dmlwriteexception`, `dmlreadexception`) whose text says the value
    /// itself cannot be stored: the same record fails the same way on every repeat, so it is
    /// permanent (see [`StoredValueFault`]). Only the kind and the column name are kept, never
    /// the text: Moodle's `debuginfo` holds the SQL and its parameters, i.e. personal data.
    #[error(
        "Moodle {function} could not store the record: {fault}{column_text} ({errorcode}); correct the value in Zoho, then replay it",
        column_text = column.as_deref().map(|c| format!(" (column {c})")).unwrap_or_default()
    )]
    ValueRefused { function: String, errorcode: String, fault: StoredValueFault, column: Option<String> },
}

/// Why the database refused a value. Decided from the text of a `dml_*_exception` (its
/// `debuginfo`, which Moodle sends only when debugging is on, or its message), because the
/// errorcode alone is the same for a deadlock and for a value longer than its column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoredValueFault {
    /// Longer than its column (PostgreSQL `value too long`, MySQL `Data too long`).
    TooLong,
    /// NULL in a NOT NULL column.
    MissingRequired,
    /// Not of the column's type or encoding (`invalid input syntax`, `Incorrect integer value`).
    Malformed,
    /// A number outside the column's range.
    OutOfRange,
}

impl fmt::Display for StoredValueFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            StoredValueFault::TooLong => "a value is longer than its database column",
            StoredValueFault::MissingRequired => "a required value is empty",
            StoredValueFault::Malformed => "a value is not of its database column's type",
            StoredValueFault::OutOfRange => "a number is outside its database column's range",
        })
    }
}

/// Database error codes whose text decides between transient and permanent.
const DATABASE: &[&str] = &["dmlwriteexception", "dmlreadexception"];

/// Texts of a database failure that a repeat can clear (checked first: they win over anything
/// else in the same text). Lower case.
const TRANSIENT_DATABASE_TEXT: &[&str] = &[
    "deadlock",
    "could not serialize",
    "serialization failure",
    "lock wait timeout",
    "lock timeout",
    "lock not available",
    "too many connections",
    "server has gone away",
    "lost connection",
    "connection",
    "canceling statement",
];

/// Texts of a database failure caused by the value itself, by engine (PostgreSQL, MySQL/MariaDB,
/// SQL Server, Oracle). Lower case.
const PERMANENT_DATABASE_TEXT: &[(&str, StoredValueFault)] = &[
    ("value too long", StoredValueFault::TooLong),
    ("data too long", StoredValueFault::TooLong),
    ("would be truncated", StoredValueFault::TooLong),
    ("value too large", StoredValueFault::TooLong),
    ("violates not-null", StoredValueFault::MissingRequired),
    ("cannot be null", StoredValueFault::MissingRequired),
    ("doesn't have a default value", StoredValueFault::MissingRequired),
    ("cannot insert the value null", StoredValueFault::MissingRequired),
    ("invalid input syntax", StoredValueFault::Malformed),
    ("invalid byte sequence", StoredValueFault::Malformed),
    ("incorrect integer value", StoredValueFault::Malformed),
    ("incorrect decimal value", StoredValueFault::Malformed),
    ("incorrect datetime value", StoredValueFault::Malformed),
    ("incorrect string value", StoredValueFault::Malformed),
    ("out of range", StoredValueFault::OutOfRange),
    ("numeric field overflow", StoredValueFault::OutOfRange),
];

/// The permanent fault a database error's text names, if any (`None` for a transient or an
/// unreadable text: a database error stays transient unless its text proves otherwise).
fn stored_value_fault(text: &str) -> Option<StoredValueFault> {
    let text = text.to_lowercase();
    if TRANSIENT_DATABASE_TEXT.iter().any(|t| text.contains(t)) {
        return None;
    }
    PERMANENT_DATABASE_TEXT.iter().find(|(t, _)| text.contains(t)).map(|(_, fault)| *fault)
}

/// The column a database error names (`column "city"`, `column 'city'`), if any. Only a plain
/// identifier is taken, so nothing else of the text (values) can come along.
fn named_column(text: &str) -> Option<String> {
    let lower = text.to_lowercase();
    let after = &text[lower.find("column ")? + "column ".len()..];
    let name: String = after
        .trim_start_matches(['"', '\'', '`'])
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .take(64)
        .collect();
    (!name.is_empty()).then_some(name)
}

impl MoodleError {
    /// The error of Moodle's `{"exception", "errorcode", "message", "debuginfo"?}` answer. The
    /// `debuginfo` only classifies a database error; it is never kept.
    pub fn from_exception(function: &str, object: &serde_json::Map<String, serde_json::Value>) -> Self {
        let text = |key: &str| object.get(key).and_then(serde_json::Value::as_str).map(str::to_owned);
        let errorcode = text("errorcode").filter(|c| !c.is_empty());
        let message = text("message").unwrap_or_default();
        if let Some(code) = errorcode.as_deref().filter(|c| DATABASE.contains(c)) {
            // Only the first line of `debuginfo`: the driver's error. The lines after it are the
            // SQL, its parameters and PostgreSQL's DETAIL, i.e. values that could contain any text.
            let debuginfo = text("debuginfo").unwrap_or_default();
            let detail = format!("{message}\n{}", debuginfo.lines().next().unwrap_or_default());
            if let Some(fault) = stored_value_fault(&detail) {
                return MoodleError::ValueRefused {
                    function: function.to_owned(),
                    errorcode: code.to_owned(),
                    fault,
                    column: named_column(&detail),
                };
            }
        }
        MoodleError::Exception {
            function: function.to_owned(),
            exception: text("exception").unwrap_or_else(|| "unknown".to_owned()),
            errorcode,
            message,
        }
    }
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
            MoodleError::ValueRefused { errorcode, .. } => Some(errorcode),
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
            // Every other plugin or core code (invalidparameter, categorymissing,
            // coursenotmanaged, rolenotallowed, …, docs/plugin-api.md §2.2) refuses the data
            // itself: the same record fails the same way again.
            MoodleError::Exception { .. } | MoodleError::ValueRefused { .. } => Retry::Never,
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
            MoodleError::ValueRefused { .. } => "moodle_value_refused",
            MoodleError::Exception { .. } => match self.retry() {
                Retry::Now => "moodle_transient",
                Retry::AfterFix => "moodle_configuration",
                Retry::Never => "moodle_rejected",
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exception(errorcode: &str, message: &str, debuginfo: Option<&str>) -> MoodleError {
        let mut body =
            serde_json::json!({"exception": "dml_write_exception", "errorcode": errorcode, "message": message});
        if let Some(debuginfo) = debuginfo {
            body["debuginfo"] = debuginfo.into();
        }
        MoodleError::from_exception("local_mzi_update_student", body.as_object().unwrap())
    }

    #[test]
    fn a_value_the_database_cannot_store_is_permanent_and_names_no_value() {
        let cases = [
            (
                "ERROR:  value too long for type character varying(255)\nINSERT INTO mdl_local_mzi_students (city) VALUES($1)\n[array (0 => 'Amman amman')]",
                StoredValueFault::TooLong,
                None,
            ),
            ("Data too long for column 'city' at row 1\nUPDATE ...", StoredValueFault::TooLong, Some("city")),
            (
                "ERROR:  null value in column \"firstname\" of relation \"mdl_user\" violates not-null constraint\nDETAIL:  Failing row contains (Amman)",
                StoredValueFault::MissingRequired,
                Some("firstname"),
            ),
            ("ERROR:  invalid input syntax for type bigint: \"12a\"", StoredValueFault::Malformed, None),
            (
                "Incorrect string value: '\\xF0\\x9F' for column `address` at row 1",
                StoredValueFault::Malformed,
                Some("address"),
            ),
            ("ERROR:  value \"99999999999\" is out of range for type integer", StoredValueFault::OutOfRange, None),
        ];
        for (debuginfo, fault, column) in cases {
            let err = exception("dmlwriteexception", "Error writing to database", Some(debuginfo));
            assert_eq!(
                err,
                MoodleError::ValueRefused {
                    function: "local_mzi_update_student".into(),
                    errorcode: "dmlwriteexception".into(),
                    fault,
                    column: column.map(str::to_owned),
                },
                "{debuginfo}"
            );
            assert_eq!((err.retry(), err.http_status(), err.code()), (Retry::Never, 422, "moodle_value_refused"));
            assert_eq!(err.errorcode(), Some("dmlwriteexception"));
            let text = err.to_string();
            assert!(!text.contains("Amman") && !text.contains("12a") && !text.contains("INSERT"), "{text}");
            assert!(text.contains("correct the value in Zoho"), "{text}");
        }
        // Moodle puts debuginfo into the message under PHPUnit; the message alone decides too.
        let err =
            exception("dmlreadexception", "Error reading from database (invalid input syntax for type integer)", None);
        assert_eq!(err.retry(), Retry::Never);
    }

    #[test]
    fn a_database_error_that_a_repeat_can_clear_stays_transient() {
        for debuginfo in [
            "ERROR:  deadlock detected\nDETAIL: Process 1 waits for ShareLock",
            "ERROR:  could not serialize access due to concurrent update",
            "Lock wait timeout exceeded; try restarting transaction",
            "ERROR:  canceling statement due to lock timeout",
            "SQLSTATE[08006] server closed the connection unexpectedly",
            // A value that reads like a permanent fault, but only in the SQL parameters.
            "ERROR:  deadlock detected\nUPDATE mdl_local_mzi_students SET city = $1\n[array (0 => 'value too long')]",
        ] {
            let err = exception("dmlwriteexception", "Error writing to database", Some(debuginfo));
            assert_eq!(err.retry(), Retry::Now, "{debuginfo}");
            assert_eq!(err.http_status(), 502);
        }
        // Without debuginfo (Moodle's default: debugging off) nothing proves it permanent.
        let err = exception("dmlwriteexception", "Error writing to database", None);
        assert!(matches!(err, MoodleError::Exception { .. }));
        assert_eq!(err.retry(), Retry::Now);
        // Only the driver's first line counts: a value in the parameters cannot make it permanent.
        let err = exception(
            "dmlwriteexception",
            "Error writing to database",
            Some("ERROR:  could not obtain lock\nINSERT ...\n[array (0 => 'Data too long')]"),
        );
        assert_eq!(err.retry(), Retry::Now);
    }

    #[test]
    fn refusals_of_the_data_are_permanent_and_configuration_is_not() {
        // invalid parameter (the plugin names the field in the message), missing category,
        // refused course, unknown role: the same record fails the same way every time.
        for code in ["invalidparameter", "categorymissing", "coursenotmanaged", "rolenotallowed", "rolemissing"] {
            let err = exception(code, "refused", None);
            assert_eq!((err.retry(), err.http_status(), err.code()), (Retry::Never, 422, "moodle_rejected"), "{code}");
        }
        let err = exception("nopermissions", "no", None);
        assert_eq!(err.retry(), Retry::AfterFix);
    }
}
