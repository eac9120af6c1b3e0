//! Moodle's REST form encoding: nested arrays and objects in PHP bracket notation
//! (`courses[0][fullname]=…`), booleans as `0`/`1`, and nothing for `null` or an empty list
//! (PHP cannot express an empty array in a form, so optional lists are simply left out).

use serde_json::Value;

/// The complete `application/x-www-form-urlencoded` body of one web-service call. The token
/// travels here, in the POST body, never in the URL.
///
/// The fields are written straight into the body with one reused name buffer (the unit tests
/// check them against a plain list of fields): a class of 2,000 enrolments is 24,000 fields,
/// and a `String` pair per field was a fifth of `class_updated`'s CPU (docs/PERFORMANCE.md). The bytes are those of
/// `form_urlencoded::Serializer::append_pair` for each field (unit tests).
pub fn encode_call(token: &str, function: &str, params: &Value) -> String {
    // A single record's call is a few hundred bytes to a few kilobytes: starting there saves the
    // string's growth from nothing.
    let mut body = String::with_capacity(1024);
    begin_call(&mut body, token, function);
    if let Value::Object(map) = params {
        let mut name = String::new();
        for (key, value) in map {
            name.clear();
            name.push_str(key);
            append(&mut body, &mut name, value);
        }
    }
    body
}

/// The fixed start of every call's body: the same bytes [`encode_call`] begins with.
pub fn begin_call(body: &mut String, token: &str, function: &str) {
    body.push_str("wstoken=");
    append_encoded(body, token);
    body.push_str("&wsfunction=");
    append_encoded(body, function);
    body.push_str("&moodlewsrestformat=json");
}

/// Appends `value` percent-encoded as a form value, exactly as `form_urlencoded::byte_serialize`
/// does (ASCII letters, digits and `*-._` kept, space as `+`, every other byte `%XX`), but in
/// one pass that copies each run of kept bytes at once: the criteria texts of a BTEC unit and
/// the names and addresses of a student are mostly such runs.
pub fn append_encoded(out: &mut String, value: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let bytes = value.as_bytes();
    // Start of the run of kept bytes not yet copied. A run holds only ASCII, so both its ends
    // are character boundaries and the slices below cannot split a character.
    let mut run = 0;
    for (index, &byte) in bytes.iter().enumerate() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'*' | b'-' | b'.' | b'_') {
            continue;
        }
        if run < index {
            out.push_str(&value[run..index]);
        }
        if byte == b' ' {
            out.push('+');
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(byte >> 4)]));
            out.push(char::from(HEX[usize::from(byte & 0x0f)]));
        }
        run = index + 1;
    }
    if run < bytes.len() {
        out.push_str(&value[run..]);
    }
}

/// One field, `&name=value`, encoded.
fn pair(body: &mut String, name: &str, value: &str) {
    body.push('&');
    append_encoded(body, name);
    body.push('=');
    append_encoded(body, value);
}

