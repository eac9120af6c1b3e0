//! `mzi status`: the pass/fail table against the simulator and a stand-in Moodle.

mod common;

use common::{assert_no_secrets, mzi, simulator, source};
use mzi::cmd::status::REQUIRED_FUNCTIONS;
use serde_json::json;
use shared::testkit::{Reply, StandInMoodle};

fn site_info(functions: &[&str], version: &str) -> Reply {
    let functions: Vec<_> = functions.iter().map(|name| json!({"name": name, "version": version})).collect();
    Reply::json(
        json!({"sitename": "College LMS", "release": "4.5.3 (Build: 20250317)", "userid": 3, "functions": functions}),
    )
}

fn row<'a>(out: &'a str, check: &str) -> &'a str {
    out.lines().find(|l| l.starts_with(check)).unwrap_or_else(|| panic!("no row {check} in\n{out}"))
}

#[tokio::test]
async fn everything_reachable_passes() {
    let sim = simulator().await;
    let moodle = StandInMoodle::start().await;
    moodle.respond("core_webservice_get_site_info", site_info(&REQUIRED_FUNCTIONS, "2026112503"));
    let run = mzi(&["status"], source(&sim, Some(moodle.base_url()))).await;
    assert!(run.result.is_ok(), "{:?}\n{}", run.result, run.out);
    for check in
        ["configuration", "zoho access token", "zoho record", "moodle site", "plugin version", "service functions"]
    {
        assert!(row(&run.out, check).contains("PASS"), "{}", run.out);
    }
    assert!(row(&run.out, "plugin version").contains("2026112503"));
    assert!(row(&run.out, "zoho record").contains("5398830000100000001"));
    // A refresh token given directly is not the stack's: the run says that it mints its own.
    let cache = row(&run.out, "zoho token cache");
    assert!(
        cache.contains("WARN") && cache.contains("not shared") && cache.contains("ZOHO_TOKEN_CACHE_PARAM"),
        "{cache}"
    );
    assert!(row(&run.out, "zoho access token").contains("minted"), "{}", run.out);
    assert_no_secrets(&run.printed());
    assert_eq!(sim.stats().mints, 1, "one token per run");
}

#[tokio::test]
async fn an_old_plugin_and_a_missing_function_fail() {
    let sim = simulator().await;
    let moodle = StandInMoodle::start().await;
    let listed: Vec<&str> =
        REQUIRED_FUNCTIONS.iter().copied().filter(|f| *f != "local_mzi_delete_btec_definition").collect();
    moodle.respond("core_webservice_get_site_info", site_info(&listed, "2026022600"));
    let run = mzi(&["status"], source(&sim, Some(moodle.base_url()))).await;
    assert_eq!(run.result.as_ref().unwrap_err().exit_code(), 1);
    assert!(
        row(&run.out, "plugin version").contains("FAIL") && run.out.contains("2026022600 is older than 2026112503"),
        "{}",
        run.out
    );
    assert!(row(&run.out, "service functions").contains("local_mzi_delete_btec_definition"), "{}", run.out);
    assert!(row(&run.out, "zoho record").contains("PASS"));
    assert_no_secrets(&run.printed());
}

#[tokio::test]
async fn zoho_refusing_tokens_and_moodle_refusing_the_token_fail() {
    let sim = simulator().await;
    sim.set_faults(zoho_sim::Faults { token_access_denied: true, ..zoho_sim::Faults::default() });
    let moodle = StandInMoodle::start().await;
    moodle.set_fault(Some(Reply::exception("invalidtoken", "Invalid token - token not found")));
    let run = mzi(&["status"], source(&sim, Some(moodle.base_url()))).await;
    assert!(run.result.is_err());
    assert!(
        row(&run.out, "zoho access token").contains("FAIL")
            && row(&run.out, "zoho access token").contains("Access Denied"),
        "{}",
        run.out
    );
    assert!(row(&run.out, "zoho record").contains("SKIP"));
    assert!(
        row(&run.out, "moodle site").contains("FAIL") && row(&run.out, "moodle site").contains("invalidtoken"),
        "{}",
        run.out
    );
    assert_no_secrets(&run.printed());
}

#[tokio::test]
async fn a_missing_setting_fails_the_configuration_and_skips_the_rest() {
    let sim = simulator().await;
    let mut source = source(&sim, None);
    source.set("ZOHO_REFRESH_TOKEN", "");
    let run = mzi(&["status"], source).await;
    assert!(run.result.is_err());
    assert!(row(&run.out, "configuration").contains("FAIL") && run.out.contains("ZOHO_REFRESH_TOKEN"), "{}", run.out);
    assert!(row(&run.out, "moodle site").contains("SKIP"));
    assert_eq!(sim.stats().token_requests, 0);
}
