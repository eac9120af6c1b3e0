//! The org's Zoho fields (exact API names, `docs/data-contract.md` §2.3) mapped to the plugin's
//! typed parameters (`docs/plugin-api.md` §3). Only known values are sent: a field that is empty in
//! Zoho is left out, so the plugin keeps what it has instead of overwriting it with a blank.

use serde_json::{Map, Value};

use crate::error::SyncError;
use crate::zoho::{self, Lookup, ZohoDateTime};

/// A parameter object under construction.
#[derive(Default)]
pub struct Params(Map<String, Value>);

impl Params {
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets `key` when the value is known.
    pub fn opt<V: Into<Value>>(&mut self, key: &str, value: Option<V>) -> &mut Self {
        if let Some(value) = value {
            self.0.insert(key.to_owned(), value.into());
        }
        self
    }

    pub fn set<V: Into<Value>>(&mut self, key: &str, value: V) -> &mut Self {
        self.0.insert(key.to_owned(), value.into());
        self
    }

    pub fn text(&mut self, key: &str, value: &Option<String>) -> &mut Self {
        self.opt(key, value.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned))
    }

    pub fn lookup_id(&mut self, key: &str, value: &Option<Lookup>) -> &mut Self {
        self.opt(key, value.as_ref().map(|l| l.id.to_string()))
    }

    pub fn lookup_name(&mut self, key: &str, value: &Option<Lookup>) -> &mut Self {
        self.text(key, &value.as_ref().and_then(|l| l.name.clone()))
    }

    pub fn date(&mut self, key: &str, value: &Option<zoho::ZohoDate>) -> &mut Self {
        self.opt(key, value.map(|d| d.to_string()))
    }

    pub fn datetime(&mut self, key: &str, value: &Option<ZohoDateTime>) -> &mut Self {
        self.opt(key, value.as_ref().map(|d| d.as_str().to_owned()))
    }

    pub fn into_value(self) -> Value {
        Value::Object(self.0)
    }
}

/// Every upsert needs the record's `Modified_Time` for the plugin's stale guard. Zoho always
/// sets it; a record without one is refused rather than written unguarded.
pub fn modified_time(module: &str, value: &Option<ZohoDateTime>) -> Result<String, SyncError> {
    value.as_ref().map(|t| t.as_str().to_owned()).ok_or_else(|| {
        SyncError::invalid_record("missing_modified_time", format!("the {module} record has no Modified_Time"))
    })
}

/// A required lookup (the record's parent): refused with the field's name when empty.
fn required_lookup(module: &str, field: &str, value: &Option<Lookup>) -> Result<String, SyncError> {
    value.as_ref().map(|l| l.id.to_string()).ok_or_else(|| {
        SyncError::invalid_record("missing_link", format!("the {module} record has no {field}; it cannot be linked"))
    })
}

/// Amounts some org fields keep as text (`"1,500.00 USD"`): digits, `.` and `-` only.
pub fn money(text: &Option<String>) -> Option<f64> {
    let cleaned: String = text.as_deref()?.chars().filter(|c| c.is_ascii_digit() || *c == '.' || *c == '-').collect();
    cleaned.parse::<f64>().ok().filter(|v| v.is_finite())
}

pub fn student(r: &zoho::Student) -> Result<Value, SyncError> {
    let mut p = Params::new();
    p.set("zoho_student_id", r.id.to_string())
        .set("zoho_modified_time", modified_time("BTEC_Students", &r.modified_time)?)
        .datetime("zoho_created_time", &r.created_time)
        .text("student_id", &r.name)
        .text("first_name", &r.first_name)
        .text("last_name", &r.last_name)
        .text("academic_email", &r.academic_email)
        .text("email", &r.email)
        .text("phone_number", &r.phone_number)
        .text("address", &r.address)
        .text("city", &r.city)
        .text("nationality", &r.nationality)
        .text("national_id", &r.national_number)
        .text("gender", &r.gender)
        .text("emergency_contact_name", &r.emergency_contact_name)
        .text("emergency_contact_phone", &r.emergency_phone_number)
        .text("status", &r.status)
        .text("major", &r.major)
        .text("sub_major", &r.sub_major)
        .text("registration_number", &r.btec_registration_number)
        .text("academic_program", &r.academic_program)
        .date("registration_date", &r.registration_date)
        .text("study_language", &r.study_language)
        .date("date_of_birth", &r.birth_date)
        .opt("moodle_user_id", r.student_moodle_id.as_deref().and_then(|v| v.trim().parse::<i64>().ok()).filter(|v| *v > 0));
    Ok(p.into_value())
}

