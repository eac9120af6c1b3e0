//! The eleven student-dashboard webhooks: students, registrations, payments, grades, requests.
//!
//! Upserts re-read the record from Zoho and sync it through `shared::sync` (parents first when the
//! plugin reports one missing); deletes first confirm with Zoho that the record is gone
//! (`shared::sync::delete`), then send only the id, and are idempotent in the plugin.

use shared::sync::{self, Entity, Trail};
use shared::webhook::{Endpoint, Function, Outcome, ProcessFuture, Processor, WebhookCall};
use shared::{App, SyncError};

pub const FUNCTION: Function = Function::DashboardSync;

/// What an endpoint does with the record its webhook names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    /// Re-read from Zoho and upsert into Moodle.
    Upsert(Entity),
    /// Soft-delete in Moodle by id, once Zoho confirms the record is gone.
    Delete(Entity),
}

/// The operation behind each endpoint this function owns; `None` for the other functions'.
pub fn operation(endpoint: Endpoint) -> Option<Operation> {
    use Operation::{Delete, Upsert};
    Some(match endpoint {
        Endpoint::StudentUpdated => Upsert(Entity::Student),
        Endpoint::RegistrationCreated => Upsert(Entity::Registration),
        Endpoint::PaymentRecorded => Upsert(Entity::Payment),
        Endpoint::GradeSubmitted => Upsert(Entity::Grade),
        // Both are the Zoho→Moodle upsert of a BTEC_Student_Requests record: the predecessor's
        // Moodle→Zoho `submit_student_request` had no caller and used a static token (B25).
        Endpoint::RequestStatusChanged | Endpoint::SubmitStudentRequest => Upsert(Entity::Request),
        Endpoint::StudentDeleted => Delete(Entity::Student),
        Endpoint::RegistrationDeleted => Delete(Entity::Registration),
        Endpoint::PaymentDeleted => Delete(Entity::Payment),
        Endpoint::GradeDeleted => Delete(Entity::Grade),
        Endpoint::RequestDeleted => Delete(Entity::Request),
        _ => return None,
    })
}

/// The processing behind this function's endpoints.
pub struct DashboardSync;

impl Processor for DashboardSync {
    fn process<'a>(&'a self, app: &'a App, call: &'a WebhookCall) -> ProcessFuture<'a> {
        Box::pin(async move {
            let operation =
                operation(call.endpoint).ok_or(SyncError::NotImplemented { endpoint: call.endpoint.name() })?;
            let mut trail = Trail::new();
            match operation {
                Operation::Upsert(entity) => {
                    let synced = sync::sync_by_id(app, entity, &call.zoho_id, &mut trail).await?;
                    Ok(synced.into_outcome(entity, &call.zoho_id, trail))
                }
                Operation::Delete(entity) => match sync::delete(app, entity, &call.zoho_id, &mut trail).await? {
                    sync::Deletion::Applied(_) => Ok(Outcome::ok(trail.actions)),
                    sync::Deletion::Refused(refusal) => Ok(refusal.into_outcome(trail)),
                },
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_owned_endpoint_has_an_operation_on_its_own_module() {
        for endpoint in Endpoint::ALL {
            match operation(endpoint) {
                Some(Operation::Upsert(entity)) => {
                    assert!(!endpoint.is_delete(), "{endpoint}");
                    assert_eq!(entity.module(), endpoint.module(), "{endpoint}");
                }
                Some(Operation::Delete(entity)) => {
                    assert!(endpoint.is_delete(), "{endpoint}");
                    assert_eq!(entity.module(), endpoint.module(), "{endpoint}");
                    assert!(entity.delete_function().is_some(), "{endpoint}");
                }
                None => assert_ne!(endpoint.function(), FUNCTION, "{endpoint} is ours but has no operation"),
            }
            if endpoint.function() == FUNCTION {
                assert!(operation(endpoint).is_some(), "{endpoint}");
            }
        }
        assert_eq!(operation(Endpoint::SubmitStudentRequest), operation(Endpoint::RequestStatusChanged));
    }
}
