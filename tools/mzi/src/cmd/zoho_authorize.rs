//! `mzi zoho authorize`: a Self Client grant token (authorization code) exchanged for a refresh
//! token (`docs/zoho-crm.md` §3.1), verified by minting an access token from it and reading one
//! record, then stored in SSM (SecureString) or in the local `.env`. The token is never printed.
//!
//! Verified before stored: a refresh token that cannot read records (wrong data centre, missing
//! scope) never replaces a working one. The grant token is single-use, so on failure the operator
//! generates a new one.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use shared::Secret;
use shared::config::{DEFAULT_ZOHO_ACCOUNTS_URL, Source, ZohoSettings};
use shared::zoho::ZohoError;

use super::Console;
use crate::MziError;
use crate::zoho_admin::ZohoAdmin;

/// The scopes the sync needs, least privilege: records of the custom modules (read, and the
/// `Moodle_Class_ID` write-back), the programmes (`Products`), COQL, and for `setup-rules` the
/// webhooks and workflow rules.
pub const SCOPES: &str = "ZohoCRM.modules.custom.ALL,ZohoCRM.modules.products.READ,ZohoCRM.coql.READ,ZohoCRM.settings.workflow_rules.ALL,ZohoCRM.settings.automation_actions.ALL";
/// The module read to verify a token.
pub const VERIFY_MODULE: &str = "BTEC_Students";

