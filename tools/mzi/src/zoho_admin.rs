//! The Zoho calls an operator makes and the sync's runtime client does not: the Self Client
//! grant-token exchange, the settings APIs (webhooks, workflow rules, quotas), and a COQL read of
//! one record to prove a token works. Records are still read and synced by
//! `shared::zoho::ZohoClient`.
//!
//! Access tokens come from the functions' token cache (`shared::zoho::ZohoClient`): with a shared
//! store (`ZohoSettings::token_cache_param`, the stack's SSM parameter) a run uses the token the
//! deployed functions already hold and mints only when none is good, so operator commands do not
//! spend the mints the functions share (Zoho allows ten per refresh token per ten minutes,
//! `docs/zoho-crm.md` §3.3). A token the CRM calls invalid is replaced once. 429, 5xx and network
//! faults are retried with backoff. Tokens never leave this module except in the `Authorization`
//! header, and no answer body is ever printed whole.

use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};
use shared::Secret;
use shared::config::ZohoSettings;
use shared::zoho::{ZohoClient, ZohoError};

/// Attempts per request, the first included, for transient faults.
const ATTEMPTS: u32 = 3;
const BASE_DELAY: Duration = Duration::from_millis(300);

/// What the token endpoint gave: never `Debug`-printed with its values (`Secret` redacts them).
#[derive(Debug, Clone)]
pub struct TokenGrant {
    pub access_token: Secret,
    /// Present for `grant_type=authorization_code`, absent for refreshes.
    pub refresh_token: Option<Secret>,
    /// Where CRM calls go (`https://www.zohoapis.eu`, …).
    pub api_domain: String,
    /// The scopes Zoho says the token has, when it says.
    pub scope: Option<String>,
}

/// A CRM answer: status and JSON body (`Value::Null` for 204 or a non-JSON body).
#[derive(Clone)]
pub struct Answer {
    pub status: u16,
    pub body: Value,
}

impl Answer {
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// Zoho's error code: top-level `code`, or the first item's `code` under `key`.
    pub fn error_code(&self, key: &str) -> String {
        self.body
            .get("code")
            .or_else(|| self.body.get(key).and_then(first_item).and_then(|i| i.get("code")))
            .and_then(Value::as_str)
            .unwrap_or("NO_CODE")
            .chars()
            .take(60)
            .collect()
    }

    /// Zoho's message (and the field it names), short: never the request we sent.
    pub fn error_message(&self, key: &str) -> String {
        let item = self.body.get(key).and_then(first_item).unwrap_or(&self.body);
        let message = item.get("message").and_then(Value::as_str).unwrap_or("");
        let field = item
            .pointer("/details/api_name")
            .or_else(|| item.pointer("/details/param_name"))
            .and_then(Value::as_str)
            .map(|f| format!(" (field {f})"))
            .unwrap_or_default();
        let limit = item.pointer("/details/limit").map(|l| format!(" (limit {l})")).unwrap_or_default();
        format!("{}{field}{limit}", message.chars().take(200).collect::<String>())
    }

    /// `<key>[0].details.id` of a create answer.
    pub fn created_id(&self, key: &str) -> Option<String> {
        self.body.get(key).and_then(first_item)?.pointer("/details/id").and_then(Value::as_str).map(str::to_owned)
    }

    /// The answer as an error of `operation` (4xx: rejected; 401/403: unauthorised).
    pub fn into_error(self, operation: &str, key: &str) -> ZohoError {
        let code = self.error_code(key);
        if self.status == 401 || (self.status == 403 && code != "FEATURE_NOT_SUPPORTED") {
            return ZohoError::Unauthorized { status: self.status, code };
        }
        ZohoError::Rejected {
            operation: operation.to_owned(),
            status: self.status,
            message: self.error_message(key),
            code,
        }
    }
}

fn first_item(value: &Value) -> Option<&Value> {
    match value {
        Value::Array(items) => items.first(),
        Value::Object(_) => Some(value),
        _ => None,
    }
}

