//! The value shapes Zoho CRM uses in records (lookups, dates, datetimes), and the lenient decoders
//! the record structs use field by field.
//!
//! Every decoder reads the field as a `serde_json::Value` first and then classifies it, so an
//! error says what was expected without echoing the value (record values are personal data), and
//! nothing here can panic on odd input. Null, a missing key and an empty string all become `None`:
//! a blank in Zoho must never overwrite good data downstream with `""`.

use std::fmt;

use serde::de::{DeserializeOwned, Error as _};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use crate::ids::ZohoId;

/// A lookup field: `{"name": "…", "id": "…"}`. `name` is the linked record's display name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Lookup {
    pub id: ZohoId,
    pub name: Option<String>,
}

/// A calendar date, `YYYY-MM-DD`. Zoho dates are local days of the org (no time zone).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ZohoDate {
    year: i32,
    month: u8,
    day: u8,
}

/// A datetime with its UTC offset, as Zoho sends it (`2026-02-23T12:34:56+03:00`). The text is
/// kept as received so it can be echoed back into a COQL comparison unchanged.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ZohoDateTime {
    text: String,
    unix_seconds: i64,
}

impl ZohoDate {
    pub fn parse(text: &str) -> Option<Self> {
        let b = text.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        let year: i32 = digits(&text[0..4])? as i32;
        let month = digits(&text[5..7])? as u8;
        let day = digits(&text[8..10])? as u8;
        if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
            return None;
        }
        Some(Self { year, month, day })
    }

    pub fn year(self) -> i32 {
        self.year
    }
    pub fn month(self) -> u8 {
        self.month
    }
    pub fn day(self) -> u8 {
        self.day
    }

    /// Unix seconds of this day's midnight at a fixed offset from UTC (the college's), e.g. the
    /// start date of a Moodle course.
    pub fn midnight_unix_at_offset(self, utc_offset_minutes: i32) -> i64 {
        days_from_civil(self.year, self.month, self.day) * 86_400 - i64::from(utc_offset_minutes) * 60
    }
}

impl fmt::Display for ZohoDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl fmt::Debug for ZohoDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ZohoDate({self})")
    }
}

impl Serialize for ZohoDate {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl ZohoDateTime {
    /// `YYYY-MM-DDTHH:MM:SS[.fff](Z|±HH:MM)`.
    pub fn parse(text: &str) -> Option<Self> {
        Self::unix_seconds_of(text).map(|unix_seconds| Self { text: text.to_owned(), unix_seconds })
    }

