//! Lambda entry point; the processing is in the library (`dashboard_sync::DashboardSync`).

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::webhook::lambda_main(dashboard_sync::FUNCTION, dashboard_sync::DashboardSync).await
}
