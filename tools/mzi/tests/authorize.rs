//! `mzi zoho authorize`, run as the real binary: the grant token exchanged at the simulator's
//! token endpoint, the refresh token verified and stored in an env file, never printed.

mod common;

use std::io::Write;
use std::process::{Command, Stdio};

use mzi::cmd::zoho_authorize::SCOPES;

const OLD_REFRESH: &str = "1000.old-refresh-token";

fn env_file_text(extra: &str) -> String {
    format!(
        "# local settings\nZOHO_CLIENT_ID=1000.TESTCLIENT\nZOHO_CLIENT_SECRET={}\nZOHO_REFRESH_TOKEN={OLD_REFRESH}\n{extra}",
        common::CLIENT_SECRET
    )
}

/// Runs the binary in `dir` (so its `.env` is the only configuration besides `vars`), feeding
/// `stdin`.
async fn run_binary(
    dir: &std::path::Path,
    args: &[&str],
    vars: &[(&str, String)],
    stdin: &str,
) -> std::process::Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_mzi"));
    command.args(args).current_dir(dir).env_clear().stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    if let Ok(path) = std::env::var("PATH") {
        command.env("PATH", path);
    }
    for (name, value) in vars {
        command.env(name, value);
    }
    let stdin = stdin.to_owned();
    tokio::task::spawn_blocking(move || {
        let mut child = command.spawn().expect("mzi starts");
        child.stdin.take().expect("piped").write_all(stdin.as_bytes()).expect("stdin");
        child.wait_with_output().expect("mzi finishes")
    })
    .await
    .expect("the blocking task")
}

#[tokio::test(flavor = "multi_thread")]
async fn the_refresh_token_is_verified_stored_with_mode_600_and_never_printed() {
    let sim = common::simulator().await;
    let dir = tempfile::tempdir().unwrap();
    let env = dir.path().join(".env");
    std::fs::write(&env, env_file_text("MOODLE_URL=https://moodle.example\n")).unwrap();
    let code = sim.issue_grant_code(SCOPES);
    let vars = [("ZOHO_ACCOUNTS_URL", sim.base_url()), ("ZOHO_API_DOMAIN", sim.base_url())];

    // No --code: the grant token is read from standard input.
    let output =
        run_binary(dir.path(), &["zoho", "authorize", "--env-file", ".env"], &vars, &format!("{code}\n")).await;
    let (stdout, stderr) = (String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("Verified: minted an access token and read BTEC_Students record 5398830000100000001"),
        "{stdout}"
    );
    assert!(stdout.contains("Stored ZOHO_REFRESH_TOKEN in .env (mode 600)"), "{stdout}");

    let text = std::fs::read_to_string(&env).unwrap();
    let stored = text.lines().find_map(|l| l.strip_prefix("ZOHO_REFRESH_TOKEN=")).expect("the token line").to_owned();
    assert!(stored.starts_with("1000.simrefresh"), "{text}");
    assert_eq!(
        text,
        env_file_text("MOODLE_URL=https://moodle.example\n").replace(OLD_REFRESH, &stored),
        "other lines are kept"
    );
    for printed in [&stdout, &stderr] {
        assert!(!printed.contains(&stored), "the refresh token was printed:\n{printed}");
        assert!(!printed.contains(&code), "the grant token was printed:\n{printed}");
        assert!(!printed.contains(common::CLIENT_SECRET) && !printed.contains("1000.sim"), "{printed}");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&env).unwrap().permissions().mode() & 0o777, 0o600);
    }
    // The stored token works: the simulator minted from it during verification.
    assert!(sim.stats().mints >= 2);

    // A grant token works once: the second exchange fails and the file is left alone.
    let output = run_binary(dir.path(), &["zoho", "authorize", "--env-file", ".env", "--code", &code], &vars, "").await;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr.contains("invalid_code") && stderr.contains("generate a new one"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&env).unwrap(), text);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_token_that_cannot_read_records_is_not_stored() {
    let sim = common::simulator().await;
    let dir = tempfile::tempdir().unwrap();
    let env = dir.path().join("prod.env");
    std::fs::write(&env, env_file_text("")).unwrap();
    let code = sim.issue_grant_code(SCOPES);
    // The CRM refuses every call (as with a missing scope or the wrong data centre).
    sim.set_faults(zoho_sim::Faults { api_status: Some(400), ..zoho_sim::Faults::default() });
    let vars = [("ZOHO_ACCOUNTS_URL", sim.base_url()), ("ZOHO_API_DOMAIN", sim.base_url())];
    let output =
        run_binary(dir.path(), &["zoho", "authorize", "--env-file", "prod.env", "--code", &code], &vars, "").await;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("it was NOT stored"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&env).unwrap(), env_file_text(""));
}

#[test]
fn every_subcommand_has_help() {
    for args in [
        vec!["--help"],
        vec!["zoho", "--help"],
        vec!["zoho", "authorize", "--help"],
        vec!["zoho", "setup-rules", "--help"],
        vec!["backfill", "--help"],
        vec!["status", "--help"],
    ] {
        let output = Command::new(env!("CARGO_BIN_EXE_mzi")).args(&args).output().unwrap();
        assert!(output.status.success(), "{args:?}");
        assert!(String::from_utf8_lossy(&output.stdout).contains("Usage: mzi"), "{args:?}");
    }
    let output = Command::new(env!("CARGO_BIN_EXE_mzi")).args(["zoho", "authorize", "--help"]).output().unwrap();
    assert!(String::from_utf8_lossy(&output.stdout).contains("ZohoCRM.coql.READ"));
}
