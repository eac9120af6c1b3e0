//! Lambda entry point; the processing is in the library (`enrol::Enrol`).

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::webhook::lambda_main(enrol::FUNCTION, enrol::Enrol).await
}
