//! `btec_definition_updated` and `btec_definition_deleted`: a BTEC unit as a grading definition
//! of `gradingform_btec`, keyed by the Zoho unit id. The logic is `shared::sync::btec`; this
//! crate only routes to it.

use shared::sync::btec;
use shared::webhook::{Endpoint, Function, ProcessFuture, Processor, WebhookCall};
use shared::{App, SyncError};

pub const FUNCTION: Function = Function::BtecUnits;

/// The processing behind this function's endpoints.
pub struct BtecUnits;

impl Processor for BtecUnits {
    fn process<'a>(&'a self, app: &'a App, call: &'a WebhookCall) -> ProcessFuture<'a> {
        Box::pin(async move {
            match call.endpoint {
                Endpoint::BtecDefinitionUpdated => btec::updated(app, &call.zoho_id).await,
                Endpoint::BtecDefinitionDeleted => btec::deleted(app, &call.zoho_id).await,
                // The edge routes only this function's endpoints here.
                other => Err(SyncError::NotImplemented { endpoint: other.name() }),
            }
        })
    }
}