    /// The instant `text` names, when it is a valid datetime ([`ZohoDateTime::parse`] without
    /// keeping the text: the borrowed row decoders only check it).
    pub fn unix_seconds_of(text: &str) -> Option<i64> {
        // Every valid datetime is ASCII; refusing anything else first also makes the fixed byte
        // offsets below safe to slice (a multi-byte character there would panic).
        if !text.is_ascii() {
            return None;
        }
        let date = ZohoDate::parse(text.get(0..10)?)?;
        let b = text.as_bytes();
        if b.len() < 20 || (b[10] != b'T' && b[10] != b' ') || b[13] != b':' || b[16] != b':' {
            return None;
        }
        let hour = digits(&text[11..13])?;
        let minute = digits(&text[14..16])?;
        let second = digits(&text[17..19])?;
        if hour > 23 || minute > 59 || second > 60 {
            return None;
        }
        let mut rest = &text[19..];
        if let Some(fraction) = rest.strip_prefix('.') {
            let end = fraction.find(|c: char| !c.is_ascii_digit()).unwrap_or(fraction.len());
            if end == 0 {
                return None;
            }
            rest = &fraction[end..];
        }
        let offset_seconds: i64 = match rest {
            "Z" => 0,
            _ if rest.len() == 6 && rest.as_bytes()[3] == b':' => {
                let sign = match rest.as_bytes()[0] {
                    b'+' => 1,
                    b'-' => -1,
                    _ => return None,
                };
                let hours = digits(&rest[1..3])?;
                let minutes = digits(&rest[4..6])?;
                if hours > 14 || minutes > 59 {
                    return None;
                }
                sign * (hours * 3600 + minutes * 60)
            }
            _ => return None,
        };
        let local = days_from_civil(date.year, date.month, date.day) * 86_400 + hour * 3600 + minute * 60 + second;
        Some(local - offset_seconds)
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    pub fn unix_seconds(&self) -> i64 {
        self.unix_seconds
    }

    /// The calendar date as written (in the datetime's own offset).
    pub fn date(&self) -> ZohoDate {
        // Parsing guaranteed the first ten characters are a valid date.
        ZohoDate::parse(&self.text[0..10]).unwrap_or(ZohoDate { year: 1970, month: 1, day: 1 })
    }

    /// Formats Unix seconds as UTC (`…+00:00`), the shape Zoho accepts in COQL comparisons.
    pub fn from_unix_utc(unix_seconds: i64) -> Self {
        let days = unix_seconds.div_euclid(86_400);
        let secs = unix_seconds.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        Self {
            text: format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}+00:00", secs / 3600, secs % 3600 / 60, secs % 60),
            unix_seconds,
        }
    }
}

impl PartialOrd for ZohoDateTime {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for ZohoDateTime {
    /// Instants compare by time, not by text: `+03:00` and `+00:00` forms of one instant are equal
    /// in order.
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.unix_seconds.cmp(&other.unix_seconds).then_with(|| self.text.cmp(&other.text))
    }
}

impl fmt::Display for ZohoDateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl fmt::Debug for ZohoDateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ZohoDateTime({})", self.text)
    }
}

impl Serialize for ZohoDateTime {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text)
    }
}

fn digits(s: &str) -> Option<i64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

