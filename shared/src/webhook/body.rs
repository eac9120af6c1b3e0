//! Reading the record id (and module) out of a webhook request.
//!
//! Zoho's rules send a raw JSON body `{"zoho_id": "<id>", "module": "<Module>"}`. We also accept
//! `id` for `zoho_id`, the same keys form-encoded, and the id as a query parameter; API Gateway's
//! base64 bodies arrive here already decoded by `lambda_http`. Whatever the shape, every place an
//! id appears must agree, and the id must be a Zoho record id.

use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::Value;

use super::RequestError;
use crate::ids::{ZohoId, ZohoIdError};

/// What a webhook tells us: which record, and (optionally) which module it says it is from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookPayload {
    pub zoho_id: ZohoId,
    pub module: Option<String>,
}

const ID_KEYS: [&str; 2] = ["zoho_id", "id"];

/// Parses the body (already size-checked) and the query string.
pub fn parse(
    content_type: Option<&str>,
    body: &[u8],
    query: &[(String, String)],
) -> Result<WebhookPayload, RequestError> {
    let trimmed = trim(body);
    let media_type =
        content_type.map(|ct| ct.split(';').next().unwrap_or("").trim().to_ascii_lowercase()).unwrap_or_default();
    let declared_json = media_type == "application/json" || media_type.ends_with("+json");

    let fields: Vec<(String, Value)> = if trimmed.is_empty() {
        Vec::new()
    } else if declared_json || trimmed.first() == Some(&b'{') {
        parse_json_object(trimmed)?
    } else if matches!(media_type.as_str(), "" | "application/x-www-form-urlencoded" | "text/plain") {
        if std::str::from_utf8(trimmed).is_err() {
            return Err(RequestError::bad_request("invalid_body", "the body is not valid UTF-8"));
        }
        form_urlencoded::parse(trimmed).map(|(k, v)| (k.into_owned(), Value::String(v.into_owned()))).collect()
    } else {
        return Err(RequestError::new(
            415,
            "unsupported_media_type",
            "send application/json or application/x-www-form-urlencoded",
        ));
    };

    let mut candidates: Vec<String> = Vec::new();
    for (key, value) in &fields {
        if ID_KEYS.contains(&key.as_str()) {
            candidates.push(id_text(key, value)?);
        }
    }
    for (key, value) in query {
        if ID_KEYS.contains(&key.as_str()) {
            candidates.push(value.clone());
        }
    }
    let Some(first) = candidates.first() else {
        return Err(RequestError::bad_request("missing_id", "the record id is missing: send {\"zoho_id\": \"<id>\"}"));
    };
    if candidates.iter().any(|c| c.trim() != first.trim()) {
        return Err(RequestError::bad_request(
            "conflicting_ids",
            "the request carries more than one different record id",
        ));
    }
    let zoho_id = ZohoId::parse(first).map_err(|e| {
        let code = if e == ZohoIdError::MergeFieldNotSubstituted { "unsubstituted_merge_field" } else { "invalid_id" };
        RequestError::bad_request(code, e.to_string())
    })?;

    let mut modules = fields
        .iter()
        .filter(|(k, _)| k == "module")
        .map(|(_, v)| {
            v.as_str()
                .map(str::to_owned)
                .ok_or_else(|| RequestError::bad_request("invalid_module", "module must be a string"))
        })
        .chain(query.iter().filter(|(k, _)| k == "module").map(|(_, v)| Ok(v.clone())));
    let module = modules.next().transpose()?.map(|m| m.trim().to_owned()).filter(|m| !m.is_empty());
    for other in modules {
        if Some(other?.trim()) != module.as_deref() {
            return Err(RequestError::bad_request("conflicting_modules", "the request names more than one module"));
        }
    }

    Ok(WebhookPayload { zoho_id, module })
}

fn trim(body: &[u8]) -> &[u8] {
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    let start = body.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(body.len());
    let end = body.iter().rposition(|b| !b.is_ascii_whitespace()).map_or(start, |p| p + 1);
    &body[start..end]
}

