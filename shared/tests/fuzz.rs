//! Property tests ("fuzzing") of the two parsers that read outside input: the webhook body parser
//! (`webhook::body::parse`, fed by anyone on the internet) and the Zoho record decoder
//! (`zoho::records::decode`, fed by Zoho's answers).
//!
//! CI runs 2000 cases per property. Longer, by hand:
//! `PROPTEST_CASES=1000000 cargo test -p shared --test fuzz --release`
//! (docs/RELIABILITY.md has the longest run so far).

use proptest::prelude::*;
use proptest::test_runner::Config;
use serde_json::{Map, Value};
use shared::ids::{MAX_ZOHO_ID_LEN, ZohoId};
use shared::zoho::{self, Module, ZohoError};

/// Every text the generators make that could be personal data starts with this mark, so an error
/// message that echoes a value is caught by looking for it.
const MARK: char = '§';

fn config() -> Config {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(2000);
    Config { cases, failure_persistence: None, ..Config::default() }
}

// ---------------------------------------------------------------- webhook body parser

fn content_type() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        Just(None),
        prop::sample::select(vec![
            "application/json",
            "application/json; charset=utf-8",
            "APPLICATION/JSON",
            "application/x-www-form-urlencoded",
            "application/x-www-form-urlencoded; charset=UTF-8",
            "text/plain",
            "application/vnd.api+json",
            "multipart/form-data; boundary=x",
            "application/xml",
            "",
            ";",
        ])
        .prop_map(|s| Some(s.to_owned())),
        any::<String>().prop_map(Some),
    ]
}

fn id_text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[0-9]{1,25}",
        "[1-9][0-9]{0,19}",
        "0[0-9]{0,19}",
        "[0-9]{26,40}",
        " {0,2}[0-9]{19} {0,2}",
        "-[0-9]{1,19}",
        "[0-9]{1,10}\\.[0-9]{1,5}",
        "\\$\\{!?[A-Za-z_.]{1,30}\\}",
        "[0-9a-fA-F]{1,25}",
        any::<String>().prop_map(|s| format!("{MARK}{s}")),
        Just(String::new()),
    ]
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(vec!["zoho_id", "id", "module", "ZOHO_ID", "zoho_id ", "data"]).prop_map(str::to_owned),
        1 => any::<String>().prop_map(|s| format!("{MARK}{s}")),
    ]
}

fn json_scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<u64>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(Value::from),
        id_text().prop_map(Value::String),
        prop::sample::select(zoho_modules()).prop_map(|m| Value::String(m.to_owned())),
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    json_scalar().prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((key(), inner), 0..6).prop_map(|pairs| Value::Object(pairs.into_iter().collect())),
        ]
    })
}

/// A JSON object written by hand, so repeated keys survive into the text.
fn json_object_text() -> impl Strategy<Value = String> {
    prop::collection::vec((key(), json_value()), 0..5).prop_map(|pairs| {
        let body: Vec<String> = pairs.iter().map(|(k, v)| format!("{}:{}", Value::String(k.clone()), v)).collect();
        format!("{{{}}}", body.join(","))
    })
}

fn form_text() -> impl Strategy<Value = String> {
    prop::collection::vec((key(), id_text()), 0..5).prop_map(|pairs| {
        form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs.iter().map(|(k, v)| (k, v))).finish()
    })
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..256),
        json_object_text().prop_map(String::into_bytes),
        json_value().prop_map(|v| v.to_string().into_bytes()),
        form_text().prop_map(String::into_bytes),
        // Cut somewhere: truncated JSON and forms.
        (json_object_text(), any::<prop::sample::Index>()).prop_map(|(t, i)| {
            let bytes = t.into_bytes();
            let cut = i.index(bytes.len() + 1);
            bytes[..cut].to_vec()
        }),
    ]
}

fn query() -> impl Strategy<Value = Vec<(String, String)>> {
    prop::collection::vec((key(), id_text()), 0..3)
}

/// The contract's id rule, written independently of `ZohoId::parse`: 1 to 20 ASCII digits, the
/// first not 0.
fn is_valid_id(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= MAX_ZOHO_ID_LEN
        && text.bytes().all(|b| b.is_ascii_digit())
        && !text.starts_with('0')
}