/// A Zoho client for setup work. Cheap to build; one per command run.
pub struct ZohoAdmin {
    http: reqwest::Client,
    settings: ZohoSettings,
    /// The token cache (and the shared store when `settings.token_cache_param` names one).
    tokens: ZohoClient,
}

impl ZohoAdmin {
    pub fn new(http: reqwest::Client, settings: ZohoSettings) -> Self {
        let tokens = ZohoClient::new(http.clone(), settings.clone());
        Self { http, settings, tokens }
    }

    /// Exchanges a Self Client grant token (`grant_type=authorization_code`) for a refresh
    /// token and a first access token.
    pub async fn exchange_grant(
        http: &reqwest::Client,
        accounts_url: &str,
        client_id: &Secret,
        client_secret: &Secret,
        code: &Secret,
        api_domain_override: Option<&str>,
        timeout: Duration,
    ) -> Result<TokenGrant, ZohoError> {
        let form = [
            ("grant_type", "authorization_code"),
            ("client_id", client_id.expose()),
            ("client_secret", client_secret.expose()),
            ("code", code.expose()),
        ];
        let url = format!("{accounts_url}/oauth/v2/token");
        // Not retried: a grant token is single-use, so a retry after a lost answer would fail
        // with invalid_code and hide what happened.
        let response = http.post(&url).timeout(timeout).form(&form).send().await.map_err(|e| transport(&e, timeout))?;
        let status = response.status().as_u16();
        let body = response.bytes().await.map_err(|e| transport(&e, timeout))?;
        parse_token(status, &body, api_domain_override)
    }

    /// Gets the run's access token now (from the shared store, or minted) and returns where CRM
    /// calls go.
    pub async fn connect(&self) -> Result<String, ZohoError> {
        self.current_token(None).await.map(|(_, domain)| domain)
    }

    async fn current_token(&self, rejected: Option<&Secret>) -> Result<(Secret, String), ZohoError> {
        match rejected {
            None => self.tokens.access_token().await,
            Some(rejected) => self.tokens.replace_access_token(rejected).await,
        }
    }

    /// One CRM request (`path` from `/crm/v8/…`), with retries and one token refresh.
    pub async fn request(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
    ) -> Result<Answer, ZohoError> {
        let operation = format!("{method} {path}");
        let mut rejected: Option<Secret> = None;
        loop {
            let (token, domain) = self.current_token(rejected.as_ref()).await?;
            let url = format!("{domain}{path}");
            let (status, bytes) = self
                .send_with_retry(&operation, || {
                    let mut request = self
                        .http
                        .request(method.clone(), &url)
                        .header(reqwest::header::AUTHORIZATION, format!("Zoho-oauthtoken {}", token.expose()));
                    if !query.is_empty() {
                        request = request.query(query);
                    }
                    if let Some(body) = body {
                        request = request.json(body);
                    }
                    request
                })
                .await?;
            let body: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
            let answer = Answer { status, body };
            let code = answer.error_code("_");
            let invalid_token = status == 401
                && matches!(
                    code.as_str(),
                    "INVALID_TOKEN" | "INVALID_OAUTHTOKEN" | "AUTHENTICATION_FAILURE" | "NO_CODE"
                );
            if invalid_token && rejected.is_none() {
                rejected = Some(token);
                continue;
            }
            return Ok(answer);
        }
    }

    pub async fn get(&self, path: &str, query: &[(&str, String)]) -> Result<Answer, ZohoError> {
        self.request(Method::GET, path, query, None).await
    }

    /// The id of one record of `module` (COQL `limit 1`), `None` when the module is empty:
    /// proves the token, the data centre and the module/COQL scopes in one cheap call.
    pub async fn first_record_id(&self, module: &str) -> Result<Option<String>, ZohoError> {
        let query = json!({"select_query": format!("select id from {module} where id is not null limit 1")});
        let answer = self.request(Method::POST, "/crm/v8/coql", &[], Some(&query)).await?;
        match answer.status {
            204 => Ok(None),
            200 => Ok(answer
                .body
                .get("data")
                .and_then(Value::as_array)
                .and_then(|rows| rows.first())
                .and_then(|row| row.get("id"))
                .and_then(Value::as_str)
                .map(str::to_owned)),
            _ => Err(answer.into_error(&format!("COQL on {module}"), "data")),
        }
    }

