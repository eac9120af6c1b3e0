//! `mzi`, the operator's tool of the Zoho → Moodle sync: authorise Zoho, set up the workflow
//! rules and webhooks, load existing records into Moodle, and check that everything is reachable.
//!
//! `main.rs` only parses the command line and maps the result to an exit code; every command is
//! a library function here (`cmd::*::run`) that writes its report to the writers it is given, so
//! the tests drive it against the Zoho simulator and a stand-in Moodle. Operator documentation:
//! `docs/OPERATOR.md`.

pub mod cmd;
pub mod table;
pub mod zoho_admin;

use shared::config::{ConfigError, Settings, Source};
use shared::moodle::MoodleError;
use shared::zoho::ZohoError;

/// Why a command failed. Messages name settings, modules, ids and codes, never secrets or
/// record fields.
#[derive(Debug, thiserror::Error)]
pub enum MziError {
    #[error("configuration: {0}")]
    Config(#[from] ConfigError),
    #[error("{0}")]
    Zoho(#[from] ZohoError),
    #[error("{0}")]
    Moodle(#[from] MoodleError),
    #[error("{path}: {reason}")]
    File { path: String, reason: String },
    /// The command was asked something it cannot do as asked.
    #[error("{0}")]
    Usage(String),
    /// Writing would break one of the org's limits; nothing was written.
    #[error("{0}")]
    Quota(String),
    /// The command ran but some of its work failed (the report says which).
    #[error("{0}")]
    Failed(String),
    /// Stopped by Ctrl-C; the checkpoint holds what was done.
    #[error("interrupted: {0}")]
    Interrupted(String),
}

impl MziError {
    pub fn file(path: &std::path::Path, error: impl std::fmt::Display) -> Self {
        MziError::File { path: path.display().to_string(), reason: error.to_string() }
    }

    /// The process exit code: 2 for usage, 130 for an interruption, 1 otherwise.
    pub fn exit_code(&self) -> u8 {
        match self {
            MziError::Usage(_) => 2,
            MziError::Interrupted(_) => 130,
            _ => 1,
        }
    }
}

/// Settings from a source, fetching `X_PARAM` secrets from SSM as the functions do
/// (`Settings::load` for an explicit source, so tests need no process environment), with the
/// Zoho token cache of [`token_cache_choice`].
pub async fn load_settings(source: &Source) -> Result<Settings, ConfigError> {
    let wanted = source.ssm_parameters_wanted();
    let mut settings = if wanted.is_empty() {
        Settings::from_source(source)?
    } else {
        let mut source = source.clone();
        for (name, value) in shared::config::ssm::fetch(&wanted).await? {
            source.set(name, value);
        }
        Settings::from_source(&source)?
    };
    settings.zoho.token_cache_param = token_cache_choice(source).parameter;
    Ok(settings)
}

/// The name the stack gives its token cache next to the Zoho secrets (template.yaml:
/// `ZohoTokenCacheParam` defaults to `/moodle-zoho-sync/zoho/access_token_cache`, beside
/// `/moodle-zoho-sync/zoho/refresh_token`).
pub const TOKEN_CACHE_NAME: &str = "access_token_cache";

/// Which shared token cache `mzi` uses, and why: the same one as the stack it operates on, so an
/// operator's commands take the token the functions already hold instead of spending the mints
/// they share (ten per refresh token per ten minutes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenCacheChoice {
    /// The SSM parameter, or `None`: this run mints its own token.
    pub parameter: Option<String>,
    /// Where the choice comes from, for `mzi status`.
    pub origin: String,
}

/// 1. `ZOHO_TOKEN_CACHE_PARAM` (the stack's `ZohoTokenCacheParam` output); `off` turns sharing off.
/// 2. Otherwise, when the refresh token comes from the stack's SSM (`ZOHO_REFRESH_TOKEN_PARAM`,
///    e.g. `/moodle-zoho-sync/zoho/refresh_token`): the parameter beside it,
///    `/moodle-zoho-sync/zoho/access_token_cache`, as the template lays them out by default.
/// 3. Otherwise none (a refresh token given directly, e.g. the local simulator).
pub fn token_cache_choice(source: &Source) -> TokenCacheChoice {
    let none = |origin: &str| TokenCacheChoice { parameter: None, origin: origin.to_owned() };
    match source.get("ZOHO_TOKEN_CACHE_PARAM") {
        Some(value) if value.eq_ignore_ascii_case("off") => none("ZOHO_TOKEN_CACHE_PARAM=off"),
        Some(value) => TokenCacheChoice { parameter: Some(value.to_owned()), origin: "ZOHO_TOKEN_CACHE_PARAM".into() },
        None => {
            let beside_refresh_token = source
                .get("ZOHO_REFRESH_TOKEN_PARAM")
                .filter(|_| source.get("ZOHO_REFRESH_TOKEN").is_none())
                .and_then(|p| p.rsplit_once('/'))
                .filter(|(dir, name)| dir.starts_with('/') && !name.is_empty())
                .map(|(dir, _)| format!("{dir}/{TOKEN_CACHE_NAME}"));
            match beside_refresh_token {
                Some(parameter) => TokenCacheChoice {
                    parameter: Some(parameter),
                    origin: "beside ZOHO_REFRESH_TOKEN_PARAM, the stack's default layout".into(),
                },
                None => {
                    none("ZOHO_TOKEN_CACHE_PARAM is not set and the refresh token is not the stack's SSM parameter")
                }
            }
        }
    }
}

/// The HTTP client of a run: one pool for Zoho and Moodle, as `shared::App` builds it.
pub fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .connect_timeout(std::time::Duration::from_secs(5))
        .user_agent(concat!("mzi/", env!("CARGO_PKG_VERSION")))
        .build()
        .expect("the HTTP client has a static, valid configuration")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn choice(pairs: &[(&str, &str)]) -> TokenCacheChoice {
        token_cache_choice(&Source::from_pairs(pairs.iter().copied()))
    }

    #[test]
    fn the_token_cache_is_the_stacks_by_default() {
        let c = choice(&[("ZOHO_REFRESH_TOKEN_PARAM", "/moodle-zoho-sync/zoho/refresh_token")]);
        assert_eq!(c.parameter.as_deref(), Some("/moodle-zoho-sync/zoho/access_token_cache"));
        let c = choice(&[
            ("ZOHO_REFRESH_TOKEN_PARAM", "/moodle-zoho-sync/zoho/refresh_token"),
            ("ZOHO_TOKEN_CACHE_PARAM", "/other/cache"),
        ]);
        assert_eq!((c.parameter.as_deref(), c.origin.as_str()), (Some("/other/cache"), "ZOHO_TOKEN_CACHE_PARAM"));
        let c = choice(&[("ZOHO_REFRESH_TOKEN_PARAM", "/p/zoho/refresh_token"), ("ZOHO_TOKEN_CACHE_PARAM", "OFF")]);
        assert_eq!(c.parameter, None);
        // A refresh token given directly is not known to be the stack's: nothing is guessed.
        let c = choice(&[("ZOHO_REFRESH_TOKEN", "1000.x"), ("ZOHO_REFRESH_TOKEN_PARAM", "/p/zoho/refresh_token")]);
        assert_eq!(c.parameter, None);
        assert_eq!(choice(&[]).parameter, None);
        assert_eq!(choice(&[("ZOHO_REFRESH_TOKEN_PARAM", "refresh_token")]).parameter, None);
    }
}
