//! Access tokens: minting with the refresh-token grant, one cache per process, and a store that
//! shares the current token across Lambda containers.
//!
//! Zoho allows about ten mints per refresh token per ten minutes and then answers "Access Denied"
//! for the rest of the window (`docs/zoho-crm.md` §3.3). So a token is minted only when neither
//! this process nor the shared store has one that is still good; concurrent callers in a process
//! wait for one refresh (a tokio mutex), and containers wait for each other through a lock in the
//! store. After "Access Denied" nothing mints for a cooling-off period.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex as StdMutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::error::ZohoError;
use crate::secret::Secret;

/// A token as the shared store keeps it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredToken {
    pub access_token: String,
    /// When Zoho stops accepting it, in Unix milliseconds.
    pub expires_at_ms: u64,
    /// Where CRM calls made with this token go (`https://www.zohoapis.eu`, …).
    pub api_domain: String,
}

impl fmt::Debug for StoredToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoredToken")
            .field("access_token", &"[redacted]")
            .field("expires_at_ms", &self.expires_at_ms)
            .field("api_domain", &self.api_domain)
            .finish()
    }
}

/// The answer of [`TokenStore::try_lock`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockState {
    /// This holder may mint; it must call [`TokenStore::release`] afterwards.
    Acquired,
    /// Another container is minting: wait for the token to appear in the store.
    Held,
    /// A container was answered "Access Denied": nobody mints before this time (Unix ms).
    Throttled { until_ms: u64 },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("token store: {0}")]
pub struct TokenStoreError(pub String);

pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, TokenStoreError>> + Send + 'a>>;

/// Where containers share the current access token. A store failure never fails a Zoho call:
/// the client falls back to minting for its own process, which costs mints, not correctness.
pub trait TokenStore: Send + Sync + fmt::Debug {
    fn load(&self) -> StoreFuture<'_, Option<StoredToken>>;
    fn save<'a>(&'a self, token: &'a StoredToken) -> StoreFuture<'a, ()>;
    /// Takes the minting lock until `until_ms` unless someone else holds an unexpired one.
    fn try_lock<'a>(&'a self, holder: &'a str, until_ms: u64) -> StoreFuture<'a, LockState>;
    /// Gives the lock back; with `throttled_until_ms`, turns it into a throttle marker that tells
    /// every container not to mint before then.
    fn release<'a>(&'a self, holder: &'a str, throttled_until_ms: Option<u64>) -> StoreFuture<'a, ()>;
}

/// The lock's value in a store.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct LockRecord {
    holder: String,
    until_ms: u64,
    #[serde(default)]
    throttled: bool,
}

impl LockRecord {
    fn state_for(&self, now: u64) -> Option<LockState> {
        if self.until_ms <= now {
            None
        } else if self.throttled {
            Some(LockState::Throttled { until_ms: self.until_ms })
        } else {
            Some(LockState::Held)
        }
    }
}

/// A store in memory: for tests, and for sharing one token between clients of one process.
#[derive(Debug, Default)]
pub struct MemoryTokenStore {
    inner: StdMutex<(Option<StoredToken>, Option<LockRecord>)>,
}

impl MemoryTokenStore {
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    pub fn current(&self) -> Option<StoredToken> {
        self.inner.lock().ok().and_then(|g| g.0.clone())
    }
}

impl TokenStore for MemoryTokenStore {
    fn load(&self) -> StoreFuture<'_, Option<StoredToken>> {
        let token = self.current();
        Box::pin(async move { Ok(token) })
    }

    fn save<'a>(&'a self, token: &'a StoredToken) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let mut guard = self.inner.lock().map_err(|_| TokenStoreError("poisoned".into()))?;
            guard.0 = Some(token.clone());
            Ok(())
        })
    }

    fn try_lock<'a>(&'a self, holder: &'a str, until_ms: u64) -> StoreFuture<'a, LockState> {
        Box::pin(async move {
            let mut guard = self.inner.lock().map_err(|_| TokenStoreError("poisoned".into()))?;
            if let Some(state) = guard.1.as_ref().and_then(|l| l.state_for(now_ms())) {
                return Ok(state);
            }
            guard.1 = Some(LockRecord { holder: holder.to_owned(), until_ms, throttled: false });
            Ok(LockState::Acquired)
        })
    }

    fn release<'a>(&'a self, holder: &'a str, throttled_until_ms: Option<u64>) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let mut guard = self.inner.lock().map_err(|_| TokenStoreError("poisoned".into()))?;
            guard.1 =
                throttled_until_ms.map(|until_ms| LockRecord { holder: holder.to_owned(), until_ms, throttled: true });
            Ok(())
        })
    }
}

