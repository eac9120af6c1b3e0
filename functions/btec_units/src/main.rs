//! Lambda entry point; the processing is in the library (`btec_units::BtecUnits`).

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::webhook::lambda_main(btec_units::FUNCTION, btec_units::BtecUnits).await
}
