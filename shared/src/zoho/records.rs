//! Typed records, one struct per Zoho module, with the org's exact field API names
//! (`docs/data-contract.md` §2.3 and §6.1).
//!
//! Unknown fields are ignored. A missing, null or empty field is `None` (or an empty subform).
//! A field of the wrong type is a [`ZohoError::Decode`] naming the field, never its value.

use std::borrow::Cow;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::error::ZohoError;
use super::values::{Lookup, ZohoDate, ZohoDateTime, borrowed, de};
use crate::ids::ZohoId;

/// A Zoho module and the record type it decodes into.
pub trait Module: DeserializeOwned + Send + 'static {
    /// The module's API name, as in the URL (`/crm/v8/{API_NAME}/{id}`) and in COQL.
    const API_NAME: &'static str;
    /// The columns a COQL query selects for this type. COQL cannot select subforms, so records
    /// read by COQL have empty subforms; read by id when the subform is needed.
    const COQL_FIELDS: &'static str;
}

/// Decodes one record of module `T` from the JSON Zoho returned.
pub fn decode<T: Module>(value: Value) -> Result<T, ZohoError> {
    // The error's context names the record; it is written only when there is an error.
    let id = value.get("id").and_then(|v| v.as_str()).filter(|id| ZohoId::parse(id).is_ok()).map(str::to_owned);
    let context = move || match id {
        Some(id) => format!("{} record {id}", T::API_NAME),
        None => T::API_NAME.to_owned(),
    };
    if !value.is_object() {
        return Err(ZohoError::Decode { context: context(), reason: "the record is not a JSON object".into() });
    }
    serde_path_to_error::deserialize(value)
        .map_err(|e| ZohoError::Decode { context: context(), reason: format!("field {}: {}", e.path(), e.inner()) })
}

/// Decodes a get-by-id answer body (`{"data": [record, …]}`) straight from its bytes into `T`:
/// `Some(Some(record))` for the first record, `Some(None)` when `data` is empty. `None` means
/// "not in one pass": the caller then decodes the answer the regular way ([`decode`] of a
/// `Value`), so every error, and every answer this pass does not take, is exactly what the
/// regular decoder gives. Whatever this pass returns, the regular decoder returns too (parity
/// test below); it only skips the `Value` tree and the path tracking that success never needs.
pub fn decode_single<T: Module>(body: &[u8]) -> Option<Option<T>> {
    serde_json::from_slice::<SingleAnswer<T>>(body).ok().map(|answer| answer.data.0)
}

#[derive(serde::Deserialize)]
#[serde(bound = "T: DeserializeOwned")]
struct SingleAnswer<T> {
    data: FirstRecord<T>,
}

/// The first element of `data`, which must be a JSON object (as [`decode`] requires); the rest
/// are skipped, as the regular path skips them.
struct FirstRecord<T>(Option<T>);

impl<'de, T: DeserializeOwned> serde::Deserialize<'de> for FirstRecord<T> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Elements<T>(std::marker::PhantomData<T>);
        impl<'de, T: DeserializeOwned> serde::de::Visitor<'de> for Elements<T> {
            type Value = FirstRecord<T>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an array of records")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let first = seq.next_element::<ObjectRecord<T>>()?.map(|r| r.0);
                while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
                Ok(FirstRecord(first))
            }
        }
        deserializer.deserialize_seq(Elements(std::marker::PhantomData))
    }
}

/// A record that is a JSON object (a derived struct would also take an array, positionally).
struct ObjectRecord<T>(T);

impl<'de, T: DeserializeOwned> serde::Deserialize<'de> for ObjectRecord<T> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Object<T>(std::marker::PhantomData<T>);
        impl<'de, T: DeserializeOwned> serde::de::Visitor<'de> for Object<T> {
            type Value = ObjectRecord<T>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a record object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                T::deserialize(serde::de::value::MapAccessDeserializer::new(map)).map(ObjectRecord)
            }
        }
        deserializer.deserialize_map(Object(std::marker::PhantomData))
    }
}

macro_rules! module {
    ($ty:ty, $api:literal, $fields:literal) => {
        impl Module for $ty {
            const API_NAME: &'static str = $api;
            const COQL_FIELDS: &'static str = $fields;
        }
    };
}

/// `BTEC_Students`.
#[derive(Debug, Clone, PartialEq, serde::Deserialize, Serialize)]
pub struct Student {
    pub id: ZohoId,
    /// Autonumber labelled "Student ID", e.g. `S-2024-0001`.
    #[serde(rename = "Name", default, deserialize_with = "de::text")]
    pub name: Option<String>,
    #[serde(rename = "First_Name", default, deserialize_with = "de::text")]
    pub first_name: Option<String>,
    #[serde(rename = "Last_Name", default, deserialize_with = "de::text")]
    pub last_name: Option<String>,
    #[serde(rename = "Display_Name", default, deserialize_with = "de::text")]
    pub display_name: Option<String>,
    #[serde(rename = "Academic_Email", default, deserialize_with = "de::text")]
    pub academic_email: Option<String>,
    /// The personal e-mail.
    #[serde(rename = "Email", default, deserialize_with = "de::text")]
    pub email: Option<String>,
    #[serde(rename = "Phone_Number", default, deserialize_with = "de::text")]
    pub phone_number: Option<String>,
    #[serde(rename = "Address", default, deserialize_with = "de::text")]
    pub address: Option<String>,
    #[serde(rename = "City", default, deserialize_with = "de::text")]
    pub city: Option<String>,
    #[serde(rename = "Nationality", default, deserialize_with = "de::text")]
    pub nationality: Option<String>,
    #[serde(rename = "Birth_Date", default, deserialize_with = "de::date")]
    pub birth_date: Option<ZohoDate>,
    #[serde(rename = "Gender", default, deserialize_with = "de::text")]
    pub gender: Option<String>,
    #[serde(rename = "Emergency_Contact_Name", default, deserialize_with = "de::text")]
    pub emergency_contact_name: Option<String>,
    #[serde(rename = "Emergency_Phone_Number", default, deserialize_with = "de::text")]
    pub emergency_phone_number: Option<String>,
    #[serde(rename = "Status", default, deserialize_with = "de::text")]
    pub status: Option<String>,
    #[serde(rename = "Student_Moodle_ID", default, deserialize_with = "de::text")]
    pub student_moodle_id: Option<String>,
    #[serde(rename = "National_Number", default, deserialize_with = "de::text")]
    pub national_number: Option<String>,
    #[serde(rename = "Major", default, deserialize_with = "de::text")]
    pub major: Option<String>,
    #[serde(rename = "Sub_Major", default, deserialize_with = "de::text")]
    pub sub_major: Option<String>,
    #[serde(rename = "Program", default, deserialize_with = "de::lookup")]
    pub program: Option<Lookup>,
    #[serde(rename = "BTEC_Registration_Number", default, deserialize_with = "de::text")]
    pub btec_registration_number: Option<String>,
    #[serde(rename = "Academic_Program", default, deserialize_with = "de::text")]
    pub academic_program: Option<String>,
    #[serde(rename = "Registration_Date", default, deserialize_with = "de::date")]
    pub registration_date: Option<ZohoDate>,
    #[serde(rename = "Study_Language", default, deserialize_with = "de::text")]
    pub study_language: Option<String>,
    #[serde(rename = "Synced_to_Moodle", default, deserialize_with = "de::boolean")]
    pub synced_to_moodle: Option<bool>,
    #[serde(rename = "Last_Sync_Date", default, deserialize_with = "de::datetime")]
    pub last_sync_date: Option<ZohoDateTime>,
    #[serde(rename = "Created_Time", default, deserialize_with = "de::datetime")]
    pub created_time: Option<ZohoDateTime>,
    #[serde(rename = "Modified_Time", default, deserialize_with = "de::datetime")]
    pub modified_time: Option<ZohoDateTime>,
}
module!(
    Student,
    "BTEC_Students",
    "id, Name, First_Name, Last_Name, Display_Name, Academic_Email, Email, Phone_Number, Address, City, Nationality, Birth_Date, Gender, Emergency_Contact_Name, Emergency_Phone_Number, Status, Student_Moodle_ID, National_Number, Major, Sub_Major, Program, Created_Time, Modified_Time"
);

