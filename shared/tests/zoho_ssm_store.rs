//! `SsmTokenStore` against a local SSM (moto: `moto_server -H 127.0.0.1 -p 5055`, then
//! `MOTO_ENDPOINT=http://127.0.0.1:5055`, and `-- --ignored`); without it they are reported as ignored.

use std::sync::Arc;

use aws_sdk_ssm::config::{BehaviorVersion, Credentials, Region};
use serde_json::Value;
use shared::ids::ZohoId;
use shared::zoho::{LockState, SsmTokenStore, StoredToken, Student, TokenStore, ZohoClient, ZohoOptions};
use zoho_sim::{Simulator, load_seed_dir};

/// The moto endpoint. These tests are `#[ignore]`d (reported as ignored, with the reason) unless
/// run with `--ignored`, as `make test` does after starting moto; then a missing endpoint fails.
fn endpoint() -> String {
    std::env::var("MOTO_ENDPOINT")
        .ok()
        .filter(|e| !e.trim().is_empty())
        .expect("MOTO_ENDPOINT is not set: start moto_server and set it (make test does both)")
}

fn ssm(endpoint: &str) -> aws_sdk_ssm::Client {
    let config = aws_sdk_ssm::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("testing", "testing", None, None, "moto"))
        .build();
    aws_sdk_ssm::Client::from_conf(config)
}

fn unique(name: &str) -> String {
    format!("/mzi-test/{name}-{:08x}", fastrand::u32(..))
}

#[tokio::test]
#[ignore = "needs moto: MOTO_ENDPOINT (make test starts moto_server and runs it)"]
async fn ssm_store_round_trip_and_lock() {
    let endpoint = endpoint();
    let client = ssm(&endpoint);
    let parameter = unique("zoho-token");
    let store = SsmTokenStore::with_client(client.clone(), &parameter);

    assert_eq!(store.load().await.unwrap(), None);
    let token = StoredToken {
        access_token: "1000.secret-access-token".into(),
        expires_at_ms: 4_102_444_800_000,
        api_domain: "https://www.zohoapis.eu".into(),
    };
    store.save(&token).await.unwrap();
    assert_eq!(store.load().await.unwrap(), Some(token.clone()));

    // Stored as a SecureString holding JSON.
    let raw = client.get_parameter().name(&parameter).with_decryption(true).send().await.unwrap();
    let parameter_out = raw.parameter().unwrap();
    assert_eq!(parameter_out.r#type(), Some(&aws_sdk_ssm::types::ParameterType::SecureString));
    let json: Value = serde_json::from_str(parameter_out.value().unwrap()).unwrap();
    assert_eq!(json["api_domain"], "https://www.zohoapis.eu");

    let far = 4_102_444_800_000;
    assert_eq!(store.try_lock("a", far).await.unwrap(), LockState::Acquired);
    assert_eq!(store.try_lock("b", far).await.unwrap(), LockState::Held);
    store.release("a", None).await.unwrap();
    assert_eq!(store.try_lock("b", far).await.unwrap(), LockState::Acquired);
    store.release("b", Some(far)).await.unwrap();
    assert_eq!(store.try_lock("c", far).await.unwrap(), LockState::Throttled { until_ms: far });
    // An expired lock is taken over.
    store.release("c", Some(1)).await.unwrap();
    assert_eq!(store.try_lock("d", far).await.unwrap(), LockState::Acquired);
    store.release("d", None).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "needs moto: MOTO_ENDPOINT (make test starts moto_server and runs it)"]
async fn ssm_store_shares_one_token_between_cold_starts() {
    let endpoint = endpoint();
    let client = ssm(&endpoint);
    let parameter = unique("zoho-token-burst");
    let records = load_seed_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/zoho")).unwrap();
    let sim = Simulator::start(records).await.unwrap();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..10 {
        let store = Arc::new(SsmTokenStore::with_client(client.clone(), &parameter));
        let zoho = ZohoClient::with_options(
            reqwest::Client::new(),
            shared::testkit::zoho_settings(sim.base_url()),
            ZohoOptions { token_store: Some(store as Arc<dyn TokenStore>), ..ZohoOptions::default() },
        );
        tasks.spawn(async move { zoho.get::<Student>(&ZohoId::parse("5398830000100000001").unwrap()).await });
    }
    while let Some(result) = tasks.join_next().await {
        assert!(result.unwrap().unwrap().is_some());
    }
    let mints = sim.stats().mints;
    println!("10 cold starts sharing an SSM parameter: {mints} token mint(s)");
    assert_eq!(mints, 1);
}
