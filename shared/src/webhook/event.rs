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

/// An API Gateway event, split: the request `lambda_http` builds from its envelope (everything
/// but the body), the body as it came, and which flavour of API sent it.
pub struct SplitEvent<'a> {
    pub request: Request,
    pub body: EventBody<'a>,
    /// An HTTP API (payload 2.0) event rather than a REST API (1.0) one.
    pub http_api: bool,
}

/// The event's `body`, borrowed from the event's text unless it had escapes, with its flag.
pub struct EventBody<'a> {
    text: Cow<'a, str>,
    base64: bool,
}

impl EventBody<'_> {
    /// The body as API Gateway sent it, not yet decoded.
    pub fn raw(&self) -> RawBody<'_> {
        if self.base64 { RawBody::Base64(&self.text) } else { RawBody::Plain(self.text.as_bytes()) }
    }
}

/// Splits the raw event text ([`SplitEvent`]); a 400 for an event that is not an API Gateway HTTP
/// request.
///
/// The text is read twice and never held as a `Value` tree: once for the few keys the edge needs
/// ([`Outline`]: the body, borrowed from the text unless it has escapes, and the flags), and
/// once by the same `aws_lambda_events` types and the same conversion
/// `lambda_http::request::from_str` uses, in its order (a REST API event first, then an HTTP API
/// one), through [`Envelope`], which hides the body from them. A key given twice is refused
/// (`invalid_event`) rather than resolved: API Gateway never sends one.
pub fn split_event(text: &str) -> Result<SplitEvent<'_>, RequestError> {
    let not_http = || RequestError::bad_request("invalid_event", "the event is not an API Gateway HTTP request");
    let outline: Outline<'_> = serde_json::from_str(text).map_err(|_| not_http())?;
    // `httpMethod` is a required field of a REST API event: without it that attempt can only
    // fail, so it is not made (an HTTP API event has no such key).
    let rest = outline
        .has_http_method
        .then(|| ApiGatewayProxyRequest::deserialize(Envelope(&mut serde_json::Deserializer::from_str(text))).ok())
        .flatten()
        .map(LambdaRequest::ApiGatewayV1);
    let request = match rest {
        Some(request) => request,
        None => ApiGatewayV2httpRequest::deserialize(Envelope(&mut serde_json::Deserializer::from_str(text)))
            .map(LambdaRequest::ApiGatewayV2)
            .map_err(|_| not_http())?,
    };
    check_uri(&request)?;
    Ok(SplitEvent {
        request: Request::from(request),
        body: EventBody { text: outline.body.unwrap_or_default(), base64: outline.base64.is_true() },
        http_api: outline.version.is_str("2.0"),
    })
}

/// `lambda_http` (1.3) builds the request's URI with `Url::parse(…).unwrap()` and then
/// `Request::builder().uri(…)…expect(…)`: a `Host` or `X-Forwarded-Proto` header, or an HTTP
/// API's raw query string, that does not make a valid URI (`Host: exa mple`, a query holding a
/// space, `"` or `<`) panics there, and with `panic = "abort"` the whole process dies before any
/// check. So the URI it will build is built here first, the same way (`into_proxy_request`,
/// `into_api_gateway_v2_request`, `build_request_uri`, `apigw_path_with_stage`; a test compares
/// it with the URI of every request it builds), and an event it cannot build is a 400.
fn check_uri(request: &LambdaRequest) -> Result<(), RequestError> {
    lambda_http_uri(request).filter(|uri| lambda_http::http::Uri::try_from(uri.as_str()).is_ok()).map(drop).ok_or_else(
        || {
            RequestError::bad_request(
                "invalid_event",
                "the event's Host, X-Forwarded-Proto, path or query string does not make a valid URL",
            )
        },
    )
}

