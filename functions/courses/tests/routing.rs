//! Every endpoint this function owns is routed, authenticated and parsed; the others are not its.

#[tokio::test]
async fn routes_authenticates_and_parses_its_endpoints() {
    shared::testkit::check_routing(courses::FUNCTION, &courses::Courses).await;
}
