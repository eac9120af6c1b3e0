//! Lambda entry point: configuration and clients once per cold start, then every invocation
//! through the shared webhook edge.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let app = match shared::App::from_environment().await {
        Ok(app) => app,
        Err(error) => {
            tracing::error!(%error, retryable = error.is_retryable(), "configuration is invalid; refusing to start");
            return Err(error.into());
        }
    };
    shared::webhook::run(app, dashboard_sync::FUNCTION, dashboard_sync::DashboardSync).await
}
