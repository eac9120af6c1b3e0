//! The Zoho client against the simulator (tools/zoho-sim): token reuse and single flight, expiry,
//! INVALID_TOKEN, Access Denied, COQL paging, 204, per-record update statuses, retries.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Map, Value, json};
use shared::Secret;
use shared::config::ZohoSettings;
use shared::error::Retry;
use shared::ids::ZohoId;
use shared::zoho::{
    Class, Enrollment, MemoryTokenStore, RetryPolicy, Student, TokenStore, Unit, ZohoClient, ZohoError, ZohoOptions,
};
use zoho_sim::{Faults, SimConfig, Simulator, load_seed_dir};

const STUDENT: &str = "5398830000100000001";
const CLASS: &str = "5398830000100000401";

fn id(text: &str) -> ZohoId {
    ZohoId::parse(text).unwrap()
}

fn fixtures() -> zoho_sim::Records {
    load_seed_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/zoho")).unwrap()
}

async fn sim() -> Simulator {
    Simulator::start(fixtures()).await.unwrap()
}

fn settings(sim: &Simulator) -> ZohoSettings {
    shared::testkit::zoho_settings(sim.base_url())
}

fn options() -> ZohoOptions {
    ZohoOptions {
        retry: RetryPolicy {
            max_attempts: 3,
            budget: Duration::from_secs(8),
            base_delay: Duration::from_millis(20),
            max_delay: Duration::from_millis(200),
        },
        ..ZohoOptions::default()
    }
}

fn client(sim: &Simulator) -> ZohoClient {
    ZohoClient::with_options(reqwest::Client::new(), settings(sim), options())
}

fn fields(value: Value) -> Map<String, Value> {
    value.as_object().cloned().unwrap()
}