/// The URI string `lambda_http` hands to `Request::builder().uri` for `request`, or `None` where
/// its `Url::parse(…).unwrap()` would panic (and for a kind of event `split_event` never builds).
fn lambda_http_uri(request: &LambdaRequest) -> Option<String> {
    use lambda_http::aws_lambda_events::query_map::QueryMap;
    use lambda_http::http::header::HOST;
    let (headers, domain, stage, path, query): (_, _, _, _, Option<Cow<'_, str>>) = match request {
        LambdaRequest::ApiGatewayV1(ag) => {
            // Its query maps, re-encoded: the multi-valued one when there is one.
            let pick = |mv: &QueryMap, sv: &QueryMap| {
                [mv, sv].into_iter().find(|m| !m.is_empty()).map(|m| Cow::Owned(m.to_query_string()))
            };
            (
                &ag.headers,
                ag.request_context.domain_name.as_deref(),
                &ag.request_context.stage,
                ag.path.as_deref().unwrap_or_default(),
                pick(&ag.multi_value_query_string_parameters, &ag.query_string_parameters),
            )
        }
        // Its raw query string, as it came.
        LambdaRequest::ApiGatewayV2(ag) => (
            &ag.headers,
            ag.request_context.domain_name.as_deref(),
            &ag.request_context.stage,
            ag.raw_path.as_deref().unwrap_or_default(),
            ag.raw_query_string.as_deref().filter(|q| !q.is_empty()).map(Cow::Borrowed),
        ),
        _ => return None,
    };
    let host = headers.get(HOST).and_then(|h| h.to_str().ok()).or(domain);
    let path: Cow<'_, str> = match stage.as_deref() {
        _ if std::env::var("AWS_LAMBDA_HTTP_IGNORE_STAGE_IN_PATH").is_ok() => Cow::Borrowed(path),
        None | Some("$default") => Cow::Borrowed(path),
        Some(stage) if path.starts_with(&format!("/{stage}/")) => Cow::Borrowed(path),
        Some(stage) => Cow::Owned(format!("/{stage}{path}")),
    };
    let mut uri = match host {
        None => url::Url::parse(&format!("http://localhost{path}")).ok()?.path().to_owned(),
        Some(host) => {
            let scheme = headers.get("x-forwarded-proto").and_then(|s| s.to_str().ok()).unwrap_or("https");
            url::Url::parse(&format!("{scheme}://{host}{path}")).ok()?.to_string()
        }
    };
    if let Some(query) = query {
        uri.push('?');
        uri.push_str(&query);
    }
    Some(uri)
}

/// Whether an event came through an HTTP API (payload 2.0) rather than a REST API (1.0), for an
/// event [`split_event`] refused (the answer's shape still depends on it).
pub fn is_http_api(text: &str) -> bool {
    #[derive(serde::Deserialize)]
    struct Version<'a> {
        #[serde(borrow, default)]
        version: Loose<'a>,
    }
    serde_json::from_str::<Version<'_>>(text).is_ok_and(|v| v.version.is_str("2.0"))
}

/// What the edge reads of an event itself; every other key is skipped without being copied.
#[derive(serde::Deserialize)]
struct Outline<'a> {
    /// A string or null; anything else is not an HTTP request's body.
    #[serde(borrow, default)]
    body: Option<Cow<'a, str>>,
    /// Base64 only when it is exactly `true`, as `lambda_http` reads it.
    #[serde(rename = "isBase64Encoded", borrow, default)]
    base64: Loose<'a>,
    #[serde(rename = "httpMethod", default, deserialize_with = "present")]
    has_http_method: bool,
    #[serde(borrow, default)]
    version: Loose<'a>,
}

/// A key that is there, whatever its value (`null` included).
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    serde::de::IgnoredAny::deserialize(d).map(|_| true)
}

/// A flag or a tag read without failing on the wrong type: a bool, a string, or anything else.
#[derive(Default)]
enum Loose<'a> {
    Bool(bool),
    Str(Cow<'a, str>),
    #[default]
    Other,
}

impl Loose<'_> {
    fn is_true(&self) -> bool {
        matches!(self, Loose::Bool(true))
    }

    fn is_str(&self, expected: &str) -> bool {
        matches!(self, Loose::Str(text) if text == expected)
    }
}

