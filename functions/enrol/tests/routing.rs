//! Every endpoint this function owns is routed, authenticated and parsed; the others are not its.

#[tokio::test]
async fn routes_authenticates_and_parses_its_endpoints() {
    shared::testkit::check_routing(enrol::FUNCTION, &enrol::Enrol).await;
}