/// `BTEC_Teachers`.
#[derive(Debug, Clone, PartialEq, serde::Deserialize, Serialize)]
pub struct Teacher {
    pub id: ZohoId,
    #[serde(rename = "Name", default, deserialize_with = "de::text")]
    pub name: Option<String>,
    #[serde(rename = "Email", default, deserialize_with = "de::text")]
    pub email: Option<String>,
    #[serde(rename = "Academic_Email", default, deserialize_with = "de::text")]
    pub academic_email: Option<String>,
    #[serde(rename = "Phone_Number", default, deserialize_with = "de::text")]
    pub phone_number: Option<String>,
    #[serde(rename = "Teacher_Moodle_ID", default, deserialize_with = "de::text")]
    pub teacher_moodle_id: Option<String>,
    #[serde(rename = "Created_Time", default, deserialize_with = "de::datetime")]
    pub created_time: Option<ZohoDateTime>,
    #[serde(rename = "Modified_Time", default, deserialize_with = "de::datetime")]
    pub modified_time: Option<ZohoDateTime>,
}
module!(
    Teacher,
    "BTEC_Teachers",
    "id, Name, Email, Academic_Email, Phone_Number, Teacher_Moodle_ID, Created_Time, Modified_Time"
);

/// `Products`: the BTEC programmes.
#[derive(Debug, Clone, PartialEq, serde::Deserialize, Serialize)]
pub struct Program {
    pub id: ZohoId,
    #[serde(rename = "Product_Name", default, deserialize_with = "de::text")]
    pub product_name: Option<String>,
    /// The Moodle course category id, as text.
    #[serde(rename = "MoodleID", default, deserialize_with = "de::text")]
    pub moodle_id: Option<String>,
    /// `Business`, `IT`, `Art & Design`, …: the only place `IT` lives for the IT-major rule.
    #[serde(rename = "Program_Major", default, deserialize_with = "de::text")]
    pub program_major: Option<String>,
    #[serde(rename = "Created_Time", default, deserialize_with = "de::datetime")]
    pub created_time: Option<ZohoDateTime>,
    #[serde(rename = "Modified_Time", default, deserialize_with = "de::datetime")]
    pub modified_time: Option<ZohoDateTime>,
}
module!(Program, "Products", "id, Product_Name, MoodleID, Program_Major, Created_Time, Modified_Time");

/// `BTEC_Classes`: one per Moodle course.
#[derive(Debug, Clone, PartialEq, serde::Deserialize, Serialize)]
pub struct Class {
    pub id: ZohoId,
    /// Autonumber labelled "Zoho ID".
    #[serde(rename = "Name", default, deserialize_with = "de::text")]
    pub name: Option<String>,
    #[serde(rename = "Class_Name", default, deserialize_with = "de::text")]
    pub class_name: Option<String>,
    #[serde(rename = "Class_Short_Name", default, deserialize_with = "de::text")]
    pub class_short_name: Option<String>,
    #[serde(rename = "BTEC_Program", default, deserialize_with = "de::lookup")]
    pub btec_program: Option<Lookup>,
    #[serde(rename = "Unit", default, deserialize_with = "de::lookup")]
    pub unit: Option<Lookup>,
    #[serde(rename = "Teacher", default, deserialize_with = "de::lookup")]
    pub teacher: Option<Lookup>,
    #[serde(rename = "Moodle_Class_ID", default, deserialize_with = "de::text")]
    pub moodle_class_id: Option<String>,
    #[serde(rename = "Class_Status", default, deserialize_with = "de::text")]
    pub class_status: Option<String>,
    #[serde(rename = "Start_Date", default, deserialize_with = "de::date")]
    pub start_date: Option<ZohoDate>,
    #[serde(rename = "End_Date", default, deserialize_with = "de::date")]
    pub end_date: Option<ZohoDate>,
    #[serde(rename = "Term", default, deserialize_with = "de::text")]
    pub term: Option<String>,
    #[serde(rename = "Class_Study_Mode", default, deserialize_with = "de::text")]
    pub class_study_mode: Option<String>,
    #[serde(rename = "Created_Time", default, deserialize_with = "de::datetime")]
    pub created_time: Option<ZohoDateTime>,
    #[serde(rename = "Modified_Time", default, deserialize_with = "de::datetime")]
    pub modified_time: Option<ZohoDateTime>,
}
module!(
    Class,
    "BTEC_Classes",
    "id, Name, Class_Name, Class_Short_Name, BTEC_Program, Unit, Teacher, Moodle_Class_ID, Class_Status, Start_Date, End_Date, Term, Class_Study_Mode, Created_Time, Modified_Time"
);

