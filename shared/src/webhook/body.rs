//! Reading the record id and module out of a webhook request: the strict contract.
//!
//! Zoho's workflow rules, as `mzi zoho setup-rules` configures them (docs/DEPLOY.md §5), send a
//! raw JSON body with exactly two keys, `{"zoho_id": "<id>", "module": "<Module>"}`; the same two
//! keys form-encoded are accepted too (`zoho_id=<id>&module=<Module>`), since Zoho's webhook
//! settings offer form data and an administrator may pick it. That is all: no other key, no
//! repeated key, no query string, `zoho_id` a string of digits (never a JSON number, never taken
//! from anywhere else), `module` a string. Anything else is a 400 that names the field, decided
//! here before any Zoho or Moodle request is made. API Gateway's base64 bodies arrive here
//! already decoded (`webhook::event`).

use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::Value;

use super::RequestError;
use crate::ids::{ZohoId, ZohoIdError};

/// What a webhook tells us: which record, and which module it says it is from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookPayload {
    pub zoho_id: ZohoId,
    pub module: String,
}

const ID_KEY: &str = "zoho_id";
const MODULE_KEY: &str = "module";

/// Parses the body (already size-checked and authenticated) and refuses any query string.
pub fn parse(
    content_type: Option<&str>,
    body: &[u8],
    query: &[(String, String)],
) -> Result<WebhookPayload, RequestError> {
    if let Some((name, _)) = query.first() {
        return Err(RequestError::bad_request(
            "unexpected_query",
            format!(
                "{} is not part of the webhook: send the record id only in the body, as {{\"zoho_id\": \"<id>\", \"module\": \"<Module>\"}}",
                describe_key("query parameter", name)
            ),
        )
        .with_field(field_name(name)));
    }
    let trimmed = trim(body);
    let media_type =
        content_type.map(|ct| ct.split(';').next().unwrap_or("").trim().to_ascii_lowercase()).unwrap_or_default();
    let declared_json = media_type == "application/json" || media_type.ends_with("+json");
    let declared_form = media_type == "application/x-www-form-urlencoded";
    let sniffable = matches!(media_type.as_str(), "" | "text/plain");
    if !(declared_json || declared_form || sniffable) {
        return Err(RequestError::new(
            415,
            "unsupported_media_type",
            "send application/json or application/x-www-form-urlencoded",
        ));
    }

    let fields: Vec<(String, Value)> = if trimmed.is_empty() {
        Vec::new()
    } else if declared_json || (sniffable && trimmed.first() == Some(&b'{')) {
        parse_json_object(trimmed)?
    } else {
        parse_form(trimmed)?
    };

    for (index, (key, _)) in fields.iter().enumerate() {
        if key != ID_KEY && key != MODULE_KEY {
            return Err(RequestError::bad_request(
                "unexpected_field",
                format!(
                    "{} is not part of the webhook body: send exactly {{\"zoho_id\": \"<id>\", \"module\": \"<Module>\"}}",
                    describe_key("key", key)
                ),
            )
            .with_field(field_name(key)));
        }
        if fields[..index].iter().any(|(k, _)| k == key) {
            return Err(RequestError::bad_request("duplicate_key", format!("the key {key} appears more than once"))
                .with_field(key.clone()));
        }
    }

    let Some((_, id_value)) = fields.iter().find(|(k, _)| k == ID_KEY) else {
        return Err(RequestError::bad_request(
            "missing_id",
            "zoho_id is missing: send {\"zoho_id\": \"<id>\", \"module\": \"<Module>\"}",
        )
        .with_field(ID_KEY));
    };
    let Value::String(id_text) = id_value else {
        return Err(RequestError::bad_request(
            "invalid_id",
            "zoho_id must be a string of digits, e.g. \"5398830000000000001\"",
        )
        .with_field(ID_KEY));
    };
    let zoho_id = ZohoId::parse(id_text).map_err(|e| {
        let code = if e == ZohoIdError::MergeFieldNotSubstituted { "unsubstituted_merge_field" } else { "invalid_id" };
        RequestError::bad_request(code, format!("zoho_id: {e}")).with_field(ID_KEY)
    })?;

    let Some((_, module_value)) = fields.iter().find(|(k, _)| k == MODULE_KEY) else {
        return Err(RequestError::bad_request(
            "missing_module",
            "module is missing: send the Zoho module's API name, as the workflow rule does",
        )
        .with_field(MODULE_KEY));
    };
    let Value::String(module) = module_value else {
        return Err(RequestError::bad_request("invalid_module", "module must be a string").with_field(MODULE_KEY));
    };

    Ok(WebhookPayload { zoho_id, module: module.clone() })
}

/// A key as an error message may show it: the key itself when it looks like a field name, else a
/// neutral phrase, so that an answer (or a log line) never echoes arbitrary input.
fn describe_key(what: &str, key: &str) -> String {
    if is_field_like(key) { format!("the {what} {key}") } else { format!("a {what} whose name is not a field name") }
}

