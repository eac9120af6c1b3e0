//! `mzi status`: the first command to run when something is wrong. Checks the configuration,
//! Zoho (an access token, one record) and Moodle (site info, the plugin's version, every
//! function the sync calls in the token's service), and prints a pass/fail table. Exit code 1
//! when any check fails. No secret and no record field is printed.

use serde_json::{Value, json};
use shared::config::{Settings, Source};
use shared::moodle::MoodleClient;

use super::Console;
use crate::MziError;
use crate::table::Table;
use crate::zoho_admin::ZohoAdmin;

/// The oldest plugin release whose API the functions speak (`docs/plugin-api.md`).
pub const MIN_PLUGIN_VERSION: u64 = 2026112503;
/// The site-info function every service token can call; the sync's health check.
pub const SITE_INFO: &str = "core_webservice_get_site_info";

/// Every web-service function the functions and this tool call: the token's service must list
/// them all (a test checks this list against the code).
pub const REQUIRED_FUNCTIONS: [&str; 19] = [
    "local_mzi_update_student",
    "local_mzi_create_registration",
    "local_mzi_record_payment",
    "local_mzi_create_class",
    "local_mzi_update_enrollment",
    "local_mzi_submit_grade",
    "local_mzi_update_request_status",
    "local_mzi_sync_teacher",
    "local_mzi_get_moodle_ids",
    "local_mzi_delete_student",
    "local_mzi_delete_registration",
    "local_mzi_delete_payment",
    "local_mzi_delete_class",
    "local_mzi_delete_enrollment",
    "local_mzi_delete_grade",
    "local_mzi_delete_request",
    "local_mzi_create_btec_definition",
    "local_mzi_delete_btec_definition",
    SITE_INFO,
];

#[derive(Debug, Default, clap::Args)]
#[command(after_long_help = "Checks, in order: configuration (the same settings the functions load, SSM \
parameters included); Zoho token cache (the stack's shared SSM parameter: ZOHO_TOKEN_CACHE_PARAM, or the one beside \
ZOHO_REFRESH_TOKEN_PARAM; WARN when not shared); Zoho access token (the shared token, or one mint from the refresh token); Zoho record (COQL: one BTEC_Students id); \
Moodle site (core_webservice_get_site_info with MOODLE_TOKEN); plugin version (from the version of the plugin's \
functions in the site info, at least 2026112503); service functions (every function the sync calls is in the \
token's service). Exit code 0 when all pass, 1 otherwise.")]
pub struct Args {}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Pass,
    /// Works, but costs something the operator should know about (e.g. Zoho mints).
    Warn,
    Fail,
    Skipped,
}

impl Verdict {
    fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "PASS",
            Verdict::Warn => "WARN",
            Verdict::Fail => "FAIL",
            Verdict::Skipped => "SKIP",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    pub name: &'static str,
    pub verdict: Verdict,
    pub detail: String,
}

impl Check {
    fn new(name: &'static str, verdict: Verdict, detail: impl Into<String>) -> Self {
        Self { name, verdict, detail: detail.into() }
    }
}

/// Runs every check; never fails itself (a failure is a row).
pub async fn checks(source: &Source) -> Vec<Check> {
    let mut checks = Vec::new();
    let settings: Settings = match crate::load_settings(source).await {
        Ok(settings) => {
            let moodle =
                settings.moodle.target.as_ref().map_or("not set (plan mode)".to_owned(), |t| t.base_url.clone());
            checks.push(Check::new(
                "configuration",
                Verdict::Pass,
                format!("Moodle {moodle}; Zoho accounts {}", settings.zoho.accounts_url),
            ));
            settings
        }
        Err(error) => {
            checks.push(Check::new("configuration", Verdict::Fail, error.to_string()));
            for name in [
                "zoho token cache",
                "zoho access token",
                "zoho record",
                "moodle site",
                "plugin version",
                "service functions",
            ] {
                checks.push(Check::new(name, Verdict::Skipped, "needs a valid configuration"));
            }
            return checks;
        }
    };
    let http = crate::http_client();
    checks.extend(zoho_checks(&http, source, &settings).await);
    checks.extend(moodle_checks(&http, &settings).await);
    checks
}

