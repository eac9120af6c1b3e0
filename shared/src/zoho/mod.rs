//! The Zoho CRM client (API v8): OAuth with a shared token cache, records by id, COQL, updates.
//!
//! One `ZohoClient` per process (build it at cold start, as `App` does): it holds the connection
//! pool and the token cache, and every clone shares both. Facts: `docs/zoho-crm.md` §3–§4.

pub mod deleted;
mod error;
pub mod records;
mod settings;
pub mod token;
pub mod values;

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::header::{AUTHORIZATION, HeaderMap, RETRY_AFTER};
use serde_json::{Map, Value, json};

pub use deleted::{GoneEvidence, Presence};
pub use error::ZohoError;
pub use records::{
    Class, Enrollment, Grade, GradingTemplateRow, Installment, Module, Payment, Program, Registration, Student,
    StudentRequest, Teacher, Unit, decode,
};
pub use settings::ZohoSettings;
pub use token::{LockState, MemoryTokenStore, SsmTokenStore, StoredToken, TokenStore, TokenStoreError};
pub use values::{Lookup, ZohoDate, ZohoDateTime};

use crate::ids::ZohoId;
use crate::telemetry;
use token::{AccessToken, CachePolicy, Minter, TokenCache};

/// Rows per COQL page (one API credit per page up to 200).
pub const COQL_PAGE_SIZE: usize = 200;
/// COQL cannot page beyond this offset.
const COQL_MAX_OFFSET: usize = 100_000;

/// How transient faults (network, timeout, 429, 5xx) are retried.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Attempts per request, the first included.
    pub max_attempts: u32,
    /// No retry starts after this much time has passed since the first attempt.
    pub budget: Duration,
    /// The first backoff; it doubles per attempt, with jitter.
    pub base_delay: Duration,
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 3,
            budget: Duration::from_secs(8),
            base_delay: Duration::from_millis(300),
            max_delay: Duration::from_secs(4),
        }
    }
}

/// Tuning of the client; [`ZohoClient::new`] uses the defaults and settings.
#[derive(Clone)]
pub struct ZohoOptions {
    /// Where containers share the token. `ZohoClient::new` uses SSM when
    /// `settings.token_cache_param` is set, none otherwise.
    pub token_store: Option<Arc<dyn TokenStore>>,
    /// A token is replaced when less than this is left of its life.
    pub refresh_margin: Duration,
    /// After "Access Denied", no token request for this long (Zoho blocks for the rest of its
    /// ten-minute window).
    pub token_cooling_off: Duration,
    /// How long one container may hold the store's minting lock.
    pub store_lock_ttl: Duration,
    pub retry: RetryPolicy,
}

impl Default for ZohoOptions {
    fn default() -> Self {
        Self {
            token_store: None,
            refresh_margin: Duration::from_secs(300),
            token_cooling_off: Duration::from_secs(600),
            store_lock_ttl: Duration::from_secs(15),
            retry: RetryPolicy::default(),
        }
    }
}

/// The result of a successful update.
#[derive(Debug, Clone, PartialEq)]
pub struct UpdateOutcome {
    pub id: ZohoId,
    /// The record's new `Modified_Time`, when Zoho reported it.
    pub modified_time: Option<ZohoDateTime>,
}

#[derive(Clone)]
pub struct ZohoClient {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    settings: ZohoSettings,
    retry: RetryPolicy,
    cache: TokenCache,
}

impl fmt::Debug for ZohoClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ZohoClient")
            .field("accounts_url", &self.inner.settings.accounts_url)
            .field("api_domain", &self.inner.settings.api_domain)
            .field("token_store", &self.inner.cache.store())
            .finish()
    }
}

/// A response read to the end. Deliberately not `Debug`: the body holds record data.
/// The body is reqwest's own buffer, not a copy of it: a class's COQL pages are each about
/// 300 KB.
struct Answer {
    status: u16,
    body: bytes::Bytes,
}

impl Answer {
    fn json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }
}

/// A get-by-id answer read the regular way: the first record of `data` as JSON, `None` when
/// Zoho has no such record (204, or an empty `data`).
fn single_record(operation: &str, answer: Answer) -> Result<Option<Value>, ZohoError> {
    match answer.status {
        204 => Ok(None),
        200 => {
            let mut value = answer.json().ok_or_else(|| decode_error(operation, "not JSON"))?;
            match value.get_mut("data").and_then(Value::as_array_mut) {
                Some(data) if data.is_empty() => Ok(None),
                Some(data) => Ok(Some(data.swap_remove(0))),
                None => Err(decode_error(operation, "no data array")),
            }
        }
        _ => Err(rejection(operation, &answer)),
    }
}

