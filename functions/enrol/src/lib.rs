//! `enrollment_updated` and `enrollment_deleted`.

use shared::webhook::{Function, ProcessFuture, Processor, WebhookCall};
use shared::{App, SyncError};

pub const FUNCTION: Function = Function::Enrol;

/// The processing behind this function's endpoints.
pub struct Enrol;

impl Processor for Enrol {
    fn process<'a>(&'a self, _app: &'a App, call: &'a WebhookCall) -> ProcessFuture<'a> {
        Box::pin(async move {
            // Routed, authenticated and parsed; the processing itself lands with its own issue.
            Err(SyncError::NotImplemented { endpoint: call.endpoint.name() })
        })
    }
}