/// `BTEC_Enrollments`: a student ↔ class link.
#[derive(Debug, Clone, PartialEq, serde::Deserialize, Serialize)]
pub struct Enrollment {
    pub id: ZohoId,
    #[serde(rename = "Name", default, deserialize_with = "de::text")]
    pub name: Option<String>,
    /// The student (a lookup, despite the plural name).
    #[serde(rename = "Enrolled_Students", default, deserialize_with = "de::lookup")]
    pub enrolled_students: Option<Lookup>,
    /// The class (a lookup, despite the plural name).
    #[serde(rename = "Classes", default, deserialize_with = "de::lookup")]
    pub classes: Option<Lookup>,
    #[serde(rename = "Start_Date", default, deserialize_with = "de::date")]
    pub start_date: Option<ZohoDate>,
    #[serde(rename = "End_Date", default, deserialize_with = "de::date")]
    pub end_date: Option<ZohoDate>,
    #[serde(rename = "Enrollment_Type", default, deserialize_with = "de::text")]
    pub enrollment_type: Option<String>,
    #[serde(rename = "Enrollment_Status", default, deserialize_with = "de::text")]
    pub enrollment_status: Option<String>,
    #[serde(rename = "Student_Name", default, deserialize_with = "de::text")]
    pub student_name: Option<String>,
    #[serde(rename = "Class_Name", default, deserialize_with = "de::text")]
    pub class_name: Option<String>,
    #[serde(rename = "Enrolled_Program", default, deserialize_with = "de::text")]
    pub enrolled_program: Option<String>,
    #[serde(rename = "Moodle_Course_ID", default, deserialize_with = "de::text")]
    pub moodle_course_id: Option<String>,
    #[serde(rename = "Synced_to_Moodle", default, deserialize_with = "de::boolean")]
    pub synced_to_moodle: Option<bool>,
    #[serde(rename = "Created_Time", default, deserialize_with = "de::datetime")]
    pub created_time: Option<ZohoDateTime>,
    #[serde(rename = "Modified_Time", default, deserialize_with = "de::datetime")]
    pub modified_time: Option<ZohoDateTime>,
}
module!(
    Enrollment,
    "BTEC_Enrollments",
    "id, Name, Enrolled_Students, Classes, Start_Date, End_Date, Enrollment_Type, Enrollment_Status, Student_Name, Class_Name, Enrolled_Program, Moodle_Course_ID, Synced_to_Moodle, Created_Time, Modified_Time"
);

/// One row of subform `Payment_Schedule`. The row field names come from the predecessor's code
/// and are not confirmed by the org's export (data contract §2.3).
#[derive(Debug, Clone, PartialEq, serde::Deserialize, Serialize)]
pub struct Installment {
    #[serde(rename = "Installment_No", default, deserialize_with = "de::integer")]
    pub installment_no: Option<i64>,
    #[serde(rename = "Due_Date", default, deserialize_with = "de::date")]
    pub due_date: Option<ZohoDate>,
    #[serde(rename = "Installment_Amount", default, deserialize_with = "de::number")]
    pub installment_amount: Option<f64>,
    #[serde(rename = "Installment_Status", default, deserialize_with = "de::text")]
    pub installment_status: Option<String>,
    #[serde(rename = "Paid_Date", default, deserialize_with = "de::date")]
    pub paid_date: Option<ZohoDate>,
}

/// `BTEC_Registrations`: a programme registration with its payment schedule.
#[derive(Debug, Clone, PartialEq, serde::Deserialize, Serialize)]
pub struct Registration {
    pub id: ZohoId,
    #[serde(rename = "Name", default, deserialize_with = "de::text")]
    pub name: Option<String>,
    #[serde(rename = "Student_ID", default, deserialize_with = "de::lookup")]
    pub student_id: Option<Lookup>,
    #[serde(rename = "Program", default, deserialize_with = "de::lookup")]
    pub program: Option<Lookup>,
    #[serde(rename = "Registration_Date", default, deserialize_with = "de::date")]
    pub registration_date: Option<ZohoDate>,
    #[serde(rename = "Registration_Status", default, deserialize_with = "de::text")]
    pub registration_status: Option<String>,
    /// A text field in this org (amount with or without formatting).
    #[serde(rename = "Program_Price", default, deserialize_with = "de::text")]
    pub program_price: Option<String>,
    /// A text field in this org.
    #[serde(rename = "Remaining_Amount", default, deserialize_with = "de::text")]
    pub remaining_amount: Option<String>,
    #[serde(rename = "Currency", default, deserialize_with = "de::text")]
    pub currency: Option<String>,
    #[serde(rename = "Study_Mode", default, deserialize_with = "de::text")]
    pub study_mode: Option<String>,
    #[serde(rename = "BTEC_Reg_No", default, deserialize_with = "de::text")]
    pub btec_reg_no: Option<String>,
    #[serde(rename = "Student_Status", default, deserialize_with = "de::text")]
    pub student_status: Option<String>,
    #[serde(rename = "Payment_Schedule", default, deserialize_with = "de::rows")]
    pub payment_schedule: Vec<Installment>,
    #[serde(rename = "Created_Time", default, deserialize_with = "de::datetime")]
    pub created_time: Option<ZohoDateTime>,
    #[serde(rename = "Modified_Time", default, deserialize_with = "de::datetime")]
    pub modified_time: Option<ZohoDateTime>,
}
module!(
    Registration,
    "BTEC_Registrations",
    "id, Name, Student_ID, Program, Registration_Date, Registration_Status, Program_Price, Remaining_Amount, Currency, Study_Mode, BTEC_Reg_No, Student_Status, Created_Time, Modified_Time"
);

/// `BTEC_Payments`.
#[derive(Debug, Clone, PartialEq, serde::Deserialize, Serialize)]
pub struct Payment {
    pub id: ZohoId,
    /// Autonumber labelled "Payment ID".
    #[serde(rename = "Name", default, deserialize_with = "de::text")]
    pub name: Option<String>,
    #[serde(rename = "Registration_ID", default, deserialize_with = "de::lookup")]
    pub registration_id: Option<Lookup>,
    #[serde(rename = "Student_ID", default, deserialize_with = "de::lookup")]
    pub student_id: Option<Lookup>,
    #[serde(rename = "Payment_Amount", default, deserialize_with = "de::number")]
    pub payment_amount: Option<f64>,
    #[serde(rename = "Payment_Date", default, deserialize_with = "de::date")]
    pub payment_date: Option<ZohoDate>,
    #[serde(rename = "Payment_Method", default, deserialize_with = "de::text")]
    pub payment_method: Option<String>,
    #[serde(rename = "Payment_Type", default, deserialize_with = "de::text")]
    pub payment_type: Option<String>,
    #[serde(rename = "Installment_No", default, deserialize_with = "de::integer")]
    pub installment_no: Option<i64>,
    #[serde(rename = "Currency", default, deserialize_with = "de::text")]
    pub currency: Option<String>,
    #[serde(rename = "Note", default, deserialize_with = "de::text")]
    pub note: Option<String>,
    #[serde(rename = "Created_Time", default, deserialize_with = "de::datetime")]
    pub created_time: Option<ZohoDateTime>,
    #[serde(rename = "Modified_Time", default, deserialize_with = "de::datetime")]
    pub modified_time: Option<ZohoDateTime>,
}
module!(
    Payment,
    "BTEC_Payments",
    "id, Name, Registration_ID, Student_ID, Payment_Amount, Payment_Date, Payment_Method, Payment_Type, Installment_No, Currency, Note, Created_Time, Modified_Time"
);