impl ZohoClient {
    /// The production client: SSM token sharing when `settings.token_cache_param` is set.
    pub fn new(http: reqwest::Client, settings: ZohoSettings) -> Self {
        let token_store =
            settings.token_cache_param.as_ref().map(|p| Arc::new(SsmTokenStore::new(p.clone())) as Arc<dyn TokenStore>);
        Self::with_options(http, settings, ZohoOptions { token_store, ..ZohoOptions::default() })
    }

    pub fn with_options(http: reqwest::Client, settings: ZohoSettings, options: ZohoOptions) -> Self {
        let cache = TokenCache::new(
            options.token_store,
            CachePolicy {
                refresh_margin: options.refresh_margin,
                cooling_off: options.token_cooling_off,
                lock_ttl: options.store_lock_ttl,
            },
        );
        Self { inner: Arc::new(Inner { http, settings, retry: options.retry, cache }) }
    }

    /// Reads a record by id; `Ok(None)` when it does not exist (HTTP 204).
    /// The record is decoded straight from the answer's bytes when it can be
    /// ([`records::decode_single`]); otherwise the regular way, which gives every error.
    pub async fn get<T: Module>(&self, id: &ZohoId) -> Result<Option<T>, ZohoError> {
        let (operation, answer) = self.get_answer(T::API_NAME, id).await?;
        if answer.status == 200
            && let Some(record) = records::decode_single::<T>(&answer.body)
        {
            return Ok(record);
        }
        match single_record(&operation, answer)? {
            None => Ok(None),
            Some(value) => records::decode(value).map(Some),
        }
    }

    /// Reads a record by id as raw JSON.
    pub async fn get_raw(&self, module: &str, id: &ZohoId) -> Result<Option<Value>, ZohoError> {
        let (operation, answer) = self.get_answer(module, id).await?;
        single_record(&operation, answer)
    }

    /// `GET /crm/v8/{module}/{id}`: the answer, and the operation's name for errors.
    async fn get_answer(&self, module: &str, id: &ZohoId) -> Result<(String, Answer), ZohoError> {
        check_module_name(module)?;
        let path = format!("/crm/v8/{module}/{id}");
        let operation = format!("GET {module}/{id}");
        let answer = self.crm(&operation, |http, base| http.get(format!("{base}{path}"))).await?;
        Ok((operation, answer))
    }

    /// All records of `T` whose lookup `field` points at `id`, e.g. every `Enrollment` whose
    /// `Classes` is a class: COQL (exact and fresh, unlike Search), following every page.
    pub async fn list_by_lookup<T: Module>(&self, field: &str, id: &ZohoId) -> Result<Vec<T>, ZohoError> {
        check_field_name(field)?;
        self.query(&format!("{field} = '{id}'")).await
    }

    /// Records of `T` matching a COQL condition (the text after `where`), every page. Quote values
    /// with [`coql_text`].
    pub async fn query<T: Module>(&self, condition: &str) -> Result<Vec<T>, ZohoError> {
        let base = format!("select {} from {} where {condition}", T::COQL_FIELDS, T::API_NAME);
        self.coql_raw(&base).await?.into_iter().map(records::decode).collect()
    }

    /// Runs `select … from … where … [order by …]` (without `limit`) page by page and returns
    /// every row.
    pub async fn coql_raw(&self, query_without_limit: &str) -> Result<Vec<Value>, ZohoError> {
        let mut rows = Vec::new();
        let mut offset = 0;
        loop {
            let (page, more) = self.coql_page(query_without_limit, offset, COQL_PAGE_SIZE).await?;
            let count = page.len();
            rows.extend(page);
            // An empty page with more_records=true would loop for ever; stop instead.
            if !more || count == 0 {
                return Ok(rows);
            }
            offset += count;
            if offset >= COQL_MAX_OFFSET {
                return Err(ZohoError::Rejected {
                    operation: format!("COQL (offset {offset})"),
                    status: 400,
                    code: "LIMIT_EXCEEDED".into(),
                    message: format!("COQL cannot read beyond {COQL_MAX_OFFSET} rows; narrow the query"),
                });
            }
        }
    }

