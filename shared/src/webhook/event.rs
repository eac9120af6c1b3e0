//! From the raw API Gateway event to a request, and from our answer back to API Gateway's shape.
//!
//! `lambda_http::run` turns the event into a request inside its adapter, and an event whose
//! `isBase64Encoded` body is not base64 makes it panic there (`aws_lambda_events`
//! `Body::from_maybe_encoded` calls `expect`): with `panic = "abort"` in the release profile the
//! whole process dies, and API Gateway answers 502 with no JSON. API Gateway itself only sends
//! valid base64, so this needs a direct `Invoke` or a misbehaving proxy, but the edge promises a
//! 4xx for any bad input: the event is read as plain JSON here, checked, and only then converted
//! with `lambda_http`'s own public parser.

use base64::Engine;
use lambda_http::{Body, Context, Request, RequestExt, Response};
use serde_json::{Map, Value};

use super::RequestError;

/// The request `lambda_http` would have built, or a 400 for an event it cannot convert.
pub fn request_from_event(event: &Value) -> Result<Request, RequestError> {
    let base64 = event.get("isBase64Encoded").and_then(Value::as_bool).unwrap_or(false);
    if base64
        && let Some(body) = event.get("body").and_then(Value::as_str)
        && base64::engine::general_purpose::STANDARD.decode(body).is_err()
    {
        return Err(RequestError::bad_request("invalid_base64", "the body is marked base64-encoded but is not base64"));
    }
    lambda_http::request::from_str(&event.to_string())
        .map_err(|_| RequestError::bad_request("invalid_event", "the event is not an API Gateway HTTP request"))
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
    fn valid_base64_is_decoded_by_lambda_http() {
        let request = request_from_event(&v2("em9ob19pZD00Mg==", true)).unwrap();
        assert_eq!(request.body().as_ref(), b"zoho_id=42");
    }

    #[test]
    fn invalid_base64_is_a_400_not_a_panic() {
        for body in ["%%%not base64%%%", "em9ob19pZD00Mg=", "em9ob19pZD00Mg===", "é"] {
            let err = request_from_event(&v2(body, true)).unwrap_err();
            assert_eq!((err.status, err.code), (400, "invalid_base64"), "{body}");
        }
        // The same text without the flag is just a (bad) body for the parser to refuse.
        assert!(request_from_event(&v2("%%%not base64%%%", false)).is_ok());
    }

    #[test]
    fn an_event_that_is_not_http_is_refused() {
        assert_eq!(request_from_event(&json!({"Records": []})).unwrap_err().code, "invalid_event");
        assert_eq!(request_from_event(&json!("text")).unwrap_err().code, "invalid_event");
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
