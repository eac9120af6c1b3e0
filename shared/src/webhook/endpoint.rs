//! The webhook endpoints of the specification, which function owns each, the Zoho module each
//! one is about, and a call to one. A leaf below the webhook edge: the failure store and the
//! worker name calls without depending on the edge.

use std::fmt;

use crate::ids::ZohoId;

/// The path prefix Zoho's workflow rules already use; only the host changes at cut-over.
pub const PATH_PREFIX: &str = "/api/v1/webhooks/student-dashboard/";
/// `GET {PATH_PREFIX}health`: needs no secret and says nothing about the configuration.
pub const HEALTH: &str = "health";

/// The four Lambda functions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Function {
    DashboardSync,
    Courses,
    Enrol,
    BtecUnits,
}

impl Function {
    pub const ALL: [Function; 4] = [Function::DashboardSync, Function::Courses, Function::Enrol, Function::BtecUnits];

    /// The crate, binary and `cargo lambda` name.
    pub fn name(self) -> &'static str {
        match self {
            Function::DashboardSync => "dashboard_sync",
            Function::Courses => "courses",
            Function::Enrol => "enrol",
            Function::BtecUnits => "btec_units",
        }
    }

    pub fn endpoints(self) -> impl Iterator<Item = Endpoint> {
        Endpoint::ALL.into_iter().filter(move |e| e.function() == self)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Endpoint {
    StudentUpdated,
    RegistrationCreated,
    PaymentRecorded,
    GradeSubmitted,
    RequestStatusChanged,
    SubmitStudentRequest,
    StudentDeleted,
    RegistrationDeleted,
    PaymentDeleted,
    GradeDeleted,
    RequestDeleted,
    ClassUpdated,
    ClassDeleted,
    EnrollmentUpdated,
    EnrollmentDeleted,
    BtecDefinitionUpdated,
    BtecDefinitionDeleted,
}

impl Endpoint {
    pub const ALL: [Endpoint; 17] = [
        Endpoint::StudentUpdated,
        Endpoint::RegistrationCreated,
        Endpoint::PaymentRecorded,
        Endpoint::GradeSubmitted,
        Endpoint::RequestStatusChanged,
        Endpoint::SubmitStudentRequest,
        Endpoint::StudentDeleted,
        Endpoint::RegistrationDeleted,
        Endpoint::PaymentDeleted,
        Endpoint::GradeDeleted,
        Endpoint::RequestDeleted,
        Endpoint::ClassUpdated,
        Endpoint::ClassDeleted,
        Endpoint::EnrollmentUpdated,
        Endpoint::EnrollmentDeleted,
        Endpoint::BtecDefinitionUpdated,
        Endpoint::BtecDefinitionDeleted,
    ];

    /// The last path segment.
    pub fn name(self) -> &'static str {
        match self {
            Endpoint::StudentUpdated => "student_updated",
            Endpoint::RegistrationCreated => "registration_created",
            Endpoint::PaymentRecorded => "payment_recorded",
            Endpoint::GradeSubmitted => "grade_submitted",
            Endpoint::RequestStatusChanged => "request_status_changed",
            Endpoint::SubmitStudentRequest => "submit_student_request",
            Endpoint::StudentDeleted => "student_deleted",
            Endpoint::RegistrationDeleted => "registration_deleted",
            Endpoint::PaymentDeleted => "payment_deleted",
            Endpoint::GradeDeleted => "grade_deleted",
            Endpoint::RequestDeleted => "request_deleted",
            Endpoint::ClassUpdated => "class_updated",
            Endpoint::ClassDeleted => "class_deleted",
            Endpoint::EnrollmentUpdated => "enrollment_updated",
            Endpoint::EnrollmentDeleted => "enrollment_deleted",
            Endpoint::BtecDefinitionUpdated => "btec_definition_updated",
            Endpoint::BtecDefinitionDeleted => "btec_definition_deleted",
        }
    }

    pub fn from_name(name: &str) -> Option<Endpoint> {
        Endpoint::ALL.into_iter().find(|e| e.name() == name)
    }

    pub fn function(self) -> Function {
        match self {
            Endpoint::ClassUpdated | Endpoint::ClassDeleted => Function::Courses,
            Endpoint::EnrollmentUpdated | Endpoint::EnrollmentDeleted => Function::Enrol,
            Endpoint::BtecDefinitionUpdated | Endpoint::BtecDefinitionDeleted => Function::BtecUnits,
            _ => Function::DashboardSync,
        }
    }

    /// The Zoho module (API name) whose records this endpoint receives. The requests module is
    /// `BTEC_Student_Requests` (the specification's `BTEC_Requests` does not exist in the org).
    pub fn module(self) -> &'static str {
        match self {
            Endpoint::StudentUpdated | Endpoint::StudentDeleted => "BTEC_Students",
            Endpoint::RegistrationCreated | Endpoint::RegistrationDeleted => "BTEC_Registrations",
            Endpoint::PaymentRecorded | Endpoint::PaymentDeleted => "BTEC_Payments",
            Endpoint::GradeSubmitted | Endpoint::GradeDeleted => "BTEC_Grades",
            Endpoint::RequestStatusChanged | Endpoint::SubmitStudentRequest | Endpoint::RequestDeleted => {
                "BTEC_Student_Requests"
            }
            Endpoint::ClassUpdated | Endpoint::ClassDeleted => "BTEC_Classes",
            Endpoint::EnrollmentUpdated | Endpoint::EnrollmentDeleted => "BTEC_Enrollments",
            Endpoint::BtecDefinitionUpdated | Endpoint::BtecDefinitionDeleted => "BTEC",
        }
    }

    /// Deletes carry only the id: the record is gone from Zoho.
    pub fn is_delete(self) -> bool {
        self.name().ends_with("_deleted")
    }

    pub fn path(self) -> String {
        format!("{PATH_PREFIX}{}", self.name())
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One authenticated, parsed webhook, handed to the endpoint's processing.
#[derive(Debug, Clone)]
pub struct WebhookCall {
    pub endpoint: Endpoint,
    pub zoho_id: ZohoId,
    /// The module the body named; already checked to be the endpoint's module when present.
    pub module: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_unique() {
        for endpoint in Endpoint::ALL {
            assert_eq!(Endpoint::from_name(endpoint.name()), Some(endpoint));
        }
        let mut names: Vec<_> = Endpoint::ALL.iter().map(|e| e.name()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), 17);
    }

    #[test]
    fn ownership_matches_the_specification() {
        let count = |f: Function| f.endpoints().count();
        assert_eq!(count(Function::DashboardSync), 11);
        assert_eq!(count(Function::Courses), 2);
        assert_eq!(count(Function::Enrol), 2);
        assert_eq!(count(Function::BtecUnits), 2);
        assert_eq!(Endpoint::from_name("health"), None);
        assert!(Endpoint::GradeDeleted.is_delete());
        assert!(!Endpoint::ClassUpdated.is_delete());
    }
}