    /// What comes after a page of `count` rows at `offset` (Zoho said `more`): the next
    /// offset, or `None` when the listing is complete. The rules of [`ZohoClient::coql_raw`]:
    /// an empty page ends it (a `more_records` that never ends would loop), and COQL cannot
    /// page beyond 100,000 rows.
    pub fn coql_next_offset(offset: usize, count: usize, more: bool) -> Result<Option<usize>, ZohoError> {
        if !more || count == 0 {
            return Ok(None);
        }
        let next = offset + count;
        if next >= COQL_MAX_OFFSET {
            return Err(ZohoError::Rejected {
                operation: format!("COQL (offset {next})"),
                status: 400,
                code: "LIMIT_EXCEEDED".into(),
                message: format!("COQL cannot read beyond {COQL_MAX_OFFSET} rows; narrow the query"),
            });
        }
        Ok(Some(next))
    }

    /// One page of a COQL query (without `limit`) as Zoho's answer body, for callers that decode
    /// the rows in one pass (`records::decode_enrollment_page`); `None` when Zoho answers 204
    /// (no rows). Errors as in [`ZohoClient::coql_page`].
    pub async fn coql_page_body(
        &self,
        query_without_limit: &str,
        offset: usize,
        limit: usize,
    ) -> Result<Option<bytes::Bytes>, ZohoError> {
        let select_query = format!("{query_without_limit} limit {offset}, {limit}");
        let body = json!({ "select_query": select_query });
        let operation = format!("COQL (offset {offset})");
        let answer = self.crm(&operation, |http, base| http.post(format!("{base}/crm/v8/coql")).json(&body)).await?;
        match answer.status {
            204 => Ok(None),
            200 => Ok(Some(answer.body)),
            _ => Err(rejection(&operation, &answer)),
        }
    }

    /// One page of `select … from … where … [order by …]` (without `limit`): the rows and Zoho's
    /// `more_records`. Reconciliation pages by key (`Modified_Time`) with this instead of reading
    /// every page up front, so a run can stop within its credit budget.
    pub async fn coql_page(
        &self,
        query_without_limit: &str,
        offset: usize,
        limit: usize,
    ) -> Result<(Vec<Value>, bool), ZohoError> {
        let select_query = format!("{query_without_limit} limit {offset}, {limit}");
        let body = json!({ "select_query": select_query });
        let operation = format!("COQL (offset {offset})");
        let answer = self.crm(&operation, |http, base| http.post(format!("{base}/crm/v8/coql")).json(&body)).await?;
        match answer.status {
            204 => Ok((Vec::new(), false)),
            200 => {
                let mut value = answer.json().ok_or_else(|| decode_error(&operation, "not JSON"))?;
                let more = value.pointer("/info/more_records").and_then(Value::as_bool).unwrap_or(false);
                match value.get_mut("data").map(Value::take) {
                    Some(Value::Array(page)) => Ok((page, more)),
                    Some(Value::Null) | None => Ok((Vec::new(), false)),
                    Some(_) => Err(decode_error(&operation, "data is not an array")),
                }
            }
            _ => Err(rejection(&operation, &answer)),
        }
    }

    /// A read-only list endpoint under `/crm/v8/` (`{module}/deleted`,
    /// `settings/automation/webhook_failures`) as JSON; `Ok(None)` on 204 (nothing listed).
    /// `path` is fixed by the caller (module names checked), never user text.
    pub async fn get_list(
        &self,
        path: &str,
        query: &[(&str, String)],
        if_modified_since: Option<&str>,
    ) -> Result<Option<Value>, ZohoError> {
        let operation = format!("GET {path}");
        let answer = self
            .crm(&operation, |http, base| {
                let request = http.get(format!("{base}/crm/v8/{path}")).query(query);
                match if_modified_since {
                    Some(since) => request.header("If-Modified-Since", since),
                    None => request,
                }
            })
            .await?;
        match answer.status {
            204 | 304 => Ok(None),
            200 => answer.json().map(Some).ok_or_else(|| decode_error(&operation, "not JSON")),
            _ => Err(rejection(&operation, &answer)),
        }
    }

    /// Records of `module` deleted in Zoho (`GET /crm/v8/{module}/deleted?type=all`), one page.
    pub async fn deleted_page(
        &self,
        module: &str,
        page: u32,
        if_modified_since: Option<&str>,
    ) -> Result<Option<Value>, ZohoError> {
        check_module_name(module)?;
        let query = [("type", "all".to_owned()), ("page", page.to_string()), ("per_page", "200".to_owned())];
        self.get_list(&format!("{module}/deleted"), &query, if_modified_since).await
    }