#[derive(Debug, clap::Args)]
#[command(after_long_help = "How to get a grant token (it is valid for 3 minutes by default and works once):\n  \
1. https://api-console.zoho.com (the accounts host of your data centre) → Self Client → Generate Code.\n  \
2. Scope: ZohoCRM.modules.custom.ALL,ZohoCRM.modules.products.READ,ZohoCRM.coql.READ,ZohoCRM.settings.workflow_rules.ALL,ZohoCRM.settings.automation_actions.ALL\n     \
(the specification's ZohoCRM.modules.ALL,ZohoCRM.settings.ALL also works if ZohoCRM.coql.READ is added: the sync reads with COQL).\n  \
3. Run this command within the code's lifetime; paste the code when asked (it is not echoed anywhere).\n\n\
Reads ZOHO_CLIENT_ID, ZOHO_CLIENT_SECRET (or *_PARAM), ZOHO_ACCOUNTS_URL (default https://accounts.zoho.com; \
EU https://accounts.zoho.eu, Canada https://accounts.zohocloud.ca) and ZOHO_API_DOMAIN from the environment, ./.env and --env-file.\n\
The Lambda functions read the refresh token at cold start: after storing a new one, redeploy or wait for new containers.")]
pub struct Args {
    /// The grant token from the Self Client. Omit it to be asked on standard input (keeps it out
    /// of the shell history).
    #[arg(long, value_name = "GRANT_TOKEN")]
    pub code: Option<String>,
    /// Store the refresh token in this SSM parameter (SecureString, overwritten), e.g.
    /// /moodle-zoho-sync/prod/zoho-refresh-token.
    #[arg(long, value_name = "NAME", conflicts_with = "env_file", required_unless_present = "env_file")]
    pub ssm_param: Option<String>,
    /// Store the refresh token in this env file: its ZOHO_REFRESH_TOKEN line is replaced (or
    /// added) and the file is left with mode 600.
    #[arg(long, value_name = "PATH")]
    pub env_file: Option<PathBuf>,
}

/// The settings authorisation needs (the refresh token is what it makes).
struct ClientSettings {
    client_id: Secret,
    client_secret: Secret,
    accounts_url: String,
    api_domain: Option<String>,
    timeout: Duration,
}

async fn client_settings(source: &Source) -> Result<ClientSettings, MziError> {
    let mut source = source.clone();
    let wanted: Vec<(&'static str, String)> = source
        .ssm_parameters_wanted()
        .into_iter()
        .filter(|(name, _)| matches!(*name, "ZOHO_CLIENT_ID" | "ZOHO_CLIENT_SECRET"))
        .collect();
    if !wanted.is_empty() {
        for (name, value) in shared::config::ssm::fetch(&wanted).await? {
            source.set(name, value);
        }
    }
    let secret = |name: &'static str| {
        source.get(name).map(Secret::new).ok_or(shared::config::ConfigError::MissingSecret { name })
    };
    let url = |name: &'static str, value: &str| -> Result<String, MziError> {
        let trimmed = value.trim_end_matches('/');
        if trimmed.starts_with("https://") || trimmed.starts_with("http://") {
            Ok(trimmed.to_owned())
        } else {
            Err(shared::config::ConfigError::Invalid { name, reason: "must be an http(s) URL".into() }.into())
        }
    };
    Ok(ClientSettings {
        client_id: secret("ZOHO_CLIENT_ID")?,
        client_secret: secret("ZOHO_CLIENT_SECRET")?,
        accounts_url: url("ZOHO_ACCOUNTS_URL", source.get("ZOHO_ACCOUNTS_URL").unwrap_or(DEFAULT_ZOHO_ACCOUNTS_URL))?,
        api_domain: source.get("ZOHO_API_DOMAIN").map(|d| url("ZOHO_API_DOMAIN", d)).transpose()?,
        timeout: Duration::from_secs(source.get("ZOHO_TIMEOUT_SECONDS").and_then(|s| s.parse().ok()).unwrap_or(10)),
    })
}

/// Adds the values of an env file that the source does not already have (the environment wins,
/// as with `.env`).
pub fn merge_env_file(source: &mut Source, path: &Path) -> Result<(), MziError> {
    if !path.exists() {
        return Ok(());
    }
    let entries = dotenvy::from_path_iter(path).map_err(|e| MziError::file(path, e))?;
    for entry in entries {
        let (key, value) = entry.map_err(|e| MziError::file(path, e))?;
        if source.get(&key).is_none() {
            source.set(key, value);
        }
    }
    Ok(())
}

pub async fn run(args: &Args, mut source: Source, console: &mut Console<'_>) -> Result<(), MziError> {
    if let Some(path) = &args.env_file {
        merge_env_file(&mut source, path)?;
    }
    let client = client_settings(&source).await?;
    let code = match &args.code {
        Some(code) => Secret::new(code.trim()),
        None => {
            write!(console.err, "Grant token (from the Self Client, valid 3 minutes): ").ok();
            console.err.flush().ok();
            let mut line = String::new();
            console
                .input
                .read_line(&mut line)
                .map_err(|e| MziError::Usage(format!("cannot read the grant token: {e}")))?;
            Secret::new(line.trim())
        }
    };
    if code.is_empty() {
        return Err(MziError::Usage("no grant token given (--code, or paste it when asked)".into()));
    }

    let http = crate::http_client();
    let grant = ZohoAdmin::exchange_grant(
        &http,
        &client.accounts_url,
        &client.client_id,
        &client.client_secret,
        &code,
        client.api_domain.as_deref(),
        client.timeout,
    )
    .await
    .map_err(explain_exchange_error)?;
    let refresh_token = grant.refresh_token.clone().ok_or_else(|| {
        MziError::Zoho(ZohoError::TokenResponseInvalid {
            reason: "the answer has an access token but no refresh token; generate the code from a Self Client".into(),
        })
    })?;
    writeln!(
        console.out,
        "Exchanged the grant token at {}: got a refresh token (scopes: {}).",
        client.accounts_url,
        grant.scope.as_deref().unwrap_or("not reported")
    )
    .map_err(io)?;

    let settings = ZohoSettings {
        client_id: client.client_id.clone(),
        client_secret: client.client_secret.clone(),
        refresh_token: refresh_token.clone(),
        accounts_url: client.accounts_url.clone(),
        api_domain: client.api_domain.clone(),
        timeout: client.timeout,
        token_cache_param: None,
    };
    let zoho = ZohoAdmin::new(http, settings);
    let record = zoho.first_record_id(VERIFY_MODULE).await.map_err(|e| {
        MziError::Failed(format!(
            "the new refresh token could not read {VERIFY_MODULE} ({e}); it was NOT stored. Check the scopes \
             (mzi zoho authorize --help) and the data centre (ZOHO_ACCOUNTS_URL), then generate a new grant token"
        ))
    })?;
    match &record {
        Some(id) => writeln!(console.out, "Verified: minted an access token and read {VERIFY_MODULE} record {id}."),
        None => {
            writeln!(console.out, "Verified: minted an access token and queried {VERIFY_MODULE} (it has no records).")
        }
    }
    .map_err(io)?;

    match (&args.ssm_param, &args.env_file) {
        (Some(name), _) => {
            let version = store_in_ssm(name, &refresh_token).await?;
            writeln!(
                console.out,
                "Stored the refresh token in SSM parameter {name} (SecureString, version {version})."
            )
            .map_err(io)?;
            writeln!(
                console.out,
                "Point the functions at it with ZOHO_REFRESH_TOKEN_PARAM={name}; new containers read it at cold start."
            )
            .map_err(io)?;
        }
        (None, Some(path)) => {
            store_in_env_file(path, &refresh_token)?;
            writeln!(console.out, "Stored ZOHO_REFRESH_TOKEN in {} (mode 600).", path.display()).map_err(io)?;
        }
        (None, None) => return Err(MziError::Usage("give --ssm-param NAME or --env-file PATH".into())),
    }
    Ok(())
}

fn io(error: std::io::Error) -> MziError {
    MziError::Failed(format!("cannot write the report: {error}"))
}

/// The usual causes, in the operator's words.
fn explain_exchange_error(error: ZohoError) -> MziError {
    match &error {
        ZohoError::TokenRejected { error: code } if code == "invalid_code" => MziError::Failed(format!(
            "{error}: the grant token is wrong, expired (3 minutes) or already used; generate a new one"
        )),
        ZohoError::TokenRejected { error: code } if code == "invalid_client" => MziError::Failed(format!(
            "{error}: ZOHO_CLIENT_ID/ZOHO_CLIENT_SECRET do not match a client of this data centre's accounts server (ZOHO_ACCOUNTS_URL)"
        )),
        _ => MziError::Zoho(error),
    }
}

async fn store_in_ssm(name: &str, value: &Secret) -> Result<i64, MziError> {
    let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let client = aws_sdk_ssm::Client::new(&config);
    let answer = client
        .put_parameter()
        .name(name)
        .value(value.expose())
        .r#type(aws_sdk_ssm::types::ParameterType::SecureString)
        .overwrite(true)
        .description("Zoho CRM refresh token of the Moodle sync (mzi zoho authorize)")
        .send()
        .await
        .map_err(|e| {
            MziError::Failed(format!(
                "could not store SSM parameter {name}: {}; the new refresh token is lost, generate a new grant token once the AWS credentials allow ssm:PutParameter",
                aws_sdk_ssm::error::DisplayErrorContext(&e)
            ))
        })?;
    Ok(answer.version())
}

/// Replaces (or adds) the `ZOHO_REFRESH_TOKEN=` line, keeping every other line as it was, and
/// leaves the file readable by its owner only. Written to a temporary file and renamed, so an
/// interruption never leaves half a file.
pub fn store_in_env_file(path: &Path, value: &Secret) -> Result<(), MziError> {
    let existing = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(MziError::file(path, e)),
    };
    let line = format!("ZOHO_REFRESH_TOKEN={}", value.expose());
    let mut replaced = false;
    let mut lines: Vec<String> = Vec::new();
    for current in existing.lines() {
        let key = current.trim_start().trim_start_matches("export ").trim_start();
        if key.strip_prefix("ZOHO_REFRESH_TOKEN").is_some_and(|rest| rest.trim_start().starts_with('=')) {
            if !replaced {
                lines.push(line.clone());
                replaced = true;
            }
        } else {
            lines.push(current.to_owned());
        }
    }
    if !replaced {
        lines.push(line);
    }
    let mut text = lines.join("\n");
    text.push('\n');

    let directory = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let temporary = directory.join(format!(
        ".{}.mzi-{:08x}",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("env"),
        fastrand::u32(..)
    ));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let written = options.open(&temporary).and_then(|mut file| {
        file.write_all(text.as_bytes())?;
        file.sync_all()
    });
    if let Err(e) = written.and_then(|()| std::fs::rename(&temporary, path)) {
        let _ = std::fs::remove_file(&temporary);
        return Err(MziError::file(path, e));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).map_err(|e| MziError::file(path, e))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_env_file_keeps_other_lines_and_replaces_the_token() {
        let dir = std::env::temp_dir().join(format!("mzi-env-{:08x}", fastrand::u32(..)));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(".env");
        std::fs::write(
            &path,
            "# local\nZOHO_CLIENT_ID=1000.X\nexport ZOHO_REFRESH_TOKEN = old\nZOHO_REFRESH_TOKEN_PARAM=/x\n",
        )
        .unwrap();
        store_in_env_file(&path, &Secret::new("1000.new")).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text, "# local\nZOHO_CLIENT_ID=1000.X\nZOHO_REFRESH_TOKEN=1000.new\nZOHO_REFRESH_TOKEN_PARAM=/x\n");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
