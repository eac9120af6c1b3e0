//! The Zoho CRM client. (Filled in by the Zoho-client work: OAuth with a shared token cache,
//! records by id, COQL, updates.)

use crate::config::ZohoSettings;
use crate::error::Retry;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ZohoError {
    #[error("Zoho could not be reached: {reason}")]
    Unreachable { reason: String },
}

impl ZohoError {
    pub fn retry(&self) -> Retry {
        Retry::Now
    }

    pub fn http_status(&self) -> u16 {
        502
    }

    pub fn code(&self) -> &'static str {
        "zoho_unreachable"
    }
}

#[derive(Debug, Clone)]
pub struct ZohoClient {
    #[allow(dead_code)]
    http: reqwest::Client,
    #[allow(dead_code)]
    settings: ZohoSettings,
}

impl ZohoClient {
    pub fn new(http: reqwest::Client, settings: ZohoSettings) -> Self {
        Self { http, settings }
    }
}
