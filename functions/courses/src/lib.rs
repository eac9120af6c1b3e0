//! `class_updated` (the decision tree) and `class_deleted`. The work is in `shared::sync::class`,
//! so a class is synced the same way here and as the parent of an enrolment.

use shared::sync::class;
use shared::webhook::{Endpoint, Function, ProcessFuture, Processor, WebhookCall};
use shared::{App, SyncError};

pub const FUNCTION: Function = Function::Courses;

/// The processing behind this function's endpoints.
pub struct Courses;

impl Processor for Courses {
    fn process<'a>(&'a self, app: &'a App, call: &'a WebhookCall) -> ProcessFuture<'a> {
        Box::pin(async move {
            match call.endpoint {
                Endpoint::ClassUpdated => class::class_updated(app, &call.zoho_id).await,
                Endpoint::ClassDeleted => class::class_deleted(app, &call.zoho_id).await,
                other => Err(SyncError::NotImplemented { endpoint: other.name() }),
            }
        })
    }
}
