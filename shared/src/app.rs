//! What a function builds once at cold start and borrows in every invocation.

use std::sync::Arc;

use crate::config::{ConfigError, Settings};
use crate::moodle::MoodleClient;
use crate::zoho::ZohoClient;

#[derive(Debug)]
pub struct App {
    pub settings: Settings,
    pub moodle: MoodleClient,
    pub zoho: ZohoClient,
}

impl App {
    /// Builds the clients from validated settings. One `reqwest::Client` (one connection pool)
    /// serves both Moodle and Zoho for the life of the process.
    pub fn new(settings: Settings) -> Arc<Self> {
        let http = reqwest::Client::builder()
            .connect_timeout(std::time::Duration::from_secs(5))
            .pool_idle_timeout(std::time::Duration::from_secs(60))
            .user_agent(concat!("moodle-zoho-sync/", env!("CARGO_PKG_VERSION")))
            .build()
            .expect("the HTTP client has a static, valid configuration");
        let moodle = MoodleClient::new(http.clone(), settings.moodle.target.clone(), settings.moodle.timeout);
        let zoho = ZohoClient::new(http, settings.zoho.clone());
        Arc::new(Self { settings, moodle, zoho })
    }

    /// Cold start: the environment (and `.env`), secrets from SSM where `*_PARAM` says so.
    pub async fn from_environment() -> Result<Arc<Self>, ConfigError> {
        Ok(Self::new(Settings::load().await?))
    }
}