    /// Sends with a timeout, retrying network faults, 429 and 5xx with jittered backoff.
    async fn send_with_retry<F>(&self, operation: &str, build: F) -> Result<(u16, Vec<u8>), ZohoError>
    where
        F: Fn() -> reqwest::RequestBuilder,
    {
        let timeout = self.settings.timeout;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let error: ZohoError = match build().timeout(timeout).send().await {
                Ok(response) => {
                    let status = response.status().as_u16();
                    match response.bytes().await {
                        Ok(bytes) if status == 429 || status >= 500 => {
                            let code = serde_json::from_slice::<Value>(&bytes)
                                .ok()
                                .and_then(|v| v["code"].as_str().map(str::to_owned));
                            ZohoError::Unavailable { status, code, attempts: attempt }
                        }
                        Ok(bytes) => return Ok((status, bytes.to_vec())),
                        Err(e) => transport(&e, timeout),
                    }
                }
                Err(e) => transport(&e, timeout),
            };
            if attempt >= ATTEMPTS {
                return Err(error);
            }
            let backoff = BASE_DELAY * (1 << (attempt - 1));
            let delay = backoff / 2 + backoff.mul_f64(fastrand::f64() / 2.0);
            eprintln!("zoho: {operation} failed ({error}); retrying in {} ms", delay.as_millis());
            tokio::time::sleep(delay).await;
        }
    }
}

fn transport(error: &reqwest::Error, timeout: Duration) -> ZohoError {
    if error.is_timeout() {
        return ZohoError::Timeout { seconds: timeout.as_secs() };
    }
    ZohoError::Unreachable { reason: shared::error_text::with_causes(error) }
}

/// Reads a token answer with the same defensive parser as the functions' token cache.
pub fn parse_token(status: u16, body: &[u8], api_domain_override: Option<&str>) -> Result<TokenGrant, ZohoError> {
    let answer = shared::zoho::token::parse_token_answer(status, body, api_domain_override)?;
    Ok(TokenGrant {
        access_token: answer.access_token,
        refresh_token: answer.refresh_token,
        api_domain: answer.api_domain,
        scope: answer.scope,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_errors_are_typed() {
        let err = parse_token(200, br#"{"error":"invalid_code"}"#, None).unwrap_err();
        assert_eq!(err, ZohoError::TokenRejected { error: "invalid_code".into() });
        let err = parse_token(200, br#"{"error":"Access Denied","error_description":"x"}"#, None).unwrap_err();
        assert!(matches!(err, ZohoError::TokenThrottled { .. }));
        let grant = parse_token(
            200,
            br#"{"access_token":"1000.a","refresh_token":"1000.r","api_domain":"https://www.zohoapis.eu/","expires_in":3600}"#,
            None,
        )
        .unwrap();
        assert_eq!(grant.api_domain, "https://www.zohoapis.eu");
        assert_eq!(grant.refresh_token.unwrap().expose(), "1000.r");
        assert!(
            !format!(
                "{:?}",
                parse_token(200, br#"{"access_token":"1000.secret","api_domain":"https://x"}"#, None).unwrap()
            )
            .contains("1000.secret")
        );
    }

    #[test]
    fn error_answers_name_code_and_field() {
        let answer = Answer {
            status: 400,
            body: json!({"workflow_rules": [{"code": "LIMIT_EXCEEDED", "details": {"api_name": "webhooks", "limit": 1}, "message": "actions limit exceeded", "status": "error"}]}),
        };
        assert_eq!(answer.error_code("workflow_rules"), "LIMIT_EXCEEDED");
        assert_eq!(answer.error_message("workflow_rules"), "actions limit exceeded (field webhooks) (limit 1)");
    }
}
