//! From the raw API Gateway event to a request, and from our answer back to API Gateway's shape.
//!
//! `lambda_http::run` turns the event into a request inside its adapter, and an event whose
//! `isBase64Encoded` body is not base64 makes it panic there (`aws_lambda_events`
//! `Body::from_maybe_encoded` calls `expect`): with `panic = "abort"` in the release profile the
//! whole process dies, and API Gateway answers 502 with no JSON. It would also decode and copy
//! any body, however large, before a single check. So the event is read as plain JSON here: the
//! envelope (method, path, headers, query) goes through `lambda_http`'s own public parser, and
//! the body stays as API Gateway sent it ([`RawBody`]) until the edge has checked the route, the
//! secret and the size; only then is it decoded, once.

use std::borrow::Cow;

use base64::Engine;
use lambda_http::aws_lambda_events::apigw::{ApiGatewayProxyRequest, ApiGatewayV2httpRequest};
use lambda_http::request::LambdaRequest;
use lambda_http::{Body, Context, Request, RequestExt, Response};
use serde::Deserialize as _;
use serde_json::{Map, Value};

use super::RequestError;

/// A request body as API Gateway delivered it, not yet decoded.
#[derive(Debug, Clone, Copy)]
pub enum RawBody<'a> {
    /// The bytes themselves (`isBase64Encoded: false`, or already decoded by `lambda_http`).
    Plain(&'a [u8]),
    /// Base64 text (`isBase64Encoded: true`): API Gateway's form for bodies it does not treat
    /// as text (binary content types, some encodings).
    Base64(&'a str),
}

impl RawBody<'_> {
    /// A lower bound of the decoded length, computed without decoding: the size limit is
    /// checked with this before anything is decoded. Exact for valid base64.
    pub fn decoded_len_at_least(&self) -> usize {
        match self {
            RawBody::Plain(bytes) => bytes.len(),
            RawBody::Base64(text) => {
                let padding = text.bytes().rev().take(2).filter(|b| *b == b'=').count();
                (text.len() / 4 * 3).saturating_sub(padding)
            }
        }
    }

    /// The body's bytes; 400 `invalid_base64` for a body flagged base64 that is not.
    pub fn decode(&self) -> Result<Cow<'_, [u8]>, RequestError> {
        match self {
            RawBody::Plain(bytes) => Ok(Cow::Borrowed(bytes)),
            RawBody::Base64(text) => {
                base64::engine::general_purpose::STANDARD.decode(text).map(Cow::Owned).map_err(|_| {
                    RequestError::bad_request("invalid_base64", "the body is marked base64-encoded but is not base64")
                })
            }
        }
    }
}

/// The request `lambda_http` builds from the event's envelope (everything but the body), and the
/// body as it came; a 400 for an event that is not an API Gateway HTTP request.
///
/// The envelope is read straight from the event's `Value` ([`Envelope`]) by the same
/// `aws_lambda_events` types and the same conversion `lambda_http::request::from_str` uses, in
/// its order (a REST API event first, then an HTTP API one); copying the envelope into a new
/// object, printing it and parsing that text twice cost about as much as the rest of the edge.
pub fn split_event(event: &Value) -> Result<(Request, RawBody<'_>), RequestError> {
    let not_http = || RequestError::bad_request("invalid_event", "the event is not an API Gateway HTTP request");
    let fields = event.as_object().ok_or_else(not_http)?;
    let body = match fields.get("body") {
        None | Some(Value::Null) => RawBody::Plain(&[]),
        Some(Value::String(text)) if fields.get("isBase64Encoded").and_then(Value::as_bool) == Some(true) => {
            RawBody::Base64(text)
        }
        Some(Value::String(text)) => RawBody::Plain(text.as_bytes()),
        Some(_) => return Err(not_http()),
    };
    let envelope = Envelope(fields);
    // `httpMethod` is a required field of a REST API event: without it that attempt can only
    // fail, so it is not made (an HTTP API event has no such key).
    let rest = fields
        .contains_key("httpMethod")
        .then(|| ApiGatewayProxyRequest::deserialize(envelope).ok())
        .flatten()
        .map(LambdaRequest::ApiGatewayV1);
    let request = match rest {
        Some(request) => request,
        None => {
            ApiGatewayV2httpRequest::deserialize(envelope).map(LambdaRequest::ApiGatewayV2).map_err(|_| not_http())?
        }
    };
    Ok((Request::from(request), body))
}

/// The event without its body and with `isBase64Encoded` false, as a deserializer over the
/// event's own entries (nothing copied): what `lambda_http` is given to build the request, so
/// that it never sees, decodes or copies the body (see the module's comment).
#[derive(Clone, Copy)]
struct Envelope<'a>(&'a Map<String, Value>);

/// What the envelope says instead of the event's own `isBase64Encoded`.
static NOT_BASE64: Value = Value::Bool(false);

