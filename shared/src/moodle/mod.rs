//! The Moodle web-service client: REST, form-encoded, JSON answers.
//!
//! One client per process (it holds the connection pool), reused by every invocation. Without a
//! configured Moodle it runs in plan mode: it records each call in the request scope and answers
//! with the function's empty result instead of sending anything.

mod error;
pub mod form;
mod settings;

use std::time::Duration;

use serde::de::DeserializeOwned;
use serde_json::Value;

pub use error::{MoodleError, StoredValueFault};
pub use settings::{MoodleSettings, MoodleTarget};

use crate::telemetry::{self, PlannedCall};

pub const REST_PATH: &str = "/webservice/rest/server.php";

/// A typed answer that knows whether the JSON object it was read from had a top-level
/// `exception` key, Moodle's error shape (`decode_response`). With that, a plain success is
/// read once, straight into the type ([`decode_typed`]); anything else takes the regular path.
pub trait TypedAnswer: DeserializeOwned {
    /// True when the object read had a top-level `exception` key (whatever its value).
    fn had_exception_key(&self) -> bool;
}

impl TypedAnswer for Value {
    fn had_exception_key(&self) -> bool {
        self.as_object().is_some_and(|object| object.contains_key("exception"))
    }
}

/// For a typed answer's `exception` field (`#[serde(default, deserialize_with = ...)]`): the key is
/// there, whatever its value.
pub fn key_present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    use serde::Deserialize as _;
    serde::de::IgnoredAny::deserialize(d).map(|_| true)
}

#[derive(Clone)]
pub struct MoodleClient {
    http: reqwest::Client,
    target: Option<MoodleTarget>,
    timeout: Duration,
}

impl std::fmt::Debug for MoodleClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MoodleClient")
            .field("base_url", &self.target.as_ref().map(|t| t.base_url.as_str()))
            .field("plan_mode", &self.target.is_none())
            .finish()
    }
}

impl MoodleClient {
    pub fn new(http: reqwest::Client, target: Option<MoodleTarget>, timeout: Duration) -> Self {
        Self { http, target, timeout }
    }

    /// True when no Moodle is configured and calls are only recorded.
    pub fn is_plan_mode(&self) -> bool {
        self.target.is_none()
    }

    /// Calls `function` and decodes its result. In plan mode the call is recorded and
    /// `T::default()` is returned, so the processing can go on and show its whole plan.
    pub async fn call<T: TypedAnswer + Default>(&self, function: &str, params: &Value) -> Result<T, MoodleError> {
        let Some(target) = &self.target else {
            telemetry::record_planned_call(PlannedCall { function: function.to_owned(), params: params.clone() });
            return Ok(T::default());
        };
        let body = form::encode_call(target.token.expose(), function, params);
        let (status, content_type, bytes) = self.post(function, target, body).await?;
        decode_typed(function, status, &content_type, bytes.as_ref())
    }

    /// Calls `function` and returns its raw JSON result (`Some(Value::Null)` is a valid answer of
    /// functions that return nothing); `None` in plan mode.
    pub async fn call_value(&self, function: &str, params: &Value) -> Result<Option<Value>, MoodleError> {
        let Some(target) = &self.target else {
            telemetry::record_planned_call(PlannedCall { function: function.to_owned(), params: params.clone() });
            return Ok(None);
        };
        let body = form::encode_call(target.token.expose(), function, params);
        let (status, content_type, bytes) = self.post(function, target, body).await?;
        decode_response(function, status, &content_type, bytes.as_ref()).map(Some)
    }

    /// The start of a call's form body (token, function, answer format), for parameters written
    /// straight into it ([`form::append_encoded`]) instead of built as a `Value` first; `None` in
    /// plan mode, where calls are recorded with [`MoodleClient::call`] instead.
    pub fn form_body(&self, function: &str, capacity: usize) -> Option<String> {
        let target = self.target.as_ref()?;
        let mut body = String::with_capacity(capacity + 128);
        form::begin_call(&mut body, target.token.expose(), function);
        Some(body)
    }

    /// Posts a body begun with [`MoodleClient::form_body`] and decodes the result straight from
    /// the answer's bytes (no `Value` tree). Same results and errors as [`MoodleClient::call`]:
    /// an exception, a non-JSON or an unexpected answer goes through the same decoder.
    pub async fn call_form<T: TypedAnswer>(&self, function: &str, body: String) -> Result<T, MoodleError> {
        let Some(target) = &self.target else {
            return Err(MoodleError::UnexpectedResponse {
                function: function.to_owned(),
                reason: "a form body was built without a Moodle to send it to".to_owned(),
            });
        };
        let (status, content_type, bytes) = self.post(function, target, body).await?;
        decode_typed(function, status, &content_type, bytes.as_ref())
    }