pub fn teacher(r: &zoho::Teacher) -> Result<Value, SyncError> {
    let mut p = Params::new();
    p.set("zoho_teacher_id", r.id.to_string())
        .set("zoho_modified_time", modified_time("BTEC_Teachers", &r.modified_time)?)
        .datetime("zoho_created_time", &r.created_time)
        .text("teacher_name", &r.name)
        .text("email", &r.email)
        .text("academic_email", &r.academic_email)
        .text("phone_number", &r.phone_number);
    Ok(p.into_value())
}

pub fn registration(r: &zoho::Registration) -> Result<Value, SyncError> {
    let mut p = Params::new();
    p.set("zoho_registration_id", r.id.to_string())
        .set("zoho_modified_time", modified_time("BTEC_Registrations", &r.modified_time)?)
        .set("zoho_student_id", required_lookup("BTEC_Registrations", "Student_ID", &r.student_id)?)
        .datetime("zoho_created_time", &r.created_time)
        .text("registration_number", &r.btec_reg_no)
        .lookup_name("program_name", &r.program)
        .date("registration_date", &r.registration_date)
        .text("registration_status", &r.registration_status)
        .text("currency", &r.currency)
        .text("study_mode", &r.study_mode)
        .opt("total_fees", money(&r.program_price))
        .opt("remaining_amount", money(&r.remaining_amount));
    if let (Some(total), Some(remaining)) = (money(&r.program_price), money(&r.remaining_amount)) {
        p.set("paid_amount", ((total - remaining) * 100.0).round() / 100.0);
    }
    if !r.payment_schedule.is_empty() {
        p.set("number_of_installments", r.payment_schedule.len() as i64);
    }
    Ok(p.into_value())
}

/// The payment schedule subform as the plugin's installment list. Rows without a number take
/// their position (as the predecessor did); a schedule whose numbers repeat is refused.
pub fn installments(r: &zoho::Registration) -> Result<Vec<Value>, SyncError> {
    let mut seen = std::collections::HashSet::new();
    let mut rows = Vec::with_capacity(r.payment_schedule.len());
    for (index, row) in r.payment_schedule.iter().enumerate() {
        let number = row.installment_no.filter(|n| *n >= 1).unwrap_or(index as i64 + 1);
        if !seen.insert(number) {
            return Err(SyncError::invalid_record(
                "duplicate_installment",
                format!("Payment_Schedule has installment number {number} twice"),
            ));
        }
        let mut p = Params::new();
        p.set("installment_number", number)
            .date("due_date", &row.due_date)
            .opt("amount", row.installment_amount.filter(|a| a.is_finite()))
            .text("status", &row.installment_status)
            .date("paid_date", &row.paid_date);
        rows.push(p.into_value());
    }
    Ok(rows)
}

pub fn payment(r: &zoho::Payment) -> Result<Value, SyncError> {
    let mut p = Params::new();
    p.set("zoho_payment_id", r.id.to_string())
        .set("zoho_modified_time", modified_time("BTEC_Payments", &r.modified_time)?)
        .set("zoho_registration_id", required_lookup("BTEC_Payments", "Registration_ID", &r.registration_id)?)
        .datetime("zoho_created_time", &r.created_time)
        .text("payment_number", &r.name)
        .opt("payment_amount", r.payment_amount.filter(|a| a.is_finite()))
        .date("payment_date", &r.payment_date)
        .text("payment_method", &r.payment_method)
        .text("payment_notes", &r.note);
    Ok(p.into_value())
}

pub fn grade(r: &zoho::Grade) -> Result<Value, SyncError> {
    let mut p = Params::new();
    let letter = r.grade.as_deref().map(str::trim).filter(|g| !g.is_empty() && *g != "-None-").map(str::to_owned);
    p.set("zoho_grade_id", r.id.to_string())
        .set("zoho_modified_time", modified_time("BTEC_Grades", &r.modified_time)?)
        .set("zoho_student_id", required_lookup("BTEC_Grades", "Student", &r.student)?)
        .datetime("zoho_created_time", &r.created_time)
        .lookup_id("zoho_class_id", &r.class)
        .opt("grade", letter)
        .text("grade_status", &r.grade_status)
        .text("unit_name", &r.btec_unit)
        .text("btec_grade_name", &r.btec_grade_name)
        .text("grade_number", &r.name)
        .date("grade_date", &r.attempt_date)
        .text("feedback", &r.feedback)
        .opt("attempt_number", r.attempt_number);
    if !r.learning_outcomes_assessm.is_empty() {
        p.set("learning_outcomes", Value::Array(r.learning_outcomes_assessm.clone()).to_string());
    }
    Ok(p.into_value())
}

