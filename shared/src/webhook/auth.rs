//! The shared-secret check. Zoho workflow webhooks are not signed, so each rule sends the secret
//! in a custom header; we compare it in constant time against the current secret and, during a
//! rotation, the previous one.

use subtle::ConstantTimeEq;

use super::RequestError;
use crate::secret::Secret;

pub const SECRET_HEADER: &str = "x-webhook-secret";

/// Accepts the request only if exactly one `X-Webhook-Secret` header matches one configured
/// secret. Every configured secret is compared (no early exit) so timing does not reveal which.
pub fn verify(headers: &lambda_http::http::HeaderMap, secrets: &[Secret]) -> Result<(), RequestError> {
    let mut values = headers.get_all(SECRET_HEADER).iter();
    let (Some(presented), None) = (values.next(), values.next()) else {
        return Err(unauthorized());
    };
    let presented = presented.as_bytes();
    let mut matched = subtle::Choice::from(0u8);
    for secret in secrets.iter().filter(|s| !s.is_empty()) {
        matched |= secret.expose().as_bytes().ct_eq(presented);
    }
    if bool::from(matched) { Ok(()) } else { Err(unauthorized()) }
}

fn unauthorized() -> RequestError {
    RequestError::new(401, "unauthorized", "missing or wrong X-Webhook-Secret header")
}

#[cfg(test)]
mod tests {
    use super::*;
    use lambda_http::http::{HeaderMap, HeaderValue};

    fn headers(values: &[&str]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for v in values {
            map.append(SECRET_HEADER, HeaderValue::from_str(v).unwrap());
        }
        map
    }

    fn secrets() -> Vec<Secret> {
        vec![Secret::new("current-secret-0123456789"), Secret::new("previous-secret-0123456789")]
    }

    #[test]
    fn current_and_previous_secret_are_accepted() {
        assert!(verify(&headers(&["current-secret-0123456789"]), &secrets()).is_ok());
        assert!(verify(&headers(&["previous-secret-0123456789"]), &secrets()).is_ok());
    }

    #[test]
    fn missing_empty_wrong_and_repeated_headers_are_refused() {
        for case in
            [vec![], vec![""], vec!["wrong"], vec!["current-secret-012345678"], vec!["CURRENT-SECRET-0123456789"]]
        {
            let err = verify(&headers(&case), &secrets()).unwrap_err();
            assert_eq!(err.status, 401, "{case:?}");
        }
        let twice = headers(&["current-secret-0123456789", "current-secret-0123456789"]);
        assert_eq!(verify(&twice, &secrets()).unwrap_err().status, 401);
    }

    #[test]
    fn header_name_is_case_insensitive() {
        let mut map = HeaderMap::new();
        map.insert(
            lambda_http::http::HeaderName::from_static("x-webhook-secret"),
            HeaderValue::from_static("current-secret-0123456789"),
        );
        let name: lambda_http::http::HeaderName = "X-Webhook-Secret".parse().unwrap();
        assert_eq!(name.as_str(), SECRET_HEADER);
        assert!(verify(&map, &secrets()).is_ok());
    }

    #[test]
    fn an_empty_configured_secret_never_matches_an_empty_header() {
        assert!(verify(&headers(&[""]), &[Secret::new("")]).is_err());
    }
}