/// `BTEC_Grades`.
#[derive(Debug, Clone, PartialEq, serde::Deserialize, Serialize)]
pub struct Grade {
    pub id: ZohoId,
    #[serde(rename = "Name", default, deserialize_with = "de::text")]
    pub name: Option<String>,
    #[serde(rename = "Student", default, deserialize_with = "de::lookup")]
    pub student: Option<Lookup>,
    #[serde(rename = "Class", default, deserialize_with = "de::lookup")]
    pub class: Option<Lookup>,
    /// Text in this org; a lookup's name is taken if it ever arrives as one.
    #[serde(rename = "BTEC_Unit", default, deserialize_with = "de::text_or_lookup_name")]
    pub btec_unit: Option<String>,
    #[serde(rename = "BTEC_Grade_Name", default, deserialize_with = "de::text")]
    pub btec_grade_name: Option<String>,
    /// The letter (`P`, `M`, `D`, `R`, `RR`, `F`, `Mapped`): text, never a number.
    #[serde(rename = "Grade", default, deserialize_with = "de::text")]
    pub grade: Option<String>,
    #[serde(rename = "Attempt_Number", default, deserialize_with = "de::integer")]
    pub attempt_number: Option<i64>,
    #[serde(rename = "Feedback", default, deserialize_with = "de::text")]
    pub feedback: Option<String>,
    #[serde(rename = "Grade_Status", default, deserialize_with = "de::text")]
    pub grade_status: Option<String>,
    #[serde(rename = "Attempt_Date", default, deserialize_with = "de::date")]
    pub attempt_date: Option<ZohoDate>,
    /// Subform rows kept as raw JSON: the plugin stores the array as one JSON string.
    #[serde(rename = "Learning_Outcomes_Assessm", default, deserialize_with = "de::raw_rows")]
    pub learning_outcomes_assessm: Vec<Value>,
    #[serde(rename = "Moodle_Grade_ID", default, deserialize_with = "de::text")]
    pub moodle_grade_id: Option<String>,
    #[serde(rename = "Moodle_Grade_Composite_Key", default, deserialize_with = "de::text")]
    pub moodle_grade_composite_key: Option<String>,
    #[serde(rename = "Created_Time", default, deserialize_with = "de::datetime")]
    pub created_time: Option<ZohoDateTime>,
    #[serde(rename = "Modified_Time", default, deserialize_with = "de::datetime")]
    pub modified_time: Option<ZohoDateTime>,
}
module!(
    Grade,
    "BTEC_Grades",
    "id, Name, Student, Class, BTEC_Unit, BTEC_Grade_Name, Grade, Attempt_Number, Feedback, Grade_Status, Attempt_Date, Moodle_Grade_ID, Moodle_Grade_Composite_Key, Created_Time, Modified_Time"
);

/// `BTEC_Student_Requests` (the spec's `BTEC_Requests` does not exist).
#[derive(Debug, Clone, PartialEq, serde::Deserialize, Serialize)]
pub struct StudentRequest {
    pub id: ZohoId,
    #[serde(rename = "Name", default, deserialize_with = "de::text")]
    pub name: Option<String>,
    #[serde(rename = "Student", default, deserialize_with = "de::lookup")]
    pub student: Option<Lookup>,
    #[serde(rename = "Request_Type", default, deserialize_with = "de::text")]
    pub request_type: Option<String>,
    #[serde(rename = "Status", default, deserialize_with = "de::text")]
    pub status: Option<String>,
    #[serde(rename = "Reason", default, deserialize_with = "de::text")]
    pub reason: Option<String>,
    #[serde(rename = "Request_Date", default, deserialize_with = "de::datetime")]
    pub request_date: Option<ZohoDateTime>,
    #[serde(rename = "Moodle_User_ID", default, deserialize_with = "de::text")]
    pub moodle_user_id: Option<String>,
    #[serde(rename = "Academic_Email", default, deserialize_with = "de::text")]
    pub academic_email: Option<String>,
    #[serde(rename = "Fees_Amount", default, deserialize_with = "de::number")]
    pub fees_amount: Option<f64>,
    #[serde(rename = "Requested_Classes", default, deserialize_with = "de::raw_rows")]
    pub requested_classes: Vec<Value>,
    #[serde(rename = "Change_Information", default, deserialize_with = "de::raw_rows")]
    pub change_information: Vec<Value>,
    #[serde(rename = "Created_Time", default, deserialize_with = "de::datetime")]
    pub created_time: Option<ZohoDateTime>,
    #[serde(rename = "Modified_Time", default, deserialize_with = "de::datetime")]
    pub modified_time: Option<ZohoDateTime>,
}
module!(
    StudentRequest,
    "BTEC_Student_Requests",
    "id, Name, Student, Request_Type, Status, Reason, Request_Date, Moodle_User_ID, Academic_Email, Fees_Amount, Created_Time, Modified_Time"
);

/// One row of subform `BTEC_Grading_Template_P1`: the pass criteria that do not fit on the
/// record (P11–P20).
#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize, Serialize)]
pub struct GradingTemplateRow {
    #[serde(rename = "P11_description", default, deserialize_with = "de::text")]
    pub p11_description: Option<String>,
    #[serde(rename = "P12_description", default, deserialize_with = "de::text")]
    pub p12_description: Option<String>,
    #[serde(rename = "P13_description", default, deserialize_with = "de::text")]
    pub p13_description: Option<String>,
    #[serde(rename = "P14_description", default, deserialize_with = "de::text")]
    pub p14_description: Option<String>,
    #[serde(rename = "P15_description", default, deserialize_with = "de::text")]
    pub p15_description: Option<String>,
    #[serde(rename = "P16_description", default, deserialize_with = "de::text")]
    pub p16_description: Option<String>,
    #[serde(rename = "P17_description", default, deserialize_with = "de::text")]
    pub p17_description: Option<String>,
    #[serde(rename = "P18_description", default, deserialize_with = "de::text")]
    pub p18_description: Option<String>,
    #[serde(rename = "P19_description", default, deserialize_with = "de::text")]
    pub p19_description: Option<String>,
    #[serde(rename = "P20_description", default, deserialize_with = "de::text")]
    pub p20_description: Option<String>,
}