pub fn request(r: &zoho::StudentRequest) -> Result<Value, SyncError> {
    let mut p = Params::new();
    p.set("zoho_request_id", r.id.to_string())
        .set("zoho_modified_time", modified_time("BTEC_Student_Requests", &r.modified_time)?)
        .set("zoho_student_id", required_lookup("BTEC_Student_Requests", "Student", &r.student)?)
        .datetime("zoho_created_time", &r.created_time)
        .text("request_number", &r.name)
        .text("request_type", &r.request_type)
        .text("request_status", &r.status)
        .opt("request_date", r.request_date.as_ref().map(|d| d.date().to_string()))
        .text("description", &r.reason);
    Ok(p.into_value())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn money_reads_text_amounts() {
        assert_eq!(money(&Some("1,500.50 USD".into())), Some(1500.5));
        assert_eq!(money(&Some("$ 0".into())), Some(0.0));
        assert_eq!(money(&Some("n/a".into())), None);
        assert_eq!(money(&None), None);
    }

    #[test]
    fn student_sends_only_known_fields_in_the_right_columns() {
        let r: zoho::Student = zoho::records::decode(json!({
            "id": "5398830000100000001",
            "Name": "S-2024-0001",
            "First_Name": "Sara",
            "Academic_Email": "sara@college.example",
            "Email": "sara.personal@example.com",
            "Phone_Number": "",
            "Student_Moodle_ID": "abc",
            "Modified_Time": "2026-02-23T12:34:56+03:00"
        }))
        .unwrap();
        let v = student(&r).unwrap();
        assert_eq!(v["academic_email"], "sara@college.example");
        assert_eq!(v["email"], "sara.personal@example.com");
        assert_eq!(v["student_id"], "S-2024-0001");
        assert!(v.get("phone_number").is_none(), "an empty Zoho field is not sent");
        assert!(v.get("moodle_user_id").is_none(), "a non-numeric Student_Moodle_ID is not sent");
        assert_eq!(v["zoho_modified_time"], "2026-02-23T12:34:56+03:00");
    }

    #[test]
    fn records_without_modified_time_or_parent_are_refused() {
        let r: zoho::Student = zoho::records::decode(json!({"id": "1"})).unwrap();
        assert_eq!(student(&r).unwrap_err().code(), "missing_modified_time");
        let p: zoho::Payment = zoho::records::decode(json!({"id": "1", "Modified_Time": "2026-02-23T12:34:56+03:00"})).unwrap();
        assert_eq!(payment(&p).unwrap_err().code(), "missing_link");
    }

    #[test]
    fn grade_letters_stay_text() {
        let g: zoho::Grade = zoho::records::decode(json!({
            "id": "8", "Student": {"id": "1", "name": "x"}, "Grade": "RR",
            "Modified_Time": "2026-02-23T12:34:56+03:00"
        }))
        .unwrap();
        assert_eq!(grade(&g).unwrap()["grade"], "RR");
        let none: zoho::Grade = zoho::records::decode(json!({
            "id": "8", "Student": {"id": "1", "name": "x"}, "Grade": "-None-",
            "Modified_Time": "2026-02-23T12:34:56+03:00"
        }))
        .unwrap();
        assert!(grade(&none).unwrap().get("grade").is_none());
    }

    #[test]
    fn installments_number_rows_and_refuse_duplicates() {
        let r: zoho::Registration = zoho::records::decode(json!({
            "id": "5", "Student_ID": {"id": "1", "name": "x"}, "Modified_Time": "2026-02-23T12:34:56+03:00",
            "Payment_Schedule": [{"Installment_Amount": 100}, {"Installment_No": 2, "Due_Date": "2026-03-01"}]
        }))
        .unwrap();
        let rows = installments(&r).unwrap();
        assert_eq!(rows[0]["installment_number"], 1);
        assert_eq!(rows[1]["due_date"], "2026-03-01");
        let dup: zoho::Registration = zoho::records::decode(json!({
            "id": "5", "Student_ID": {"id": "1", "name": "x"}, "Modified_Time": "2026-02-23T12:34:56+03:00",
            "Payment_Schedule": [{"Installment_No": 1}, {"Installment_No": 1}]
        }))
        .unwrap();
        assert_eq!(installments(&dup).unwrap_err().code(), "duplicate_installment");
    }
}
