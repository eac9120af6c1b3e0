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
pub fn init() {
    let json = std::env::var("AWS_LAMBDA_LOG_FORMAT").map(|v| v.eq_ignore_ascii_case("json")).unwrap_or(false);
    let filter = std::env::var("AWS_LAMBDA_LOG_LEVEL")
        .or_else(|_| std::env::var("RUST_LOG"))
        .unwrap_or_else(|_| "info".to_owned())
        .to_lowercase();
    let filter =
        tracing_subscriber::EnvFilter::try_new(&filter).unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_target(false);
    let _ = if json {
        builder.json().flatten_event(true).with_current_span(false).without_time().try_init()
    } else {
        builder.compact().try_init()
    };
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
