//! Logging set-up and the per-request scope that counts remote calls.
//!
//! Each webhook runs inside a [`RequestScope`] (a tokio task-local). The Moodle and Zoho clients
//! add to its counters, and in plan mode the Moodle client records the calls it would have made
//! there, so the edge can log and answer with them without threading a context through every
//! function signature.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};

use serde::Serialize;

/// Sets up `tracing`: JSON lines when Lambda's log format is JSON (`LoggingConfig` in the
/// template), human-readable text otherwise. Safe to call more than once.
///
/// The level comes from `AWS_LAMBDA_LOG_LEVEL` (what Lambda's `ApplicationLogLevel` sets:
/// TRACE, DEBUG, INFO, WARN, ERROR, FATAL), else `RUST_LOG`, else INFO; a value that is not a
/// filter falls back to INFO. Besides a level, `target=level` directives (`RUST_LOG=shared=debug,
/// hyper=warn`) are understood. The filter is `filter::Targets` rather than `EnvFilter`: the
/// functions never needed `EnvFilter`'s span and field-value matching, which brings a regular
/// expression engine into every binary (about 230 KB of code) and is set up at each cold start.
pub fn init() {
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;

    let json = std::env::var("AWS_LAMBDA_LOG_FORMAT").map(|v| v.eq_ignore_ascii_case("json")).unwrap_or(false);
    let filter = std::env::var("AWS_LAMBDA_LOG_LEVEL")
        .or_else(|_| std::env::var("RUST_LOG"))
        .map(|value| level_filter(&value))
        .unwrap_or_else(|_| default_filter());
    let registry = tracing_subscriber::registry().with(filter);
    let _ = if json {
        let format = tracing_subscriber::fmt::layer()
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .without_time()
            .with_target(false);
        registry.with(format).try_init()
    } else {
        registry.with(tracing_subscriber::fmt::layer().compact().with_target(false)).try_init()
    };
}

/// The filter a log-level setting asks for: a level or `target=level` directives, INFO when the
/// value is none of these. Lambda's FATAL (there is no such level in `tracing`) keeps errors.
fn level_filter(value: &str) -> tracing_subscriber::filter::Targets {
    let value = value.trim().to_lowercase();
    let value = match value.as_str() {
        "" => return default_filter(),
        "fatal" => "error",
        other => other,
    };
    value.parse().unwrap_or_else(|_| default_filter())
}

fn default_filter() -> tracing_subscriber::filter::Targets {
    tracing_subscriber::filter::Targets::new().with_default(tracing::Level::INFO)
}

/// A Moodle call that plan mode did not make.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PlannedCall {
    pub function: String,
    pub params: serde_json::Value,
}

#[derive(Debug, Default)]
pub struct RequestScope {
    zoho_calls: AtomicU32,
    moodle_calls: AtomicU32,
    planned: Mutex<Vec<PlannedCall>>,
    /// The remote call started last (`Zoho GET BTEC_Students/…`, `Moodle local_mzi_…`), so that
    /// a request that runs out of time can say which call it was waiting for.
    last_call: Mutex<Option<String>>,
}

tokio::task_local! {
    static SCOPE: std::sync::Arc<RequestScope>;
}

impl RequestScope {
    pub fn new() -> std::sync::Arc<Self> {
        std::sync::Arc::new(Self::default())
    }

    /// Runs `fut` with this scope as the current one.
    pub async fn run<F: Future>(self: &std::sync::Arc<Self>, fut: F) -> F::Output {
        SCOPE.scope(self.clone(), fut).await
    }

    pub fn zoho_calls(&self) -> u32 {
        self.zoho_calls.load(Ordering::Relaxed)
    }

    pub fn moodle_calls(&self) -> u32 {
        self.moodle_calls.load(Ordering::Relaxed)
    }

    pub fn planned_calls(&self) -> Vec<PlannedCall> {
        self.planned.lock().map(|p| p.clone()).unwrap_or_default()
    }

    /// The remote call started last, if any (names a module, record id or web-service function;
    /// never a token or a field value).
    pub fn last_call(&self) -> Option<String> {
        self.last_call.lock().ok().and_then(|c| c.clone())
    }

    fn note_call(&self, label: String) {
        if let Ok(mut last) = self.last_call.lock() {
            *last = Some(label);
        }
    }
}

/// Counts one HTTP request to Zoho (token mints included) in the current scope, if any, and
/// notes it as the call in flight. `operation` is e.g. `GET BTEC_Students/123`.
pub fn count_zoho_call(operation: &str) {
    let _ = SCOPE.try_with(|s| {
        s.zoho_calls.fetch_add(1, Ordering::Relaxed);
        s.note_call(format!("Zoho {operation}"));
    });
}

/// Counts one Moodle web-service request in the current scope, if any, and notes it as the call
/// in flight.
pub fn count_moodle_call(function: &str) {
    let _ = SCOPE.try_with(|s| {
        s.moodle_calls.fetch_add(1, Ordering::Relaxed);
        s.note_call(format!("Moodle {function}"));
    });
}

/// Records a call plan mode did not make.
pub fn record_planned_call(call: PlannedCall) {
    let _ = SCOPE.try_with(|s| {
        if let Ok(mut planned) = s.planned.lock() {
            planned.push(call);
        }
    });
}

#[cfg(test)]
mod tests {
    use tracing::Level;

    use super::level_filter;

    #[test]
    fn lambdas_log_levels_are_understood() {
        let info = level_filter("INFO");
        assert!(info.would_enable("shared::webhook", &Level::INFO));
        assert!(!info.would_enable("shared::webhook", &Level::DEBUG));
        let debug = level_filter("DEBUG");
        assert!(debug.would_enable("hyper_util", &Level::DEBUG));
        assert!(!debug.would_enable("hyper_util", &Level::TRACE));
        let fatal = level_filter("FATAL");
        assert!(fatal.would_enable("shared", &Level::ERROR));
        assert!(!fatal.would_enable("shared", &Level::WARN));
    }

    #[test]
    fn target_directives_are_understood_and_nonsense_falls_back_to_info() {
        let directives = level_filter("shared=debug,hyper_util=warn");
        assert!(directives.would_enable("shared::zoho", &Level::DEBUG));
        assert!(!directives.would_enable("hyper_util::client", &Level::INFO));
        for nonsense in ["", "  ", "shared=loud", "a=b=c"] {
            let fallback = level_filter(nonsense);
            assert!(fallback.would_enable("shared", &Level::INFO), "{nonsense:?}");
            assert!(!fallback.would_enable("shared", &Level::DEBUG), "{nonsense:?}");
        }
    }
}
