//! `mzi` shares the stack's Zoho token: with the stack's SSM token cache (moto here), operator
//! commands use the token the functions hold, and mint at most once between them.
//!
//! One test in its own binary: it points the AWS SDK at moto through the process environment
//! (`AWS_ENDPOINT_URL_SSM`), as an operator's shell would.

mod common;

use common::{mzi, simulator, source};
use shared::testkit::StandInMoodle;

#[tokio::test]
#[ignore = "needs moto: MOTO_ENDPOINT (make test starts moto_server and runs it)"]
async fn status_runs_share_the_stacks_token_and_say_so() {
    let endpoint = std::env::var("MOTO_ENDPOINT")
        .ok()
        .filter(|v| !v.is_empty())
        .expect("MOTO_ENDPOINT is not set: start moto_server and set it (make test does both)");
    // SAFETY: set before this test starts any task that reads the environment; it is the only
    // test of this binary, so no other thread reads or writes the environment meanwhile.
    unsafe {
        std::env::set_var("AWS_ENDPOINT_URL_SSM", &endpoint);
        std::env::set_var("AWS_REGION", "us-east-1");
        std::env::set_var("AWS_ACCESS_KEY_ID", "testing");
        std::env::set_var("AWS_SECRET_ACCESS_KEY", "testing");
    }
    let parameter = format!("/mzi-test/{:08x}/zoho/access_token_cache", fastrand::u32(..));
    let sim = simulator().await;
    let moodle = StandInMoodle::start().await;

    for run_number in 1..=3 {
        let mut config = source(&sim, Some(moodle.base_url()));
        config.set("ZOHO_TOKEN_CACHE_PARAM", &parameter);
        let run = mzi(&["status"], config).await;
        let cache = run.out.lines().find(|l| l.starts_with("zoho token cache")).unwrap_or_default().to_owned();
        assert!(cache.contains("PASS") && cache.contains(&parameter), "run {run_number}: {}", run.out);
        let token = run.out.lines().find(|l| l.starts_with("zoho access token")).unwrap_or_default();
        if run_number == 1 {
            assert!(token.contains("minted"), "{}", run.out);
        } else {
            assert!(cache.contains("holds a token"), "{}", run.out);
            assert!(token.contains("the shared token"), "{}", run.out);
        }
    }
    assert_eq!(sim.stats().mints, 1, "three operator runs, one mint");
}