fn is_leap(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 (Howard Hinnant's algorithm; exact for the proleptic Gregorian calendar).
fn days_from_civil(year: i32, month: u8, day: u8) -> i64 {
    let y = i64::from(year) - i64::from(month <= 2);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// What kind of JSON value arrived, for error messages that must not contain the value.
fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn unexpected<E: serde::de::Error>(expected: &str, value: &Value) -> E {
    E::custom(format_args!("expected {expected}, found {}", kind(value)))
}

/// `None` for null and for empty or whitespace-only strings.
fn blank(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        _ => false,
    }
}

/// The `deserialize_with` functions of the record structs. Each is used with `#[serde(default)]`
/// so a missing key is `None` as well.
pub mod de {
    use super::*;

    /// Text, single-line or not. Numbers are accepted as their decimal text: autonumbers and
    /// Moodle ids are sometimes numeric in one org and text in another.
    pub fn text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
        let value = Value::deserialize(d)?;
        if blank(&value) {
            return Ok(None);
        }
        match value {
            Value::String(s) => Ok(Some(s)),
            Value::Number(n) => Ok(Some(n.to_string())),
            other => Err(unexpected("text", &other)),
        }
    }

    /// Text that is sometimes a lookup (`BTEC_Grades.BTEC_Unit`): the lookup's name is taken.
    pub fn text_or_lookup_name<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
        let value = Value::deserialize(d)?;
        match value {
            Value::Object(ref map) => match map.get("name") {
                Some(name) if blank(name) => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.clone())),
                None => Ok(None),
                Some(other) => Err(unexpected("a lookup name", other)),
            },
            other => text(other).map_err(D::Error::custom),
        }
    }

    pub fn lookup<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Lookup>, D::Error> {
        let value = Value::deserialize(d)?;
        if blank(&value) {
            return Ok(None);
        }
        // Taken out of the value, not copied.
        let (id, name) = match value {
            Value::Object(mut map) => (map.swap_remove("id"), map.swap_remove("name")),
            // A bare id where a lookup object was expected: keep the link.
            bare @ (Value::String(_) | Value::Number(_)) => (Some(bare), None),
            other => return Err(unexpected("a lookup {name, id}", &other)),
        };
        let id = match id {
            None | Some(Value::Null) => return Ok(None),
            Some(Value::String(s)) if s.trim().is_empty() => return Ok(None),
            Some(Value::String(s)) => s,
            Some(Value::Number(n)) => n.to_string(),
            Some(other) => return Err(unexpected("a lookup id", &other)),
        };
        let id = ZohoId::parse(&id).map_err(|e| D::Error::custom(format_args!("lookup id: {e}")))?;
        let name = match name {
            Some(v) if blank(&v) => None,
            Some(Value::String(s)) => Some(s),
            Some(Value::Number(n)) => Some(n.to_string()),
            None => None,
            Some(other) => return Err(unexpected("a lookup name", &other)),
        };
        Ok(Some(Lookup { id, name }))
    }

    pub fn date<'de, D: Deserializer<'de>>(d: D) -> Result<Option<ZohoDate>, D::Error> {
        let value = Value::deserialize(d)?;
        if blank(&value) {
            return Ok(None);
        }
        match &value {
            Value::String(s) => {
                ZohoDate::parse(s.trim()).map(Some).ok_or_else(|| D::Error::custom("expected a date YYYY-MM-DD"))
            }
            other => Err(unexpected("a date YYYY-MM-DD", other)),
        }
    }

    pub fn datetime<'de, D: Deserializer<'de>>(d: D) -> Result<Option<ZohoDateTime>, D::Error> {
        let value = Value::deserialize(d)?;
        if blank(&value) {
            return Ok(None);
        }
        match &value {
            Value::String(s) => ZohoDateTime::parse(s.trim())
                .map(Some)
                .ok_or_else(|| D::Error::custom("expected an ISO-8601 datetime with offset")),
            other => Err(unexpected("an ISO-8601 datetime", other)),
        }
    }

    /// An integer; integral numbers written as text (`"3"`) are accepted.
    pub fn integer<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
        let value = Value::deserialize(d)?;
        if blank(&value) {
            return Ok(None);
        }
        let parsed = match &value {
            Value::Number(n) => n.as_i64().or_else(|| n.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64)),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        };
        parsed.map(Some).ok_or_else(|| unexpected("an integer", &value))
    }

    /// A number (currency, decimal); numeric text is accepted.
    pub fn number<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
        let value = Value::deserialize(d)?;
        if blank(&value) {
            return Ok(None);
        }
        let parsed = match &value {
            Value::Number(n) => n.as_f64(),
            Value::String(s) => s.trim().parse::<f64>().ok().filter(|f| f.is_finite()),
            _ => None,
        };
        parsed.map(Some).ok_or_else(|| unexpected("a number", &value))
    }

    /// A checkbox; `"true"`/`"false"` text is accepted.
    pub fn boolean<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
        let value = Value::deserialize(d)?;
        if blank(&value) {
            return Ok(None);
        }
        match &value {
            Value::Bool(b) => Ok(Some(*b)),
            Value::String(s) if s.trim().eq_ignore_ascii_case("true") => Ok(Some(true)),
            Value::String(s) if s.trim().eq_ignore_ascii_case("false") => Ok(Some(false)),
            other => Err(unexpected("a boolean", other)),
        }
    }

    /// A subform kept as raw JSON rows (its row fields are not confirmed for this org).
    pub fn raw_rows<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Value>, D::Error> {
        match Value::deserialize(d)? {
            Value::Null => Ok(Vec::new()),
            Value::Array(rows) => Ok(rows),
            other => Err(unexpected("a subform (array of rows)", &other)),
        }
    }

    /// A subform decoded into typed rows; a bad row is named by its position.
    pub fn rows<'de, D: Deserializer<'de>, T: DeserializeOwned>(d: D) -> Result<Vec<T>, D::Error> {
        let rows = raw_rows(d)?;
        let mut out = Vec::with_capacity(rows.len());
        for (index, row) in rows.iter().enumerate() {
            if !row.is_object() {
                return Err(D::Error::custom(format_args!(
                    "row {index}: {}",
                    unexpected::<serde_json::Error>("an object", row)
                )));
            }
            // Straight from the row; the path of a failure is worked out only when there is one
            // (tracking it costs as much as the decoding, and success never needs it).
            let decoded = match T::deserialize(row) {
                Ok(decoded) => decoded,
                Err(_) => serde_path_to_error::deserialize::<_, T>(row)
                    .map_err(|e| D::Error::custom(format_args!("row {index}: {}: {}", e.path(), e.inner())))?,
            };
            out.push(decoded);
        }
        Ok(out)
    }
}

