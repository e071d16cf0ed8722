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
        .transport(|t| t.add_root_certificate_pem(ca))
        .build()
        .expect("client");
    let session = trusted.login(USER.0, USER.1).await.expect("login over TLS");
    let token = session
        .job_tokens()
        .create()
        .send()
        .await
        .expect("create over TLS");
    session
        .job_tokens()
        .get(token.token_id)
        .send()
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

#[tokio::test]
async fn https_through_a_proxy_shows_the_proxy_only_ciphertext() {
    use steps_tests::proxy::{ProxyMode, TestProxy};
    let (ca, cert, key) = certificates();
    let emulator = steps_emulator::Emulator::start(config().tls(cert, key))
        .await
        .expect("starts");
    let proxy = TestProxy::start(ProxyMode::Open).await;
    let client = client_builder(emulator.base_url())
        .transport(|t| {
            t.add_root_certificate_pem(ca)
                .proxy(steps::Proxy::Url(proxy.url().parse().unwrap()))
        })
        .build()
        .expect("client");
    let session = client
        .login(USER.0, USER.1)
        .await
        .expect("login over TLS through the proxy");
    let token = session
        .job_tokens()
        .create()
        .label("tunnelled")
        .send()
        .await
        .expect("create");
    let login_token = session.login_token().expect("a login session").token;

    let heads = proxy.heads();
    let authority = emulator.base_url().trim_start_matches("https://");
    assert_eq!(heads.len(), 1, "{heads:?}");
    assert!(
        heads[0].starts_with(&format!("CONNECT {authority} HTTP/1.1\r\n")),
        "{heads:?}"
    );
    let tunnelled = proxy.tunnels().concat();
    assert!(tunnelled.len() > 500, "the calls went through the tunnel");
    for secret in [
        USER.1,
        login_token.expose(),
        token
            .token
            .as_ref()
            .expect("a new token carries its secret")
            .expose(),
        "/api/login",
    ] {
        assert!(
            !steps_tests::contains(&tunnelled, secret),
            "the proxy saw {secret:?} in clear"
        );
    }
}

#[tokio::test]
async fn a_tls_handshake_that_never_starts_is_cut_off() {
    use tokio::io::AsyncReadExt;
    let (_ca, cert, key) = certificates();
    let timeout = std::time::Duration::from_millis(300);
    let emulator = steps_emulator::Emulator::start(config().tls(cert, key).header_read_timeout(timeout))
        .await
        .expect("starts");
    let mut silent = tokio::net::TcpStream::connect(emulator.local_addr())
        .await
        .unwrap();
    let mut buf = Vec::new();
    let closed = tokio::time::timeout(std::time::Duration::from_secs(5), silent.read_to_end(&mut buf)).await;
    assert!(
        closed.is_ok(),
        "a client that never sent a ClientHello still holds its connection"
    );
}
