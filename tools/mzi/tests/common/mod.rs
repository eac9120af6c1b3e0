//! The harness of the `mzi` tests: the Zoho simulator seeded from `fixtures/zoho/`, a stand-in
//! Moodle, configuration as a `Source` (no process environment), and a runner that parses a
//! command line exactly as `main` does and captures what the command prints.

// Each test file uses a different part of the harness.
#![allow(dead_code)]

use clap::Parser;
use mzi::MziError;
use mzi::cmd::{self, Cli, Console};
use shared::config::Source;
use shared::testkit::{self, TEST_MOODLE_TOKEN, TEST_WEBHOOK_SECRET};
use zoho_sim::Simulator;

pub const CLIENT_SECRET: &str = "test-zoho-client-secret";
pub const REFRESH_TOKEN: &str = "1000.test-refresh-token";

pub async fn simulator() -> Simulator {
    Simulator::start_from_dir(testkit::workspace_root().join("fixtures/zoho")).await.expect("the simulator starts")
}

/// Valid configuration pointing at the simulator and, when given, a Moodle.
pub fn source(sim: &Simulator, moodle_url: Option<&str>) -> Source {
    let mut source = Source::from_pairs([
        ("WEBHOOK_SECRET", TEST_WEBHOOK_SECRET),
        ("ZOHO_CLIENT_ID", "1000.TESTCLIENT"),
        ("ZOHO_CLIENT_SECRET", CLIENT_SECRET),
        ("ZOHO_REFRESH_TOKEN", REFRESH_TOKEN),
        ("MOODLE_TIMEOUT_SECONDS", "2"),
        ("ZOHO_TIMEOUT_SECONDS", "2"),
    ]);
    source.set("ZOHO_ACCOUNTS_URL", sim.base_url());
    source.set("ZOHO_API_DOMAIN", sim.base_url());
    if let Some(url) = moodle_url {
        source.set("MOODLE_URL", url);
        source.set("MOODLE_TOKEN", TEST_MOODLE_TOKEN);
    }
    source
}

pub struct Run {
    pub result: Result<(), MziError>,
    pub out: String,
    pub err: String,
}

impl Run {
    /// Everything the command printed, for "never prints a secret" checks.
    pub fn printed(&self) -> String {
        format!(
            "{}\n{}\n{}",
            self.out,
            self.err,
            self.result.as_ref().err().map(ToString::to_string).unwrap_or_default()
        )
    }
}

/// Runs `mzi <args>` in-process with `source` as its configuration.
pub async fn mzi(args: &[&str], source: Source) -> Run {
    let cli = Cli::try_parse_from(std::iter::once("mzi").chain(args.iter().copied())).expect("a valid command line");
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let mut input: &[u8] = b"";
    let mut console = Console { out: &mut out, err: &mut err, input: &mut input };
    let result = cmd::run(cli, source, &mut console).await;
    Run { result, out: String::from_utf8_lossy(&out).into_owned(), err: String::from_utf8_lossy(&err).into_owned() }
}

/// Asserts no configured secret appears in what a command printed.
pub fn assert_no_secrets(printed: &str) {
    for secret in [TEST_WEBHOOK_SECRET, CLIENT_SECRET, REFRESH_TOKEN, TEST_MOODLE_TOKEN, "1000.sim"] {
        assert!(!printed.contains(secret), "printed a secret ({secret}):\n{printed}");
    }
}
