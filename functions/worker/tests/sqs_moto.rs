//! The SQS path against moto (an AWS emulator started by `make test`, which sets MOTO_ENDPOINT):
//! a failed webhook is sent to the retry queue; the worker's batch handler re-sends it with a
//! growing delay, then moves it to the dead-letter queue with its reason; replay empties it.

mod common;

use std::sync::Arc;

use aws_lambda_events::event::sqs::{SqsEvent, SqsMessage};
use common::{Harness, student_id};
use shared::App;
use shared::capture::{FailureSink, QueueUrls, RetrySchedule, SqsSink, Store};
use shared::testkit;
use shared::webhook::Endpoint;
use worker::{Disposition, Selection};

async fn sqs_client(endpoint: &str) -> aws_sdk_sqs::Client {
    let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("us-east-1"))
        .endpoint_url(endpoint)
        .credentials_provider(aws_sdk_sqs::config::Credentials::new("test", "test", None, None, "static"))
        .load()
        .await;
    aws_sdk_sqs::Client::new(&config)
}

/// Receives what is visible now and turns it into the event Lambda would deliver.
async fn receive_event(client: &aws_sdk_sqs::Client, url: &str) -> SqsEvent {
    let answer = client.receive_message().queue_url(url).max_number_of_messages(10).send().await.unwrap();
    let mut event = SqsEvent::default();
    for m in answer.messages() {
        let mut message = SqsMessage::default();
        message.message_id = m.message_id().map(str::to_owned);
        message.receipt_handle = m.receipt_handle().map(str::to_owned);
        message.body = m.body().map(str::to_owned);
        // Lambda deletes a message the handler did not report as failed.
        client.delete_message().queue_url(url).receipt_handle(m.receipt_handle().unwrap()).send().await.unwrap();
        event.records.push(message);
    }
    event
}

/// A retry queue and a dead-letter queue of their own in moto, and the sink over them.
async fn queues(endpoint: &str) -> (aws_sdk_sqs::Client, String, Arc<dyn FailureSink>) {
    let client = sqs_client(endpoint).await;
    let suffix = fastrand::u32(..);
    let mut urls = Vec::new();
    for name in ["retry", "dead"] {
        let created = client.create_queue().queue_name(format!("{name}-{suffix}")).send().await.unwrap();
        urls.push(created.queue_url().unwrap().to_owned());
    }
    let (retry, dead) = (urls[0].clone(), urls[1].clone());
    let sink: Arc<dyn FailureSink> =
        Arc::new(SqsSink::new(client.clone(), QueueUrls { retry: retry.clone(), dead_letter: dead.clone() }));
    (client, retry, sink)
}

/// moto's endpoint. These tests are `#[ignore]`d with the reason, so a run without moto reports
/// them as ignored, never as passed; `make test` starts moto and runs them with `--ignored`.
fn moto_endpoint() -> String {
    std::env::var("MOTO_ENDPOINT")
        .ok()
        .filter(|v| !v.is_empty())
        .expect("MOTO_ENDPOINT is not set: start moto_server and set it (make test does both)")
}

/// One `student_updated` webhook through the edge, as Zoho sends it: the answer's status and body.
async fn deliver_student_updated(app: &App, id: &str) -> (u16, serde_json::Value) {
    let request = testkit::zoho_webhook("student_updated", id, "BTEC_Students");
    let processor = worker::processor_for(Endpoint::StudentUpdated);
    let response = shared::webhook::handle(app, dashboard_sync::FUNCTION, processor, request).await;
    testkit::response_json(&response)
}

