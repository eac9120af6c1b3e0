//! Typed configuration, read once at cold start.
//!
//! The environment variable names are a contract (README, template.yaml, `make dev`):
//! `MOODLE_URL`, `MOODLE_TOKEN`, `WEBHOOK_SECRET`, `WEBHOOK_SECRET_PREVIOUS`, `ZOHO_CLIENT_ID`,
//! `ZOHO_CLIENT_SECRET`, `ZOHO_REFRESH_TOKEN`, `ZOHO_ACCOUNTS_URL`, `ZOHO_API_DOMAIN`. For every
//! secret `X`, `X_PARAM` may name an SSM Parameter Store parameter (SecureString) instead; the
//! value is then fetched with decryption, in one `GetParameters` call for all of them.

use std::collections::HashMap;
use std::time::Duration;

pub use crate::capture::CaptureSettings;
use crate::capture::QueueUrls;
pub use crate::moodle::{MoodleSettings, MoodleTarget};
use crate::retry::RetrySchedule;
use crate::secret::Secret;
pub use crate::zoho::ZohoSettings;

pub const DEFAULT_ZOHO_ACCOUNTS_URL: &str = "https://accounts.zoho.com";

/// Every secret the functions may need, by environment name.
pub const SECRET_NAMES: [&str; 6] = [
    "MOODLE_TOKEN",
    "WEBHOOK_SECRET",
    "WEBHOOK_SECRET_PREVIOUS",
    "ZOHO_CLIENT_ID",
    "ZOHO_CLIENT_SECRET",
    "ZOHO_REFRESH_TOKEN",
];

#[derive(Debug, Clone)]
pub struct Settings {
    pub webhook: WebhookSettings,
    pub moodle: MoodleSettings,
    pub zoho: ZohoSettings,
    /// The college's offset from UTC, used to turn Zoho dates (local calendar days) into Moodle
    /// timestamps. GMT+3 unless `COLLEGE_UTC_OFFSET_MINUTES` says otherwise.
    pub college_utc_offset_minutes: i32,
    /// Where failed webhooks are kept, how they are retried, where reconciliation keeps its
    /// cursor (`docs/NOTHING-LOST.md`).
    pub capture: CaptureSettings,
}

// `CaptureSettings` is the failure store's own type (`capture`); reading it is config's job.
impl CaptureSettings {
    pub fn from_source(source: &Source) -> Result<Self, ConfigError> {
        let queues = match (source.get("RETRY_QUEUE_URL"), source.get("DEAD_LETTER_QUEUE_URL")) {
            (None, None) => None,
            (Some(retry), Some(dead)) => Some(QueueUrls {
                retry: validate_url("RETRY_QUEUE_URL", retry)?,
                dead_letter: validate_url("DEAD_LETTER_QUEUE_URL", dead)?,
            }),
            (Some(_), None) => return Err(ConfigError::Missing { name: "DEAD_LETTER_QUEUE_URL" }),
            (None, Some(_)) => return Err(ConfigError::Missing { name: "RETRY_QUEUE_URL" }),
        };
        let in_lambda = source.get("AWS_LAMBDA_FUNCTION_NAME").is_some();
        let spool_dir = match source.get("SPOOL_DIR") {
            Some(dir) => Some(std::path::PathBuf::from(dir)),
            // In Lambda only /tmp is writable and it does not outlive the container: no spool.
            None if in_lambda => None,
            None => Some(std::path::PathBuf::from("./.spool")),
        };
        let cursor_file = source
            .get("RECONCILE_CURSOR_FILE")
            .map(std::path::PathBuf::from)
            .or_else(|| spool_dir.as_ref().map(|d| d.join("reconcile-cursor.json")));
        Ok(Self {
            queues,
            spool_dir,
            retry: RetrySchedule {
                max_attempts: integer(source, "MAX_ATTEMPTS", 8, 1..=100)?,
                base_delay_seconds: integer(source, "RETRY_BASE_DELAY_SECONDS", 30, 0..=900)?,
            },
            cursor_param: source.get("RECONCILE_CURSOR_PARAM").map(str::to_owned),
            cursor_file,
            reconcile_budget: integer(source, "RECONCILE_BUDGET", 500, 1..=1_000_000)?,
            reconcile_concurrency: integer(source, "RECONCILE_CONCURRENCY", 4, 1..=32)?,
        })
    }
}

