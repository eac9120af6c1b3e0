//! Lambda entry point of the worker: the retry queue (SQS) and the reconciliation schedule.

// One thread, as the webhook functions: Lambda hands this process one event at a time and, at
// the template's 128 MB, a fraction of one vCPU; the records of a batch and the reconciliation's
// reads still overlap, since they wait on the network, not on a core.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    worker::lambda_main().await
}