impl<'de: 'a, 'a> serde::Deserialize<'de> for Loose<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Probe;
        impl<'de> serde::de::Visitor<'de> for Probe {
            type Value = Loose<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_bool<E>(self, v: bool) -> Result<Loose<'de>, E> {
                Ok(Loose::Bool(v))
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Loose<'de>, E> {
                Ok(Loose::Str(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Loose<'de>, E> {
                Ok(Loose::Str(Cow::Owned(v.to_owned())))
            }
            fn visit_i64<E>(self, _: i64) -> Result<Loose<'de>, E> {
                Ok(Loose::Other)
            }
            fn visit_u64<E>(self, _: u64) -> Result<Loose<'de>, E> {
                Ok(Loose::Other)
            }
            fn visit_f64<E>(self, _: f64) -> Result<Loose<'de>, E> {
                Ok(Loose::Other)
            }
            fn visit_unit<E>(self) -> Result<Loose<'de>, E> {
                Ok(Loose::Other)
            }
            fn visit_none<E>(self) -> Result<Loose<'de>, E> {
                Ok(Loose::Other)
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Loose<'de>, A::Error> {
                while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
                Ok(Loose::Other)
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Loose<'de>, A::Error> {
                while map.next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?.is_some() {}
                Ok(Loose::Other)
            }
        }
        d.deserialize_any(Probe)
    }
}

/// The event's text as a deserializer without its `body` and with `isBase64Encoded` false:
/// what `lambda_http` is given to build the request, so that it never sees, decodes or copies
/// the body (see the module's comment). Keys and values are read straight from the text.
struct Envelope<'a, 'de>(&'a mut serde_json::Deserializer<serde_json::de::StrRead<'de>>);

impl<'de> serde::Deserializer<'de> for Envelope<'_, 'de> {
    type Error = serde_json::Error;

    fn deserialize_any<V: serde::de::Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        let value = self.0.deserialize_map(WithoutBody(visitor))?;
        self.0.end()?;
        Ok(value)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option unit
        unit_struct newtype_struct seq tuple tuple_struct map struct enum identifier ignored_any
    }
}

/// Hands the event's object to the envelope's visitor through [`FilteredEntries`].
struct WithoutBody<V>(V);

impl<'de, V: serde::de::Visitor<'de>> serde::de::Visitor<'de> for WithoutBody<V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        self.0.expecting(f)
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
        self.0.visit_map(FilteredEntries { entries: map, base64_flag: false })
    }
}

/// The event's entries without `body`, and `isBase64Encoded` read as `false`.
struct FilteredEntries<A> {
    entries: A,
    /// The key just given was `isBase64Encoded` (its own value already skipped).
    base64_flag: bool,
}

/// A key, borrowed from the text unless it had escapes.
enum Key<'de> {
    Borrowed(&'de str),
    Owned(String),
}

impl<'de> serde::Deserialize<'de> for Key<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> serde::de::Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a key")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key::Borrowed(v))
            }
            fn visit_str<E>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key::Owned(v.to_owned()))
            }
        }
        d.deserialize_str(KeyVisitor)
    }
}

impl<'de, A: serde::de::MapAccess<'de>> serde::de::MapAccess<'de> for FilteredEntries<A> {
    type Error = A::Error;

    fn next_key_seed<K: serde::de::DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, A::Error> {
        use serde::de::value::{BorrowedStrDeserializer, StringDeserializer};
        loop {
            let Some(key) = self.entries.next_key::<Key<'de>>()? else { return Ok(None) };
            let name = match &key {
                Key::Borrowed(name) => *name,
                Key::Owned(name) => name.as_str(),
            };
            if name == "body" || name == "isBase64Encoded" {
                self.entries.next_value::<serde::de::IgnoredAny>()?;
                if name == "body" {
                    continue;
                }
                self.base64_flag = true;
            }
            return match key {
                Key::Borrowed(name) => seed.deserialize(BorrowedStrDeserializer::new(name)).map(Some),
                Key::Owned(name) => seed.deserialize(StringDeserializer::new(name)).map(Some),
            };
        }
    }

    fn next_value_seed<V: serde::de::DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, A::Error> {
        if std::mem::take(&mut self.base64_flag) {
            // Through a `Value` rather than serde's plain bool deserializer: the field is read
            // as an option (`deserialize_nullish`), which only a JSON deserializer answers.
            return seed.deserialize(serde_json::Value::Bool(false)).map_err(serde::de::Error::custom);
        }
        self.entries.next_value_seed(seed)
    }
}

