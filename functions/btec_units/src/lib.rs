//! `btec_definition_updated` and `btec_definition_deleted`: BTEC grading definitions.

use shared::webhook::{Function, ProcessFuture, Processor, WebhookCall};
use shared::{App, SyncError};

pub const FUNCTION: Function = Function::BtecUnits;

/// The processing behind this function's endpoints.
pub struct BtecUnits;

impl Processor for BtecUnits {
    fn process<'a>(&'a self, _app: &'a App, call: &'a WebhookCall) -> ProcessFuture<'a> {
        Box::pin(async move {
            // Routed, authenticated and parsed; the processing itself lands with its own issue.
            Err(SyncError::NotImplemented { endpoint: call.endpoint.name() })
        })
    }
}