    /// Updates fields of one record of `T`'s module. See [`ZohoClient::update`].
    pub async fn update_record<T: Module>(
        &self,
        id: &ZohoId,
        fields: Map<String, Value>,
    ) -> Result<UpdateOutcome, ZohoError> {
        self.update(T::API_NAME, id, fields).await
    }

    /// Updates fields of one record. Always sends `"trigger": []` so that our own write-back does
    /// not fire the workflow rules (and so the webhooks) again. The per-record status must be
    /// `SUCCESS`; anything else is an error naming the field Zoho objected to.
    pub async fn update(
        &self,
        module: &str,
        id: &ZohoId,
        mut fields: Map<String, Value>,
    ) -> Result<UpdateOutcome, ZohoError> {
        check_module_name(module)?;
        fields.remove("id");
        let body = json!({ "data": [Value::Object(fields)], "trigger": [] });
        let path = format!("/crm/v8/{module}/{id}");
        let operation = format!("PUT {module}/{id}");
        let answer = self.crm(&operation, |http, base| http.put(format!("{base}{path}")).json(&body)).await?;
        let value = answer.json();
        let first = value.as_ref().and_then(|v| v.get("data")).and_then(Value::as_array).and_then(|d| d.first());
        let Some(first) = first else {
            return Err(if (200..300).contains(&answer.status) {
                decode_error(&operation, "no per-record status")
            } else {
                rejection(&operation, &answer)
            });
        };
        let code = first.get("code").and_then(Value::as_str).unwrap_or("");
        if code == "SUCCESS" {
            let modified_time =
                first.pointer("/details/Modified_Time").and_then(Value::as_str).and_then(ZohoDateTime::parse);
            return Ok(UpdateOutcome { id: id.clone(), modified_time });
        }
        let field = first.pointer("/details/api_name").and_then(Value::as_str).map(str::to_owned);
        Err(ZohoError::RecordRejected {
            module: module.to_owned(),
            id: id.to_string(),
            code: if code.is_empty() { "UNKNOWN" } else { code }.to_owned(),
            field,
            message: short(first.get("message").and_then(Value::as_str).unwrap_or("")),
        })
    }

    /// The access token from the cache (the shared store first, minting only when no container
    /// has a good one) and the CRM domain to send it to: for callers that make Zoho calls this
    /// client does not (the operator tool's settings APIs), so they spend no mints of their own.
    pub async fn access_token(&self) -> Result<(crate::secret::Secret, String), ZohoError> {
        let token = self.inner.cache.get(&TokenMinter(&self.inner)).await?;
        Ok(self.token_and_domain(token))
    }

    /// The CRM rejected `rejected`: a different token (from the store, or minted once).
    pub async fn replace_access_token(
        &self,
        rejected: &crate::secret::Secret,
    ) -> Result<(crate::secret::Secret, String), ZohoError> {
        let rejected = AccessToken { token: rejected.clone(), api_domain: String::new(), expires_at_ms: 0 };
        let token = self.inner.cache.replace(&rejected, &TokenMinter(&self.inner)).await?;
        Ok(self.token_and_domain(token))
    }

    /// The shared token store, if this client has one.
    pub fn token_store(&self) -> Option<&Arc<dyn TokenStore>> {
        self.inner.cache.store()
    }

    fn token_and_domain(&self, token: AccessToken) -> (crate::secret::Secret, String) {
        let domain = self.inner.settings.api_domain.clone().unwrap_or(token.api_domain);
        (token.token, domain)
    }

    /// One CRM request: a token from the cache, retries for transient faults, and exactly one
    /// refresh-and-retry when the CRM says the token is invalid.
    async fn crm<F>(&self, operation: &str, build: F) -> Result<Answer, ZohoError>
    where
        F: Fn(&reqwest::Client, &str) -> reqwest::RequestBuilder,
    {
        let minter = TokenMinter(&self.inner);
        let token = self.inner.cache.get(&minter).await?;
        let answer = self.send_crm(operation, &token, &build).await?;
        if !is_invalid_token(&answer) {
            return Ok(answer);
        }
        tracing::info!(operation, "zoho rejected the access token; refreshing once");
        let token = self.inner.cache.replace(&token, &minter).await?;
        let answer = self.send_crm(operation, &token, &build).await?;
        if is_invalid_token(&answer) {
            return Err(ZohoError::Unauthorized {
                status: answer.status,
                code: error_code(&answer).unwrap_or_else(|| "INVALID_TOKEN".into()),
            });
        }
        Ok(answer)
    }