#[derive(Debug, Clone)]
pub struct WebhookSettings {
    /// The current secret first; during a rotation the previous one is accepted too.
    pub secrets: Vec<Secret>,
    pub max_body_bytes: usize,
    /// Every invocation stops its work this long before Lambda's deadline (the context's
    /// `deadline`), leaving time to keep the event for a retry and answer
    /// (`WEBHOOK_DEADLINE_MARGIN_MS`, default 3000).
    pub deadline_margin: Duration,
    /// The budget of an invocation that has no Lambda deadline (tests, local runs without a
    /// context): `WEBHOOK_BUDGET_MS`, default 22000 (the template's 25 s timeout minus the margin).
    pub local_budget: Duration,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("missing setting {name}: set {name} (or {name}_PARAM naming an SSM parameter)")]
    MissingSecret { name: &'static str },
    #[error("missing setting {name}")]
    Missing { name: &'static str },
    #[error("invalid setting {name}: {reason}")]
    Invalid { name: &'static str, reason: String },
    #[error("could not read SSM parameter(s) for {names}: {reason}")]
    Ssm { names: String, reason: String },
}

impl ConfigError {
    /// SSM unreachable at cold start is worth retrying; a missing or malformed setting is not.
    pub fn is_retryable(&self) -> bool {
        matches!(self, ConfigError::Ssm { .. })
    }
}

/// Where settings come from: a snapshot of name → value, so tests need no process environment.
#[derive(Debug, Clone, Default)]
pub struct Source {
    values: HashMap<String, String>,
}

impl Source {
    /// The process environment, after loading `.env` from the working directory if one exists
    /// (variables already set win over the file).
    pub fn from_environment() -> Self {
        let _ = dotenvy::dotenv();
        Self { values: std::env::vars().collect() }
    }

    pub fn from_pairs<I, K, V>(pairs: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        Self { values: pairs.into_iter().map(|(k, v)| (k.into(), v.into())).collect() }
    }

    /// A value, treating empty and whitespace-only as unset.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(|v| v.trim()).filter(|v| !v.is_empty())
    }

    pub fn set(&mut self, name: impl Into<String>, value: impl Into<String>) {
        self.values.insert(name.into(), value.into());
    }

    /// Names of the SSM parameters to fetch: `X_PARAM` for every secret `X` not set directly.
    pub fn ssm_parameters_wanted(&self) -> Vec<(&'static str, String)> {
        SECRET_NAMES
            .iter()
            .filter(|name| self.get(name).is_none())
            .filter_map(|name| self.get(&format!("{name}_PARAM")).map(|p| (*name, p.to_owned())))
            .collect()
    }
}

impl Settings {
    /// Reads the process environment (and `.env`), fetching `X_PARAM` secrets from SSM.
    pub async fn load() -> Result<Self, ConfigError> {
        let mut source = Source::from_environment();
        let wanted = source.ssm_parameters_wanted();
        if !wanted.is_empty() {
            for (name, value) in crate::config::ssm::fetch(&wanted).await? {
                source.set(name, value);
            }
        }
        Self::from_source(&source)
    }

    /// Builds and validates settings from already-resolved values.
    pub fn from_source(source: &Source) -> Result<Self, ConfigError> {
        let secret = |name: &'static str| -> Result<Secret, ConfigError> {
            source.get(name).map(Secret::new).ok_or(ConfigError::MissingSecret { name })
        };

        // The previous secret is accepted exactly like the current one, so it is held to the same
        // rule: a weak old secret would be a weak door during every rotation.
        let mut secrets = vec![webhook_secret(source, "WEBHOOK_SECRET")?];
        if source.get("WEBHOOK_SECRET_PREVIOUS").is_some() {
            secrets.push(webhook_secret(source, "WEBHOOK_SECRET_PREVIOUS")?);
        }

        let target = match source.get("MOODLE_URL") {
            None => None,
            Some(url) => {
                Some(MoodleTarget { base_url: validate_url("MOODLE_URL", url)?, token: secret("MOODLE_TOKEN")? })
            }
        };

        let accounts_url = match source.get("ZOHO_ACCOUNTS_URL") {
            Some(url) => validate_url("ZOHO_ACCOUNTS_URL", url)?,
            None => DEFAULT_ZOHO_ACCOUNTS_URL.to_owned(),
        };
        let api_domain = source.get("ZOHO_API_DOMAIN").map(|u| validate_url("ZOHO_API_DOMAIN", u)).transpose()?;

        Ok(Settings {
            webhook: WebhookSettings {
                secrets,
                max_body_bytes: 64 * 1024,
                deadline_margin: Duration::from_millis(integer(
                    source,
                    "WEBHOOK_DEADLINE_MARGIN_MS",
                    3_000,
                    500..=60_000,
                )?),
                local_budget: Duration::from_millis(integer(source, "WEBHOOK_BUDGET_MS", 22_000, 100..=900_000)?),
            },
            moodle: MoodleSettings { target, timeout: seconds(source, "MOODLE_TIMEOUT_SECONDS", 20)? },
            zoho: ZohoSettings {
                client_id: secret("ZOHO_CLIENT_ID")?,
                client_secret: secret("ZOHO_CLIENT_SECRET")?,
                refresh_token: secret("ZOHO_REFRESH_TOKEN")?,
                accounts_url,
                api_domain,
                timeout: seconds(source, "ZOHO_TIMEOUT_SECONDS", 10)?,
                token_cache_param: source.get("ZOHO_TOKEN_CACHE_PARAM").map(str::to_owned),
            },
            college_utc_offset_minutes: integer(source, "COLLEGE_UTC_OFFSET_MINUTES", 180, -720..=840)?,
            capture: CaptureSettings::from_source(source)?,
        })
    }
}