impl<'de> serde::Deserializer<'de> for Envelope<'de> {
    type Error = serde_json::Error;

    fn deserialize_any<V: serde::de::Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        let entries =
            self.0.iter().filter(|(key, _)| key.as_str() != "body").map(|(key, value)| {
                (key.as_str(), if key.as_str() == "isBase64Encoded" { &NOT_BASE64 } else { value })
            });
        let mut map = serde::de::value::MapDeserializer::new(entries);
        let value = visitor.visit_map(&mut map)?;
        map.end()?;
        Ok(value)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option unit
        unit_struct newtype_struct seq tuple tuple_struct map struct enum identifier ignored_any
    }
}

/// Whether the event came through an HTTP API (payload 2.0) rather than a REST API (1.0).
fn is_http_api(event: &Value) -> bool {
    event.get("version").and_then(Value::as_str) == Some("2.0")
}

/// Our answer in the proxy-integration response shape both API Gateway flavours accept. Every
/// answer of the edge is JSON text, so no base64 is ever needed.
pub fn gateway_response(event: &Value, response: &Response<Body>) -> Value {
    let mut headers = Map::new();
    for (name, value) in response.headers() {
        if let Ok(text) = value.to_str() {
            headers.insert(name.as_str().to_owned(), Value::String(text.to_owned()));
        }
    }
    let body = match response.body() {
        Body::Empty => String::new(),
        Body::Text(text) => text.clone(),
        Body::Binary(bytes) => String::from_utf8_lossy(bytes).into_owned(),
        _ => String::new(),
    };
    let mut out = serde_json::json!({
        "statusCode": response.status().as_u16(),
        "headers": headers,
        "body": body,
        "isBase64Encoded": false,
        "multiValueHeaders": {},
    });
    // REST APIs refuse keys they do not know ("Malformed Lambda proxy response"); `cookies`
    // exists only in the HTTP API shape.
    if is_http_api(event) {
        out["cookies"] = Value::Array(Vec::new());
    }
    out
}

