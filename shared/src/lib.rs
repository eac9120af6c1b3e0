//! Everything the four sync functions share: the webhook edge (routing, authentication, body
//! parsing, JSON answers), typed configuration, the Moodle web-service client and the Zoho CRM
//! client. A function crate only says which endpoints it owns and what each one does.

pub mod app;
pub mod base_url;
pub mod capture;
pub mod config;
pub mod decision;
pub mod error;
pub mod error_text;
pub mod http;
pub mod ids;
pub mod moodle;
pub mod outcome;
pub mod retry;
pub mod secret;
pub mod sync;
pub mod telemetry;
#[cfg(feature = "testkit")]
pub mod testkit;
pub mod webhook;
pub mod zoho;

pub use app::App;
pub use error::SyncError;
pub use ids::ZohoId;
pub use secret::Secret;