    async fn post(
        &self,
        function: &str,
        target: &MoodleTarget,
        body: String,
    ) -> Result<(u16, String, impl AsRef<[u8]>), MoodleError> {
        telemetry::count_moodle_call(function);
        let url = format!("{}{}", target.base_url, REST_PATH);
        let response = self
            .http
            .post(url)
            .timeout(self.timeout)
            .header(reqwest::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(reqwest::header::ACCEPT, "application/json")
            .body(body)
            .send()
            .await
            .map_err(|e| self.transport_error(&e))?;
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("no content type")
            .to_owned();
        let bytes = response.bytes().await.map_err(|e| self.transport_error(&e))?;
        Ok((status, content_type, bytes))
    }

    fn transport_error(&self, error: &reqwest::Error) -> MoodleError {
        if error.is_timeout() {
            MoodleError::Timeout { seconds: self.timeout.as_secs() }
        } else {
            // reqwest's Display includes the URL; ours has no secret in it (the token is in the
            // body), but the cause chain is what an operator needs.
            MoodleError::Unreachable { reason: crate::error_text::with_causes(error) }
        }
    }
}

/// Turns an HTTP answer of `server.php` into a result or a typed error.
pub fn decode_response(function: &str, status: u16, content_type: &str, body: &[u8]) -> Result<Value, MoodleError> {
    if status == 403 && body.iter().all(u8::is_ascii_whitespace) {
        return Err(MoodleError::WebServicesDisabled);
    }
    if !(200..300).contains(&status) {
        return Err(MoodleError::Http { status });
    }
    let value: Value = serde_json::from_slice(body).map_err(|_| MoodleError::NotJson {
        content_type: if body.is_empty() { "empty body".to_owned() } else { content_type.to_owned() },
    })?;
    if let Some(object) = value.as_object()
        && object.contains_key("exception")
    {
        return Err(MoodleError::from_exception(function, object));
    }
    Ok(value)
}

/// [`decode_response`] followed by the conversion to `T`, in one pass over the bytes when the
/// answer is a plain success: `T` straight from the bytes, which then says whether the object
/// had an `exception` key ([`TypedAnswer`]). Anything else (an exception, not JSON, an answer
/// `T` does not fit) takes the regular path, so the errors are exactly those of the `Value`
/// path ([`decode_response`], then `T` from the value).
pub fn decode_typed<T: TypedAnswer>(
    function: &str,
    status: u16,
    content_type: &str,
    body: &[u8],
) -> Result<T, MoodleError> {
    if (200..300).contains(&status)
        && let Ok(value) = serde_json::from_slice::<T>(body)
        && !value.had_exception_key()
    {
        return Ok(value);
    }
    let value = decode_response(function, status, content_type, body)?;
    serde_json::from_value(value)
        .map_err(|e| MoodleError::UnexpectedResponse { function: function.to_owned(), reason: e.to_string() })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::retry::Retry;

    fn decode(status: u16, body: &str) -> Result<Value, MoodleError> {
        decode_response("local_mzi_update_student", status, "application/json", body.as_bytes())
    }

    /// The one-pass decoder gives what the regular path gives: the value, or the same error.
    #[test]
    fn typed_decoding_matches_the_value_path() {
        #[derive(Debug, Default, PartialEq, serde::Deserialize)]
        struct Answer {
            #[serde(default)]
            status: String,
            #[serde(default)]
            id: i64,
            #[serde(default, deserialize_with = "key_present")]
            exception: bool,
        }
        impl TypedAnswer for Answer {
            fn had_exception_key(&self) -> bool {
                self.exception
            }
        }
        let regular = |status: u16, body: &str| -> Result<Answer, MoodleError> {
            decode_response("f", status, "application/json", body.as_bytes()).and_then(|v| {
                serde_json::from_value(v)
                    .map_err(|e| MoodleError::UnexpectedResponse { function: "f".into(), reason: e.to_string() })
            })
        };
        for (status, body) in [
            (200, r#"{"status":"created","id":7,"other":[1,{"a":null}]}"#),
            (200, r#"{"exception":"x","errorcode":"invalidparameter","message":"m"}"#),
            (200, r#"{"exception":null}"#),
            (200, r#"{"status":"created","id":7,"exception":"x","errorcode":"e","message":"m"}"#),
            (200, r#"{"status":"created","data":{"exception":"nested, not Moodle's error"}}"#),
            (200, r#"{"exception":"x","exception":"y","message":"m"}"#),
            (200, r#"{"status":5}"#),
            (200, "<html>"),
            (200, ""),
            (500, r#"{"status":"created"}"#),
            (403, ""),
            (200, "[]"),
        ] {
            assert_eq!(
                decode_typed::<Answer>("f", status, "application/json", body.as_bytes()),
                regular(status, body),
                "{body}"
            );
        }
    }

    /// The same for a `Value` answer: one read, the same value or the same error.
    #[test]
    fn value_answers_are_read_once_with_the_same_results() {
        for (status, body) in [
            (200, r#"{"status":"created","id":7}"#),
            (200, r#"{"id":7,"exception":"x","errorcode":"invalidparameter","message":"m"}"#),
            (200, r#"{"data":{"exception":1}}"#),
            (200, "null"),
            (200, "[1,2]"),
            (200, "not json"),
            (503, "{}"),
            (403, " "),
        ] {
            assert_eq!(
                decode_typed::<Value>("f", status, "application/json", body.as_bytes()),
                decode_response("f", status, "application/json", body.as_bytes()),
                "{body}"
            );
        }
    }

    #[test]
    fn success_and_null_are_results() {
        assert_eq!(decode(200, r#"{"status":"created","id":7}"#).unwrap()["id"], 7);
        assert_eq!(decode(200, "null").unwrap(), Value::Null);
        assert_eq!(decode(200, "[]").unwrap(), serde_json::json!([]));
    }

    #[test]
    fn exception_with_errorcode() {
        let err = decode(
            200,
            r#"{"exception":"core\\exception\\invalid_parameter_exception","errorcode":"invalidparameter","message":"Invalid parameter value detected","debuginfo":"email: secret@example.com"}"#,
        )
        .unwrap_err();
        assert_eq!(err.errorcode(), Some("invalidparameter"));
        assert_eq!(err.retry(), Retry::Never);
        assert_eq!(err.http_status(), 422);
        assert!(!err.to_string().contains("secret@example.com"), "debuginfo must not leak: {err}");
    }

    #[test]
    fn exception_without_errorcode_type_error() {
        let err = decode(200, r#"{"exception":"TypeError","message":"enrol_user(): Argument #2 must be of type int"}"#)
            .unwrap_err();
        assert_eq!(err.errorcode(), None);
        assert_eq!(err.retry(), Retry::Now);
        assert_eq!(err.code(), "moodle_server_error");
        assert!(err.to_string().contains("TypeError"));
    }

    #[test]
    fn configuration_errors_need_an_operator() {
        for code in ["invalidtoken", "accessexception", "nopermissions", "invalidrecord"] {
            let body = format!(r#"{{"exception":"x","errorcode":"{code}","message":"m"}}"#);
            let err = decode(200, &body).unwrap_err();
            assert_eq!(err.retry(), Retry::AfterFix, "{code}");
            assert_eq!(err.http_status(), 503, "{code}");
            assert!(!err.is_retryable(), "{code}: repeating it now changes nothing");
        }
    }

    #[test]
    fn transient_errorcodes_are_retryable_now() {
        for code in ["dmlwriteexception", "sitemaintenance", "invalidresponse"] {
            let body = format!(r#"{{"exception":"x","errorcode":"{code}","message":"m"}}"#);
            let err = decode(200, &body).unwrap_err();
            assert_eq!(err.retry(), Retry::Now, "{code}");
            assert_eq!(err.http_status(), 502);
        }
    }

    #[test]
    fn forbidden_with_empty_body_means_web_services_off() {
        let err = decode(403, "").unwrap_err();
        assert_eq!(err, MoodleError::WebServicesDisabled);
        assert_eq!(err.http_status(), 503);
        assert_eq!(decode(403, "<html>nope</html>").unwrap_err(), MoodleError::Http { status: 403 });
    }

    #[test]
    fn server_errors_and_html_are_retryable() {
        let err = decode(500, "").unwrap_err();
        assert_eq!(err, MoodleError::Http { status: 500 });
        assert_eq!(err.retry(), Retry::Now);
        let err = decode_response("f", 200, "text/html", b"<html>Fatal error</html>").unwrap_err();
        assert!(matches!(err, MoodleError::NotJson { .. }));
        assert_eq!(err.retry(), Retry::Now);
        assert_eq!(err.http_status(), 502);
    }

    #[test]
    fn timeouts_answer_504() {
        let err = MoodleError::Timeout { seconds: 20 };
        assert_eq!(err.http_status(), 504);
        assert_eq!(err.retry(), Retry::Now);
    }
}
