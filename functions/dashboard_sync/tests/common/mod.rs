//! The harness of the dashboard_sync integration tests: the Zoho simulator seeded from
//! `fixtures/zoho/`, a stand-in Moodle replaying the responses recorded from Moodle 4.5, and the
//! handler driven with API Gateway events exactly as in Lambda.

// Each test file uses a different part of the harness.
#![allow(dead_code)]

use std::sync::Arc;

use serde_json::Value;
use shared::App;
use shared::testkit::{self, RecordedCall, Reply, StandInMoodle};
use shared::webhook::{Endpoint, handle};
use zoho_sim::{RequestKind, Simulator};

pub const STUDENT: &str = "5398830000100000001";
pub const STUDENT_2: &str = "5398830000100000002";
pub const CLASS: &str = "5398830000100000401";
pub const REGISTRATION: &str = "5398830000100000501";
pub const PAYMENT: &str = "5398830000100000601";
pub const GRADE: &str = "5398830000100000801";
pub const REQUEST: &str = "5398830000100000901";
/// An id no module of the simulator holds.
pub const NOT_IN_ZOHO: &str = "5398830000199999990";

pub struct Harness {
    pub sim: Simulator,
    pub moodle: StandInMoodle,
    pub app: Arc<App>,
}

impl Harness {
    pub async fn start() -> Self {
        let testkit::Doubles { zoho: sim, moodle, app } = testkit::Doubles::start().await;
        Self { sim, moodle, app }
    }

    /// Plan mode: no Moodle configured.
    pub async fn start_in_plan_mode() -> Self {
        let harness = Self::start().await;
        let app = App::new(testkit::settings(None, &harness.sim.base_url()));
        Self { app, ..harness }
    }

    /// Sends the webhook Zoho sends for `endpoint` and `zoho_id` through the handler.
    pub async fn send(&self, endpoint: Endpoint, zoho_id: &str) -> (u16, Value) {
        let request = testkit::zoho_webhook(endpoint.name(), zoho_id, endpoint.module());
        send_request(&self.app, request).await
    }

    /// The Zoho record reads (`GET /crm/v8/<module>/<id>`) in order.
    pub fn zoho_reads(&self) -> Vec<String> {
        self.sim.requests().into_iter().filter(|r| r.kind == RequestKind::Get).map(|r| r.path).collect()
    }

    /// Every CRM request (reads, COQL, updates), token requests excluded.
    pub fn zoho_crm_requests(&self) -> usize {
        self.sim.requests().iter().filter(|r| r.kind != RequestKind::Token).count()
    }

    /// The plugin functions called, in order.
    pub fn moodle_functions(&self) -> Vec<String> {
        self.moodle.calls().into_iter().map(|c| c.function).collect()
    }
}

pub async fn send_request(app: &App, request: lambda_http::Request) -> (u16, Value) {
    let response = handle(app, dashboard_sync::FUNCTION, &dashboard_sync::DashboardSync, request).await;
    testkit::response_json(&response)
}

/// A response recorded from Moodle 4.5 (`fixtures/moodle/<name>.json`) with some keys replaced,
/// e.g. the Zoho id it is about, or the missing parent's id.
pub fn fixture_with(name: &str, patch: Value) -> Reply {
    Reply::json(testkit::recorded_with(name, patch))
}

/// A recorded response about `zoho_id`.
pub fn fixture_for(name: &str, zoho_id: &str) -> Reply {
    fixture_with(name, serde_json::json!({"zoho_id": zoho_id}))
}

/// The form fields of a call as `(name, value)` string pairs, for exact comparison.
pub fn fields(call: &RecordedCall) -> Vec<(String, String)> {
    call.fields.clone()
}

/// Expected form fields, from `[("student[zoho_student_id]", "539…"), …]`.
pub fn expect(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

/// The action lines of an answer as `(step, result)`.
pub fn steps(answer: &Value) -> Vec<(String, String)> {
    answer["actions"]
        .as_array()
        .map(|actions| {
            actions
                .iter()
                .map(|a| (a["step"].as_str().unwrap_or("").to_owned(), a["result"].as_str().unwrap_or("").to_owned()))
                .collect()
        })
        .unwrap_or_default()
}

pub fn step_list(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    expect(pairs)
}