/// The minimum strength of a webhook secret: Zoho sends it in a header on every delivery, so it
/// must not be guessable.
const MIN_SECRET_CHARS: usize = 16;

fn webhook_secret(source: &Source, name: &'static str) -> Result<Secret, ConfigError> {
    let value = source.get(name).ok_or(ConfigError::MissingSecret { name })?;
    if value.chars().count() < MIN_SECRET_CHARS {
        return Err(ConfigError::Invalid {
            name,
            reason: format!("must be at least {MIN_SECRET_CHARS} characters; generate one with `openssl rand -hex 32`"),
        });
    }
    Ok(Secret::new(value))
}

/// A base URL by the one rule of [`crate::base_url`] (https, or http on loopback; no
/// credentials), without a trailing slash; the error names the variable.
fn validate_url(name: &'static str, value: &str) -> Result<String, ConfigError> {
    crate::base_url::check(value).map_err(|reason| ConfigError::Invalid { name, reason: reason.to_owned() })
}

fn seconds(source: &Source, name: &'static str, default: u64) -> Result<Duration, ConfigError> {
    let value = integer(source, name, default as i64, 1..=120)?;
    Ok(Duration::from_secs(value as u64))
}

fn integer<T>(
    source: &Source,
    name: &'static str,
    default: T,
    range: std::ops::RangeInclusive<T>,
) -> Result<T, ConfigError>
where
    T: std::str::FromStr + PartialOrd + Copy + std::fmt::Display,
{
    let Some(raw) = source.get(name) else {
        return Ok(default);
    };
    let value: T = raw.parse().map_err(|_| ConfigError::Invalid { name, reason: "must be an integer".into() })?;
    if !range.contains(&value) {
        return Err(ConfigError::Invalid {
            name,
            reason: format!("must be between {} and {}", range.start(), range.end()),
        });
    }
    Ok(value)
}

pub mod ssm {
    //! Secrets from SSM Parameter Store. The SDK is loaded only when a `*_PARAM` is configured,
    //! so a local run without AWS never touches it.

    use super::ConfigError;

