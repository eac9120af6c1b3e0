//! The eleven student-dashboard webhooks: students, registrations, payments, grades, requests.

use shared::webhook::{Function, ProcessFuture, Processor, WebhookCall};
use shared::{App, SyncError};

pub const FUNCTION: Function = Function::DashboardSync;

/// The processing behind this function's endpoints.
pub struct DashboardSync;

impl Processor for DashboardSync {
    fn process<'a>(&'a self, _app: &'a App, call: &'a WebhookCall) -> ProcessFuture<'a> {
        Box::pin(async move {
            // Routed, authenticated and parsed; the processing itself lands with its own issue.
            Err(SyncError::NotImplemented { endpoint: call.endpoint.name() })
        })
    }
}