#[tokio::test]
async fn token_is_reused_across_1000_sequential_calls() {
    let sim = sim().await;
    let zoho = client(&sim);
    for _ in 0..1000 {
        let student: Student = zoho.get(&id(STUDENT)).await.unwrap().unwrap();
        assert_eq!(student.name.as_deref(), Some("S-2024-0001"));
    }
    let stats = sim.stats();
    assert_eq!(stats.mints, 1, "{stats:?}");
    assert_eq!(stats.gets, 1000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn token_is_minted_once_for_100_concurrent_calls() {
    let sim = sim().await;
    let zoho = client(&sim);
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..100 {
        let zoho = zoho.clone();
        tasks.spawn(async move { zoho.get::<Class>(&id(CLASS)).await });
    }
    while let Some(result) = tasks.join_next().await {
        assert!(result.unwrap().unwrap().is_some());
    }
    let stats = sim.stats();
    assert_eq!(stats.mints, 1, "{stats:?}");
    assert_eq!(stats.token_requests, 1);
    assert_eq!(stats.gets, 100);
}

#[tokio::test]
async fn expiry_causes_one_refresh() {
    let config = SimConfig { token_lifetime: Duration::from_secs(2), ..SimConfig::default() };
    let sim = Simulator::start_with(fixtures(), config, "127.0.0.1:0").await.unwrap();
    let zoho = ZohoClient::with_options(
        reqwest::Client::new(),
        settings(&sim),
        ZohoOptions { refresh_margin: Duration::from_millis(500), ..options() },
    );
    for _ in 0..5 {
        zoho.get::<Student>(&id(STUDENT)).await.unwrap();
    }
    assert_eq!(sim.stats().mints, 1);
    tokio::time::sleep(Duration::from_millis(1700)).await;
    for _ in 0..5 {
        zoho.get::<Student>(&id(STUDENT)).await.unwrap();
    }
    let stats = sim.stats();
    assert_eq!(stats.mints, 2, "{stats:?}");
    // Refreshed ahead of expiry: Zoho never had to refuse the old token.
    assert_eq!(stats.invalid_token, 0, "{stats:?}");
}

#[tokio::test]
async fn invalid_token_causes_one_refresh_and_one_retry() {
    let sim = sim().await;
    let zoho = client(&sim);
    zoho.get::<Student>(&id(STUDENT)).await.unwrap();
    sim.expire_all_tokens();
    sim.reset_log();
    let student: Student = zoho.get(&id(STUDENT)).await.unwrap().unwrap();
    assert_eq!(student.id.as_str(), STUDENT);
    let stats = sim.stats();
    assert_eq!((stats.invalid_token, stats.mints, stats.gets), (1, 1, 2), "{stats:?}");
    // And the new token is used from then on.
    zoho.get::<Student>(&id(STUDENT)).await.unwrap();
    assert_eq!(sim.stats().mints, 1);
}

#[tokio::test]
async fn access_denied_is_retryable_and_stops_further_mints() {
    let sim = sim().await;
    sim.set_faults(Faults { token_access_denied: true, ..Faults::default() });
    let zoho = client(&sim);
    for _ in 0..5 {
        let err = zoho.get::<Student>(&id(STUDENT)).await.unwrap_err();
        assert!(matches!(err, ZohoError::TokenThrottled { .. }), "{err:?}");
        assert_eq!(err.retry(), Retry::Now);
        assert!(err.is_retryable());
        assert_eq!(err.http_status(), 503);
        assert_eq!(err.code(), "zoho_token_throttled");
    }
    let stats = sim.stats();
    assert_eq!(stats.token_requests, 1, "cooling off: {stats:?}");
    assert_eq!(stats.mints, 0);
    assert_eq!(stats.gets, 0);
}

#[tokio::test]
async fn the_simulator_throttles_the_eleventh_mint() {
    let sim = sim().await;
    // Eleven processes without a shared store: the predecessor's failure mode.
    let mut results = Vec::new();
    for _ in 0..11 {
        results.push(client(&sim).get::<Student>(&id(STUDENT)).await);
    }
    assert!(results[..10].iter().all(Result::is_ok));
    assert!(matches!(results[10], Err(ZohoError::TokenThrottled { .. })));
    let stats = sim.stats();
    assert_eq!((stats.mints, stats.denied), (10, 1), "{stats:?}");
}

#[tokio::test]
async fn coql_paging_returns_every_record_of_a_450_record_class() {
    let sim = sim().await;
    let big_class = "5398830000200000000";
    sim.insert_records(
        "BTEC_Enrollments",
        (1..=450).map(|n| {
            json!({
                "id": format!("53988300003{n:08}"),
                "Name": format!("ENR-{n:05}"),
                "Enrolled_Students": {"name": format!("S-2025-{n:04}"), "id": format!("53988300004{n:08}")},
                "Classes": {"name": "Big class", "id": big_class},
                "Enrollment_Status": "Active",
                "Created_Time": "2026-01-01T09:00:00+03:00",
                "Modified_Time": "2026-01-01T09:00:00+03:00"
            })
        }),
    );
    let zoho = client(&sim);
    let rows: Vec<Enrollment> = zoho.list_by_lookup("Classes", &id(big_class)).await.unwrap();
    assert_eq!(rows.len(), 450);
    let unique: std::collections::HashSet<_> = rows.iter().map(|r| r.id.clone()).collect();
    assert_eq!(unique.len(), 450);
    assert!(rows.iter().all(|r| r.classes.as_ref().unwrap().id.as_str() == big_class));
    assert_eq!(sim.stats().coql, 3, "200 + 200 + 50");

    // The seeded class has two enrolments; a class without any answers 204 → empty.
    let seeded: Vec<Enrollment> = zoho.list_by_lookup("Classes", &id(CLASS)).await.unwrap();
    assert_eq!(seeded.len(), 2);
    let none: Vec<Enrollment> = zoho.list_by_lookup("Classes", &id("5398830000100000403")).await.unwrap();
    assert!(none.is_empty());
}

#[tokio::test]
async fn a_missing_record_is_none() {
    let sim = sim().await;
    let zoho = client(&sim);
    let missing = zoho.get::<Student>(&id("5398830000199999999")).await.unwrap();
    assert!(missing.is_none());
    assert_eq!(sim.requests().last().unwrap().status, 204);
}

#[tokio::test]
async fn seeded_records_decode_into_their_types() {
    let sim = sim().await;
    let zoho = client(&sim);
    let class: Class = zoho.get(&id(CLASS)).await.unwrap().unwrap();
    assert_eq!(class.moodle_class_id, None, "empty string is None");
    assert_eq!(class.class_status.as_deref(), Some("Active"));
    assert_eq!(class.teacher.unwrap().id.as_str(), "5398830000100000101");
    let unit: Unit = zoho.get(&id("5398830000100000301")).await.unwrap().unwrap();
    let codes: Vec<_> = unit.criteria().into_iter().map(|(code, _)| code).collect();
    assert_eq!(codes, ["P1", "P2", "P3", "P4", "P6", "P11", "P12", "M1", "M2", "M3", "D1", "D2"]);
}

#[tokio::test]
async fn a_record_of_the_wrong_shape_is_a_decode_error_that_is_not_retried() {
    let sim = sim().await;
    sim.insert_records("BTEC_Students", [json!({"id": "5398830000100000099", "Birth_Date": 19990101})]);
    let err = client(&sim).get::<Student>(&id("5398830000100000099")).await.unwrap_err();
    assert!(matches!(err, ZohoError::Decode { .. }), "{err:?}");
    assert_eq!(err.retry(), Retry::Never);
    assert!(err.to_string().contains("Birth_Date"), "{err}");
    assert!(!err.to_string().contains("19990101"), "{err}");
}

#[tokio::test]
async fn update_with_invalid_data_is_an_error_naming_the_field() {
    let sim = sim().await;
    let err = client(&sim)
        .update_record::<Class>(&id(CLASS), fields(json!({"Moodle_Class_ID": "77", "Class_Major": "IT"})))
        .await
        .unwrap_err();
    match &err {
        ZohoError::RecordRejected { code, field, .. } => {
            assert_eq!(code, "INVALID_DATA");
            assert_eq!(field.as_deref(), Some("Class_Major"));
        }
        other => panic!("expected RecordRejected, got {other:?}"),
    }
    assert_eq!(err.retry(), Retry::Never);
    assert!(err.to_string().contains("Class_Major"));
    assert_eq!(sim.stats().updates, 1, "a rejected record is not retried");
}

#[tokio::test]
async fn every_update_sends_an_empty_trigger_list() {
    let sim = sim().await;
    let zoho = client(&sim);
    let outcome = zoho.update_record::<Class>(&id(CLASS), fields(json!({"Moodle_Class_ID": "77"}))).await.unwrap();
    assert!(outcome.modified_time.is_some());
    zoho.update(
        "BTEC_Enrollments",
        &id("5398830000100000701"),
        fields(json!({"Synced_to_Moodle": true, "Moodle_Course_ID": "77"})),
    )
    .await
    .unwrap();
    let _ = zoho.update_record::<Class>(&id(CLASS), fields(json!({"Nope": 1}))).await;
    let updates = sim.updates();
    assert_eq!(updates.len(), 3);
    assert!(updates.iter().all(|u| u.trigger == Some(json!([]))), "{updates:?}");
    let class: Class = zoho.get(&id(CLASS)).await.unwrap().unwrap();
    assert_eq!(class.moodle_class_id.as_deref(), Some("77"));
}

#[tokio::test]
async fn rate_limit_with_retry_after_is_honoured() {
    let sim = sim().await;
    let zoho = client(&sim);
    zoho.get::<Student>(&id(STUDENT)).await.unwrap();
    sim.reset_log();
    sim.set_faults(Faults {
        api_status: Some(429),
        api_status_times: Some(1),
        retry_after_secs: Some(1),
        ..Faults::default()
    });
    let started = Instant::now();
    zoho.get::<Student>(&id(STUDENT)).await.unwrap();
    let waited = started.elapsed();
    assert!(waited >= Duration::from_secs(1), "waited {waited:?}");
    assert!(waited < Duration::from_secs(3), "waited {waited:?}");
    assert_eq!(sim.stats().gets, 2);
}

#[tokio::test]
async fn server_errors_are_retried_then_succeed() {
    let sim = sim().await;
    sim.set_faults(Faults { api_status: Some(503), api_status_times: Some(2), ..Faults::default() });
    let zoho = client(&sim);
    zoho.get::<Student>(&id(STUDENT)).await.unwrap().unwrap();
    assert_eq!(sim.stats().gets, 3);
}

#[tokio::test]
async fn persistent_server_errors_give_up_within_the_budget() {
    let sim = sim().await;
    sim.set_faults(Faults { api_status: Some(500), ..Faults::default() });
    let err = client(&sim).get::<Student>(&id(STUDENT)).await.unwrap_err();
    assert!(matches!(err, ZohoError::Unavailable { status: 500, attempts: 3, .. }), "{err:?}");
    assert_eq!((err.retry(), err.http_status()), (Retry::Now, 502));
    assert_eq!(sim.stats().gets, 3);
}

#[tokio::test]
async fn client_errors_are_not_retried() {
    let sim = sim().await;
    sim.set_faults(Faults { api_status: Some(400), api_status_times: Some(1), ..Faults::default() });
    let err = client(&sim).get::<Student>(&id(STUDENT)).await.unwrap_err();
    assert!(matches!(err, ZohoError::Rejected { status: 400, .. }), "{err:?}");
    assert!(!matches!(err.retry(), Retry::Now));
    assert_eq!(sim.stats().gets, 1);
}

#[tokio::test]
async fn a_slow_zoho_times_out() {
    let sim = sim().await;
    let zoho = client(&sim);
    zoho.get::<Student>(&id(STUDENT)).await.unwrap();
    sim.set_faults(Faults { delay_ms: 1500, ..Faults::default() });
    let zoho = ZohoClient::with_options(
        reqwest::Client::new(),
        ZohoSettings { timeout: Duration::from_secs(1), ..settings(&sim) },
        ZohoOptions { retry: RetryPolicy { max_attempts: 2, ..options().retry }, ..options() },
    );
    let err = zoho.get::<Student>(&id(STUDENT)).await.unwrap_err();
    assert_eq!(err, ZohoError::Timeout { seconds: 1 });
    assert_eq!((err.http_status(), err.retry()), (504, Retry::Now));
}

/// 200 webhooks spread over 20 cold-started containers (20 clients, one shared store standing in
/// for SSM), all at once. Each webhook reads a class and its enrolments, as `class_updated` does.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn burst_of_200_webhooks_across_20_cold_starts_mints_once() {
    let sim = sim().await;
    let store = MemoryTokenStore::new();
    let containers: Vec<ZohoClient> = (0..20)
        .map(|_| {
            ZohoClient::with_options(
                reqwest::Client::new(),
                settings(&sim),
                ZohoOptions { token_store: Some(store.clone() as Arc<dyn TokenStore>), ..options() },
            )
        })
        .collect();
    let mut tasks = tokio::task::JoinSet::new();
    for n in 0..200 {
        let zoho = containers[n % 20].clone();
        tasks.spawn(async move {
            let class: Class = zoho.get(&id(CLASS)).await?.expect("seeded class");
            let enrolments: Vec<Enrollment> = zoho.list_by_lookup("Classes", &class.id).await?;
            Ok::<usize, ZohoError>(enrolments.len())
        });
    }
    while let Some(result) = tasks.join_next().await {
        assert_eq!(result.unwrap().unwrap(), 2);
    }
    let stats = sim.stats();
    println!(
        "burst of 200 webhooks across 20 cold starts: {} token mint(s), {} token request(s), {} gets, {} COQL",
        stats.mints, stats.token_requests, stats.gets, stats.coql
    );
    assert_eq!(stats.mints, 1, "{stats:?}");
    assert!(store.current().is_some());
}

/// A container that starts after the token was minted elsewhere takes it from the store.
#[tokio::test]
async fn a_cold_start_reads_the_store_before_minting() {
    let sim = sim().await;
    let store = MemoryTokenStore::new();
    let with_store = || {
        ZohoClient::with_options(
            reqwest::Client::new(),
            settings(&sim),
            ZohoOptions { token_store: Some(store.clone() as Arc<dyn TokenStore>), ..options() },
        )
    };
    with_store().get::<Student>(&id(STUDENT)).await.unwrap();
    with_store().get::<Student>(&id(STUDENT)).await.unwrap();
    with_store().get::<Student>(&id(STUDENT)).await.unwrap();
    assert_eq!(sim.stats().mints, 1);

    // Zoho revoked it: one container replaces it, the others pick up the replacement.
    sim.expire_all_tokens();
    with_store().get::<Student>(&id(STUDENT)).await.unwrap();
    with_store().get::<Student>(&id(STUDENT)).await.unwrap();
    let stats = sim.stats();
    assert_eq!(stats.mints, 2, "{stats:?}");
}

/// "Access Denied" seen by one container stops the others from asking too.
#[tokio::test]
async fn access_denied_is_shared_through_the_store() {
    let sim = sim().await;
    sim.set_faults(Faults { token_access_denied: true, ..Faults::default() });
    let store = MemoryTokenStore::new();
    for _ in 0..5 {
        let zoho = ZohoClient::with_options(
            reqwest::Client::new(),
            settings(&sim),
            ZohoOptions { token_store: Some(store.clone() as Arc<dyn TokenStore>), ..options() },
        );
        let err = zoho.get::<Student>(&id(STUDENT)).await.unwrap_err();
        assert!(matches!(err, ZohoError::TokenThrottled { .. }), "{err:?}");
    }
    assert_eq!(sim.stats().token_requests, 1);
}

#[tokio::test]
async fn token_errors_in_the_body_are_named() {
    let sim = sim().await;
    let zoho = ZohoClient::with_options(
        reqwest::Client::new(),
        ZohoSettings { client_secret: Secret::new(" "), ..settings(&sim) },
        options(),
    );
    let err = zoho.get::<Student>(&id(STUDENT)).await.unwrap_err();
    assert_eq!(err, ZohoError::TokenRejected { error: "invalid_client".into() });
    assert_eq!((err.retry(), err.http_status()), (Retry::AfterFix, 503));
    assert!(!err.to_string().contains("sim-client-secret"));
}

#[tokio::test]
async fn the_admin_routes_set_faults_and_show_the_log() {
    let sim = sim().await;
    let http = reqwest::Client::new();
    let base = sim.base_url();
    http.post(format!("{base}/__sim/faults"))
        .json(&json!({"api_status": 503, "api_status_times": 1}))
        .send()
        .await
        .unwrap()
        .error_for_status()
        .unwrap();
    assert_eq!(sim.faults().api_status, Some(503));
    client(&sim).get::<Student>(&id(STUDENT)).await.unwrap();
    let log: Value = http.get(format!("{base}/__sim/log")).send().await.unwrap().json().await.unwrap();
    assert_eq!(log["stats"]["gets"], 2);
    assert_eq!(log["stats"]["mints"], 1);
    assert_eq!(log["requests"][0]["kind"], "token");
}