/// SSM Parameter Store: the token in a SecureString parameter (JSON of [`StoredToken`]), the
/// minting lock in a String parameter next to it (`<name>-lock`), created with
/// `Overwrite=false` so that exactly one container wins it.
///
/// IAM: `ssm:GetParameter`, `ssm:PutParameter` and `ssm:DeleteParameter` on both parameters, and
/// `kms:Decrypt`/`kms:Encrypt` on the key of the SecureString (the AWS-managed `aws/ssm` key by
/// default).
pub struct SsmTokenStore {
    parameter: String,
    lock_parameter: String,
    client: tokio::sync::OnceCell<aws_sdk_ssm::Client>,
}

impl fmt::Debug for SsmTokenStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SsmTokenStore").field("parameter", &self.parameter).finish()
    }
}

impl SsmTokenStore {
    /// The SDK client is built on first use from the Lambda environment, so a local run without
    /// a configured parameter never loads AWS configuration.
    pub fn new(parameter: impl Into<String>) -> Self {
        let parameter = parameter.into();
        Self { lock_parameter: format!("{parameter}-lock"), parameter, client: tokio::sync::OnceCell::new() }
    }

    /// With a ready client (tests against a local SSM endpoint).
    pub fn with_client(client: aws_sdk_ssm::Client, parameter: impl Into<String>) -> Self {
        let store = Self::new(parameter);
        let _ = store.client.set(client);
        store
    }

    async fn client(&self) -> &aws_sdk_ssm::Client {
        self.client
            .get_or_init(|| async {
                let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
                aws_sdk_ssm::Client::new(&config)
            })
            .await
    }

    async fn get(&self, name: &str, decrypt: bool) -> Result<Option<String>, TokenStoreError> {
        let result = self.client().await.get_parameter().name(name).with_decryption(decrypt).send().await;
        match result {
            Ok(out) => Ok(out.parameter().and_then(|p| p.value()).map(str::to_owned)),
            Err(e) if e.as_service_error().is_some_and(|s| s.is_parameter_not_found()) => Ok(None),
            Err(e) => Err(ssm_error("GetParameter", name, &e)),
        }
    }

    async fn put_lock(&self, record: &LockRecord, overwrite: bool) -> Result<bool, TokenStoreError> {
        let value = serde_json::to_string(record).map_err(|e| TokenStoreError(e.to_string()))?;
        let result = self
            .client()
            .await
            .put_parameter()
            .name(&self.lock_parameter)
            .value(value)
            .r#type(aws_sdk_ssm::types::ParameterType::String)
            .overwrite(overwrite)
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(e) if e.as_service_error().is_some_and(|s| s.is_parameter_already_exists()) => Ok(false),
            Err(e) => Err(ssm_error("PutParameter", &self.lock_parameter, &e)),
        }
    }
}

fn ssm_error<E: std::error::Error + 'static>(operation: &str, name: &str, error: &E) -> TokenStoreError {
    // The SDK's error context names the operation and cause; it never contains parameter values.
    TokenStoreError(format!("SSM {operation} {name}: {}", aws_sdk_ssm::error::DisplayErrorContext(error)))
}

