//! Identifiers that are parsed once at the edge and trusted afterwards.

use std::fmt;

/// Longest id we accept. Zoho record ids are 19 digits today; 25 leaves room without letting
/// arbitrary numbers through.
pub const MAX_ZOHO_ID_LEN: usize = 25;

/// A Zoho CRM record id: ASCII digits only, 1 to 25 of them.
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
    #[error("the record id is longer than {MAX_ZOHO_ID_LEN} characters")]
    TooLong,
    #[error("the record id must contain digits only")]
    NotDigits,
}

impl ZohoId {
    pub fn parse(raw: &str) -> Result<Self, ZohoIdError> {
        let value = raw.trim();
        if value.is_empty() {
            return Err(ZohoIdError::Empty);
        }
        if value.starts_with('$') {
            return Err(ZohoIdError::MergeFieldNotSubstituted);
        }
        if value.len() > MAX_ZOHO_ID_LEN {
            return Err(ZohoIdError::TooLong);
        }
        if !value.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ZohoIdError::NotDigits);
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
        assert_eq!(ZohoId::parse(" 42 ").unwrap().as_str(), "42");
        assert!(ZohoId::parse(&"9".repeat(25)).is_ok());
    }

    #[test]
    fn rejects_everything_else() {
        assert_eq!(ZohoId::parse(""), Err(ZohoIdError::Empty));
        assert_eq!(ZohoId::parse("   "), Err(ZohoIdError::Empty));
        assert_eq!(ZohoId::parse("${!BTEC_Students.Id}"), Err(ZohoIdError::MergeFieldNotSubstituted));
        assert_eq!(ZohoId::parse(&"9".repeat(26)), Err(ZohoIdError::TooLong));
        assert_eq!(ZohoId::parse("-12"), Err(ZohoIdError::NotDigits));
        assert_eq!(ZohoId::parse("12a"), Err(ZohoIdError::NotDigits));
        assert_eq!(ZohoId::parse("1 OR 1=1"), Err(ZohoIdError::NotDigits));
        assert_eq!(ZohoId::parse("١٢٣"), Err(ZohoIdError::NotDigits));
        assert_eq!(ZohoId::parse("1.5"), Err(ZohoIdError::NotDigits));
    }
}
