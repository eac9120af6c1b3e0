//! Lambda entry point; the processing is in the library (`courses::Courses`).

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::webhook::lambda_main(courses::FUNCTION, courses::Courses).await
}