/// Attaches the invocation context when there is one (tests have none).
pub fn with_context(request: Request, context: Option<Context>) -> Request {
    match context {
        Some(context) => request.with_lambda_context(context),
        None => request,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn v2(body: &str, base64: bool) -> Value {
        json!({
            "version": "2.0", "routeKey": "$default", "rawPath": "/api/v1/webhooks/student-dashboard/student_updated",
            "rawQueryString": "", "headers": {},
            "requestContext": {"accountId": "1", "apiId": "a", "domainName": "x", "domainPrefix": "x",
                "http": {"method": "POST", "path": "/api/v1/webhooks/student-dashboard/student_updated",
                         "protocol": "HTTP/1.1", "sourceIp": "203.0.113.1", "userAgent": "t"},
                "requestId": "r", "routeKey": "$default", "stage": "$default", "time": "t", "timeEpoch": 0},
            "body": body, "isBase64Encoded": base64
        })
    }

    #[test]
    fn the_body_is_kept_raw_until_decoded() {
        let event = v2("em9ob19pZD00Mg==", true);
        let (request, body) = split_event(&event).unwrap();
        assert!(request.body().is_empty(), "the request carries no copy of the body");
        assert!(matches!(body, RawBody::Base64("em9ob19pZD00Mg==")));
        assert_eq!(body.decoded_len_at_least(), 10);
        assert_eq!(body.decode().unwrap().as_ref(), b"zoho_id=42");
        let event = v2("zoho_id=42", false);
        let (_, plain) = split_event(&event).unwrap();
        assert_eq!(plain.decode().unwrap().as_ref(), b"zoho_id=42");
    }

    #[test]
    fn invalid_base64_is_a_400_not_a_panic() {
        for body in ["%%%not base64%%%", "em9ob19pZD00Mg=", "em9ob19pZD00Mg===", "é"] {
            let event = v2(body, true);
            let (_, raw) = split_event(&event).unwrap();
            let err = raw.decode().unwrap_err();
            assert_eq!((err.status, err.code), (400, "invalid_base64"), "{body}");
        }
        // The same text without the flag is just a (bad) body for the parser to refuse.
        let event = v2("%%%not base64%%%", false);
        assert!(split_event(&event).unwrap().1.decode().is_ok());
    }

    #[test]
    fn the_size_bound_needs_no_decoding_and_is_exact_for_valid_base64() {
        for len in 0..40 {
            let text = base64::engine::general_purpose::STANDARD.encode(vec![b'a'; len]);
            assert_eq!(RawBody::Base64(&text).decoded_len_at_least(), len);
        }
    }

    #[test]
    fn an_event_that_is_not_http_is_refused() {
        assert_eq!(split_event(&json!({"Records": []})).unwrap_err().code, "invalid_event");
        assert_eq!(split_event(&json!("text")).unwrap_err().code, "invalid_event");
        let mut numeric_body = v2("", false);
        numeric_body["body"] = json!(42);
        assert_eq!(split_event(&numeric_body).unwrap_err().code, "invalid_event");
    }

    /// The envelope as `split_event` read it before: copied without the body, printed, and parsed
    /// by `lambda_http::request::from_str`.
    fn split_by_text(event: &Value) -> Option<Request> {
        let fields = event.as_object()?;
        let envelope: Map<String, Value> = fields
            .iter()
            .filter(|(key, _)| key.as_str() != "body")
            .map(|(key, value)| match key.as_str() {
                "isBase64Encoded" => (key.clone(), Value::Bool(false)),
                _ => (key.clone(), value.clone()),
            })
            .collect();
        lambda_http::request::from_str(&Value::Object(envelope).to_string()).ok()
    }

    type Pairs = Vec<(String, String)>;

    /// Everything of a request the edge (or anyone after it) can read. The maps behind the query,
    /// path and stage parameters and the request context are hash maps: they are compared as
    /// sorted pairs and as JSON values, whose objects compare without regard to order.
    fn describe(request: &Request) -> (String, Vec<[Pairs; 3]>, Value) {
        let sorted = |map: Option<&lambda_http::aws_lambda_events::query_map::QueryMap>| {
            let mut pairs: Pairs =
                map.map(|m| m.iter().map(|(k, v)| (k.to_owned(), v.to_owned())).collect()).unwrap_or_default();
            pairs.sort();
            pairs
        };
        (
            format!(
                "{:?} {:?} {:?} raw_path={:?} body={:?}",
                request.method(),
                request.uri(),
                request.headers(),
                request.raw_http_path(),
                request.body(),
            ),
            vec![[
                sorted(request.query_string_parameters_ref()),
                sorted(request.path_parameters_ref()),
                sorted(request.stage_variables_ref()),
            ]],
            serde_json::to_value(request.request_context_ref()).unwrap(),
        )
    }

    /// Reading the envelope in place builds exactly the request the printed copy built, for the
    /// recorded events, the variants and odd shapes, and refuses exactly what it refused.
    #[test]
    fn the_envelope_read_in_place_matches_the_printed_copy() {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../events");
        let mut events: Vec<Value> = Vec::new();
        for dir in [root.to_owned(), format!("{root}/variants")] {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.extension().is_some_and(|e| e == "json") {
                    events.push(serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap());
                }
            }
        }
        assert!(events.len() >= 20, "the recorded events are read");
        let recorded = events.clone();
        for event in &recorded {
            for (key, value) in [
                ("isBase64Encoded", json!("yes")),
                ("isBase64Encoded", json!(null)),
                ("isBase64Encoded", json!(true)),
                ("body", json!(null)),
                ("headers", json!({"x-webhook-secret": ["a", "b"]})),
                ("headers", json!(null)),
                ("headers", json!({"content-type": 5})),
                ("multiValueHeaders", json!({"x-webhook-secret": ["a", "b"], "accept": ["*/*"]})),
                ("cookies", json!(["a=1", "b=2"])),
                ("rawQueryString", json!("zoho_id=42&module=BTEC")),
                ("queryStringParameters", json!({"zoho_id": "42"})),
                ("multiValueQueryStringParameters", json!({"zoho_id": ["42", "43"]})),
                ("requestContext", json!({})),
                ("requestContext", json!(null)),
                ("httpMethod", json!("DELETE")),
                ("httpMethod", json!(7)),
                ("rawPath", json!(null)),
                ("path", json!("/prod/api/v1/webhooks/student-dashboard/student_updated")),
                ("stageVariables", json!({"a": "b"})),
                ("pathParameters", json!(null)),
                ("version", json!(2)),
            ] {
                let mut variant = event.clone();
                variant[key] = value;
                events.push(variant);
            }
            let mut without_context = event.clone();
            without_context.as_object_mut().unwrap().remove("requestContext");
            events.push(without_context);
        }
        events.extend([json!({}), json!({"Records": []}), json!({"httpMethod": "POST"})]);
        let mut accepted = 0;
        for event in &events {
            let before = split_by_text(event).map(|r| describe(&r));
            let after = split_event(event).ok().map(|(r, _)| describe(&r));
            assert_eq!(after, before, "{event}");
            accepted += usize::from(after.is_some());
        }
        assert!(accepted > recorded.len(), "most variants are requests: {accepted}");
    }

    #[test]
    fn responses_have_the_proxy_shape() {
        let mut response = Response::new(Body::Text(r#"{"status":"ok"}"#.into()));
        response.headers_mut().insert("content-type", "application/json".parse().unwrap());
        let out = gateway_response(&v2("", false), &response);
        assert_eq!(out["statusCode"], 200);
        assert_eq!(out["headers"]["content-type"], "application/json");
        assert_eq!(out["body"], r#"{"status":"ok"}"#);
        assert_eq!(out["isBase64Encoded"], false);
        let parsed: lambda_http::aws_lambda_events::apigw::ApiGatewayV2httpResponse =
            serde_json::from_value(out).unwrap();
        assert_eq!(parsed.status_code, 200);
        let v1 = gateway_response(&json!({"httpMethod": "POST"}), &response);
        let parsed: lambda_http::aws_lambda_events::apigw::ApiGatewayProxyResponse =
            serde_json::from_value(v1).unwrap();
        assert_eq!(parsed.status_code, 200);
    }
}
