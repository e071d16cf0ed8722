//! HTTPS against the emulator with a CA made at test time.

use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair};
use steps::ErrorKind;
use steps_tests::{client_builder, config, USER};

/// A CA, and a certificate for 127.0.0.1 signed by it: (CA PEM, server
/// certificate PEM, server key PEM).
fn certificates() -> (String, String, String) {
    let ca_key = KeyPair::generate().expect("key");
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("params");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "steps test CA");
    let ca = ca_params.self_signed(&ca_key).expect("CA");
    let server_key = KeyPair::generate().expect("key");
    let server = CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
        .expect("params")
        .signed_by(&server_key, &ca, &ca_key)
        .expect("server certificate");
    (ca.pem(), server.pem(), server_key.serialize_pem())
}

#[tokio::test]
async fn https_works_with_the_ca_trusted_and_fails_without_it() {
    let (ca, cert, key) = certificates();
    let emulator = steps_emulator::Emulator::start(config().tls(cert, key))
        .await
        .expect("starts");
    assert!(emulator.base_url().starts_with("https://"));

    let trusted = client_builder(emulator.base_url())
        .add_root_certificate_pem(ca)
        .build()
        .expect("client");
    let session = trusted.login(USER.0, USER.1).await.expect("login over TLS");
    let token = session
        .job_tokens()
        .create(None, None)
        .await
        .expect("create over TLS");
    session
        .job_tokens()
        .get(token.token_id)
        .await
        .expect("read over TLS");

    let untrusted = client_builder(emulator.base_url()).build().expect("client");
    let error = untrusted
        .login(USER.0, USER.1)
        .await
        .expect_err("the CA is not trusted");
    assert_eq!(error.kind(), ErrorKind::Tls, "{error:?}");
    let chain = format!("{:?}", std::error::Error::source(&error));
    assert!(
        chain.contains("UnknownIssuer") || chain.contains("certificate"),
        "{chain}"
    );
}