impl GradingTemplateRow {
    /// P11…P20, in order.
    pub fn pass_descriptions(&self) -> [&Option<String>; 10] {
        [
            &self.p11_description,
            &self.p12_description,
            &self.p13_description,
            &self.p14_description,
            &self.p15_description,
            &self.p16_description,
            &self.p17_description,
            &self.p18_description,
            &self.p19_description,
            &self.p20_description,
        ]
    }
}

/// `BTEC`: a unit and its grading criteria.
#[derive(Debug, Clone, PartialEq, serde::Deserialize, Serialize)]
pub struct Unit {
    pub id: ZohoId,
    /// "Unit Name": the grading definition's name.
    #[serde(rename = "Name", default, deserialize_with = "de::text")]
    pub name: Option<String>,
    #[serde(rename = "P1_description", default, deserialize_with = "de::text")]
    pub p1_description: Option<String>,
    #[serde(rename = "P2_description", default, deserialize_with = "de::text")]
    pub p2_description: Option<String>,
    #[serde(rename = "P3_description", default, deserialize_with = "de::text")]
    pub p3_description: Option<String>,
    #[serde(rename = "P4_description", default, deserialize_with = "de::text")]
    pub p4_description: Option<String>,
    #[serde(rename = "P5_description", default, deserialize_with = "de::text")]
    pub p5_description: Option<String>,
    #[serde(rename = "P6_description", default, deserialize_with = "de::text")]
    pub p6_description: Option<String>,
    #[serde(rename = "P7_description", default, deserialize_with = "de::text")]
    pub p7_description: Option<String>,
    #[serde(rename = "P8_description", default, deserialize_with = "de::text")]
    pub p8_description: Option<String>,
    #[serde(rename = "P9_description", default, deserialize_with = "de::text")]
    pub p9_description: Option<String>,
    #[serde(rename = "P10_description", default, deserialize_with = "de::text")]
    pub p10_description: Option<String>,
    #[serde(rename = "BTEC_Grading_Template_P1", default, deserialize_with = "de::rows")]
    pub btec_grading_template_p1: Vec<GradingTemplateRow>,
    #[serde(rename = "M1_description", default, deserialize_with = "de::text")]
    pub m1_description: Option<String>,
    #[serde(rename = "M2_description", default, deserialize_with = "de::text")]
    pub m2_description: Option<String>,
    #[serde(rename = "M3_description", default, deserialize_with = "de::text")]
    pub m3_description: Option<String>,
    #[serde(rename = "M4_description", default, deserialize_with = "de::text")]
    pub m4_description: Option<String>,
    #[serde(rename = "M5_description", default, deserialize_with = "de::text")]
    pub m5_description: Option<String>,
    #[serde(rename = "M6_description", default, deserialize_with = "de::text")]
    pub m6_description: Option<String>,
    #[serde(rename = "M7_description", default, deserialize_with = "de::text")]
    pub m7_description: Option<String>,
    #[serde(rename = "M8_description", default, deserialize_with = "de::text")]
    pub m8_description: Option<String>,
    #[serde(rename = "M9_description", default, deserialize_with = "de::text")]
    pub m9_description: Option<String>,
    #[serde(rename = "D1_description", default, deserialize_with = "de::text")]
    pub d1_description: Option<String>,
    #[serde(rename = "D2_description", default, deserialize_with = "de::text")]
    pub d2_description: Option<String>,
    #[serde(rename = "D3_description", default, deserialize_with = "de::text")]
    pub d3_description: Option<String>,
    #[serde(rename = "D4_description", default, deserialize_with = "de::text")]
    pub d4_description: Option<String>,
    #[serde(rename = "D5_description", default, deserialize_with = "de::text")]
    pub d5_description: Option<String>,
    #[serde(rename = "D6_description", default, deserialize_with = "de::text")]
    pub d6_description: Option<String>,
    #[serde(rename = "Unit_Code", default, deserialize_with = "de::text")]
    pub unit_code: Option<String>,
    #[serde(rename = "Unit_Level", default, deserialize_with = "de::text")]
    pub unit_level: Option<String>,
    #[serde(rename = "Unit_Major", default, deserialize_with = "de::text")]
    pub unit_major: Option<String>,
    #[serde(rename = "Created_Time", default, deserialize_with = "de::datetime")]
    pub created_time: Option<ZohoDateTime>,
    #[serde(rename = "Modified_Time", default, deserialize_with = "de::datetime")]
    pub modified_time: Option<ZohoDateTime>,
}
module!(
    Unit,
    "BTEC",
    "id, Name, P1_description, P2_description, P3_description, P4_description, P5_description, P6_description, P7_description, P8_description, P9_description, P10_description, M1_description, M2_description, M3_description, M4_description, M5_description, M6_description, M7_description, M8_description, M9_description, D1_description, D2_description, D3_description, D4_description, D5_description, D6_description, Unit_Code, Unit_Level, Unit_Major, Created_Time, Modified_Time"
);

impl Unit {
    /// The non-empty criteria in the order P1…P20, M1…M9, D1…D6, as (code, trimmed description)
    /// borrowed from the record (a unit has up to 35 descriptions of a few hundred characters
    /// each). P11–P20 come from the subform; when several rows fill the same criterion, the first
    /// row wins.
    pub fn criteria<'a>(&'a self) -> Vec<(&'static str, &'a str)> {
        const PASS: [&str; 20] = [
            "P1", "P2", "P3", "P4", "P5", "P6", "P7", "P8", "P9", "P10", "P11", "P12", "P13", "P14", "P15", "P16",
            "P17", "P18", "P19", "P20",
        ];
        const MERIT: [&str; 9] = ["M1", "M2", "M3", "M4", "M5", "M6", "M7", "M8", "M9"];
        const DISTINCTION: [&str; 6] = ["D1", "D2", "D3", "D4", "D5", "D6"];
        let on_record = [
            &self.p1_description,
            &self.p2_description,
            &self.p3_description,
            &self.p4_description,
            &self.p5_description,
            &self.p6_description,
            &self.p7_description,
            &self.p8_description,
            &self.p9_description,
            &self.p10_description,
        ];
        let mut passes: Vec<Option<&'a str>> = on_record.iter().map(|d| d.as_deref()).collect();
        for slot in 0..10 {
            passes.push(self.btec_grading_template_p1.iter().find_map(|row| row.pass_descriptions()[slot].as_deref()));
        }
        let merits = [
            &self.m1_description,
            &self.m2_description,
            &self.m3_description,
            &self.m4_description,
            &self.m5_description,
            &self.m6_description,
            &self.m7_description,
            &self.m8_description,
            &self.m9_description,
        ];
        let distinctions = [
            &self.d1_description,
            &self.d2_description,
            &self.d3_description,
            &self.d4_description,
            &self.d5_description,
            &self.d6_description,
        ];
        let mut out = Vec::with_capacity(35);
        let mut take = |codes: &[&'static str], descriptions: &mut dyn Iterator<Item = Option<&'a str>>| {
            for (code, description) in codes.iter().zip(descriptions) {
                if let Some(text) = description.map(str::trim).filter(|t| !t.is_empty()) {
                    out.push((*code, text));
                }
            }
        };
        take(&PASS, &mut passes.into_iter());
        take(&MERIT, &mut merits.iter().map(|d| d.as_deref()));
        take(&DISTINCTION, &mut distinctions.iter().map(|d| d.as_deref()));
        out
    }
}

