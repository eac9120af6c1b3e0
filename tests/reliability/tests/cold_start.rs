//! SSM unreachable at cold start: `Settings::load` with a `*_PARAM` set and SSM's endpoint on a
//! closed port fails with `ConfigError::Ssm`, which is retryable (Lambda's init fails, API
//! Gateway answers 5xx, the next invocation starts a fresh container and tries again).
//!
//! One test in this file: it sets process environment variables.

#[tokio::test]
async fn ssm_unreachable_at_cold_start_is_a_retryable_config_error() {
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    // SAFETY: the only test of this binary; nothing else reads the environment concurrently.
    unsafe {
        for name in shared::config::SECRET_NAMES {
            std::env::remove_var(name);
        }
        std::env::set_var("WEBHOOK_SECRET_PARAM", "/mzi/webhook-secret");
        std::env::set_var("ZOHO_CLIENT_ID", "1000.TESTCLIENT");
        std::env::set_var("ZOHO_CLIENT_SECRET", "test-zoho-client-secret");
        std::env::set_var("ZOHO_REFRESH_TOKEN", "1000.test-refresh-token");
        std::env::set_var("AWS_ENDPOINT_URL_SSM", format!("http://127.0.0.1:{closed}"));
        std::env::set_var("AWS_REGION", "eu-west-2");
        std::env::set_var("AWS_ACCESS_KEY_ID", "test");
        std::env::set_var("AWS_SECRET_ACCESS_KEY", "test");
        std::env::set_var("AWS_EC2_METADATA_DISABLED", "true");
    }
    let started = std::time::Instant::now();
    let err = shared::config::Settings::load().await.expect_err("SSM is unreachable");
    let took = started.elapsed();
    assert!(matches!(err, shared::config::ConfigError::Ssm { .. }), "{err:?}");
    assert!(err.is_retryable(), "{err}");
    let text = err.to_string();
    assert!(text.contains("WEBHOOK_SECRET_PARAM"), "the message names the setting: {text}");
    assert!(!text.contains("test-zoho-client-secret") && !text.contains("1000.test-refresh-token"), "{text}");
    assert!(took < std::time::Duration::from_secs(30), "cold start gives up in time: {took:?}");
    println!("SSM unreachable: ConfigError::Ssm after {took:?}: {text}");
}
