//! The simulator's two kinds of slowness: `delay_ms`, a slow Zoho added on top of the
//! simulator's own work (the timeout tests), and `latency_ms`, a Zoho whose every answer leaves
//! a fixed time after its request arrived (the critical-path table of `make bench`, whose model
//! gives every Zoho call the same duration). Also: the simulator's own time is recorded per
//! request, and the admin routes are never held.

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use zoho_sim::{Faults, Records, Simulator};

async fn started() -> (Simulator, reqwest::Client, String) {
    let mut records = Records::new();
    records.insert("BTEC_Students".to_owned(), vec![json!({"id": "5000000000001", "Name": "Ana"})]);
    let sim = Simulator::start(records).await.unwrap();
    let http = reqwest::Client::new();
    let answer: Value = http
        .post(format!("{}/oauth/v2/token", sim.base_url()))
        .form(&[("grant_type", "refresh_token"), ("client_id", "c"), ("client_secret", "s"), ("refresh_token", "r")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = answer["access_token"].as_str().unwrap().to_owned();
    (sim, http, token)
}

async fn timed_get(http: &reqwest::Client, url: String, token: &str) -> (u16, Duration) {
    let started = Instant::now();
    let status =
        http.get(url).header("authorization", format!("Zoho-oauthtoken {token}")).send().await.unwrap().status();
    (status.as_u16(), started.elapsed())
}

#[tokio::test]
async fn latency_holds_every_answer_until_that_long_after_its_request_arrived() {
    let (sim, http, token) = started().await;
    sim.reset_log();
    sim.set_faults(Faults { latency_ms: 300, ..Faults::default() });
    let record = format!("{}/crm/v8/BTEC_Students/5000000000001", sim.base_url());
    let (status, took) = timed_get(&http, record.clone(), &token).await;
    assert_eq!(status, 200);
    assert!(took >= Duration::from_millis(300), "answered after {took:?}, before its latency");
    // A fixed latency, not a delay on top of the work: well under two latencies even on a loaded machine.
    assert!(took < Duration::from_millis(600), "answered after {took:?}");
    let served = sim.stats().server_time;
    assert_eq!(served.len(), 1, "{served:?}");
    assert_eq!((served[0].method.as_str(), served[0].path.as_str()), ("GET", "/crm/v8/BTEC_Students/5000000000001"));
    assert!(served[0].micros < 300_000, "the simulator's own time excludes the latency: {served:?}");

    // The admin routes answer at once and are not counted.
    let started = Instant::now();
    http.get(format!("{}/__sim/faults", sim.base_url())).send().await.unwrap();
    assert!(started.elapsed() < Duration::from_millis(300));
    assert_eq!(sim.stats().server_time.len(), 1);
}

#[tokio::test]
async fn delay_is_added_to_the_answer_and_left_out_of_the_simulators_own_time() {
    let (sim, http, token) = started().await;
    sim.reset_log();
    sim.set_faults(Faults { delay_ms: 250, ..Faults::default() });
    let (status, took) =
        timed_get(&http, format!("{}/crm/v8/BTEC_Students/5000000000001", sim.base_url()), &token).await;
    assert_eq!(status, 200);
    assert!(took >= Duration::from_millis(250), "answered after {took:?}");
    let served = sim.stats().server_time;
    assert_eq!(served.len(), 1, "{served:?}");
    assert!(served[0].micros < 250_000, "{served:?}");
}
