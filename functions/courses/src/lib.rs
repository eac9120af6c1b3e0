//! `class_updated` (the decision tree) and `class_deleted`.

use shared::webhook::{Function, ProcessFuture, Processor, WebhookCall};
use shared::{App, SyncError};

pub const FUNCTION: Function = Function::Courses;

/// The processing behind this function's endpoints.
pub struct Courses;

impl Processor for Courses {
    fn process<'a>(&'a self, _app: &'a App, call: &'a WebhookCall) -> ProcessFuture<'a> {
        Box::pin(async move {
            // Routed, authenticated and parsed; the processing itself lands with its own issue.
            Err(SyncError::NotImplemented { endpoint: call.endpoint.name() })
        })
    }
}