#[tokio::test]
#[ignore = "needs moto: MOTO_ENDPOINT (make test starts moto_server and runs it)"]
async fn retry_queue_then_dead_letter_queue_then_replay() {
    let endpoint = moto_endpoint();
    let (client, retry, sink) = queues(&endpoint).await;

    let h = Harness::start(2).await;
    let app =
        App::with_failure_sink(testkit::settings(Some(h.moodle.base_url()), &h.sim.base_url()), Some(sink.clone()));
    let id = student_id(1);
    h.moodle_down(true);
    let (status, body) = deliver_student_updated(&app, &id).await;
    assert_eq!(status, 202, "{body}");
    assert_eq!(body["captured"]["sink"], "sqs");

    // Delays of 0 s so the test need not wait; the schedule's growth is unit-tested.
    let schedule = RetrySchedule { max_attempts: 3, base_delay_seconds: 0 };
    for _ in 0..2 {
        let event = receive_event(&client, &retry).await;
        assert_eq!(event.records.len(), 1);
        let response = worker::handle_sqs(&app, sink.as_ref(), schedule, event, None).await;
        assert!(response.batch_item_failures.is_empty());
    }
    assert!(receive_event(&client, &retry).await.records.is_empty(), "moved on after the third attempt");
    let listed = sink.list(Store::Dead, 10).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].message.dead_reason.as_deref(), Some("retries_exhausted"));
    assert_eq!(listed[0].message.attempts, 3);
    sink.release(Store::Dead, &listed[0].handle).await.unwrap();

    h.moodle_down(false);
    let everything = Selection { ignore_delay: true, max: 100, ..Selection::default() };
    let replayed = worker::drain(&app, sink.as_ref(), Store::Dead, schedule, &everything).await.unwrap();
    assert_eq!(replayed.len(), 1);
    assert_eq!(replayed[0].disposition, Disposition::Applied);
    assert!(sink.list(Store::Dead, 10).await.unwrap().is_empty(), "the dead-letter queue is empty");
    assert_eq!(h.writes(&id, "created"), 1);

    // An unreadable message is reported as a batch item failure (SQS redrives it).
    let mut bad = SqsMessage::default();
    bad.message_id = Some("m-1".into());
    bad.body = Some("not json".into());
    let mut event = SqsEvent::default();
    event.records.push(bad);
    let response = worker::handle_sqs(&app, sink.as_ref(), schedule, event, None).await;
    assert_eq!(response.batch_item_failures.len(), 1);
    assert_eq!(response.batch_item_failures[0].item_identifier, "m-1");
}

#[tokio::test]
#[ignore = "needs moto: MOTO_ENDPOINT (make test starts moto_server and runs it)"]
async fn a_poison_record_goes_straight_to_the_dead_letter_queue_with_its_reason_and_replays_after_the_fix() {
    let endpoint = moto_endpoint();
    let (client, retry, sink) = queues(&endpoint).await;
    let h = Harness::start(0).await;
    let id = student_id(4);
    let mut record = common::student(4, "2026-01-01T00:00:00+00:00");
    record["City"] = "C".repeat(300).into();
    h.sim.insert_records("BTEC_Students", [record]);
    let app =
        App::with_failure_sink(testkit::settings(Some(h.moodle.base_url()), &h.sim.base_url()), Some(sink.clone()));
    let (status, body) = deliver_student_updated(&app, &id).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["code"], "moodle_value_refused");
    assert_eq!(body["captured"], serde_json::json!({"store": "dead", "sink": "sqs"}));

    assert!(receive_event(&client, &retry).await.records.is_empty(), "nothing in the retry queue: no retry burnt");
    let listed = sink.list(Store::Dead, 10).await.unwrap();
    assert_eq!(listed.len(), 1);
    let message = &listed[0].message;
    assert_eq!((message.attempts, message.dead_reason.as_deref()), (1, Some("not_retryable")));
    assert_eq!(message.error.code, "moodle_value_refused");
    assert!(message.error.message.contains("longer than its database column"), "{:?}", message.error);
    sink.release(Store::Dead, &listed[0].handle).await.unwrap();

    h.model.lock().unwrap().city_column = None;
    let schedule = RetrySchedule { max_attempts: 3, base_delay_seconds: 0 };
    let everything = Selection { ignore_delay: true, max: 100, ..Selection::default() };
    let replayed = worker::drain(&app, sink.as_ref(), Store::Dead, schedule, &everything).await.unwrap();
    assert_eq!(replayed.len(), 1);
    assert_eq!(replayed[0].disposition, Disposition::Applied);
    assert!(sink.list(Store::Dead, 10).await.unwrap().is_empty(), "the dead-letter queue is empty");
    assert_eq!(h.writes(&id, "created"), 1);
}