/// One `BTEC_Enrollments` row of a COQL page, decoded in one pass straight from the page body
/// (text borrowed from it): what a class's enrolment sync reads 2,000 times. It accepts exactly
/// the rows [`Enrollment`] accepts (the same lenient field rules, see [`super::values::borrowed`]);
/// [`decode_enrollment_page`] falls back to [`Enrollment`] for the error of a row it refuses.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub struct EnrollmentRow<'a> {
    pub id: ZohoId,
    #[serde(rename = "Name", default, borrow)]
    pub name: borrowed::Text<'a>,
    #[serde(rename = "Enrolled_Students", default)]
    pub enrolled_students: borrowed::LookupId,
    #[serde(rename = "Classes", default)]
    pub classes: borrowed::LookupId,
    #[serde(rename = "Start_Date", default)]
    pub start_date: borrowed::Date,
    #[serde(rename = "End_Date", default)]
    pub end_date: borrowed::Date,
    #[serde(rename = "Enrollment_Type", default, borrow)]
    pub enrollment_type: borrowed::Text<'a>,
    #[serde(rename = "Enrollment_Status", default, borrow)]
    pub enrollment_status: borrowed::Text<'a>,
    #[serde(rename = "Student_Name", default, borrow)]
    pub student_name: borrowed::Text<'a>,
    #[serde(rename = "Class_Name", default, borrow)]
    pub class_name: borrowed::Text<'a>,
    #[serde(rename = "Enrolled_Program", default, borrow)]
    pub enrolled_program: borrowed::Text<'a>,
    #[serde(rename = "Moodle_Course_ID", default, borrow)]
    pub moodle_course_id: borrowed::Text<'a>,
    #[serde(rename = "Synced_to_Moodle", default)]
    pub synced_to_moodle: borrowed::CheckedBool,
    #[serde(rename = "Created_Time", default, borrow)]
    pub created_time: borrowed::DateTime<'a>,
    #[serde(rename = "Modified_Time", default, borrow)]
    pub modified_time: borrowed::DateTime<'a>,
}

impl<'a> EnrollmentRow<'a> {
    /// The same row, viewed from a record decoded the regular way (read by id).
    pub fn from_record(r: &'a Enrollment) -> Self {
        let text = |v: &'a Option<String>| borrowed::Text(v.as_deref().map(Cow::Borrowed));
        let datetime = |v: &'a Option<ZohoDateTime>| borrowed::DateTime(v.as_ref().map(|t| Cow::Borrowed(t.as_str())));
        EnrollmentRow {
            id: r.id.clone(),
            name: text(&r.name),
            enrolled_students: borrowed::LookupId(r.enrolled_students.as_ref().map(|l| l.id.clone())),
            classes: borrowed::LookupId(r.classes.as_ref().map(|l| l.id.clone())),
            start_date: borrowed::Date(r.start_date),
            end_date: borrowed::Date(r.end_date),
            enrollment_type: text(&r.enrollment_type),
            enrollment_status: text(&r.enrollment_status),
            student_name: text(&r.student_name),
            class_name: text(&r.class_name),
            enrolled_program: text(&r.enrolled_program),
            moodle_course_id: text(&r.moodle_course_id),
            synced_to_moodle: borrowed::CheckedBool,
            created_time: datetime(&r.created_time),
            modified_time: datetime(&r.modified_time),
        }
    }
}

/// A row that must be a JSON object (as [`decode`] requires), never a positional array.
struct ObjectRow<T>(T);

impl<'de, T: serde::Deserialize<'de>> serde::Deserialize<'de> for ObjectRow<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Object<T>(std::marker::PhantomData<T>);
        impl<'de, T: serde::Deserialize<'de>> serde::de::Visitor<'de> for Object<T> {
            type Value = T;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a record object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
                T::deserialize(serde::de::value::MapAccessDeserializer::new(map))
            }
        }
        d.deserialize_map(Object(std::marker::PhantomData)).map(ObjectRow)
    }
}

#[derive(serde::Deserialize)]
struct PageInfo {
    #[serde(default)]
    more_records: Option<bool>,
}

#[derive(serde::Deserialize)]
struct EnrollmentPage<'a> {
    #[serde(borrow, default)]
    data: Option<Vec<ObjectRow<EnrollmentRow<'a>>>>,
    #[serde(default)]
    info: Option<PageInfo>,
}

/// One page of rows, borrowed from its body where the page could be decoded in one pass, owned
/// where a row needed the regular decoder.
pub enum EnrollmentPageRows<'a> {
    Borrowed(Vec<EnrollmentRow<'a>>),
    Owned(Vec<Enrollment>),
}