/// The shared token cache this run uses (the stack's, `crate::token_cache_choice`), and whether
/// it holds a token the next call can use without minting.
async fn token_cache_check(source: &Source, settings: &Settings) -> (Check, bool) {
    let choice = crate::token_cache_choice(source);
    let Some(parameter) = settings.zoho.token_cache_param.clone() else {
        let detail = format!(
            "not shared ({}): every mzi run mints its own Zoho token, from the allowance the functions share; \
             set ZOHO_TOKEN_CACHE_PARAM to the stack's ZohoTokenCacheParam output",
            choice.origin
        );
        return (Check::new("zoho token cache", Verdict::Warn, detail), false);
    };
    let store = shared::zoho::SsmTokenStore::new(parameter.clone());
    match shared::zoho::TokenStore::load(&store).await {
        Ok(Some(token)) if token.expires_at_ms > now_ms() + 300_000 => {
            let minutes = (token.expires_at_ms - now_ms()) / 60_000;
            let detail = format!(
                "shared with the stack: SSM {parameter} ({}); holds a token good for {minutes} min",
                choice.origin
            );
            (Check::new("zoho token cache", Verdict::Pass, detail), true)
        }
        Ok(_) => {
            let detail = format!(
                "shared with the stack: SSM {parameter} ({}); no usable token in it yet: the next call mints one and stores it",
                choice.origin
            );
            (Check::new("zoho token cache", Verdict::Pass, detail), false)
        }
        Err(error) => {
            let detail =
                format!("SSM {parameter} ({}) cannot be read: {error}; runs mint their own tokens", choice.origin);
            (Check::new("zoho token cache", Verdict::Fail, detail), false)
        }
    }
}

fn now_ms() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
}

async fn zoho_checks(http: &reqwest::Client, source: &Source, settings: &Settings) -> Vec<Check> {
    let (cache, cached_token) = token_cache_check(source, settings).await;
    let zoho = ZohoAdmin::new(http.clone(), settings.zoho.clone());
    let module = super::zoho_authorize::VERIFY_MODULE;
    // The first CRM call gets the token; a failure there is the token's, not the record's.
    match zoho.connect().await {
        Err(error) => vec![
            cache,
            Check::new("zoho access token", Verdict::Fail, error.to_string()),
            Check::new("zoho record", Verdict::Skipped, "needs an access token"),
        ],
        Ok(api_domain) => {
            let how = if cached_token { "the shared token" } else { "minted" };
            let token = Check::new("zoho access token", Verdict::Pass, format!("{how}; CRM at {api_domain}"));
            let record = match zoho.first_record_id(module).await {
                Ok(Some(id)) => Check::new("zoho record", Verdict::Pass, format!("read {module} record {id}")),
                Ok(None) => Check::new("zoho record", Verdict::Pass, format!("queried {module}: no records yet")),
                Err(error) => Check::new("zoho record", Verdict::Fail, error.to_string()),
            };
            vec![cache, token, record]
        }
    }
}