impl TokenStore for SsmTokenStore {
    fn load(&self) -> StoreFuture<'_, Option<StoredToken>> {
        Box::pin(async move {
            let Some(text) = self.get(&self.parameter, true).await? else {
                return Ok(None);
            };
            // A value we cannot read (first deployment placeholder, older format) counts as
            // missing: the next mint overwrites it.
            Ok(serde_json::from_str(&text).ok())
        })
    }

    fn save<'a>(&'a self, token: &'a StoredToken) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let value = serde_json::to_string(token).map_err(|e| TokenStoreError(e.to_string()))?;
            self.client()
                .await
                .put_parameter()
                .name(&self.parameter)
                .value(value)
                .r#type(aws_sdk_ssm::types::ParameterType::SecureString)
                .overwrite(true)
                .send()
                .await
                .map_err(|e| ssm_error("PutParameter", &self.parameter, &e))?;
            Ok(())
        })
    }

    fn try_lock<'a>(&'a self, holder: &'a str, until_ms: u64) -> StoreFuture<'a, LockState> {
        Box::pin(async move {
            let record = LockRecord { holder: holder.to_owned(), until_ms, throttled: false };
            if self.put_lock(&record, false).await? {
                return Ok(LockState::Acquired);
            }
            let existing = self
                .get(&self.lock_parameter, false)
                .await?
                .and_then(|text| serde_json::from_str::<LockRecord>(&text).ok());
            if let Some(state) = existing.and_then(|l| l.state_for(now_ms())) {
                return Ok(state);
            }
            // The lock outlived its holder (a container that died while minting). Taking it
            // over is not atomic; two containers racing here cost one extra mint at worst.
            self.put_lock(&record, true).await?;
            Ok(LockState::Acquired)
        })
    }

    fn release<'a>(&'a self, holder: &'a str, throttled_until_ms: Option<u64>) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            if let Some(until_ms) = throttled_until_ms {
                let record = LockRecord { holder: holder.to_owned(), until_ms, throttled: true };
                self.put_lock(&record, true).await?;
                return Ok(());
            }
            let result = self.client().await.delete_parameter().name(&self.lock_parameter).send().await;
            match result {
                Ok(_) => Ok(()),
                Err(e) if e.as_service_error().is_some_and(|s| s.is_parameter_not_found()) => Ok(()),
                Err(e) => Err(ssm_error("DeleteParameter", &self.lock_parameter, &e)),
            }
        })
    }
}

pub(crate) fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
}

/// The token the client sends, with where to send it.
/// `Debug` is safe: `Secret` redacts the token.
#[derive(Clone, Debug)]
pub(crate) struct AccessToken {
    pub token: Secret,
    pub api_domain: String,
    pub expires_at_ms: u64,
}

impl AccessToken {
    fn from_stored(stored: StoredToken) -> Self {
        Self {
            token: Secret::new(stored.access_token),
            api_domain: stored.api_domain,
            expires_at_ms: stored.expires_at_ms,
        }
    }

    fn to_stored(&self) -> StoredToken {
        StoredToken {
            access_token: self.token.expose().to_owned(),
            expires_at_ms: self.expires_at_ms,
            api_domain: self.api_domain.clone(),
        }
    }
}

/// Timings of the cache (see [`super::ZohoOptions`]).
#[derive(Debug, Clone)]
pub(crate) struct CachePolicy {
    pub refresh_margin: Duration,
    pub cooling_off: Duration,
    pub lock_ttl: Duration,
}

/// Mints a token; the cache calls it only under its single-flight lock.
pub(crate) trait Minter: Send + Sync {
    fn mint(&self) -> Pin<Box<dyn Future<Output = Result<AccessToken, ZohoError>> + Send + '_>>;
}

/// One per process: the current token, the single-flight refresh, the cooling-off state.
pub(crate) struct TokenCache {
    current: StdMutex<Option<AccessToken>>,
    refresh: tokio::sync::Mutex<Option<Instant>>,
    store: Option<Arc<dyn TokenStore>>,
    policy: CachePolicy,
    holder: String,
}

impl TokenCache {
    pub fn new(store: Option<Arc<dyn TokenStore>>, policy: CachePolicy) -> Self {
        Self {
            current: StdMutex::new(None),
            refresh: tokio::sync::Mutex::new(None),
            store,
            policy,
            holder: format!("{:016x}", fastrand::u64(..)),
        }
    }

    pub fn store(&self) -> Option<&Arc<dyn TokenStore>> {
        self.store.as_ref()
    }

    fn is_fresh(&self, expires_at_ms: u64) -> bool {
        expires_at_ms > now_ms() + self.policy.refresh_margin.as_millis() as u64
    }

    fn fresh_current(&self) -> Option<AccessToken> {
        let guard = self.current.lock().ok()?;
        guard.as_ref().filter(|t| self.is_fresh(t.expires_at_ms)).cloned()
    }