fn field_name(key: &str) -> String {
    if is_field_like(key) { key.to_owned() } else { "(unnamed)".to_owned() }
}

fn is_field_like(key: &str) -> bool {
    !key.is_empty() && key.len() <= 40 && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

fn trim(body: &[u8]) -> &[u8] {
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    let start = body.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(body.len());
    let end = body.iter().rposition(|b| !b.is_ascii_whitespace()).map_or(start, |p| p + 1);
    &body[start..end]
}

fn parse_form(body: &[u8]) -> Result<Vec<(String, Value)>, RequestError> {
    if std::str::from_utf8(body).is_err() {
        return Err(RequestError::bad_request("invalid_body", "the body is not valid UTF-8"));
    }
    Ok(form_urlencoded::parse(body).map(|(k, v)| (k.into_owned(), Value::String(v.into_owned()))).collect())
}

/// A JSON object's entries in order, duplicates kept, so a repeated key can be refused rather
/// than silently resolved by "last one wins".
struct Entries(Vec<(String, Value)>);

impl<'de> Deserialize<'de> for Entries {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct EntriesVisitor;
        impl<'de> Visitor<'de> for EntriesVisitor {
            type Value = Entries;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Entries, A::Error> {
                let mut entries = Vec::new();
                while let Some((key, value)) = map.next_entry::<String, Value>()? {
                    entries.push((key, value));
                }
                Ok(Entries(entries))
            }
        }
        deserializer.deserialize_map(EntriesVisitor)
    }
}