    async fn send_crm<F>(&self, operation: &str, token: &AccessToken, build: &F) -> Result<Answer, ZohoError>
    where
        F: Fn(&reqwest::Client, &str) -> reqwest::RequestBuilder,
    {
        let base = self.inner.settings.api_domain.as_deref().unwrap_or(&token.api_domain);
        self.inner
            .send(operation, || {
                build(&self.inner.http, base).header(AUTHORIZATION, format!("Zoho-oauthtoken {}", token.token.expose()))
            })
            .await
    }
}

struct TokenMinter<'a>(&'a Inner);

impl Minter for TokenMinter<'_> {
    fn mint(&self) -> std::pin::Pin<Box<dyn Future<Output = Result<AccessToken, ZohoError>> + Send + '_>> {
        Box::pin(self.0.mint())
    }
}

impl Inner {
    async fn mint(&self) -> Result<AccessToken, ZohoError> {
        let s = &self.settings;
        let url = format!("{}/oauth/v2/token", s.accounts_url);
        let form = [
            ("grant_type", "refresh_token"),
            ("client_id", s.client_id.expose()),
            ("client_secret", s.client_secret.expose()),
            ("refresh_token", s.refresh_token.expose()),
        ];
        let answer = self.send("token refresh", || self.http.post(&url).form(&form)).await?;
        let token = token::parse_token_response(answer.status, &answer.body, s.api_domain.as_deref())?;
        tracing::info!(
            expires_in_secs = token.expires_at_ms.saturating_sub(token::now_ms()) / 1000,
            "zoho access token minted"
        );
        Ok(token)
    }

    /// Sends with a timeout, retrying network faults, 429 and 5xx with jittered exponential
    /// backoff inside the retry budget (honouring `Retry-After`). Other answers are returned.
    async fn send<F>(&self, operation: &str, request: F) -> Result<Answer, ZohoError>
    where
        F: Fn() -> reqwest::RequestBuilder,
    {
        let policy = &self.retry;
        let started = Instant::now();
        let mut attempt = 0;
        loop {
            attempt += 1;
            telemetry::count_zoho_call(operation);
            let outcome = match request().timeout(self.settings.timeout).send().await {
                Ok(response) => {
                    let status = response.status().as_u16();
                    let retry_after = retry_after(response.headers());
                    match response.bytes().await {
                        Ok(bytes) => Ok((status, retry_after, bytes)),
                        Err(e) => Err(self.transport_error(&e)),
                    }
                }
                Err(e) => Err(self.transport_error(&e)),
            };
            let (failure, hint) = match outcome {
                Ok((status, hint, body)) if status == 429 || status >= 500 => {
                    let answer = Answer { status, body };
                    let hint = hint.or_else(|| body_retry_after(&answer));
                    let error = ZohoError::Unavailable { status, code: error_code(&answer), attempts: attempt };
                    (error, hint)
                }
                Ok((status, _, body)) => {
                    return Ok(Answer { status, body });
                }
                Err(error) => (error, None),
            };
            if attempt >= policy.max_attempts {
                return Err(failure);
            }
            let backoff = policy.base_delay.saturating_mul(1 << (attempt - 1).min(16)).min(policy.max_delay);
            // Half fixed, half random: spreads a burst of containers without ever retrying at once.
            let jittered = backoff / 2 + backoff.mul_f64(fastrand::f64() / 2.0);
            let delay = hint.map_or(jittered, |h| h.max(jittered / 4));
            if started.elapsed() + delay > policy.budget {
                tracing::warn!(operation, attempt, error = %failure, "zoho retry budget exhausted");
                return Err(failure);
            }
            tracing::info!(operation, attempt, delay_ms = delay.as_millis() as u64, error = %failure, "zoho call failed; retrying");
            tokio::time::sleep(delay).await;
        }
    }

    fn transport_error(&self, error: &reqwest::Error) -> ZohoError {
        if error.is_timeout() {
            return ZohoError::Timeout { seconds: self.settings.timeout.as_secs() };
        }
        // The URLs carry no secrets (the token is a header, credentials are in the form body),
        // so reqwest's text and its causes are safe to show.
        ZohoError::Unreachable { reason: crate::error_text::with_causes(error) }
    }
}