    fn set_current(&self, token: Option<AccessToken>) {
        if let Ok(mut guard) = self.current.lock() {
            *guard = token;
        }
    }

    /// A token that is good for at least the refresh margin.
    pub async fn get(&self, minter: &dyn Minter) -> Result<AccessToken, ZohoError> {
        if let Some(token) = self.fresh_current() {
            return Ok(token);
        }
        let mut cooling_off = self.refresh.lock().await;
        // Whoever held the lock before us may have refreshed already.
        if let Some(token) = self.fresh_current() {
            return Ok(token);
        }
        self.refresh_locked(&mut cooling_off, None, minter).await
    }

    /// The CRM rejected `rejected`: get a different token (minting at most once).
    pub async fn replace(&self, rejected: &AccessToken, minter: &dyn Minter) -> Result<AccessToken, ZohoError> {
        let mut cooling_off = self.refresh.lock().await;
        if let Some(token) = self.fresh_current()
            && token.token != rejected.token
        {
            return Ok(token);
        }
        self.set_current(None);
        self.refresh_locked(&mut cooling_off, Some(&rejected.token), minter).await
    }

    /// A usable token from the store, unless it is the one the CRM just rejected.
    async fn usable_stored(&self, store: &dyn TokenStore, rejected: Option<&Secret>) -> Option<AccessToken> {
        match store.load().await {
            Ok(Some(stored))
                if self.is_fresh(stored.expires_at_ms)
                    && rejected.is_none_or(|r| r.expose() != stored.access_token) =>
            {
                Some(AccessToken::from_stored(stored))
            }
            Ok(_) => None,
            Err(e) => {
                tracing::warn!(error = %e, "zoho token store unreadable; using this container's token only");
                None
            }
        }
    }

    async fn refresh_locked(
        &self,
        cooling_off: &mut Option<Instant>,
        rejected: Option<&Secret>,
        minter: &dyn Minter,
    ) -> Result<AccessToken, ZohoError> {
        if let Some(until) = *cooling_off {
            let now = Instant::now();
            if now < until {
                return Err(ZohoError::TokenThrottled { retry_after_secs: (until - now).as_secs().max(1) });
            }
            *cooling_off = None;
        }

        let mut locked = false;
        if let Some(store) = &self.store {
            if let Some(token) = self.usable_stored(store.as_ref(), rejected).await {
                self.set_current(Some(token.clone()));
                return Ok(token);
            }
            let deadline = Instant::now() + self.policy.lock_ttl;
            let mut pause = Duration::from_millis(50);
            loop {
                let until = now_ms() + self.policy.lock_ttl.as_millis() as u64;
                match store.try_lock(&self.holder, until).await {
                    Ok(LockState::Acquired) => {
                        locked = true;
                        // Another container may have saved a token between our read and our lock.
                        if let Some(token) = self.usable_stored(store.as_ref(), rejected).await {
                            self.release(store.as_ref(), None).await;
                            self.set_current(Some(token.clone()));
                            return Ok(token);
                        }
                        break;
                    }
                    Ok(LockState::Throttled { until_ms }) => {
                        let wait = Duration::from_millis(until_ms.saturating_sub(now_ms()));
                        *cooling_off = Some(Instant::now() + wait);
                        return Err(ZohoError::TokenThrottled { retry_after_secs: wait.as_secs().max(1) });
                    }
                    Ok(LockState::Held) => {
                        if Instant::now() >= deadline {
                            tracing::warn!("zoho token lock held too long by another container; minting here");
                            break;
                        }
                        tokio::time::sleep(pause).await;
                        pause = (pause * 2).min(Duration::from_secs(1));
                        if let Some(token) = self.usable_stored(store.as_ref(), rejected).await {
                            self.set_current(Some(token.clone()));
                            return Ok(token);
                        }
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "zoho token store lock unavailable; minting without it");
                        break;
                    }
                }
            }
        }