fn parse_json_object(body: &[u8]) -> Result<Vec<(String, Value)>, RequestError> {
    let Entries(entries) = serde_json::from_slice(body).map_err(|e| {
        let what = if e.is_data() { "the body must be a JSON object" } else { "the body is not valid JSON" };
        RequestError::bad_request("invalid_json", format!("{what} (line {}, column {})", e.line(), e.column()))
    })?;
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "5398830000032385830";

    fn ok(ct: Option<&str>, body: &str) -> WebhookPayload {
        parse(ct, body.as_bytes(), &[]).unwrap_or_else(|e| panic!("{body:?}: {e:?}"))
    }

    fn err(ct: Option<&str>, body: &str, query: &[(&str, &str)]) -> RequestError {
        let query: Vec<(String, String)> = query.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        parse(ct, body.as_bytes(), &query).expect_err(body)
    }

    #[test]
    fn the_body_zoho_sends() {
        let p = ok(Some("application/json"), r#"{"zoho_id": "5398830000032385830", "module": "BTEC_Students"}"#);
        assert_eq!(p.zoho_id.as_str(), ID);
        assert_eq!(p.module, "BTEC_Students");
    }

    #[test]
    fn json_without_content_type_and_with_charset_and_bom() {
        let body = r#"{"zoho_id":"42","module":"BTEC"}"#;
        assert_eq!(ok(None, &format!("  {body} ")).zoho_id.as_str(), "42");
        assert_eq!(ok(Some("application/json; charset=utf-8"), body).zoho_id.as_str(), "42");
        assert_eq!(ok(Some("text/plain"), &format!("\u{feff}{body}")).zoho_id.as_str(), "42");
    }

    #[test]
    fn form_bodies() {
        let p = ok(Some("application/x-www-form-urlencoded"), "zoho_id=42&module=BTEC_Classes");
        assert_eq!((p.zoho_id.as_str(), p.module.as_str()), ("42", "BTEC_Classes"));
        assert_eq!(ok(None, "module=BTEC&zoho_id=43").zoho_id.as_str(), "43");
    }

    /// Every refused shape, with the code and the field its error names.
    #[test]
    fn refused_shapes_name_the_field() {
        let json = Some("application/json");
        let form = Some("application/x-www-form-urlencoded");
        // (content type, body, query, code, field)
        type Case<'a> = (Option<&'a str>, &'a str, &'a [(&'a str, &'a str)], &'a str, Option<&'a str>);
        let cases: &[Case] = &[
            (None, "", &[], "missing_id", Some("zoho_id")),
            (json, "{}", &[], "missing_id", Some("zoho_id")),
            (json, r#"{"module":"BTEC"}"#, &[], "missing_id", Some("zoho_id")),
            (json, r#"{"zoho_id":"42"}"#, &[], "missing_module", Some("module")),
            (form, "zoho_id=42", &[], "missing_module", Some("module")),
            (json, r#"{"id":"42","module":"BTEC"}"#, &[], "unexpected_field", Some("id")),
            (json, r#"{"zoho_id":"42","id":"42","module":"BTEC"}"#, &[], "unexpected_field", Some("id")),
            (json, r#"{"zoho_id":"42","module":"BTEC","extra":1}"#, &[], "unexpected_field", Some("extra")),
            (json, r#"{"data":[{"id":"42"}]}"#, &[], "unexpected_field", Some("data")),
            (json, r#"{"ZOHO_ID":"42","module":"BTEC"}"#, &[], "unexpected_field", Some("ZOHO_ID")),
            (json, r#"{"zoho_id ":"42","module":"BTEC"}"#, &[], "unexpected_field", Some("(unnamed)")),
            (form, "id=43&module=BTEC", &[], "unexpected_field", Some("id")),
            (form, "zoho_id=43&module=BTEC&x=1", &[], "unexpected_field", Some("x")),
            (None, "", &[("zoho_id", "44")], "unexpected_query", Some("zoho_id")),
            (json, r#"{"zoho_id":"44","module":"BTEC"}"#, &[("zoho_id", "44")], "unexpected_query", Some("zoho_id")),
            (json, r#"{"zoho_id":"44","module":"BTEC"}"#, &[("module", "BTEC")], "unexpected_query", Some("module")),
            (json, r#"{"zoho_id":42,"module":"BTEC"}"#, &[], "invalid_id", Some("zoho_id")),
            (json, r#"{"zoho_id":5398830000032385830,"module":"BTEC"}"#, &[], "invalid_id", Some("zoho_id")),
            (json, r#"{"zoho_id":"abc","module":"BTEC"}"#, &[], "invalid_id", Some("zoho_id")),
            (json, r#"{"zoho_id":-5,"module":"BTEC"}"#, &[], "invalid_id", Some("zoho_id")),
            (json, r#"{"zoho_id":"-5","module":"BTEC"}"#, &[], "invalid_id", Some("zoho_id")),
            (json, r#"{"zoho_id":"+5","module":"BTEC"}"#, &[], "invalid_id", Some("zoho_id")),
            (json, r#"{"zoho_id":"0","module":"BTEC"}"#, &[], "invalid_id", Some("zoho_id")),
            (json, r#"{"zoho_id":"000","module":"BTEC"}"#, &[], "invalid_id", Some("zoho_id")),
            (json, r#"{"zoho_id":"042","module":"BTEC"}"#, &[], "invalid_id", Some("zoho_id")),
            (json, r#"{"zoho_id":" 42","module":"BTEC"}"#, &[], "invalid_id", Some("zoho_id")),
            (json, r#"{"zoho_id":"123456789012345678901","module":"BTEC"}"#, &[], "invalid_id", Some("zoho_id")),
            (json, r#"{"zoho_id":1.5,"module":"BTEC"}"#, &[], "invalid_id", Some("zoho_id")),
            (json, r#"{"zoho_id":{"a":1},"module":"BTEC"}"#, &[], "invalid_id", Some("zoho_id")),
            (json, r#"{"zoho_id":"","module":"BTEC"}"#, &[], "invalid_id", Some("zoho_id")),
            (json, r#"{"zoho_id":"${!BTEC_Students.Id}"}"#, &[], "unsubstituted_merge_field", Some("zoho_id")),
            (form, "zoho_id=1%27%20OR%201%3D1&module=BTEC", &[], "invalid_id", Some("zoho_id")),
            (form, "zoho_id=0&module=BTEC", &[], "invalid_id", Some("zoho_id")),
            (json, r#"{"zoho_id":"42","module":7}"#, &[], "invalid_module", Some("module")),
            (json, r#"{"zoho_id":"42","zoho_id":"43","module":"BTEC"}"#, &[], "duplicate_key", Some("zoho_id")),
            (json, r#"{"zoho_id":"42","module":"BTEC","module":"BTEC"}"#, &[], "duplicate_key", Some("module")),
            (form, "zoho_id=42&zoho_id=42&module=BTEC", &[], "duplicate_key", Some("zoho_id")),
            (json, r#"{"zoho_id": "42""#, &[], "invalid_json", None),
            (json, "zoho_id=42", &[], "invalid_json", None),
            (json, r#"["42"]"#, &[], "invalid_json", None),
            (json, r#"{"zoho_id":"42","module":"BTEC"} trailing"#, &[], "invalid_json", None),
            (Some("application/xml"), "<id>42</id>", &[], "unsupported_media_type", None),
        ];
        for (ct, body, query, code, field) in cases {
            let e = err(*ct, body, query);
            assert_eq!((e.code, e.field.as_deref()), (*code, *field), "{body:?} {query:?}: {e:?}");
            if let Some(field) = field.filter(|f| *f != "(unnamed)") {
                assert!(e.message.contains(field), "{body:?}: the message must name {field}: {}", e.message);
            }
            assert!(e.status == 400 || e.status == 415, "{body:?}");
        }
    }

    #[test]
    fn invalid_utf8_form_body() {
        let e = parse(None, b"zoho_id=4\xff2&module=BTEC", &[]).unwrap_err();
        assert_eq!(e.code, "invalid_body");
    }

    #[test]
    fn arbitrary_keys_are_not_echoed() {
        let e = err(None, r#"{"zoho_id":"42","module":"BTEC","<script>John Smith":1}"#, &[]);
        assert_eq!(e.code, "unexpected_field");
        assert!(!e.message.contains("John") && !e.message.contains("<script>"), "{}", e.message);
    }
}