    /// Fetches every wanted parameter with decryption in one `GetParameters` call.
    pub async fn fetch(wanted: &[(&'static str, String)]) -> Result<Vec<(&'static str, String)>, ConfigError> {
        let names_text = wanted.iter().map(|(n, _)| format!("{n}_PARAM")).collect::<Vec<_>>().join(", ");
        let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
        let client = aws_sdk_ssm::Client::new(&config);
        let response = client
            .get_parameters()
            .set_names(Some(wanted.iter().map(|(_, p)| p.clone()).collect()))
            .with_decryption(true)
            .send()
            .await
            .map_err(|e| ConfigError::Ssm {
                names: names_text.clone(),
                // The SDK's error text names the operation and the cause; it never holds values.
                reason: aws_sdk_ssm::error::DisplayErrorContext(&e).to_string(),
            })?;
        let invalid = response.invalid_parameters();
        if !invalid.is_empty() {
            return Err(ConfigError::Ssm { names: invalid.join(", "), reason: "parameter not found".into() });
        }
        let mut out = Vec::with_capacity(wanted.len());
        for (name, param) in wanted {
            let value = response
                .parameters()
                .iter()
                .find(|p| p.name() == Some(param.as_str()))
                .and_then(|p| p.value())
                .ok_or_else(|| ConfigError::Ssm { names: param.clone(), reason: "parameter has no value".into() })?;
            out.push((*name, value.to_owned()));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn minimal() -> Vec<(&'static str, &'static str)> {
        vec![
            ("WEBHOOK_SECRET", "0123456789abcdef0123"),
            ("ZOHO_CLIENT_ID", "1000.CLIENT"),
            ("ZOHO_CLIENT_SECRET", "client-secret-value"),
            ("ZOHO_REFRESH_TOKEN", "1000.refresh.token"),
        ]
    }

    #[test]
    fn minimal_settings_are_plan_mode_with_defaults() {
        let settings = Settings::from_source(&Source::from_pairs(minimal())).unwrap();
        assert!(settings.moodle.target.is_none());
        assert_eq!(settings.zoho.accounts_url, DEFAULT_ZOHO_ACCOUNTS_URL);
        assert_eq!(settings.college_utc_offset_minutes, 180);
        assert_eq!(settings.webhook.secrets.len(), 1);
    }

    #[test]
    fn missing_setting_is_named() {
        let pairs: Vec<_> = minimal().into_iter().filter(|(k, _)| *k != "ZOHO_REFRESH_TOKEN").collect();
        let err = Settings::from_source(&Source::from_pairs(pairs)).unwrap_err();
        assert_eq!(err, ConfigError::MissingSecret { name: "ZOHO_REFRESH_TOKEN" });
        assert!(err.to_string().contains("ZOHO_REFRESH_TOKEN_PARAM"));
    }

    #[test]
    fn moodle_url_requires_token_and_is_normalised() {
        let mut pairs = minimal();
        pairs.push(("MOODLE_URL", "https://moodle.example.edu/"));
        let err = Settings::from_source(&Source::from_pairs(pairs.clone())).unwrap_err();
        assert_eq!(err, ConfigError::MissingSecret { name: "MOODLE_TOKEN" });
        pairs.push(("MOODLE_TOKEN", "abc"));
        let settings = Settings::from_source(&Source::from_pairs(pairs)).unwrap();
        assert_eq!(settings.moodle.target.unwrap().base_url, "https://moodle.example.edu");
    }

    #[test]
    fn invalid_values_are_rejected_with_their_name() {
        let mut pairs = minimal();
        pairs.push(("MOODLE_URL", "ftp://nope"));
        pairs.push(("MOODLE_TOKEN", "abc"));
        let err = Settings::from_source(&Source::from_pairs(pairs)).unwrap_err();
        assert!(matches!(err, ConfigError::Invalid { name: "MOODLE_URL", .. }));

        let mut pairs = minimal();
        pairs[0] = ("WEBHOOK_SECRET", "short");
        let err = Settings::from_source(&Source::from_pairs(pairs)).unwrap_err();
        assert!(matches!(err, ConfigError::Invalid { name: "WEBHOOK_SECRET", .. }));

        let mut pairs = minimal();
        pairs.push(("MOODLE_TIMEOUT_SECONDS", "0"));
        assert!(Settings::from_source(&Source::from_pairs(pairs)).is_err());
    }

    #[test]
    fn urls_must_be_https_outside_loopback_and_the_error_names_the_variable() {
        for name in ["MOODLE_URL", "ZOHO_ACCOUNTS_URL", "ZOHO_API_DOMAIN"] {
            for (url, ok) in [
                ("https://moodle.example.edu", true),
                ("https://moodle.example.edu/", true),
                ("http://127.0.0.1:8085", true),
                ("http://127.9.9.9", true),
                ("http://localhost:9000", true),
                ("http://LOCALHOST", true),
                ("http://[::1]:8080", true),
                ("http://moodle.example.edu", false),
                ("http://10.0.0.5", false),
                ("http://127.0.0.1.example.com", false),
                ("http://localhost.example.com", false),
                ("ftp://moodle.example.edu", false),
                ("https://", false),
                ("moodle.example.edu", false),
                ("https://user:pass@moodle.example.edu", false),
                ("https://moodle example.edu", false),
            ] {
                let mut pairs = minimal();
                pairs.push((name, url));
                pairs.push(("MOODLE_TOKEN", "abc"));
                let result = Settings::from_source(&Source::from_pairs(pairs));
                match (ok, result) {
                    (true, Ok(_)) => {}
                    (false, Err(ConfigError::Invalid { name: named, reason })) => {
                        assert_eq!(named, name, "{url}");
                        assert!(!url.starts_with("http://") || reason.contains("https://"), "{name}={url}: {reason}");
                    }
                    (expected, other) => panic!("{name}={url}: expected ok={expected}, got {other:?}"),
                }
            }
        }
        let mut pairs = minimal();
        pairs.push(("MOODLE_URL", "http://moodle.example.edu"));
        pairs.push(("MOODLE_TOKEN", "abc"));
        let message = Settings::from_source(&Source::from_pairs(pairs)).unwrap_err().to_string();
        assert!(message.contains("MOODLE_URL") && message.contains("https://"), "{message}");
    }

    #[test]
    fn the_previous_secret_is_held_to_the_same_rule() {
        let mut pairs = minimal();
        pairs.push(("WEBHOOK_SECRET_PREVIOUS", "old"));
        let err = Settings::from_source(&Source::from_pairs(pairs)).unwrap_err();
        assert!(matches!(err, ConfigError::Invalid { name: "WEBHOOK_SECRET_PREVIOUS", .. }), "{err:?}");
        let mut pairs = minimal();
        pairs.push(("WEBHOOK_SECRET_PREVIOUS", "  "));
        assert_eq!(Settings::from_source(&Source::from_pairs(pairs)).unwrap().webhook.secrets.len(), 1);
    }

    #[test]
    fn the_time_budget_settings_have_defaults_and_bounds() {
        let settings = Settings::from_source(&Source::from_pairs(minimal())).unwrap();
        assert_eq!(settings.webhook.deadline_margin, Duration::from_millis(3_000));
        assert_eq!(settings.webhook.local_budget, Duration::from_millis(22_000));
        let mut pairs = minimal();
        pairs.push(("WEBHOOK_DEADLINE_MARGIN_MS", "100"));
        let err = Settings::from_source(&Source::from_pairs(pairs)).unwrap_err();
        assert!(matches!(err, ConfigError::Invalid { name: "WEBHOOK_DEADLINE_MARGIN_MS", .. }));
    }

    #[test]
    fn two_webhook_secrets_during_rotation() {
        let mut pairs = minimal();
        pairs.push(("WEBHOOK_SECRET_PREVIOUS", "old-secret-value-123456"));
        let settings = Settings::from_source(&Source::from_pairs(pairs)).unwrap();
        assert_eq!(settings.webhook.secrets.len(), 2);
    }

    #[test]
    fn param_names_are_collected_only_for_unset_secrets() {
        let source = Source::from_pairs([
            ("WEBHOOK_SECRET", "direct-value-0123456789"),
            ("WEBHOOK_SECRET_PARAM", "/mzi/webhook"),
            ("ZOHO_REFRESH_TOKEN_PARAM", "/mzi/zoho/refresh"),
            ("MOODLE_TOKEN_PARAM", " "),
        ]);
        assert_eq!(source.ssm_parameters_wanted(), vec![("ZOHO_REFRESH_TOKEN", "/mzi/zoho/refresh".to_owned())]);
    }

    #[test]
    fn debug_output_hides_secrets() {
        let settings = Settings::from_source(&Source::from_pairs(minimal())).unwrap();
        let printed = format!("{settings:?}");
        assert!(!printed.contains("client-secret-value"));
        assert!(!printed.contains("1000.refresh.token"));
        assert!(!printed.contains("0123456789abcdef0123"));
    }
}
