//! `enrollment_updated` and `enrollment_deleted`: a student's enrolment in a class, applied in
//! Moodle as the Zoho status says (active → enrolled, withdrawn/dropped → suspended, completed →
//! left as is). The logic is `shared::sync::enrollment`; this crate only routes to it.

use shared::sync::enrollment;
use shared::webhook::{Endpoint, Function, ProcessFuture, Processor, WebhookCall};
use shared::{App, SyncError};

pub const FUNCTION: Function = Function::Enrol;

/// The processing behind this function's endpoints.
pub struct Enrol;

impl Processor for Enrol {
    fn process<'a>(&'a self, app: &'a App, call: &'a WebhookCall) -> ProcessFuture<'a> {
        Box::pin(async move {
            match call.endpoint {
                Endpoint::EnrollmentUpdated => enrollment::updated(app, &call.zoho_id).await,
                Endpoint::EnrollmentDeleted => enrollment::deleted(app, &call.zoho_id).await,
                // The edge routes only this function's endpoints here.
                other => Err(SyncError::NotImplemented { endpoint: other.name() }),
            }
        })
    }
}