/// `Retry-After` in seconds (the HTTP-date form is not used by Zoho).
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let secs: f64 = headers.get(RETRY_AFTER)?.to_str().ok()?.trim().parse().ok()?;
    (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs.min(3600.0)))
}

/// `details.retry_after` of a 429 body (crm-oas examples).
fn body_retry_after(answer: &Answer) -> Option<Duration> {
    let secs = answer.json()?.pointer("/details/retry_after")?.as_f64()?;
    (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs.min(3600.0)))
}

fn error_code(answer: &Answer) -> Option<String> {
    answer.json()?.get("code").and_then(Value::as_str).map(|c| c.chars().take(60).collect())
}

/// The CRM's "this token is no good" answers; a fresh token cures them. `OAUTH_SCOPE_MISMATCH`
/// is not among them: no new token has a different scope.
fn is_invalid_token(answer: &Answer) -> bool {
    // Zoho rejects a token with HTTP 401 (`docs/zoho-crm.md` §3.7); a 2xx answer is data, and
    // parsing a COQL page of 200 rows a second time only to look for a `code` cost about a third
    // of class_updated's CPU for a large class (docs/PERFORMANCE.md).
    if (200..300).contains(&answer.status) {
        return false;
    }
    let code = error_code(answer);
    match code.as_deref() {
        Some("INVALID_TOKEN" | "INVALID_OAUTHTOKEN" | "AUTHENTICATION_FAILURE") => true,
        Some(_) => false,
        None => answer.status == 401,
    }
}

/// A 4xx answer as an error.
fn rejection(operation: &str, answer: &Answer) -> ZohoError {
    let value = answer.json();
    let code = error_code(answer).unwrap_or_else(|| "NO_CODE".into());
    if answer.status == 401 || answer.status == 403 {
        return ZohoError::Unauthorized { status: answer.status, code };
    }
    ZohoError::Rejected {
        operation: operation.to_owned(),
        status: answer.status,
        code,
        message: short(value.as_ref().and_then(|v| v.get("message")).and_then(Value::as_str).unwrap_or("")),
    }
}

fn decode_error(operation: &str, reason: &str) -> ZohoError {
    ZohoError::Decode { context: operation.to_owned(), reason: reason.to_owned() }
}

fn short(text: &str) -> String {
    text.chars().take(200).collect()
}

fn is_api_name(name: &str) -> bool {
    !name.is_empty() && name.len() <= 100 && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.')
}

fn check_module_name(module: &str) -> Result<(), ZohoError> {
    if is_api_name(module) && !module.contains('.') {
        Ok(())
    } else {
        Err(ZohoError::Rejected {
            operation: "request".into(),
            status: 400,
            code: "INVALID_MODULE".into(),
            message: "a module API name is letters, digits and underscores".into(),
        })
    }
}

fn check_field_name(field: &str) -> Result<(), ZohoError> {
    if is_api_name(field) {
        Ok(())
    } else {
        Err(ZohoError::Rejected {
            operation: "COQL".into(),
            status: 400,
            code: "INVALID_QUERY".into(),
            message: "a field API name is letters, digits, underscores and dots".into(),
        })
    }
}

/// A COQL string literal: quotes and backslashes escaped, so a value can never end the literal.
pub fn coql_text(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('\'');
    for c in value.chars() {
        if c == '\'' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('\'');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coql_literals_are_escaped() {
        assert_eq!(coql_text("O'Brien\\"), r"'O\'Brien\\'");
    }

    #[test]
    fn invalid_token_answers() {
        let answer = |status, body: &str| Answer { status, body: bytes::Bytes::copy_from_slice(body.as_bytes()) };
        assert!(is_invalid_token(&answer(
            401,
            r#"{"code":"INVALID_TOKEN","details":{},"message":"invalid oauth token","status":"error"}"#
        )));
        assert!(is_invalid_token(&answer(401, r#"{"code":"AUTHENTICATION_FAILURE"}"#)));
        assert!(is_invalid_token(&answer(401, "")));
        assert!(!is_invalid_token(&answer(401, r#"{"code":"OAUTH_SCOPE_MISMATCH"}"#)));
        assert!(!is_invalid_token(&answer(200, r#"{"data":[]}"#)));
    }

    #[test]
    fn names_are_checked_before_they_reach_a_url_or_query() {
        assert!(check_module_name("BTEC_Classes").is_ok());
        assert!(check_module_name("../settings").is_err());
        assert!(check_field_name("Classes.id").is_ok());
        assert!(check_field_name("Classes = '1' or 1").is_err());
    }
}