/// One value's fields into the body: `name` is extended for nested values and restored
/// afterwards.
fn append(body: &mut String, name: &mut String, value: &Value) {
    match value {
        Value::Null => {}
        Value::Bool(b) => pair(body, name, if *b { "1" } else { "0" }),
        Value::Number(n) => pair(body, name, &n.to_string()),
        Value::String(s) => pair(body, name, s),
        Value::Array(items) => {
            let len = name.len();
            for (index, item) in items.iter().enumerate() {
                use std::fmt::Write;
                let _ = write!(name, "[{index}]");
                append(body, name, item);
                name.truncate(len);
            }
        }
        Value::Object(map) => {
            let len = name.len();
            for (key, item) in map {
                name.push('[');
                name.push_str(key);
                name.push(']');
                append(body, name, item);
                name.truncate(len);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The encoding as a list of fields, in a stable order: the reference [`encode_call`] and
    /// [`begin_call`]'s callers are checked against (same fields, same order).
    fn flatten(params: &Value) -> Vec<(String, String)> {
        let mut fields = Vec::new();
        if let Value::Object(map) = params {
            for (key, value) in map {
                push(&mut fields, key.clone(), value);
            }
        }
        fields
    }

    fn push(fields: &mut Vec<(String, String)>, name: String, value: &Value) {
        match value {
            Value::Null => {}
            Value::Bool(b) => fields.push((name, if *b { "1" } else { "0" }.to_owned())),
            Value::Number(n) => fields.push((name, n.to_string())),
            Value::String(s) => fields.push((name, s.clone())),
            Value::Array(items) => {
                for (index, item) in items.iter().enumerate() {
                    push(fields, format!("{name}[{index}]"), item);
                }
            }
            Value::Object(map) => {
                for (key, item) in map {
                    push(fields, format!("{name}[{key}]"), item);
                }
            }
        }
    }

    fn pairs(v: Value) -> Vec<(String, String)> {
        flatten(&v)
    }

    #[test]
    fn scalars_booleans_and_nulls() {
        let fields = pairs(json!({"a": 1, "b": true, "c": false, "d": null, "e": "x", "f": 2.5}));
        assert_eq!(
            fields,
            vec![
                ("a".into(), "1".into()),
                ("b".into(), "1".into()),
                ("c".into(), "0".into()),
                ("e".into(), "x".into()),
                ("f".into(), "2.5".into()),
            ]
        );
    }

    #[test]
    fn nested_arrays_of_objects_use_bracket_notation() {
        let fields = pairs(json!({
            "courses": [{"fullname": "Maths", "visible": true}, {"fullname": "Art", "tags": ["a", "b"]}],
            "options": {"inner": {"deep": 3}},
            "empty": []
        }));
        assert_eq!(
            fields,
            vec![
                ("courses[0][fullname]".into(), "Maths".into()),
                ("courses[0][visible]".into(), "1".into()),
                ("courses[1][fullname]".into(), "Art".into()),
                ("courses[1][tags][0]".into(), "a".into()),
                ("courses[1][tags][1]".into(), "b".into()),
                ("options[inner][deep]".into(), "3".into()),
            ]
        );
    }

    #[test]
    fn unicode_and_reserved_characters_are_percent_encoded() {
        let body = encode_call(
            "tok",
            "local_mzi_update_student",
            &json!({"student": {"first_name": "سارة & Zoë", "note": "a=b+c"}}),
        );
        assert_eq!(
            body,
            "wstoken=tok&wsfunction=local_mzi_update_student&moodlewsrestformat=json\
             &student%5Bfirst_name%5D=%D8%B3%D8%A7%D8%B1%D8%A9+%26+Zo%C3%AB&student%5Bnote%5D=a%3Db%2Bc"
        );
        let decoded: Vec<(String, String)> = form_urlencoded::parse(body.as_bytes()).into_owned().collect();
        assert!(decoded.contains(&("student[first_name]".into(), "سارة & Zoë".into())));
    }

    #[test]
    fn the_body_holds_exactly_the_flattened_fields() {
        let params = json!({
            "enrollments": [{"zoho_enrollment_id": "1", "active": true, "n": 2.5, "none": null},
                            {"zoho_enrollment_id": "2", "tags": ["a", {"x": "y z"}], "empty": []}],
            "createcourse": false,
            "class": {"name": "Maths & Art", "inner": {"deep": 3}}
        });
        let body = encode_call("tok", "f", &params);
        let decoded: Vec<(String, String)> = form_urlencoded::parse(body.as_bytes()).into_owned().collect();
        let mut expected = vec![
            ("wstoken".to_owned(), "tok".to_owned()),
            ("wsfunction".to_owned(), "f".to_owned()),
            ("moodlewsrestformat".to_owned(), "json".to_owned()),
        ];
        expected.extend(flatten(&params));
        assert_eq!(decoded, expected);
    }

    #[test]
    fn begin_call_matches_encode_call() {
        let mut body = String::new();
        begin_call(&mut body, "t&k n", "local_mzi_update_enrollment");
        assert_eq!(body, encode_call("t&k n", "local_mzi_update_enrollment", &json!({})));
    }

    /// The body as `form_urlencoded::Serializer` writes it, for comparison.
    fn serializer_body(token: &str, function: &str, params: &Value) -> String {
        let mut body = form_urlencoded::Serializer::new(String::new());
        body.append_pair("wstoken", token);
        body.append_pair("wsfunction", function);
        body.append_pair("moodlewsrestformat", "json");
        for (name, value) in flatten(params) {
            body.append_pair(&name, &value);
        }
        body.finish()
    }

    /// Every byte, and texts mixing kept runs, spaces, reserved and multi-byte characters, are
    /// encoded exactly as `form_urlencoded::byte_serialize` encodes them.
    #[test]
    fn values_are_encoded_as_byte_serialize_does() {
        let reference = |text: &str| form_urlencoded::byte_serialize(text.as_bytes()).collect::<String>();
        for c in (0u32..0x800).chain([0xFEFF, 0x1F600, 0x10FFFF]).filter_map(char::from_u32) {
            for text in [c.to_string(), format!("a{c}"), format!("{c}b"), format!("{c}{c} x{c}y")] {
                let mut ours = String::new();
                append_encoded(&mut ours, &text);
                assert_eq!(ours, reference(&text), "{text:?}");
            }
        }
        for text in ["", "plain", "Maths & Art", "a=b+c", "سارة Zoë", "P1: Explain * the -._ rules~!", "100%", "é"]
        {
            let mut ours = String::from("kept&");
            append_encoded(&mut ours, text);
            assert_eq!(ours, format!("kept&{}", reference(text)), "{text:?}");
        }
    }

    #[test]
    fn the_body_is_the_serializers() {
        let params = json!({
            "definition": {"name": "Unit 1: Programming & Design", "criteria": [
                {"shortname": "P1", "description": "Explain the role of an IDE (100% of it)", "sortorder": 1},
                {"shortname": "M1", "description": "سارة — Zoë's \"notes\"\n", "sortorder": 2}
            ]},
            "flags": [true, false, null], "amount": 1500.5, "big": 5398830000032385830u64, "empty": {}, "none": null
        });
        for (token, function) in [("tok", "local_mzi_create_btec_definition"), ("t&k n=é", "f u")] {
            assert_eq!(encode_call(token, function, &params), serializer_body(token, function, &params));
            assert_eq!(encode_call(token, function, &json!({})), serializer_body(token, function, &json!({})));
        }
    }

    #[test]
    fn large_ids_keep_every_digit() {
        let fields = pairs(json!({"id": 5398830000032385830u64}));
        assert_eq!(fields, vec![("id".into(), "5398830000032385830".into())]);
    }
}