async fn moodle_checks(http: &reqwest::Client, settings: &Settings) -> Vec<Check> {
    let skipped = |reason: &str| {
        vec![
            Check::new("plugin version", Verdict::Skipped, reason),
            Check::new("service functions", Verdict::Skipped, reason),
        ]
    };
    let Some(target) = settings.moodle.target.clone() else {
        let mut rows = vec![Check::new(
            "moodle site",
            Verdict::Fail,
            "MOODLE_URL is not set: the functions only plan, nothing reaches Moodle",
        )];
        rows.extend(skipped("needs MOODLE_URL"));
        return rows;
    };
    let moodle = MoodleClient::new(http.clone(), Some(target.clone()), settings.moodle.timeout);
    let info = match moodle.call_value(SITE_INFO, &json!({})).await {
        Ok(Some(info)) => info,
        Ok(None) => Value::Null,
        Err(error) => {
            let mut rows = vec![Check::new(
                "moodle site",
                Verdict::Fail,
                format!("{} at {}: {error}", SITE_INFO, target.base_url),
            )];
            rows.extend(skipped("needs the site info"));
            return rows;
        }
    };
    let mut rows = Vec::new();
    let site = info["sitename"].as_str().unwrap_or("?");
    let release = info["release"].as_str().unwrap_or("?");
    rows.push(Check::new("moodle site", Verdict::Pass, format!("{site:?}, Moodle {release}, at {}", target.base_url)));

    let functions: Vec<(&str, &str)> = info["functions"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| Some((f["name"].as_str()?, f["version"].as_str().unwrap_or(""))))
        .collect();
    let versions: Vec<u64> = functions
        .iter()
        .filter(|(name, _)| name.starts_with("local_mzi_"))
        .filter_map(|(_, v)| v.parse().ok())
        .collect();
    rows.push(match versions.iter().max() {
        None => Check::new(
            "plugin version",
            Verdict::Fail,
            "the token's service lists no local_mzi_ function: is local_moodle_zoho_sync installed and the token of its service?",
        ),
        Some(&version) if version < MIN_PLUGIN_VERSION => Check::new(
            "plugin version",
            Verdict::Fail,
            format!("{version} is older than {MIN_PLUGIN_VERSION}: upgrade the plugin (Site administration → Notifications)"),
        ),
        Some(version) => Check::new("plugin version", Verdict::Pass, format!("local_moodle_zoho_sync {version}")),
    });
    let missing: Vec<&str> =
        REQUIRED_FUNCTIONS.iter().copied().filter(|needed| !functions.iter().any(|(name, _)| name == needed)).collect();
    rows.push(if missing.is_empty() {
        Check::new(
            "service functions",
            Verdict::Pass,
            format!("all {} functions the sync calls are in the service", REQUIRED_FUNCTIONS.len()),
        )
    } else {
        Check::new(
            "service functions",
            Verdict::Fail,
            format!(
                "missing from the token's service: {} (upgrade the plugin, or use the token of its service)",
                missing.join(", ")
            ),
        )
    });
    rows
}

pub async fn run(_args: &Args, source: &Source, console: &mut Console<'_>) -> Result<(), MziError> {
    let checks = checks(source).await;
    let mut table = Table::new(["CHECK", "RESULT", "DETAIL"]);
    for check in &checks {
        table.row([check.name.to_owned(), check.verdict.as_str().to_owned(), check.detail.clone()]);
    }
    table.write(console.out).map_err(|e| MziError::Failed(format!("cannot write the report: {e}")))?;
    let failed = checks.iter().filter(|c| c.verdict == Verdict::Fail).count();
    if failed > 0 {
        return Err(MziError::Failed(format!("{failed} check(s) failed")));
    }
    console
        .out
        .write_all(b"All checks passed.\n")
        .map_err(|e| MziError::Failed(format!("cannot write the report: {e}")))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every `local_mzi_*` function named in the sync's code is in the list the status checks.
    #[test]
    fn the_required_list_covers_every_function_the_code_calls() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let mut sources = Vec::new();
        for dir in ["shared/src", "functions"] {
            collect_rs(&root.join(dir), &mut sources);
        }
        let mut called = std::collections::BTreeSet::new();
        for path in sources.iter().filter(|p| !p.to_string_lossy().contains("/tests/")) {
            let text = std::fs::read_to_string(path).unwrap();
            for piece in text.split('"').skip(1).step_by(2) {
                if piece.starts_with("local_mzi_") && piece.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
                    called.insert(piece.to_owned());
                }
            }
        }
        assert!(called.len() >= 15, "found too few functions: {called:?}");
        for function in &called {
            assert!(
                REQUIRED_FUNCTIONS.contains(&function.as_str()),
                "{function} is called but not checked by mzi status"
            );
        }
    }

    fn collect_rs(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                if !path.ends_with("target") {
                    collect_rs(&path, out);
                }
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }

    #[test]
    fn the_plugin_release_in_the_tree_is_new_enough() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../moodle_plugin/version.php");
        let text = std::fs::read_to_string(path).unwrap();
        let version: u64 = text
            .lines()
            .find(|l| l.trim_start().starts_with("$plugin->version"))
            .and_then(|l| l.split('=').nth(1))
            .and_then(|v| v.trim().trim_end_matches(';').trim().parse().ok())
            .expect("version.php has $plugin->version");
        assert!(version >= MIN_PLUGIN_VERSION);
    }
}
