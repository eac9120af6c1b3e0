//! What the Zoho client needs to know: the OAuth credentials, where to mint tokens, and how to
//! share them. The client's own settings, read and validated by `config`, which assembles every
//! part's settings.

use std::time::Duration;

use crate::secret::Secret;

#[derive(Debug, Clone)]
pub struct ZohoSettings {
    pub client_id: Secret,
    pub client_secret: Secret,
    pub refresh_token: Secret,
    pub accounts_url: String,
    /// Overrides the `api_domain` the token endpoint returns (the simulator, a proxy).
    pub api_domain: Option<String>,
    pub timeout: Duration,
    /// SSM parameter through which all containers share the current access token, if any.
    pub token_cache_param: Option<String>,
}
