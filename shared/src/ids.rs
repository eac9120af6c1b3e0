//! Identifiers that are parsed once at the edge and trusted afterwards.

use std::fmt;

/// Longest id we accept: 20 digits. Zoho record ids are 19 digits today, and the Moodle plugin
/// stores every Zoho id in a `char(20)` column and refuses longer ones. This is the one id-length
/// rule of the project; it lives here for the functions and tools, and in the plugin in
/// `moodle_plugin/classes/local/ws.php` (`ws::zoho_id(…, int $max = 20)`) and the `LENGTH="20"` of
/// every `zoho_*_id` column in `moodle_plugin/db/install.xml`. `shared/tests/id_rule.rs` fails when
/// the two sides drift apart.
pub const MAX_ZOHO_ID_LEN: usize = 20;

/// A Zoho CRM record id: 1 to [`MAX_ZOHO_ID_LEN`] ASCII digits, no sign, no leading zero, not 0.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct ZohoId(String);

/// Why a string is not a Zoho record id. The messages are shown to the caller (Zoho's webhook
/// log), so they name the problem without echoing the raw input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ZohoIdError {
    #[error("the record id is empty")]
    Empty,
    #[error(
        "the record id is an unsubstituted Zoho merge field (it starts with '$'); check the webhook's body template"
    )]
    MergeFieldNotSubstituted,
    #[error("the record id is longer than {MAX_ZOHO_ID_LEN} digits")]
    TooLong,
    #[error("the record id must contain the digits 0-9 only (no sign, space or other character)")]
    NotDigits,
    #[error("the record id is zero, which is not a Zoho record id")]
    Zero,
    #[error("the record id starts with 0, which no Zoho record id does")]
    LeadingZero,
}

impl ZohoId {
    /// Parses an id exactly as given: nothing is trimmed, so `" 42"` is refused like `"4 2"`.
    pub fn parse(raw: &str) -> Result<Self, ZohoIdError> {
        let value = raw;
        if value.is_empty() {
            return Err(ZohoIdError::Empty);
        }
        if value.starts_with('$') {
            return Err(ZohoIdError::MergeFieldNotSubstituted);
        }
        if !value.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ZohoIdError::NotDigits);
        }
        if value.len() > MAX_ZOHO_ID_LEN {
            return Err(ZohoIdError::TooLong);
        }
        if value.bytes().all(|b| b == b'0') {
            return Err(ZohoIdError::Zero);
        }
        if value.starts_with('0') {
            return Err(ZohoIdError::LeadingZero);
        }
        Ok(Self(value.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ZohoId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for ZohoId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ZohoId({})", self.0)
    }
}

impl<'de> serde::Deserialize<'de> for ZohoId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        ZohoId::parse(&raw).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_real_zoho_ids() {
        assert_eq!(ZohoId::parse("5398830000032385830").unwrap().as_str(), "5398830000032385830");
        assert_eq!(ZohoId::parse("42").unwrap().as_str(), "42");
        assert_eq!(ZohoId::parse("1").unwrap().as_str(), "1");
        assert_eq!(ZohoId::parse("10").unwrap().as_str(), "10");
        assert!(ZohoId::parse(&"9".repeat(20)).is_ok());
    }

    #[test]
    fn rejects_everything_else() {
        assert_eq!(ZohoId::parse(""), Err(ZohoIdError::Empty));
        assert_eq!(ZohoId::parse("   "), Err(ZohoIdError::NotDigits));
        assert_eq!(ZohoId::parse(" 42 "), Err(ZohoIdError::NotDigits));
        assert_eq!(ZohoId::parse("42\n"), Err(ZohoIdError::NotDigits));
        assert_eq!(ZohoId::parse("${!BTEC_Students.Id}"), Err(ZohoIdError::MergeFieldNotSubstituted));
        assert_eq!(ZohoId::parse(&"9".repeat(21)), Err(ZohoIdError::TooLong));
        assert_eq!(ZohoId::parse(&"9".repeat(26)), Err(ZohoIdError::TooLong));
        assert_eq!(ZohoId::parse("0"), Err(ZohoIdError::Zero));
        assert_eq!(ZohoId::parse("0000"), Err(ZohoIdError::Zero));
        assert_eq!(ZohoId::parse(&"0".repeat(20)), Err(ZohoIdError::Zero));
        assert_eq!(ZohoId::parse("0123"), Err(ZohoIdError::LeadingZero));
        assert_eq!(ZohoId::parse("-12"), Err(ZohoIdError::NotDigits));
        assert_eq!(ZohoId::parse("+12"), Err(ZohoIdError::NotDigits));
        assert_eq!(ZohoId::parse("12a"), Err(ZohoIdError::NotDigits));
        assert_eq!(ZohoId::parse("1 OR 1=1"), Err(ZohoIdError::NotDigits));
        assert_eq!(ZohoId::parse("١٢٣"), Err(ZohoIdError::NotDigits));
        assert_eq!(ZohoId::parse("1.5"), Err(ZohoIdError::NotDigits));
        assert_eq!(ZohoId::parse("1e5"), Err(ZohoIdError::NotDigits));
    }
}
