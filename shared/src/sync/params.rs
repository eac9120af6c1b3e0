//! The org's Zoho fields (exact API names, `docs/data-contract.md` §2.3) mapped to the plugin's
//! typed parameters (`docs/plugin-api.md` §3).
//!
//! Only known values are sent. A field that is empty in Zoho (null, missing, blank) is left out,
//! so the plugin keeps what it has instead of overwriting it with a blank (an empty string would
//! overwrite a text column, and fails for numbers). The one explicit "no value" Zoho has, the
//! picklist entry `-None-`, is sent as `""`: Zoho says the field was cleared, so Moodle clears it.
//! Fields the org does not have (B10: `Paid_Amount`, `Payment_Status`, `Expected_Graduation`,
//! `Program_Level`, `Assignment_Name`, …) are never mapped, and nothing is derived from guesses.

use serde_json::{Map, Value};

use crate::error::SyncError;
use crate::zoho::{self, Lookup, ZohoDateTime};

/// Zoho's picklist entry for "nothing selected".
pub(crate) const PICKLIST_NONE: &str = "-None-";

/// A parameter object under construction.
#[derive(Default)]
pub struct Params(Map<String, Value>);

/// Room for the largest record's parameters (a student's 26), so the map is allocated once
/// instead of growing (and rehashing) five times on the way.
const TYPICAL_FIELDS: usize = 32;

impl Params {
    pub fn new() -> Self {
        Self::with_capacity(TYPICAL_FIELDS)
    }

