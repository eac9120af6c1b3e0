//! The one HTTP client of a function (Moodle and Zoho share its connection pool), with TLS that
//! verifies every server against the system's trust store, loaded on the first TLS handshake
//! rather than at cold start.
//!
//! Why lazily: reqwest's default rustls set-up builds `rustls_platform_verifier::Verifier` when the
//! client is built, and on Linux that reads the system's certificate bundle *and* every file of
//! its certificate directory, and parses each PEM certificate (base64) into a trust anchor. That
//! was most of the functions' Init over a bare `lambda_http` binary (`perf record` of 60 starts:
//! `rustls_native_certs::CertPaths::load` with its `statx`/`read` calls, and the PEM decoding),
//! on every cold start, also for starts whose first event never leaves the function (`health`, a
//! refused webhook). Now the verifier is built when the first connection needs it (one load per
//! process, shared by every later handshake), so only a webhook that calls Zoho or Moodle over
//! HTTPS pays it, once. Verification itself is unchanged: the same platform verifier, the same
//! aws-lc-rs provider and protocol versions as reqwest's default, never disabled.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};

/// The client every function builds once at cold start (`App`) and reuses in every invocation.
pub fn client() -> reqwest::Client {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    client_with(tls_config(provider.clone(), Arc::new(SystemRootsVerifier::new(provider))))
}

fn client_with(tls: rustls::ClientConfig) -> reqwest::Client {
    reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .connect_timeout(Duration::from_secs(5))
        .pool_idle_timeout(Duration::from_secs(60))
        .user_agent(concat!("moodle-zoho-sync/", env!("CARGO_PKG_VERSION")))
        .build()
        .expect("the HTTP client has a static, valid configuration")
}

/// What reqwest's own rustls configuration is (aws-lc-rs, TLS 1.2 and 1.3, SNI, ALPN
/// `http/1.1` since the client speaks HTTP/1 only), with the platform verifier made lazy.
fn tls_config(provider: Arc<CryptoProvider>, verifier: Arc<SystemRootsVerifier>) -> rustls::ClientConfig {
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(rustls::ALL_VERSIONS)
        .expect("aws-lc-rs supports TLS 1.2 and 1.3")
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    config
}

/// `rustls_platform_verifier::Verifier`, built on the first certificate to verify.
#[derive(Debug)]
pub struct SystemRootsVerifier {
    provider: Arc<CryptoProvider>,
    /// The verifier, or why the system's trust store could not be loaded (kept: the files do
    /// not appear later in a running container, and every handshake then fails the same way).
    loaded: OnceLock<Result<rustls_platform_verifier::Verifier, rustls::Error>>,
}

/// With the aws-lc-rs provider the client uses.
impl Default for SystemRootsVerifier {
    fn default() -> Self {
        Self::new(Arc::new(rustls::crypto::aws_lc_rs::default_provider()))
    }
}

impl SystemRootsVerifier {
    pub fn new(provider: Arc<CryptoProvider>) -> Self {
        Self { provider, loaded: OnceLock::new() }
    }

    /// Whether the trust store has been loaded (for tests and the benchmark).
    pub fn is_loaded(&self) -> bool {
        self.loaded.get().is_some()
    }

    /// The platform verifier, loading the system's trust store the first time.
    pub fn verifier(&self) -> Result<&rustls_platform_verifier::Verifier, rustls::Error> {
        self.loaded
            .get_or_init(|| rustls_platform_verifier::Verifier::new(self.provider.clone()))
            .as_ref()
            .map_err(Clone::clone)
    }
}

impl ServerCertVerifier for SystemRootsVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        self.verifier()?.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.verifier()?.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.verifier()?.verify_tls13_signature(message, cert, dss)
    }

    /// Asked for every ClientHello, before any certificate: the provider's schemes, which is
    /// what the platform verifier answers too, without loading the trust store.
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn provider() -> Arc<CryptoProvider> {
        Arc::new(rustls::crypto::aws_lc_rs::default_provider())
    }

    fn verifier() -> SystemRootsVerifier {
        SystemRootsVerifier::new(provider())
    }

    #[test]
    fn the_client_builds_without_loading_the_trust_store() {
        let lazy = Arc::new(verifier());
        let _client = client_with(tls_config(provider(), lazy.clone()));
        assert!(!lazy.is_loaded());
        assert!(!lazy.supported_verify_schemes().is_empty());
        assert!(!lazy.is_loaded(), "a ClientHello must not load the trust store");
    }

    #[test]
    fn the_schemes_are_the_platform_verifiers() {
        let lazy = verifier();
        let platform = lazy.verifier().expect("this machine has a system trust store");
        assert_eq!(lazy.supported_verify_schemes(), platform.supported_verify_schemes());
        assert!(lazy.is_loaded());
    }

    #[test]
    fn an_untrusted_certificate_is_refused() {
        // A syntactically valid certificate that chains to no root of the system's store.
        let lazy = verifier();
        let der = CertificateDer::from(SELF_SIGNED.to_vec());
        let name = ServerName::try_from("example.com").expect("name");
        let result = lazy.verify_server_cert(&der, &[], &name, &[], UnixTime::now());
        assert!(result.is_err(), "verification must stay on: {result:?}");
        assert!(lazy.is_loaded());
    }

    /// Through the client itself: an HTTPS server whose certificate chains to no trusted root is
    /// refused at the handshake (the preconfigured TLS is in use and verifies), and the refusal
    /// is a connection error, as before.
    #[tokio::test]
    async fn the_client_refuses_an_untrusted_server() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("address").port();
        let server = std::thread::spawn(move || {
            let key = rustls::pki_types::PrivateKeyDer::try_from(SELF_SIGNED_KEY.to_vec()).expect("key");
            let config = rustls::ServerConfig::builder_with_provider(provider())
                .with_protocol_versions(rustls::ALL_VERSIONS)
                .expect("versions")
                .with_no_client_auth()
                .with_single_cert(vec![CertificateDer::from(SELF_SIGNED.to_vec())], key)
                .expect("server config");
            let (mut socket, _) = listener.accept().expect("accept");
            let mut tls = rustls::ServerConnection::new(Arc::new(config)).expect("connection");
            // The client aborts the handshake with an alert: the server sees an error, never a request.
            let handshake = tls.complete_io(&mut socket);
            handshake.is_err() || tls.is_handshaking()
        });
        let error = client().get(format!("https://127.0.0.1:{port}/")).send().await.expect_err("must be refused");
        assert!(error.is_connect(), "{error:?}");
        let chain = format!("{error:?}");
        assert!(chain.contains("InvalidCertificate"), "{chain}");
        assert!(server.join().expect("server thread"), "the server must not have completed a handshake");
    }

    /// `openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -subj /CN=example.com -days 36500 -nodes -outform DER`
    const SELF_SIGNED: &[u8] = include_bytes!("http/self_signed.der");
    /// Its key (PKCS#8), made for this test only and protecting nothing.
    const SELF_SIGNED_KEY: &[u8] = include_bytes!("http/self_signed.key.der");
}
