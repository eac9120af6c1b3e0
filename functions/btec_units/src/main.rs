//! Lambda entry point; the processing is in the library (`btec_units::BtecUnits`).

// One thread: a Lambda sandbox hands this process one event at a time, and at the template's
// 128 MB it gets a fraction of one vCPU, so worker threads add nothing but their start-up
// (a thread each, at every cold start). The handler's concurrent calls (`tokio::join!`, the
// enrolment batches in flight) still overlap: they wait on the network, not on a core.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    shared::webhook::lambda_main(btec_units::FUNCTION, btec_units::BtecUnits).await
}