        let minted = minter.mint().await;
        match minted {
            Ok(token) => {
                if let Some(store) = &self.store {
                    if let Err(e) = store.save(&token.to_stored()).await {
                        tracing::warn!(error = %e, "zoho token store not written; other containers will mint their own");
                    }
                    if locked {
                        self.release(store.as_ref(), None).await;
                    }
                }
                self.set_current(Some(token.clone()));
                Ok(token)
            }
            Err(error) => {
                let throttled = matches!(error, ZohoError::TokenThrottled { .. });
                if throttled {
                    *cooling_off = Some(Instant::now() + self.policy.cooling_off);
                    tracing::error!(
                        cooling_off_secs = self.policy.cooling_off.as_secs(),
                        "zoho token endpoint answered Access Denied; no token requests until the cooling-off period ends"
                    );
                }
                if let Some(store) = &self.store {
                    if throttled {
                        let until = now_ms() + self.policy.cooling_off.as_millis() as u64;
                        // Tell the other containers, whether or not we held the lock.
                        if let Err(e) = store.release(&self.holder, Some(until)).await {
                            tracing::warn!(error = %e, "zoho token store: throttle marker not written");
                        }
                    } else if locked {
                        self.release(store.as_ref(), None).await;
                    }
                }
                Err(error)
            }
        }
    }

    async fn release(&self, store: &dyn TokenStore, throttled_until_ms: Option<u64>) {
        if let Err(e) = store.release(&self.holder, throttled_until_ms).await {
            tracing::warn!(error = %e, "zoho token store lock not released; it expires by itself");
        }
    }
}

/// What the token endpoint answered, read defensively: errors arrive as HTTP 200 bodies, and
/// `expires_in` has been seconds or milliseconds (`docs/zoho-crm.md` §3.2). Both grants use it:
/// the refresh grant here and the grant-token exchange of the operator tool.
#[derive(Debug)]
pub struct TokenAnswer {
    pub access_token: Secret,
    /// Only in the answer to a grant-token exchange.
    pub refresh_token: Option<Secret>,
    pub scope: Option<String>,
    pub api_domain: String,
    pub lifetime_secs: f64,
}