impl EnrollmentPageRows<'_> {
    pub fn len(&self) -> usize {
        match self {
            EnrollmentPageRows::Borrowed(rows) => rows.len(),
            EnrollmentPageRows::Owned(rows) => rows.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every row, as a borrowed view.
    pub fn for_each(&self, mut f: impl FnMut(&EnrollmentRow<'_>)) {
        match self {
            EnrollmentPageRows::Borrowed(rows) => rows.iter().for_each(f),
            EnrollmentPageRows::Owned(rows) => rows.iter().for_each(|r| f(&EnrollmentRow::from_record(r))),
        }
    }
}

/// Decodes a COQL answer body (`{"data": [...], "info": {"more_records": …}}`) of
/// `BTEC_Enrollments` rows selected with [`Enrollment::COQL_FIELDS`]: the rows and whether
/// more follow. Same results and errors as decoding each row with [`decode`]: a page the
/// single pass refuses is decoded again the regular way, which names the offending field.
pub fn decode_enrollment_page<'a>(body: &'a [u8], context: &str) -> Result<(EnrollmentPageRows<'a>, bool), ZohoError> {
    if let Ok(page) = serde_json::from_slice::<EnrollmentPage<'a>>(body) {
        let more = page.info.and_then(|i| i.more_records).unwrap_or(false);
        return Ok(match page.data {
            Some(rows) => (EnrollmentPageRows::Borrowed(rows.into_iter().map(|r| r.0).collect()), more),
            None => (EnrollmentPageRows::Borrowed(Vec::new()), false),
        });
    }
    let decode_error = |reason: &str| ZohoError::Decode { context: context.to_owned(), reason: reason.to_owned() };
    let mut value: Value = serde_json::from_slice(body).map_err(|_| decode_error("not JSON"))?;
    let more = value.pointer("/info/more_records").and_then(Value::as_bool).unwrap_or(false);
    let rows = match value.get_mut("data").map(Value::take) {
        Some(Value::Array(rows)) => rows,
        Some(Value::Null) | None => return Ok((EnrollmentPageRows::Owned(Vec::new()), false)),
        Some(_) => return Err(decode_error("data is not an array")),
    };
    let records = rows.into_iter().map(decode::<Enrollment>).collect::<Result<Vec<_>, _>>()?;
    Ok((EnrollmentPageRows::Owned(records), more))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The regular path of a get-by-id answer, as `ZohoClient::get` runs it after the one pass.
    fn regular_single<T: Module>(body: &[u8]) -> Result<Option<T>, String> {
        let mut value: Value = serde_json::from_slice(body).map_err(|_| "not JSON".to_owned())?;
        match value.get_mut("data").and_then(Value::as_array_mut) {
            Some(data) if data.is_empty() => Ok(None),
            Some(data) => decode::<T>(data.swap_remove(0)).map(Some).map_err(|e| e.to_string()),
            None => Err("no data array".to_owned()),
        }
    }

    /// Whatever the one pass returns, the regular decoder returns too; where the one pass
    /// declines, the regular decoder's answer (an error, usually) stands.
    fn assert_single_parity<T: Module + PartialEq + std::fmt::Debug>(body: &[u8]) -> bool {
        match decode_single::<T>(body) {
            Some(one_pass) => {
                assert_eq!(Ok(one_pass), regular_single::<T>(body), "{}", String::from_utf8_lossy(body));
                true
            }
            None => false,
        }
    }

    fn fixture(module: &str) -> Vec<Value> {
        let path = format!("{}/../fixtures/zoho/{module}.json", env!("CARGO_MANIFEST_DIR"));
        serde_json::from_str(&std::fs::read_to_string(&path).expect("fixture")).expect("fixture JSON")
    }

    fn every_fixture_record_decodes_in_one_pass<T: Module + PartialEq + std::fmt::Debug>() {
        let records = fixture(T::API_NAME);
        assert!(!records.is_empty());
        for record in records {
            let body = serde_json::to_vec(&json!({"data": [record], "info": {"count": 1}})).unwrap();
            assert!(assert_single_parity::<T>(&body), "{} declined a fixture record", T::API_NAME);
        }
    }

    #[test]
    fn single_records_decode_in_one_pass_like_the_regular_decoder() {
        every_fixture_record_decodes_in_one_pass::<Student>();
        every_fixture_record_decodes_in_one_pass::<Teacher>();
        every_fixture_record_decodes_in_one_pass::<Program>();
        every_fixture_record_decodes_in_one_pass::<Class>();
        every_fixture_record_decodes_in_one_pass::<Enrollment>();
        every_fixture_record_decodes_in_one_pass::<Registration>();
        every_fixture_record_decodes_in_one_pass::<Payment>();
        every_fixture_record_decodes_in_one_pass::<Grade>();
        every_fixture_record_decodes_in_one_pass::<StudentRequest>();
        every_fixture_record_decodes_in_one_pass::<Unit>();
    }

    #[test]
    fn single_records_the_one_pass_declines_get_the_regular_answer() {
        let student = fixture("BTEC_Students").remove(0);
        let mut wrong_type = student.clone();
        wrong_type["Modified_Time"] = json!({"not": "a time"});
        let mut array_record = Vec::new();
        if let Value::Object(fields) = &student {
            array_record = fields.values().cloned().collect();
        }
        // Accepted: an empty data array, extra records after the first (even malformed ones).
        for body in [json!({"data": []}), json!({"data": [student.clone(), 7]})] {
            let body = serde_json::to_vec(&body).unwrap();
            assert!(assert_single_parity::<Student>(&body));
        }
        // Declined, and the regular decoder's error stands.
        for body in [
            json!({"data": [wrong_type]}),
            json!({"data": [array_record]}),
            json!({"data": ["5398830000100000001"]}),
            json!({"data": null}),
            json!({"info": {}}),
            json!([student]),
        ] {
            let body = serde_json::to_vec(&body).unwrap();
            assert!(!assert_single_parity::<Student>(&body), "{body:?}");
            assert!(regular_single::<Student>(&body).is_err());
        }
        assert_eq!(decode_single::<Student>(b"not json"), None);
    }

    /// The single-pass page decoder keeps exactly what the regular decoder keeps, for every
    /// lenient shape Zoho may send, and refuses (with the regular decoder's error) what it
    /// refuses.
    #[test]
    fn enrollment_pages_decode_like_records() {
        let rows = vec![
            json!({"id": "5398830000100000701", "Name": "E-1", "Enrolled_Students": {"name": "S", "id": "5398830000100000001"},
                   "Classes": {"name": "C", "id": "5398830000100000401"}, "Start_Date": "2026-03-02", "End_Date": " 2026-06-26 ",
                   "Enrollment_Type": "Full", "Enrollment_Status": " Active ", "Student_Name": "Zoë \"Q\" & A",
                   "Class_Name": "", "Enrolled_Program": "-None-", "Moodle_Course_ID": 12, "Synced_to_Moodle": "TRUE",
                   "Created_Time": " 2026-02-20T08:00:00+03:00", "Modified_Time": "2026-02-23T12:34:56.5Z"}),
            json!({"id": "5398830000100000702", "Enrolled_Students": "5398830000100000002", "Classes": 5398830000100000401u64,
                   "Start_Date": null, "End_Date": "   ", "Enrollment_Status": 3, "Student_Name": 2.5,
                   "Synced_to_Moodle": false, "Modified_Time": "2026-02-23T12:34:56+03:00", "Extra": {"a": [1]}}),
            json!({"id": "5398830000100000703", "Enrolled_Students": {"id": null, "name": "x"}, "Classes": {"id": " ", "name": 7},
                   "Synced_to_Moodle": null, "Name": null}),
        ];
        let page = json!({"data": rows, "info": {"more_records": true, "count": 3}}).to_string();
        let (decoded, more) = decode_enrollment_page(page.as_bytes(), "COQL (offset 0)").unwrap();
        assert!(more);
        assert!(matches!(decoded, EnrollmentPageRows::Borrowed(_)), "the single pass took this page");
        let records: Vec<Enrollment> = rows.iter().map(|r| decode(r.clone()).unwrap()).collect();
        let mut seen = Vec::new();
        decoded.for_each(|row| seen.push(format!("{row:?}")));
        let expected: Vec<String> = records.iter().map(|r| format!("{:?}", EnrollmentRow::from_record(r))).collect();
        assert_eq!(seen, expected);

        // Refused rows: the error is the regular decoder's, naming the field.
        for bad in [
            json!({"id": "5398830000100000704", "Start_Date": "2026-02-30"}),
            // Ids are taken as Zoho sends them: padded, signed or zero is not an id.
            json!({"id": " 5398830000100000704 "}),
            json!({"id": "05398830000100000704"}),
            json!({"id": "5398830000100000704", "Classes": {"id": "0"}}),
            json!({"id": "5398830000100000704", "Enrollment_Status": true}),
            json!({"id": "5398830000100000704", "Classes": {"id": "abc"}}),
            json!({"id": "5398830000100000704", "Classes": {"id": "1", "name": [1]}}),
            json!({"id": "5398830000100000704", "Synced_to_Moodle": "yes"}),
            json!({"id": "5398830000100000704", "Modified_Time": 5}),
            json!({"Name": "no id"}),
            json!(["5398830000100000704"]),
        ] {
            let page = json!({"data": [bad.clone()]}).to_string();
            let err = decode_enrollment_page(page.as_bytes(), "COQL (offset 0)").err();
            let expected = decode::<Enrollment>(bad.clone()).err();
            assert!(err.is_some(), "{bad}");
            assert_eq!(err.map(|e| e.to_string()), expected.map(|e| e.to_string()), "{bad}");
        }
        let (empty, more) = decode_enrollment_page(br#"{"data": null, "info": {"more_records": true}}"#, "c").unwrap();
        assert!(empty.is_empty() && !more, "no data ends the listing, as coql_page does");
        assert!(decode_enrollment_page(br#"{"data": 5}"#, "c").is_err());
        assert!(decode_enrollment_page(b"<html>", "c").is_err());
    }

    #[test]
    fn missing_null_and_empty_are_none() {
        let s: Student = decode(json!({
            "id": "5398830000100000001",
            "Name": "S-2024-0001",
            "Academic_Email": "",
            "Email": null,
            "Birth_Date": "  ",
            "Program": {"name": "BTEC IT", "id": "5398830000100000201"},
            "Unknown_Field": {"x": [1, 2]},
            "Modified_Time": "2026-02-23T12:34:56+03:00"
        }))
        .unwrap();
        assert_eq!(s.name.as_deref(), Some("S-2024-0001"));
        assert_eq!(s.academic_email, None);
        assert_eq!(s.email, None);
        assert_eq!(s.birth_date, None);
        assert_eq!(s.first_name, None);
        assert_eq!(s.program.unwrap().id.as_str(), "5398830000100000201", "lookup id");
        assert_eq!(s.modified_time.unwrap().unix_seconds(), 1_771_839_296);
    }

    #[test]
    fn wrong_types_are_typed_errors_naming_the_field_not_the_value() {
        let err = decode::<Student>(json!({
            "id": "1",
            "Birth_Date": "secret-birthday-text"
        }))
        .unwrap_err();
        assert!(!err.is_retryable());
        let text = err.to_string();
        assert!(text.contains("Birth_Date"), "{text}");
        assert!(!text.contains("secret-birthday-text"), "{text}");

        let err = decode::<Class>(json!({"id": "1", "Teacher": ["x"]})).unwrap_err();
        assert!(err.to_string().contains("Teacher"), "{err}");
        let err = decode::<Class>(json!({"id": "1", "Teacher": {"id": "abc", "name": "x"}})).unwrap_err();
        assert!(err.to_string().contains("Teacher"), "{err}");
        let err = decode::<Class>(json!("just a string")).unwrap_err();
        assert!(matches!(err, ZohoError::Decode { .. }));
        let err = decode::<Class>(json!({"Class_Name": "no id"})).unwrap_err();
        assert!(err.to_string().contains("id"), "{err}");
        let err = decode::<Registration>(json!({
            "id": "1",
            "Payment_Schedule": [{"Installment_No": 1}, {"Due_Date": "tomorrow-ish"}]
        }))
        .unwrap_err();
        let text = err.to_string();
        assert!(text.contains("Payment_Schedule") && text.contains("row 1"), "{text}");
        assert!(text.contains("row 1: Due_Date"), "the failing row's field is still named: {text}");
        assert!(!text.contains("tomorrow-ish"), "{text}");
    }

    #[test]
    fn odd_but_valid_shapes_are_accepted() {
        let r: Registration = decode(json!({
            "id": "1",
            "Student_ID": "5398830000100000001",
            "Program": {"id": null, "name": null},
            "Payment_Schedule": [
                {"Installment_No": "2", "Installment_Amount": "1250.50", "Due_Date": "2026-03-01"},
                {"Installment_No": 3.0, "Installment_Amount": 900}
            ]
        }))
        .unwrap();
        assert_eq!(r.student_id.unwrap().id.as_str(), "5398830000100000001");
        assert_eq!(r.program, None);
        assert_eq!(r.payment_schedule[0].installment_no, Some(2));
        assert_eq!(r.payment_schedule[0].installment_amount, Some(1250.5));
        assert_eq!(r.payment_schedule[1].installment_no, Some(3));
        let e: Enrollment = decode(json!({"id": "7", "Synced_to_Moodle": "true", "Moodle_Course_ID": 12})).unwrap();
        assert_eq!(e.synced_to_moodle, Some(true));
        assert_eq!(e.moodle_course_id.as_deref(), Some("12"));
        let g: Grade = decode(json!({
            "id": "8",
            "BTEC_Unit": {"name": "Unit 1", "id": "9"},
            "Learning_Outcomes_Assessm": [{"LO_Code": "LO1"}]
        }))
        .unwrap();
        assert_eq!(g.btec_unit.as_deref(), Some("Unit 1"));
        assert_eq!(g.learning_outcomes_assessm.len(), 1);
    }

    #[test]
    fn unit_criteria_in_order_with_subform_passes() {
        let u: Unit = decode(json!({
            "id": "301",
            "Name": "Programming",
            "P1_description": "Define an algorithm",
            "P2_description": "",
            "P3_description": " Explain paradigms ",
            "BTEC_Grading_Template_P1": [
                {"P11_description": null, "P12_description": "Debug"},
                {"P11_description": "Test"}
            ],
            "M1_description": "Analyse",
            "D1_description": "Evaluate"
        }))
        .unwrap();
        let codes: Vec<_> = u.criteria().into_iter().map(|(code, _)| code).collect();
        assert_eq!(codes, ["P1", "P3", "P11", "P12", "M1", "D1"]);
        assert_eq!(u.criteria()[1].1, "Explain paradigms");
    }
}