proptest! {
    #![proptest_config(config())]

    /// Never panics; answers Ok only with a valid Zoho id that the request really carried, and
    /// refuses everything else with a 400/415 whose message does not echo the input.
    #[test]
    fn body_parser_accepts_only_valid_ids(ct in content_type(), body in body(), query in query()) {
        match shared::webhook::body::parse(ct.as_deref(), &body, &query) {
            Ok(payload) => {
                let id = payload.zoho_id.as_str();
                prop_assert!(is_valid_id(id), "accepted {id:?}");
                let text = String::from_utf8_lossy(&body);
                prop_assert!(text.contains(id), "id {id:?} is not in the body");
                prop_assert!(query.is_empty(), "a request with a query string was accepted");
            }
            Err(err) => {
                prop_assert!(err.status == 400 || err.status == 415, "{err:?}");
                prop_assert!(!err.code.is_empty() && !err.message.is_empty());
                prop_assert!(!err.message.contains(MARK), "the message echoes input: {}", err.message);
            }
        }
    }

    /// Every way Zoho's rules send a valid id is accepted, with that id and module.
    #[test]
    fn body_parser_accepts_every_valid_shape(id in "[1-9][0-9]{0,19}", module in prop::sample::select(zoho_modules()), shape in 0u8..6) {
        let json_ct = Some("application/json");
        let form_ct = Some("application/x-www-form-urlencoded");
        let (ct, body): (Option<&str>, String) = match shape {
            0 => (json_ct, format!(r#"{{"zoho_id":"{id}","module":"{module}"}}"#)),
            1 => (None, format!(r#" {{"zoho_id": "{id}", "module": "{module}"}} "#)),
            2 => (form_ct, format!("zoho_id={id}&module={module}")),
            3 => (None, format!("module={module}&zoho_id={id}")),
            4 => (Some("application/json; charset=utf-8"), format!(r#"{{"module":"{module}","zoho_id":"{id}"}}"#)),
            _ => (Some("text/plain"), format!("zoho_id={id}&module={module}")),
        };
        let payload = shared::webhook::body::parse(ct, body.as_bytes(), &[]).map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
        prop_assert_eq!(payload.zoho_id.as_str(), id.as_str());
        prop_assert_eq!(payload.module.as_str(), module);
    }
}

// ---------------------------------------------------------------- Zoho record decoder

fn zoho_modules() -> Vec<&'static str> {
    vec![
        zoho::Student::API_NAME,
        zoho::Teacher::API_NAME,
        zoho::Program::API_NAME,
        zoho::Class::API_NAME,
        zoho::Enrollment::API_NAME,
        zoho::Registration::API_NAME,
        zoho::Payment::API_NAME,
        zoho::Grade::API_NAME,
        zoho::StudentRequest::API_NAME,
        zoho::Unit::API_NAME,
    ]
}

/// Every field name any record type reads, subforms and their rows included.
fn field_names() -> Vec<String> {
    let mut names: Vec<String> = [
        zoho::Student::COQL_FIELDS,
        zoho::Teacher::COQL_FIELDS,
        zoho::Program::COQL_FIELDS,
        zoho::Class::COQL_FIELDS,
        zoho::Enrollment::COQL_FIELDS,
        zoho::Registration::COQL_FIELDS,
        zoho::Payment::COQL_FIELDS,
        zoho::Grade::COQL_FIELDS,
        zoho::StudentRequest::COQL_FIELDS,
        zoho::Unit::COQL_FIELDS,
    ]
    .iter()
    .flat_map(|fields| fields.split(", "))
    .map(str::to_owned)
    .collect();
    names.extend(
        [
            "Payment_Schedule",
            "Installment_No",
            "Due_Date",
            "Installment_Amount",
            "Installment_Status",
            "Paid_Date",
            "BTEC_Grading_Template_P1",
            "Learning_Outcomes_Assessm",
            "Requested_Classes",
            "Change_Information",
            "Last_Sync_Date",
            "Synced_to_Moodle",
            "name",
        ]
        .map(str::to_owned),
    );
    names.extend((11..=20).map(|n| format!("P{n}_description")));
    names.sort();
    names.dedup();
    names
}

/// Values shaped like Zoho's, valid and broken: dates, datetimes (and one-character mutations
/// of them, multi-byte characters included), lookups, numbers as text, marked free text.
const DATETIME: &str = "20[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\\.[0-9]{1,3})?(Z|[+-](0[0-9]|1[0-4]):[0-5][0-9])";

/// A valid datetime with one character replaced (multi-byte characters included).
fn mutated_datetime() -> impl Strategy<Value = String> {
    (DATETIME, any::<prop::sample::Index>(), prop_oneof![any::<char>(), prop::char::range('\u{80}', '\u{10FFFF}')])
        .prop_map(|(text, at, c)| {
            let mut chars: Vec<char> = text.chars().collect();
            let i = at.index(chars.len());
            chars[i] = c;
            chars.into_iter().collect()
        })
}

fn zoho_scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        json_scalar(),
        "20[0-9]{2}-[0-9]{2}-[0-9]{2}".prop_map(Value::String),
        DATETIME.prop_map(Value::String),
        mutated_datetime().prop_map(Value::String),
        "[0-9]{1,25}".prop_map(|id| serde_json::json!({"id": id, "name": format!("{MARK}name")})),
        (id_text(), json_scalar()).prop_map(|(id, name)| serde_json::json!({"id": id, "name": name})),
        "-?[0-9]{1,6}(\\.[0-9]{1,3})?".prop_map(Value::String),
        prop::sample::select(vec!["true", "false", "TRUE", "yes", ""]).prop_map(|s| Value::String(s.to_owned())),
    ]
}

fn zoho_value() -> impl Strategy<Value = Value> {
    let names = field_names();
    zoho_scalar().prop_recursive(3, 24, 5, move |inner| {
        let names = names.clone();
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((prop::sample::select(names), inner), 0..5)
                .prop_map(|pairs| Value::Object(pairs.into_iter().collect())),
        ]
    })
}

fn zoho_record() -> impl Strategy<Value = Value> {
    let names = field_names();
    prop_oneof![
        9 => (
            prop_oneof!["[0-9]{1,25}".prop_map(Value::String), json_scalar()],
            prop::collection::vec((prop::sample::select(names), zoho_value()), 0..12),
        )
            .prop_map(|(id, fields)| {
                let mut record: Map<String, Value> = fields.into_iter().collect();
                record.insert("id".into(), id);
                Value::Object(record)
            }),
        1 => zoho_value(),
        // One datetime field alone, so a broken datetime is the first thing the decoder meets.
        2 => ("[0-9]{1,25}", prop::sample::select(vec!["Modified_Time", "Created_Time", "Last_Sync_Date", "Request_Date"]), mutated_datetime())
            .prop_map(|(id, field, text)| serde_json::json!({"id": id, field: text})),
    ]
}

fn check_decode<T: Module + serde::Serialize>(value: &Value) -> Result<(), TestCaseError> {
    match zoho::decode::<T>(value.clone()) {
        Ok(record) => {
            // A decoded record serialises again (it is logged nowhere, but sent to Moodle).
            serde_json::to_value(&record).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let id = value.get("id").and_then(Value::as_str).unwrap_or_default();
            prop_assert!(ZohoId::parse(id).is_ok(), "decoded a record whose id is {id:?}");
        }
        Err(ZohoError::Decode { context, reason }) => {
            prop_assert!(context.starts_with(T::API_NAME), "{context}");
            prop_assert!(!reason.contains(MARK), "the error echoes a value: {reason}");
            let error = ZohoError::Decode { context, reason };
            prop_assert!(!error.is_retryable(), "a decode error must not be retried");
        }
        Err(other) => return Err(TestCaseError::fail(format!("not a decode error: {other:?}"))),
    }
    Ok(())
}

proptest! {
    #![proptest_config(config())]

    /// Any JSON, as any record type: a record or a typed, non-retryable `Decode` error that names
    /// the field and never the value; no panic.
    #[test]
    fn record_decoder_never_panics_and_errors_are_typed(value in zoho_record()) {
        check_decode::<zoho::Student>(&value)?;
        check_decode::<zoho::Teacher>(&value)?;
        check_decode::<zoho::Program>(&value)?;
        check_decode::<zoho::Class>(&value)?;
        check_decode::<zoho::Enrollment>(&value)?;
        check_decode::<zoho::Registration>(&value)?;
        check_decode::<zoho::Payment>(&value)?;
        check_decode::<zoho::Grade>(&value)?;
        check_decode::<zoho::StudentRequest>(&value)?;
        check_decode::<zoho::Unit>(&value)?;
    }
}

/// Found by the decoder property: `ZohoDateTime::parse` sliced at fixed byte offsets and
/// panicked on a multi-byte character there. Fixed in `zoho/values.rs` (non-ASCII is refused).
#[test]
fn datetime_with_multibyte_character_is_a_decode_error_not_a_panic() {
    let record = serde_json::json!({"id": "5398830000100000001", "Modified_Time": "2026-02-23T12:34:5é"});
    let outcome = std::panic::catch_unwind(|| zoho::decode::<zoho::Student>(record));
    let decoded = outcome.expect("decode must not panic");
    assert!(matches!(decoded, Err(ZohoError::Decode { .. })), "{decoded:?}");
}