/// Single-pass, borrowing counterparts of [`de`] for rows decoded straight from a response body
/// (a class's COQL pages): no `serde_json::Value` per field, and text is borrowed from the body
/// unless it has escapes. They accept exactly what [`de`] accepts; on anything else they fail,
/// and the caller decodes the page again through [`de`] for its precise error message.
pub mod borrowed {
    use std::borrow::Cow;

    use serde::de::{self, Deserializer, IgnoredAny, MapAccess, Visitor};

    use super::{ZohoDate, ZohoDateTime};
    use crate::ids::ZohoId;

    /// [`super::de::text`]: a string (kept as received), a number as its decimal text, or
    /// nothing (null, missing, blank).
    #[derive(Debug, Default, Clone, PartialEq)]
    pub struct Text<'a>(pub Option<Cow<'a, str>>);

    /// A string, a number or null, borrowed where the body allows it.
    enum Scalar<'a> {
        Null,
        Str(Cow<'a, str>),
        Number(String),
    }

    struct ScalarVisitor;

    impl<'de> Visitor<'de> for ScalarVisitor {
        type Value = Scalar<'de>;

        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("text, a number or null")
        }
        fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
            Ok(Scalar::Str(Cow::Borrowed(v)))
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok(Scalar::Str(Cow::Owned(v.to_owned())))
        }
        fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
            Ok(Scalar::Str(Cow::Owned(v)))
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            Ok(Scalar::Number(serde_json::Number::from(v).to_string()))
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            Ok(Scalar::Number(serde_json::Number::from(v).to_string()))
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
            serde_json::Number::from_f64(v)
                .map(|n| Scalar::Number(n.to_string()))
                .ok_or_else(|| E::custom("expected a finite number"))
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(Scalar::Null)
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(Scalar::Null)
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_any(self)
        }
    }

    fn scalar<'de, D: Deserializer<'de>>(d: D) -> Result<Scalar<'de>, D::Error> {
        d.deserialize_any(ScalarVisitor)
    }

    fn is_blank(text: &str) -> bool {
        text.trim().is_empty()
    }

    impl<'de: 'a, 'a> serde::Deserialize<'de> for Text<'a> {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            Ok(Text(match scalar(d)? {
                Scalar::Null => None,
                Scalar::Str(s) if is_blank(&s) => None,
                Scalar::Str(s) => Some(s),
                Scalar::Number(n) => Some(Cow::Owned(n)),
            }))
        }
    }

    /// [`super::de::date`].
    #[derive(Debug, Default, Clone, Copy, PartialEq)]
    pub struct Date(pub Option<ZohoDate>);

    impl<'de> serde::Deserialize<'de> for Date {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            match scalar(d)? {
                Scalar::Null => Ok(Date(None)),
                Scalar::Str(s) if is_blank(&s) => Ok(Date(None)),
                Scalar::Str(s) => ZohoDate::parse(s.trim())
                    .map(|d| Date(Some(d)))
                    .ok_or_else(|| de::Error::custom("expected a date YYYY-MM-DD")),
                Scalar::Number(_) => Err(de::Error::custom("expected a date YYYY-MM-DD, found a number")),
            }
        }
    }

    /// [`super::de::datetime`], keeping the (trimmed) text as received.
    #[derive(Debug, Default, Clone, PartialEq)]
    pub struct DateTime<'a>(pub Option<Cow<'a, str>>);

    impl<'de: 'a, 'a> serde::Deserialize<'de> for DateTime<'a> {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            match scalar(d)? {
                Scalar::Null => Ok(DateTime(None)),
                Scalar::Str(s) if is_blank(&s) => Ok(DateTime(None)),
                Scalar::Str(s) => {
                    let trimmed = match s {
                        Cow::Borrowed(b) => Cow::Borrowed(b.trim()),
                        Cow::Owned(o) => Cow::Owned(o.trim().to_owned()),
                    };
                    ZohoDateTime::unix_seconds_of(&trimmed)
                        .map(|_| DateTime(Some(trimmed)))
                        .ok_or_else(|| de::Error::custom("expected an ISO-8601 datetime with offset"))
                }
                Scalar::Number(_) => Err(de::Error::custom("expected an ISO-8601 datetime, found a number")),
            }
        }
    }

    /// [`super::de::boolean`], checked only (the rows that use it do not send it).
    #[derive(Debug, Default, Clone, Copy, PartialEq)]
    pub struct CheckedBool;

    impl<'de> serde::Deserialize<'de> for CheckedBool {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct V;
            impl<'de> Visitor<'de> for V {
                type Value = CheckedBool;
                fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                    f.write_str("a boolean")
                }
                fn visit_bool<E: de::Error>(self, _: bool) -> Result<CheckedBool, E> {
                    Ok(CheckedBool)
                }
                fn visit_str<E: de::Error>(self, v: &str) -> Result<CheckedBool, E> {
                    let t = v.trim();
                    if t.is_empty() || t.eq_ignore_ascii_case("true") || t.eq_ignore_ascii_case("false") {
                        Ok(CheckedBool)
                    } else {
                        Err(E::custom("expected a boolean"))
                    }
                }
                fn visit_unit<E: de::Error>(self) -> Result<CheckedBool, E> {
                    Ok(CheckedBool)
                }
                fn visit_none<E: de::Error>(self) -> Result<CheckedBool, E> {
                    Ok(CheckedBool)
                }
                fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<CheckedBool, D::Error> {
                    d.deserialize_any(self)
                }
            }
            d.deserialize_any(V)
        }
    }

    /// [`super::de::lookup`]: `{"id", "name"}` or a bare id; only the id is kept (checked as a
    /// [`ZohoId`]), the name is checked for its type.
    #[derive(Debug, Default, Clone, PartialEq)]
    pub struct LookupId(pub Option<ZohoId>);

    fn lookup_id<E: de::Error>(id: Scalar<'_>) -> Result<Option<ZohoId>, E> {
        let text = match id {
            Scalar::Null => return Ok(None),
            Scalar::Str(s) if is_blank(&s) => return Ok(None),
            Scalar::Str(s) => s,
            Scalar::Number(n) => Cow::Owned(n),
        };
        ZohoId::parse(&text).map(Some).map_err(|e| E::custom(format_args!("lookup id: {e}")))
    }

    impl<'de> serde::Deserialize<'de> for LookupId {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct V;
            impl<'de> Visitor<'de> for V {
                type Value = LookupId;
                fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                    f.write_str("a lookup {name, id}")
                }
                fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<LookupId, A::Error> {
                    let mut id = None;
                    while let Some(key) = map.next_key::<LookupKey>()? {
                        match key {
                            // A repeated key: the last one wins, as in a JSON object read whole.
                            LookupKey::Id => id = Some(map.next_value_seed(ScalarSeed)?),
                            // Any string, number or null is a name; other shapes are refused.
                            LookupKey::Name => {
                                let _ = map.next_value_seed(ScalarSeed)?;
                            }
                            LookupKey::Other => {
                                let _ = map.next_value::<IgnoredAny>()?;
                            }
                        }
                    }
                    Ok(LookupId(match id {
                        None => None,
                        Some(scalar) => lookup_id(scalar)?,
                    }))
                }
                fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<LookupId, E> {
                    lookup_id(Scalar::Str(Cow::Borrowed(v))).map(LookupId)
                }
                fn visit_str<E: de::Error>(self, v: &str) -> Result<LookupId, E> {
                    lookup_id(Scalar::Str(Cow::Borrowed(v))).map(LookupId)
                }
                fn visit_u64<E: de::Error>(self, v: u64) -> Result<LookupId, E> {
                    lookup_id(ScalarVisitor.visit_u64::<E>(v)?).map(LookupId)
                }
                fn visit_i64<E: de::Error>(self, v: i64) -> Result<LookupId, E> {
                    lookup_id(ScalarVisitor.visit_i64::<E>(v)?).map(LookupId)
                }
                fn visit_f64<E: de::Error>(self, v: f64) -> Result<LookupId, E> {
                    lookup_id(ScalarVisitor.visit_f64::<E>(v)?).map(LookupId)
                }
                fn visit_unit<E: de::Error>(self) -> Result<LookupId, E> {
                    Ok(LookupId(None))
                }
                fn visit_none<E: de::Error>(self) -> Result<LookupId, E> {
                    Ok(LookupId(None))
                }
                fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<LookupId, D::Error> {
                    d.deserialize_any(self)
                }
            }
            d.deserialize_any(V)
        }
    }

    /// The keys of a lookup object, without allocating them.
    enum LookupKey {
        Id,
        Name,
        Other,
    }

    impl<'de> serde::Deserialize<'de> for LookupKey {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct V;
            impl Visitor<'_> for V {
                type Value = LookupKey;
                fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                    f.write_str("a key")
                }
                fn visit_str<E: de::Error>(self, v: &str) -> Result<LookupKey, E> {
                    Ok(match v {
                        "id" => LookupKey::Id,
                        "name" => LookupKey::Name,
                        _ => LookupKey::Other,
                    })
                }
            }
            d.deserialize_identifier(V)
        }
    }

    struct ScalarSeed;

    impl<'de> de::DeserializeSeed<'de> for ScalarSeed {
        type Value = Scalar<'de>;
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Scalar<'de>, D::Error> {
            scalar(d)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        let d = ZohoDate::parse("2026-02-23").unwrap();
        assert_eq!(d.to_string(), "2026-02-23");
        // Midnight at UTC+3 is 21:00 UTC the day before.
        assert_eq!(d.midnight_unix_at_offset(180), 1_771_794_000);
        assert!(ZohoDate::parse("2026-02-30").is_none());
        assert!(ZohoDate::parse("2024-02-29").is_some());
        assert!(ZohoDate::parse("2026-2-3").is_none());
        assert!(ZohoDate::parse("٢٠٢٦-02-03").is_none());
    }

    #[test]
    fn datetimes() {
        let a = ZohoDateTime::parse("2026-02-23T12:34:56+03:00").unwrap();
        let b = ZohoDateTime::parse("2026-02-23T09:34:56Z").unwrap();
        assert_eq!(a.unix_seconds(), b.unix_seconds());
        assert_eq!(a.unix_seconds(), 1_771_839_296);
        assert!(ZohoDateTime::parse("2026-02-23T12:34:56.123-05:30").is_some());
        assert!(ZohoDateTime::parse("2026-02-23").is_none());
        assert!(ZohoDateTime::parse("2026-02-23T12:34:56").is_none());
        assert!(ZohoDateTime::parse("2026-02-23T12:34:56+3").is_none());
        let utc = ZohoDateTime::from_unix_utc(1_771_839_296);
        assert_eq!(utc.as_str(), "2026-02-23T09:34:56+00:00");
        assert_eq!(ZohoDateTime::parse(utc.as_str()).unwrap(), utc);
    }
}
