//! Lambda entry point of the worker: the retry queue (SQS) and the reconciliation schedule.

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    worker::lambda_main().await
}