    /// For a small object of a known size (an installment's five fields).
    pub fn with_capacity(fields: usize) -> Self {
        Self(Map::with_capacity(fields))
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

    /// Sets `key` to the trimmed text when there is some; `-None-` clears the stored value.
    pub fn text(&mut self, key: &str, value: &Option<String>) -> &mut Self {
        let text = value.as_deref().map(str::trim).filter(|v| !v.is_empty());
        self.opt(key, text.map(|v| if v == PICKLIST_NONE { String::new() } else { v.to_owned() }))
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

/// A call's parameters `{key: record}`, the record moved in. (`json!({key: record})` would copy
/// the record: the macro serialises every value it is given into a new one.)
pub fn call(key: &str, record: Value) -> Value {
    let mut call = Map::with_capacity(2);
    call.insert(key.to_owned(), record);
    Value::Object(call)
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

/// Amounts some org fields keep as text (`Program_Price`, `Remaining_Amount`): `4500`,
/// `4,500.00`, `$ 4,500.00`, `4500.5 USD`. Currency signs, codes and spaces are dropped; `,` is
/// accepted only as a thousands separator. Anything ambiguous (`4.500,00`, `1,5`, two numbers)
/// is `None`: the amount is left out rather than sent wrong.
pub fn money(text: &Option<String>) -> Option<f64> {
    let text = text.as_deref()?;
    // Most amounts are plain (`4500`, `4500.50`): those are read as they are, which is what the
    // general reading below gives them (a property test compares the two), without its copies.
    if plain_number(text) {
        return text.parse::<f64>().ok().filter(|v| v.is_finite());
    }
    general_money(text)
}

/// `-?[0-9]+(\.[0-9]+)?`
fn plain_number(text: &str) -> bool {
    let digits = text.strip_prefix('-').unwrap_or(text);
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, "0"));
    !whole.is_empty()
        && !fraction.is_empty()
        && whole.bytes().all(|b| b.is_ascii_digit())
        && fraction.bytes().all(|b| b.is_ascii_digit())
}

fn general_money(text: &str) -> Option<f64> {
    let kept: String =
        text.chars().filter(|c| !c.is_alphabetic() && !c.is_whitespace() && !"$€£₺".contains(*c)).collect();
    let (negative, digits) = match kept.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, kept.as_str()),
    };
    let (whole, fraction) = match digits.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (digits, None),
    };
    let fraction_ok = fraction.is_none_or(|f| !f.is_empty() && f.chars().all(|c| c.is_ascii_digit()));
    let groups: Vec<&str> = whole.split(',').collect();
    let grouping_ok = match groups.as_slice() {
        [single] => !single.is_empty() && single.chars().all(|c| c.is_ascii_digit()),
        [first, rest @ ..] => {
            (1..=3).contains(&first.len())
                && first.chars().all(|c| c.is_ascii_digit())
                && rest.iter().all(|g| g.len() == 3 && g.chars().all(|c| c.is_ascii_digit()))
        }
        [] => false,
    };
    if !fraction_ok || !grouping_ok {
        return None;
    }
    let number = format!(
        "{}{}{}",
        if negative { "-" } else { "" },
        groups.concat(),
        fraction.map(|f| format!(".{f}")).unwrap_or_default()
    );
    number.parse::<f64>().ok().filter(|v| v.is_finite())
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
        .opt(
            "moodle_user_id",
            r.student_moodle_id.as_deref().and_then(|v| v.trim().parse::<i64>().ok()).filter(|v| *v > 0),
        );
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
    // `paid_amount` is not derived from price minus remaining: discounts (`Discount`,
    // `Discount_Percentage`) make that wrong, and the org has no paid-amount field (B10).
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
        let mut p = Params::with_capacity(5);
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
    p.set("zoho_grade_id", r.id.to_string())
        .set("zoho_modified_time", modified_time("BTEC_Grades", &r.modified_time)?)
        .set("zoho_student_id", required_lookup("BTEC_Grades", "Student", &r.student)?)
        .datetime("zoho_created_time", &r.created_time)
        .lookup_id("zoho_class_id", &r.class)
        // The BTEC letter, as text (B14); the plugin validates it and reads `""` as no grade.
        .text("grade", &r.grade)
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

    fn seed<T: zoho::Module>(id: &str) -> T {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/zoho/");
        let text = std::fs::read_to_string(format!("{path}{}.json", T::API_NAME)).unwrap();
        let rows: Vec<Value> = serde_json::from_str(&text).unwrap();
        let row = rows.into_iter().find(|r| r["id"] == id).unwrap();
        zoho::records::decode(row).unwrap()
    }

    #[test]
    fn money_reads_text_amounts() {
        assert_eq!(money(&Some("1,500.50 USD".into())), Some(1500.5));
        assert_eq!(money(&Some("4,500.00".into())), Some(4500.0));
        assert_eq!(money(&Some("$ 0".into())), Some(0.0));
        assert_eq!(money(&Some("1,234,567.8".into())), Some(1_234_567.8));
        assert_eq!(money(&Some("-250".into())), Some(-250.0));
        assert_eq!(money(&Some("₺ 12000".into())), Some(12000.0));
    }

    proptest::proptest! {
        /// The plain-number shortcut reads every text exactly as the general reading does.
        #[test]
        fn the_plain_shortcut_agrees_with_the_general_reading(
            text in proptest::prop_oneof![r"-?[0-9]{0,20}(\.[0-9]{0,8})?", r"[-0-9., $a-zA-Z€]{0,14}", proptest::prelude::any::<String>()]
        ) {
            let general = general_money(&text);
            proptest::prop_assert_eq!(money(&Some(text.clone())).map(f64::to_bits), general.map(f64::to_bits), "{:?}", text);
        }
    }

    #[test]
    fn money_refuses_what_it_cannot_read_for_sure() {
        for text in ["n/a", "4.500,00", "1,5", "12,34,567", "1.2.3", ".", "-", "1500.", "10 - 20", ""] {
            assert_eq!(money(&Some(text.into())), None, "{text:?}");
        }
        assert_eq!(money(&None), None);
    }

    #[test]
    fn student_maps_every_org_field_to_its_own_column() {
        let v = student(&seed::<zoho::Student>("5398830000100000001")).unwrap();
        assert_eq!(
            v,
            json!({
                "zoho_student_id": "5398830000100000001",
                "zoho_modified_time": "2026-02-20T10:30:00+03:00",
                "zoho_created_time": "2024-09-01T09:15:00+03:00",
                "student_id": "S-2024-0001",
                "first_name": "Omar",
                "last_name": "Haddad",
                "academic_email": "omar.haddad@students.college.example",
                "email": "omar.h@mail.example",
                "phone_number": "+90 555 010 0001",
                "address": "12 Example Street",
                "city": "Istanbul",
                "nationality": "Jordan",
                "national_id": "JO-0000001",
                "gender": "Male",
                "emergency_contact_name": "Lina Haddad",
                "emergency_contact_phone": "+90 555 010 0099",
                "status": "Active",
                "major": "Computing",
                "sub_major": "Software Engineering",
                "registration_number": "BTEC-24-0001",
                "academic_program": "HND Computing",
                "registration_date": "2024-09-01",
                "study_language": "English",
                "date_of_birth": "2004-03-14",
                "moodle_user_id": 27
            })
        );
    }

    #[test]
    fn student_sends_only_known_fields() {
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
        assert!(v.get("phone_number").is_none(), "an empty Zoho field is not sent");
        assert!(v.get("moodle_user_id").is_none(), "a non-numeric Student_Moodle_ID is not sent");
        let second = student(&seed::<zoho::Student>("5398830000100000002")).unwrap();
        for absent in ["address", "national_id", "sub_major", "emergency_contact_name", "moodle_user_id"] {
            assert!(second.get(absent).is_none(), "{absent}: null or empty in Zoho");
        }
        assert_eq!(second["first_name"], "سارة");
    }

    #[test]
    fn picklist_none_clears_instead_of_storing_the_word() {
        let r: zoho::Student = zoho::records::decode(json!({
            "id": "1", "Gender": "-None-", "Status": " Active ", "Modified_Time": "2026-02-23T12:34:56+03:00"
        }))
        .unwrap();
        let v = student(&r).unwrap();
        assert_eq!(v["gender"], "");
        assert_eq!(v["status"], "Active");
    }

    #[test]
    fn records_without_modified_time_or_parent_are_refused() {
        let r: zoho::Student = zoho::records::decode(json!({"id": "1"})).unwrap();
        assert_eq!(student(&r).unwrap_err().code(), "missing_modified_time");
        let p: zoho::Payment =
            zoho::records::decode(json!({"id": "1", "Modified_Time": "2026-02-23T12:34:56+03:00"})).unwrap();
        assert_eq!(payment(&p).unwrap_err().code(), "missing_link");
        let g: zoho::Grade =
            zoho::records::decode(json!({"id": "1", "Modified_Time": "2026-02-23T12:34:56+03:00"})).unwrap();
        assert_eq!(grade(&g).unwrap_err().code(), "missing_link");
        let q: zoho::StudentRequest =
            zoho::records::decode(json!({"id": "1", "Modified_Time": "2026-02-23T12:34:56+03:00"})).unwrap();
        assert_eq!(request(&q).unwrap_err().code(), "missing_link");
        let r: zoho::Registration =
            zoho::records::decode(json!({"id": "1", "Modified_Time": "2026-02-23T12:34:56+03:00"})).unwrap();
        assert_eq!(registration(&r).unwrap_err().code(), "missing_link");
    }

    #[test]
    fn registration_maps_the_org_fields_and_parses_text_amounts() {
        let r = seed::<zoho::Registration>("5398830000100000501");
        assert_eq!(
            registration(&r).unwrap(),
            json!({
                "zoho_registration_id": "5398830000100000501",
                "zoho_modified_time": "2026-02-18T13:10:00+03:00",
                "zoho_student_id": "5398830000100000001",
                "zoho_created_time": "2024-09-01T09:30:00+03:00",
                "registration_number": "BTEC-24-0001",
                "program_name": "BTEC Level 5 HND in Computing",
                "registration_date": "2024-09-01",
                "registration_status": "Active",
                "currency": "USD",
                "study_mode": "Onsite",
                "total_fees": 4500.0,
                "remaining_amount": 1500.0,
                "number_of_installments": 3
            })
        );
        assert_eq!(
            installments(&r).unwrap(),
            vec![
                json!({"installment_number": 1, "due_date": "2024-09-15", "amount": 1500.0, "status": "Paid", "paid_date": "2024-09-12"}),
                json!({"installment_number": 2, "due_date": "2025-02-15", "amount": 1500.0, "status": "Paid", "paid_date": "2025-02-20"}),
                json!({"installment_number": 3, "due_date": "2026-03-15", "amount": 1500.0, "status": "Pending"}),
            ]
        );
    }

    #[test]
    fn installments_number_rows_and_refuse_duplicates() {
        let r: zoho::Registration = zoho::records::decode(json!({
            "id": "5", "Student_ID": {"id": "1", "name": "x"}, "Modified_Time": "2026-02-23T12:34:56+03:00",
            "Payment_Schedule": [{"Installment_Amount": 100}, {"Installment_No": 2, "Due_Date": "2026-03-01"}]
        }))
        .unwrap();
        let rows = installments(&r).unwrap();
        assert_eq!(rows[0], json!({"installment_number": 1, "amount": 100.0}));
        assert_eq!(rows[1], json!({"installment_number": 2, "due_date": "2026-03-01"}));
        let dup: zoho::Registration = zoho::records::decode(json!({
            "id": "5", "Student_ID": {"id": "1", "name": "x"}, "Modified_Time": "2026-02-23T12:34:56+03:00",
            "Payment_Schedule": [{"Installment_No": 1}, {"Installment_No": 1}]
        }))
        .unwrap();
        assert_eq!(installments(&dup).unwrap_err().code(), "duplicate_installment");
    }

    #[test]
    fn payment_maps_the_org_fields_only() {
        assert_eq!(
            payment(&seed::<zoho::Payment>("5398830000100000601")).unwrap(),
            json!({
                "zoho_payment_id": "5398830000100000601",
                "zoho_modified_time": "2025-02-20T11:05:00+03:00",
                "zoho_registration_id": "5398830000100000501",
                "zoho_created_time": "2025-02-20T11:00:00+03:00",
                "payment_number": "PAY-0601",
                "payment_amount": 1500.0,
                "payment_date": "2025-02-20",
                "payment_method": "Bank Transfer",
                "payment_notes": "Second installment"
            })
        );
    }

    #[test]
    fn grade_keeps_the_letter_and_the_outcomes_as_text() {
        let v = grade(&seed::<zoho::Grade>("5398830000100000801")).unwrap();
        let outcomes = v["learning_outcomes"].as_str().unwrap().to_owned();
        let mut without = v.clone();
        without.as_object_mut().unwrap().remove("learning_outcomes");
        assert_eq!(
            without,
            json!({
                "zoho_grade_id": "5398830000100000801",
                "zoho_modified_time": "2026-02-21T17:30:00+03:00",
                "zoho_student_id": "5398830000100000001",
                "zoho_created_time": "2026-02-10T15:00:00+03:00",
                "zoho_class_id": "5398830000100000401",
                "grade": "M",
                "grade_status": "Released",
                "unit_name": "Unit 1: Programming",
                "btec_grade_name": "Assignment 1",
                "grade_number": "GR-0801",
                "grade_date": "2026-02-09",
                "feedback": "Good analysis of IDE features; evaluation needs more depth.",
                "attempt_number": 1
            })
        );
        let rows: Vec<Value> = serde_json::from_str(&outcomes).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[1]["LO_Score"], "M");
    }

    #[test]
    fn grade_letters_stay_text() {
        for (zoho, sent) in [("RR", json!("RR")), ("Mapped", json!("Mapped")), ("-None-", json!(""))] {
            let g: zoho::Grade = zoho::records::decode(json!({
                "id": "8", "Student": {"id": "1", "name": "x"}, "Grade": zoho,
                "Modified_Time": "2026-02-23T12:34:56+03:00"
            }))
            .unwrap();
            assert_eq!(grade(&g).unwrap()["grade"], sent, "{zoho}");
        }
        let none: zoho::Grade = zoho::records::decode(json!({
            "id": "8", "Student": {"id": "1", "name": "x"}, "Grade": null, "Modified_Time": "2026-02-23T12:34:56+03:00"
        }))
        .unwrap();
        assert!(grade(&none).unwrap().get("grade").is_none());
    }

    #[test]
    fn request_maps_reason_to_description_and_the_date_only() {
        assert_eq!(
            request(&seed::<zoho::StudentRequest>("5398830000100000901")).unwrap(),
            json!({
                "zoho_request_id": "5398830000100000901",
                "zoho_modified_time": "2026-02-20T09:15:00+03:00",
                "zoho_student_id": "5398830000100000001",
                "zoho_created_time": "2026-02-19T12:00:00+03:00",
                "request_number": "REQ-0901",
                "request_type": "Late Submission",
                "request_status": "Pending",
                "request_date": "2026-02-19",
                "description": "Medical leave during the submission week."
            })
        );
    }
}