pub fn parse_token_answer(
    status: u16,
    body: &[u8],
    api_domain_override: Option<&str>,
) -> Result<TokenAnswer, ZohoError> {
    let value: Value = serde_json::from_slice(body).map_err(|_| {
        if status >= 500 {
            ZohoError::Unavailable { status, code: None, attempts: 1 }
        } else {
            ZohoError::TokenResponseInvalid { reason: format!("HTTP {status}, body is not JSON") }
        }
    })?;
    let text = |key: &str| value.get(key).and_then(Value::as_str).map(str::trim);
    let Some(access_token) = text("access_token").filter(|t| !t.is_empty()) else {
        let error = text("error").filter(|e| !e.is_empty());
        return Err(match error {
            Some(e) if e.eq_ignore_ascii_case("Access Denied") => ZohoError::TokenThrottled { retry_after_secs: 600 },
            Some(e) => ZohoError::TokenRejected { error: e.chars().take(80).collect() },
            None => ZohoError::TokenResponseInvalid { reason: format!("HTTP {status}, no access_token and no error") },
        });
    };
    let number = |key: &str| -> Option<f64> {
        match value.get(key)? {
            Value::Number(n) => n.as_f64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    };
    let lifetime_secs = match (number("expires_in_sec"), number("expires_in")) {
        (Some(secs), _) => secs,
        // Older answers gave milliseconds here; no access token lives a day.
        (None, Some(v)) if v > 86_400.0 => v / 1000.0,
        (None, Some(v)) => v,
        (None, None) => 3600.0,
    };
    let lifetime_secs =
        if lifetime_secs.is_finite() && lifetime_secs > 0.0 { lifetime_secs.min(86_400.0) } else { 3600.0 };
    let api_domain = match api_domain_override {
        Some(d) => d.to_owned(),
        None => {
            let domain =
                text("api_domain").filter(|d| !d.is_empty()).ok_or_else(|| ZohoError::TokenResponseInvalid {
                    reason: "no api_domain in the token response; set ZOHO_API_DOMAIN".into(),
                })?;
            // Every CRM request carries the access token to this domain: the same rule as the
            // configured URLs (https, or http on loopback only).
            crate::base_url::check(domain).map_err(|rule| ZohoError::TokenResponseInvalid {
                reason: format!("the api_domain in the token response {rule}; nothing was sent to it"),
            })?
        }
    };
    Ok(TokenAnswer {
        access_token: Secret::new(access_token),
        refresh_token: text("refresh_token").filter(|t| !t.is_empty()).map(Secret::new),
        scope: text("scope").filter(|t| !t.is_empty()).map(str::to_owned),
        api_domain,
        lifetime_secs,
    })
}

pub(crate) fn parse_token_response(
    status: u16,
    body: &[u8],
    api_domain_override: Option<&str>,
) -> Result<AccessToken, ZohoError> {
    let answer = parse_token_answer(status, body, api_domain_override)?;
    Ok(AccessToken {
        token: answer.access_token,
        api_domain: answer.api_domain,
        expires_at_ms: now_ms() + (answer.lifetime_secs * 1000.0) as u64,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(body: &str) -> Result<AccessToken, ZohoError> {
        parse_token_response(200, body.as_bytes(), None)
    }

    #[test]
    fn token_response_shapes() {
        let t = parse(r#"{"access_token":"1000.a","api_domain":"https://www.zohoapis.eu","token_type":"Bearer","expires_in":3600}"#).unwrap();
        assert_eq!(t.api_domain, "https://www.zohoapis.eu");
        let left = t.expires_at_ms - now_ms();
        assert!((3_590_000..=3_600_000).contains(&left), "{left}");

        let t = parse(
            r#"{"access_token":"1000.a","api_domain":"https://x.example","expires_in":3600000,"expires_in_sec":3600}"#,
        )
        .unwrap();
        assert!(t.expires_at_ms - now_ms() <= 3_600_000);
        let t = parse(r#"{"access_token":"1000.a","api_domain":"https://x.example","expires_in":3600000}"#).unwrap();
        assert!(t.expires_at_ms - now_ms() <= 3_600_000);
        let t = parse(r#"{"access_token":"1000.a","api_domain":"https://x.example","expires_in":"3600"}"#).unwrap();
        assert!(t.expires_at_ms - now_ms() > 3_000_000);

        let t =
            parse_token_response(200, br#"{"access_token":"1000.a","expires_in":3600}"#, Some("http://127.0.0.1:1"))
                .unwrap();
        assert_eq!(t.api_domain, "http://127.0.0.1:1");
    }

    #[test]
    fn an_api_domain_without_https_is_refused_before_any_crm_request() {
        for domain in
            ["http://www.zohoapis.com", "ftp://www.zohoapis.com", "https://u:p@www.zohoapis.com", "zohoapis.com"]
        {
            let body = format!(r#"{{"access_token":"1000.secret-token","api_domain":"{domain}","expires_in":3600}}"#);
            let error = parse(&body).unwrap_err();
            assert!(
                matches!(&error, ZohoError::TokenResponseInvalid { reason } if reason.contains("api_domain")),
                "{domain}: {error:?}"
            );
            assert!(!error.to_string().contains("secret-token"), "the token never appears in the error: {error}");
            assert!(!error.is_retryable(), "an operator must fix it (ZOHO_API_DOMAIN): {error:?}");
        }
        // Loopback (the simulator) may be plain http.
        assert!(parse(r#"{"access_token":"1000.a","api_domain":"http://127.0.0.1:9090/","expires_in":3600}"#).is_ok());
    }

    #[test]
    fn token_errors_in_200_bodies() {
        assert_eq!(
            parse(r#"{"error":"invalid_code"}"#).unwrap_err(),
            ZohoError::TokenRejected { error: "invalid_code".into() }
        );
        assert!(matches!(
            parse(r#"{"error_description":"You have made too many requests continuously. Please try again after some time.","error":"Access Denied","status":"failure"}"#).unwrap_err(),
            ZohoError::TokenThrottled { .. }
        ));
        assert!(matches!(parse(r#"{"access_token":""}"#).unwrap_err(), ZohoError::TokenResponseInvalid { .. }));
        assert!(matches!(parse("<html>").unwrap_err(), ZohoError::TokenResponseInvalid { .. }));
        assert!(matches!(
            parse_token_response(502, b"<html>", None).unwrap_err(),
            ZohoError::Unavailable { status: 502, .. }
        ));
        assert!(matches!(
            parse(r#"{"access_token":"1000.a","expires_in":3600}"#).unwrap_err(),
            ZohoError::TokenResponseInvalid { .. }
        ));
    }
}
