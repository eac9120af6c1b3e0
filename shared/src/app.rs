//! What a function builds once at cold start and borrows in every invocation.

use std::ops::Deref;
use std::sync::Arc;

use crate::capture::FailureSink;
use crate::config::{ConfigError, Settings};
use crate::moodle::MoodleClient;
use crate::sync::Context;
use crate::zoho::ZohoClient;

#[derive(Debug)]
pub struct App {
    pub settings: Settings,
    /// The clients the sync works through (`app.moodle`, `app.zoho` reach them through `Deref`).
    pub context: Context,
    /// Where a failed webhook is kept before the function answers (`shared::capture`). `None`
    /// (what [`App::new`] builds): failures are answered 5xx/4xx and nothing is kept.
    pub failure_sink: Option<Arc<dyn FailureSink>>,
}

impl App {
    /// Builds the clients from validated settings. One `reqwest::Client` (one connection pool)
    /// serves both Moodle and Zoho for the life of the process; its TLS trust store is loaded on
    /// the first HTTPS handshake ([`crate::http`]).
    pub fn new(settings: Settings) -> Arc<Self> {
        Self::with_failure_sink(settings, None)
    }

    /// As [`App::new`], with failed webhooks kept in `failure_sink` (tests inject a spool here).
    pub fn with_failure_sink(settings: Settings, failure_sink: Option<Arc<dyn FailureSink>>) -> Arc<Self> {
        let http = crate::http::client();
        let moodle = MoodleClient::new(http.clone(), settings.moodle.target.clone(), settings.moodle.timeout);
        let zoho = ZohoClient::new(http, settings.zoho.clone());
        let context = Context { moodle, zoho, college_utc_offset_minutes: settings.college_utc_offset_minutes };
        Arc::new(Self { settings, context, failure_sink })
    }

    /// Cold start: the environment (and `.env`), secrets from SSM where `*_PARAM` says so, and
    /// the failure sink (SQS with `RETRY_QUEUE_URL`, else the spool outside Lambda).
    pub async fn from_environment() -> Result<Arc<Self>, ConfigError> {
        let settings = Settings::load().await?;
        let sink = crate::capture::sink_from_settings(&settings.capture).await;
        match &sink {
            Some(sink) => tracing::info!(sink = sink.kind(), "failed webhooks are captured for retry"),
            None => tracing::warn!(
                "no failure sink configured (RETRY_QUEUE_URL/SPOOL_DIR): failed webhooks are only answered 5xx"
            ),
        }
        Ok(Self::with_failure_sink(settings, sink))
    }
}

/// `App` is the sync's [`Context`] plus the edge's parts (settings, failure sink): it hands itself
/// to the sync wherever a `&Context` is asked for, and `app.moodle` / `app.zoho` keep working, so
/// the layering (the sync below the wiring) costs the functions and tools nothing.
impl Deref for App {
    type Target = Context;

    fn deref(&self) -> &Context {
        &self.context
    }
}