fn id_text(key: &str, value: &Value) -> Result<String, RequestError> {
    match value {
        Value::String(s) => Ok(s.clone()),
        // Zoho ids are 19 digits: serde_json keeps them exactly as u64. Floats and negatives are
        // not ids.
        Value::Number(n) if n.is_u64() => Ok(n.to_string()),
        _ => Err(RequestError::bad_request("invalid_id", format!("{key} must be a string of digits"))),
    }
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
    for (index, (key, _)) in entries.iter().enumerate() {
        if entries[..index].iter().any(|(k, _)| k == key) && (ID_KEYS.contains(&key.as_str()) || key == "module") {
            return Err(RequestError::bad_request("duplicate_key", format!("the key {key} appears more than once")));
        }
    }
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
        assert_eq!(p.module.as_deref(), Some("BTEC_Students"));
    }

    #[test]
    fn json_without_content_type_and_with_charset_and_bom() {
        assert_eq!(ok(None, r#"  {"zoho_id":"42"} "#).zoho_id.as_str(), "42");
        assert_eq!(ok(Some("application/json; charset=utf-8"), r#"{"id":"42"}"#).zoho_id.as_str(), "42");
        assert_eq!(ok(Some("text/plain"), "\u{feff}{\"zoho_id\":\"42\"}").zoho_id.as_str(), "42");
    }

    #[test]
    fn id_key_and_numeric_id() {
        assert_eq!(ok(None, r#"{"id": 5398830000032385830}"#).zoho_id.as_str(), ID);
        assert_eq!(ok(None, r#"{"zoho_id":"42","id":"42"}"#).zoho_id.as_str(), "42");
    }

    #[test]
    fn form_bodies() {
        let p = ok(Some("application/x-www-form-urlencoded"), "zoho_id=42&module=BTEC_Classes");
        assert_eq!((p.zoho_id.as_str(), p.module.as_deref()), ("42", Some("BTEC_Classes")));
        assert_eq!(ok(None, "id=43").zoho_id.as_str(), "43");
    }

    #[test]
    fn query_parameter_alone_or_agreeing() {
        let q = vec![("zoho_id".to_string(), "44".to_string())];
        assert_eq!(parse(None, b"", &q).unwrap().zoho_id.as_str(), "44");
        assert_eq!(parse(None, br#"{"zoho_id":"44"}"#, &q).unwrap().zoho_id.as_str(), "44");
        assert_eq!(err(None, r#"{"zoho_id":"45"}"#, &[("zoho_id", "44")]).code, "conflicting_ids");
    }

    #[test]
    fn missing_and_invalid_ids() {
        assert_eq!(err(None, "", &[]).code, "missing_id");
        assert_eq!(err(None, "{}", &[]).code, "missing_id");
        assert_eq!(err(None, r#"{"module":"BTEC"}"#, &[]).code, "missing_id");
        assert_eq!(err(None, r#"{"zoho_id":"abc"}"#, &[]).code, "invalid_id");
        assert_eq!(err(None, r#"{"zoho_id":-5}"#, &[]).code, "invalid_id");
        assert_eq!(err(None, r#"{"zoho_id":1.5}"#, &[]).code, "invalid_id");
        assert_eq!(err(None, r#"{"zoho_id":{"a":1}}"#, &[]).code, "invalid_id");
        assert_eq!(err(None, r#"{"zoho_id":""}"#, &[]).code, "invalid_id");
        assert_eq!(err(None, &format!(r#"{{"zoho_id":"{}"}}"#, "1".repeat(26)), &[]).code, "invalid_id");
        assert_eq!(err(None, r#"{"zoho_id":"${!BTEC_Students.Id}"}"#, &[]).code, "unsubstituted_merge_field");
        assert_eq!(err(None, "zoho_id=1%27%20OR%201%3D1", &[]).code, "invalid_id");
    }

    #[test]
    fn malformed_bodies() {
        assert_eq!(err(None, r#"{"zoho_id": "42""#, &[]).code, "invalid_json");
        assert_eq!(err(Some("application/json"), "zoho_id=42", &[]).code, "invalid_json");
        assert_eq!(err(Some("application/json"), r#"["42"]"#, &[]).code, "invalid_json");
        assert_eq!(err(None, r#"{"zoho_id":"42"} trailing"#, &[]).code, "invalid_json");
        assert_eq!(err(None, r#"{"zoho_id":"42","zoho_id":"43"}"#, &[]).code, "duplicate_key");
        assert_eq!(err(None, r#"{"zoho_id":"42","zoho_id":"42"}"#, &[]).code, "duplicate_key");
        assert_eq!(err(Some("application/xml"), "<id>42</id>", &[]).status, 415);
        assert_eq!(err(None, r#"{"zoho_id":"42","module":7}"#, &[]).code, "invalid_module");
    }

    #[test]
    fn invalid_utf8_form_body() {
        let e = parse(None, b"zoho_id=4\xff2", &[]).unwrap_err();
        assert_eq!(e.code, "invalid_body");
    }
}