/// Our answer in the proxy-integration response shape both API Gateway flavours accept, written
/// straight from the response (no `Value` tree, no copy of the body). Every answer of the edge
/// is JSON text, so no base64 is ever needed.
pub fn gateway_response(http_api: bool, response: &Response<Body>) -> GatewayResponse<'_> {
    GatewayResponse { response, http_api }
}

/// See [`gateway_response`].
pub struct GatewayResponse<'a> {
    response: &'a Response<Body>,
    http_api: bool,
}

impl serde::Serialize for GatewayResponse<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        struct Headers<'a>(&'a lambda_http::http::HeaderMap);
        impl serde::Serialize for Headers<'_> {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                // One value per name, the last one given (a name given twice kept its last value
                // in the object this replaced); values that are not text are left out.
                let mut names: Vec<(&str, &str)> = Vec::with_capacity(self.0.len());
                for (name, value) in self.0 {
                    let Ok(text) = value.to_str() else { continue };
                    match names.iter_mut().find(|(seen, _)| *seen == name.as_str()) {
                        Some(entry) => entry.1 = text,
                        None => names.push((name.as_str(), text)),
                    }
                }
                let mut map = serializer.serialize_map(Some(names.len()))?;
                for (name, text) in names {
                    map.serialize_entry(name, text)?;
                }
                map.end()
            }
        }
        let body: Cow<'_, str> = match self.response.body() {
            Body::Text(text) => Cow::Borrowed(text),
            Body::Binary(bytes) => String::from_utf8_lossy(bytes),
            _ => Cow::Borrowed(""),
        };
        let mut map = serializer.serialize_map(Some(if self.http_api { 6 } else { 5 }))?;
        map.serialize_entry("statusCode", &self.response.status().as_u16())?;
        map.serialize_entry("headers", &Headers(self.response.headers()))?;
        map.serialize_entry("body", &body)?;
        map.serialize_entry("isBase64Encoded", &false)?;
        map.serialize_entry("multiValueHeaders", &serde_json::Map::new())?;
        // REST APIs refuse keys they do not know ("Malformed Lambda proxy response"); `cookies`
        // exists only in the HTTP API shape.
        if self.http_api {
            map.serialize_entry("cookies", &[(); 0])?;
        }
        map.end()
    }
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
    use serde_json::{Map, Value, json};

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
        let event = v2("em9ob19pZD00Mg==", true).to_string();
        let split = split_event(&event).unwrap();
        assert!(split.request.body().is_empty(), "the request carries no copy of the body");
        let body = split.body.raw();
        assert!(matches!(body, RawBody::Base64("em9ob19pZD00Mg==")));
        assert_eq!(body.decoded_len_at_least(), 10);
        assert_eq!(body.decode().unwrap().as_ref(), b"zoho_id=42");
        let event = v2("zoho_id=42", false).to_string();
        let split = split_event(&event).unwrap();
        assert_eq!(split.body.raw().decode().unwrap().as_ref(), b"zoho_id=42");
    }

    /// The events as `split_event` reads them, before `lambda_http`'s conversion.
    fn lambda_request(event: &Value) -> Option<LambdaRequest> {
        let text = event.to_string();
        if !v2_event(event)
            && let Ok(ag) =
                ApiGatewayProxyRequest::deserialize(Envelope(&mut serde_json::Deserializer::from_str(&text)))
        {
            return Some(LambdaRequest::ApiGatewayV1(ag));
        }
        ApiGatewayV2httpRequest::deserialize(Envelope(&mut serde_json::Deserializer::from_str(&text)))
            .ok()
            .map(LambdaRequest::ApiGatewayV2)
    }

    fn v2_event(event: &Value) -> bool {
        event.get("httpMethod").is_none()
    }

    fn recorded_events() -> Vec<Value> {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../events");
        let mut events = Vec::new();
        for dir in [root.to_owned(), format!("{root}/variants")] {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.extension().is_some_and(|e| e == "json") {
                    events.push(serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap());
                }
            }
        }
        events
    }

    /// The URI computed before the conversion is the one `lambda_http` builds, for every recorded
    /// event and for the shapes that change it (stage prefix, no Host, a forwarded scheme, query
    /// strings of both kinds): if `lambda_http` changes how it builds URIs, this fails.
    #[test]
    fn the_uri_checked_is_the_uri_lambda_http_builds() {
        let mut events = recorded_events();
        let base = events.iter().find(|e| e.get("version") == Some(&json!("2.0"))).unwrap().clone();
        let rest = events.iter().find(|e| e.get("httpMethod").is_some()).unwrap().clone();
        for event in [base, rest] {
            let v2 = event.get("version") == Some(&json!("2.0"));
            let variant = |edit: &dyn Fn(&mut Value)| {
                let mut copy = event.clone();
                edit(&mut copy);
                copy
            };
            let mut more = vec![
                variant(&|e| e["headers"].as_object_mut().unwrap().retain(|k, _| !k.eq_ignore_ascii_case("host"))),
                variant(&|e| {
                    e["headers"].as_object_mut().unwrap().retain(|k, _| !k.eq_ignore_ascii_case("host"));
                    e["requestContext"].as_object_mut().unwrap().remove("domainName");
                }),
                variant(&|e| e["headers"]["x-forwarded-proto"] = json!("http")),
                variant(&|e| e["requestContext"]["stage"] = json!("prod")),
                variant(&|e| e["requestContext"]["stage"] = json!("$default")),
                variant(&|e| e["headers"]["Host"] = json!("hooks.college.example:8443")),
            ];
            if v2 {
                more.push(variant(&|e| e["rawQueryString"] = json!("zoho_id=5398830000100000001&a=%zz&b={}|ü")));
                more.push(variant(&|e| e["rawPath"] = json!("/a b/../ü/student_updated")));
            } else {
                more.push(variant(&|e| {
                    e["queryStringParameters"] = json!({"zoho_id": "5398830000100000001", "x": "a b&c"});
                }));
                more.push(variant(&|e| e["multiValueQueryStringParameters"] = json!({"x": ["1", "2"]})));
                more.push(variant(&|e| e["path"] = json!("/a b/../ü/student_updated")));
            }
            events.extend(more);
        }
        let mut compared = 0;
        for event in &events {
            let (Some(mine), Some(theirs)) = (lambda_request(event), lambda_request(event)) else { continue };
            let expected = lambda_http_uri(&mine).expect("a recorded event's URI builds");
            let built = Request::from(theirs);
            // A REST API's query comes from hash maps, re-encoded in their (random) order.
            let parts = |uri: &lambda_http::http::Uri| {
                let mut pairs: Vec<(String, String)> =
                    form_urlencoded::parse(uri.query().unwrap_or_default().as_bytes()).into_owned().collect();
                pairs.sort();
                (
                    uri.scheme_str().map(str::to_owned),
                    uri.authority().map(ToString::to_string),
                    uri.path().to_owned(),
                    pairs,
                )
            };
            let expected = lambda_http::http::Uri::try_from(expected.as_str()).unwrap();
            assert_eq!(parts(&expected), parts(built.uri()), "{event}");
            if v2_event(event) {
                assert_eq!(expected, *built.uri(), "an HTTP API's raw query string is kept as it came");
            }
            compared += 1;
        }
        assert!(compared >= 30, "{compared} events compared");
    }

    /// A Host, an X-Forwarded-Proto, a path or a raw query string that `lambda_http` cannot turn
    /// into a URI made it panic (and the process abort); each is now a 400 `invalid_event`.
    #[test]
    fn an_event_lambda_http_cannot_build_is_a_400_not_a_panic() {
        let events = recorded_events();
        let v2 = events.iter().find(|e| e.get("version") == Some(&json!("2.0"))).unwrap();
        let v1 = events.iter().find(|e| e.get("httpMethod").is_some()).unwrap();
        let mut cases: Vec<(String, Value)> = Vec::new();
        for base in [v2, v1] {
            for (header, value) in [
                ("host", "exa mple"),
                ("Host", "[::1"),
                ("host", "1.2.3.999"),
                ("host", "example.com:99999"),
                ("x-forwarded-proto", "a b"),
                ("x-forwarded-proto", "ht:tp"),
            ] {
                let mut event = base.clone();
                event["headers"].as_object_mut().unwrap().retain(|k, _| !k.eq_ignore_ascii_case(header));
                event["headers"][header] = json!(value);
                cases.push((format!("{header}: {value}"), event));
            }
        }
        for query in ["a=\"b\"", "a=<b>", "a b", "a=\u{7f}"] {
            let mut event = v2.clone();
            event["rawQueryString"] = json!(query);
            cases.push((format!("query {query:?}"), event));
        }
        for (name, event) in cases {
            let outcome = std::panic::catch_unwind(|| split_event(&event.to_string()).map(|_| ()));
            match outcome {
                Ok(Err(error)) => assert_eq!((error.status, error.code), (400, "invalid_event"), "{name}"),
                Ok(Ok(())) => panic!("{name}: accepted"),
                Err(_) => panic!("{name}: panicked"),
            }
        }
    }

    #[test]
    fn invalid_base64_is_a_400_not_a_panic() {
        for body in ["%%%not base64%%%", "em9ob19pZD00Mg=", "em9ob19pZD00Mg===", "é"] {
            let event = v2(body, true).to_string();
            let split = split_event(&event).unwrap();
            let err = split.body.raw().decode().unwrap_err();
            assert_eq!((err.status, err.code), (400, "invalid_base64"), "{body}");
        }
        // The same text without the flag is just a (bad) body for the parser to refuse.
        let event = v2("%%%not base64%%%", false).to_string();
        assert!(split_event(&event).unwrap().body.raw().decode().is_ok());
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
        let refused = |event: Value| split_event(&event.to_string()).err().map(|e| e.code);
        assert_eq!(refused(json!({"Records": []})), Some("invalid_event"));
        assert_eq!(refused(json!("text")), Some("invalid_event"));
        let mut numeric_body = v2("", false);
        numeric_body["body"] = json!(42);
        assert_eq!(refused(numeric_body), Some("invalid_event"));
        // A key given twice is refused rather than resolved (API Gateway never sends one).
        let text = v2("", false).to_string().replacen('{', r#"{"body":"a","#, 1);
        assert_eq!(split_event(&text).err().map(|e| e.code), Some("invalid_event"));
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
            let text = event.to_string();
            let split = split_event(&text).ok();
            let after = split.as_ref().map(|s| describe(&s.request));
            if let Some(split) = &split {
                // The body and the flags, as the `Value` path read them.
                let fields = event.as_object().unwrap();
                let base64 = fields.get("isBase64Encoded").and_then(Value::as_bool) == Some(true);
                let body = fields.get("body").and_then(Value::as_str).unwrap_or("");
                assert_eq!((split.body.text.as_ref(), split.body.base64), (body, base64), "{event}");
                assert_eq!(split.http_api, event.get("version").and_then(Value::as_str) == Some("2.0"));
                assert_eq!(is_http_api(&text), split.http_api);
            }
            assert_eq!(after, before, "{event}");
            accepted += usize::from(after.is_some());
        }
        assert!(accepted > recorded.len(), "most variants are requests: {accepted}");
    }

    #[test]
    fn responses_have_the_proxy_shape() {
        let mut response = Response::new(Body::Text(r#"{"status":"ok"}"#.into()));
        response.headers_mut().insert("content-type", "application/json".parse().unwrap());
        let out = serde_json::to_value(gateway_response(true, &response)).unwrap();
        assert_eq!(out["statusCode"], 200);
        assert_eq!(out["headers"]["content-type"], "application/json");
        assert_eq!(out["body"], r#"{"status":"ok"}"#);
        assert_eq!(out["isBase64Encoded"], false);
        let parsed: lambda_http::aws_lambda_events::apigw::ApiGatewayV2httpResponse =
            serde_json::from_value(out).unwrap();
        assert_eq!(parsed.status_code, 200);
        let v1 = serde_json::to_value(gateway_response(false, &response)).unwrap();
        let parsed: lambda_http::aws_lambda_events::apigw::ApiGatewayProxyResponse =
            serde_json::from_value(v1).unwrap();
        assert_eq!(parsed.status_code, 200);
    }

    /// The answer as it was built before it was written straight from the response: a `Value`
    /// tree, printed.
    fn reference_response(event: &Value, response: &Response<Body>) -> Value {
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
        let mut out = json!({
            "statusCode": response.status().as_u16(),
            "headers": headers,
            "body": body,
            "isBase64Encoded": false,
            "multiValueHeaders": {},
        });
        if event.get("version").and_then(Value::as_str) == Some("2.0") {
            out["cookies"] = Value::Array(Vec::new());
        }
        out
    }

    /// Written straight from the response, the answer is the same text as the printed tree, for
    /// every body kind, repeated and non-text headers, and both flavours.
    #[test]
    fn the_proxy_answer_matches_the_printed_tree() {
        let bodies = [
            Body::Empty,
            Body::Text(String::new()),
            Body::Text(r#"{"status":"ok","reason":"é \"q\" \u0001 </script>"}"#.into()),
            Body::Binary(b"{\"a\":1}\xff\xfe".to_vec()),
        ];
        for body in bodies {
            for status in [200, 202, 400, 409, 413, 502, 503] {
                let mut response = Response::new(body.clone());
                *response.status_mut() = lambda_http::http::StatusCode::from_u16(status).unwrap();
                let headers = response.headers_mut();
                headers.insert("content-type", "application/json".parse().unwrap());
                headers.insert("cache-control", "no-store".parse().unwrap());
                headers.append("allow", "POST".parse().unwrap());
                headers.append("allow", "GET, HEAD".parse().unwrap());
                headers.insert("x-binary", lambda_http::http::HeaderValue::from_bytes(b"caf\xe9").unwrap());
                for event in [v2("", false), json!({"httpMethod": "POST"}), json!({"version": "1.0"})] {
                    let http_api = is_http_api(&event.to_string());
                    let written = serde_json::to_string(&gateway_response(http_api, &response)).unwrap();
                    assert_eq!(written, reference_response(&event, &response).to_string(), "{event}");
                }
            }
        }
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;
    use serde_json::{Value, json};

    fn recorded(name: &str) -> Value {
        let path = format!("{}/../events/{name}", env!("CARGO_MANIFEST_DIR"));
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    }

    fn odd_text() -> impl Strategy<Value = String> {
        prop_oneof![
            any::<String>(),
            "[ -~]{0,24}",
            prop::sample::select(vec![
                "",
                " ",
                "\u{7f}",
                "[::1",
                "[::1]:80",
                "a:b:c",
                "1.2.3.999",
                "xn--a",
                "h:99999",
                "ht:tp",
                "a b",
                "\"",
                "<>",
                "%zz",
                "#",
                "?",
                "/",
                "//x",
                "@x",
                ":",
                "$default",
            ])
            .prop_map(str::to_owned),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]
        /// Whatever Host, X-Forwarded-Proto, path, stage or query string an event carries, the
        /// split never panics: the request is built, or the event is a 400.
        #[test]
        fn splitting_never_panics(host in odd_text(), proto in odd_text(), path in odd_text(), stage in odd_text(),
                                  query in odd_text(), v2 in any::<bool>()) {
            let mut event = recorded(if v2 { "student_updated.json" } else { "variants/rest_v1_stage_prefix.json" });
            event["headers"]["host"] = json!(host);
            event["headers"]["x-forwarded-proto"] = json!(proto);
            event["requestContext"]["stage"] = json!(stage);
            if v2 {
                event["rawPath"] = json!(path);
                event["rawQueryString"] = json!(query);
            } else {
                event["path"] = json!(path);
                event["queryStringParameters"] = json!({"q": query});
            }
            prop_assert_eq!(event.get("httpMethod").is_none(), v2, "the flavour asked for");
            let outcome = std::panic::catch_unwind(|| split_event(&event.to_string()).map(|_| ()));
            prop_assert!(outcome.is_ok(), "panicked on {event}");
            if let Ok(Err(error)) = outcome {
                prop_assert_eq!((error.status, error.code), (400, "invalid_event"));
            }
        }
    }
}
