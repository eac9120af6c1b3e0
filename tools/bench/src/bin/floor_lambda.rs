//! The cold-start floor of `make bench`: a bare `lambda_http` function, built with the workspace's
//! release profile like the four functions, that answers every request (the `health` event the
//! functions are started with) `200 {"status":"ok"}`. No configuration, no logging, no clients:
//! what any Rust Lambda behind API Gateway pays before its first answer. The functions' cold
//! starts are budgeted as a ratio to this one, measured in the same run.

use lambda_http::{Body, Error, Request, Response, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_http::run(service_fn(|_request: Request| async {
        Response::builder()
            .status(200)
            .header("content-type", "application/json")
            .body(Body::from(r#"{"status":"ok"}"#))
            .map_err(Error::from)
    }))
    .await
}
