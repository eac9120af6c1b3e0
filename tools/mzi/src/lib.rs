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
/// (`Settings::load` for an explicit source, so tests need no process environment).
pub async fn load_settings(source: &Source) -> Result<Settings, ConfigError> {
    let wanted = source.ssm_parameters_wanted();
    if wanted.is_empty() {
        return Settings::from_source(source);
    }
    let mut source = source.clone();
    for (name, value) in shared::config::ssm::fetch(&wanted).await? {
        source.set(name, value);
    }
    Settings::from_source(&source)
}

/// The HTTP client of a run: one pool for Zoho and Moodle, as `shared::App` builds it.
pub fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .connect_timeout(std::time::Duration::from_secs(5))
        .user_agent(concat!("mzi/", env!("CARGO_PKG_VERSION")))
        .build()
        .expect("the HTTP client has a static, valid configuration")
}
