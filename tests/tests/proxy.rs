//! The client through an HTTP proxy (`Proxy::Url`): every connection is a
//! `CONNECT` tunnel, so the proxy sees the destination and nothing else;
//! proxy credentials go in `Proxy-Authorization` and nowhere else; a proxy
//! that refuses gives a typed error. (`Proxy::FromEnv` is tested through
//! the CLI, which reads the environment in a process of its own.)

use steps::{ErrorKind, Proxy};
use steps_core::{Login, Operation};
use steps_tests::proxy::{ProxyMode, TestProxy};
use steps_tests::{client_builder, contains, emulator, ADMIN, USER};

fn through(proxy_url: &str, base_url: &str) -> steps::ClientBuilder {
    let proxy = Proxy::Url(proxy_url.parse().expect("a proxy URL"));
    client_builder(base_url).transport(|t| t.proxy(proxy))
}

#[tokio::test]
async fn every_call_goes_through_one_pooled_connect_tunnel() {
    let emulator = emulator().await;
    let proxy = TestProxy::start(ProxyMode::Open).await;
    let client = through(&proxy.url(), emulator.base_url())
        .build()
        .expect("client");

    let session = client
        .login(USER.0, USER.1)
        .await
        .expect("login through the proxy");
    let token = session
        .job_tokens()
        .create()
        .label("via proxy")
        .send()
        .await
        .expect("create");
    let read = session
        .job_tokens()
        .get(token.token_id)
        .send()
        .await
        .expect("read");
    assert_eq!(read.label.as_deref(), Some("via proxy"));
    session
        .job_tokens()
        .delete(token.token_id)
        .send()
        .await
        .expect("delete");

    let authority = emulator.base_url().trim_start_matches("http://");
    let heads = proxy.heads();
    assert_eq!(
        heads.len(),
        1,
        "four sequential calls share one pooled tunnel: {heads:?}"
    );
    let first_line = heads[0].lines().next().unwrap();
    assert_eq!(first_line, format!("CONNECT {authority} HTTP/1.1"));
    // The proxy is told where to connect, and nothing about the call.
    for head in &heads {
        assert!(!head.to_ascii_lowercase().contains("authorization"), "{head}");
        assert!(!head.contains(USER.1), "{head}");
    }
    // The calls themselves went through the tunnel.
    let tunnels = proxy.tunnels();
    assert!(
        contains(&tunnels[0], "POST /api/login"),
        "the login went through the tunnel"
    );
    assert!(
        contains(&tunnels[0], "DELETE /api/job_token/"),
        "the delete went through the tunnel"
    );
}

#[tokio::test]
async fn proxy_credentials_are_sent_to_the_proxy_and_shown_nowhere() {
    const PASSWORD: &str = "proxy-pass-TEST";
    let emulator = emulator().await;
    // base64("proxy-user:proxy-pass-TEST")
    let expected = "Basic cHJveHktdXNlcjpwcm94eS1wYXNzLVRFU1Q=";
    let proxy = TestProxy::start(ProxyMode::RequireAuthorization(expected.into())).await;
    let proxy_url = proxy.url_with_credentials("proxy-user", PASSWORD);

    let builder = through(&proxy_url, emulator.base_url());
    let client = builder.build().expect("client");
    let session = client
        .login(USER.0, USER.1)
        .await
        .expect("login through an authenticating proxy");
    session.whoami().await.expect("whoami");
    assert_eq!(proxy.heads().len(), 1);

    let proxy_setting = Proxy::Url(proxy_url.parse().unwrap());
    for shown in [
        format!("{proxy_setting:?}"),
        format!("{client:?}"),
        format!("{session:?}"),
    ] {
        assert!(!shown.contains(PASSWORD), "the proxy password leaks: {shown}");
    }

    // Wrong credentials: a typed error that names neither password.
    let wrong = proxy.url_with_credentials("proxy-user", "wrong-pass-TEST");
    let client = through(&wrong, emulator.base_url()).build().expect("client");
    let error = client
        .login(USER.0, USER.1)
        .await
        .expect_err("407 from the proxy");
    assert_eq!(error.kind(), ErrorKind::Connect, "{error:?}");
    let proxy_error = std::iter::successors(std::error::Error::source(&error), |e| e.source())
        .find_map(|e| e.downcast_ref::<steps::ProxyError>())
        .expect("a ProxyError in the chain");
    // hyper-util moves the credentials out of the URL into the header.
    assert_eq!(proxy_error.proxy(), format!("{}/", proxy.url()));
    let shown = format!("{error} {error:?} {:?}", std::error::Error::source(&error));
    assert!(
        !shown.contains("wrong-pass-TEST") && !shown.contains(USER.1),
        "{shown}"
    );
}

#[tokio::test]
async fn a_refusing_proxy_gives_a_connect_error_and_creates_are_never_sent() {
    let emulator = emulator().await;
    let direct = client_builder(emulator.base_url()).build().expect("client");
    let user = direct.login(USER.0, USER.1).await.expect("login");
    let admin = direct.login(ADMIN.0, ADMIN.1).await.expect("login");

    let proxy = TestProxy::start(ProxyMode::Refuse("403 Forbidden")).await;
    let client = through(&proxy.url(), emulator.base_url())
        .build()
        .expect("client");
    let refused = client.session_from_token(user.login_token().expect("a login session").token);
    let error = refused
        .job_tokens()
        .create()
        .label("never")
        .send()
        .await
        .expect_err("the proxy refuses");
    assert_eq!(error.kind(), ErrorKind::Connect, "{error:?}");
    // The request never left the proxy, so even a create is safe to retry,
    // and was: one CONNECT per attempt, after the one of the client's
    // single capability request (GET /api/meta, never retried).
    let attempts = steps::RetryPolicy::default().max_attempts;
    assert_eq!(proxy.heads().len(), 1 + attempts as usize, "{:?}", proxy.heads());
    assert!(proxy.tunnels().is_empty());
    let created = admin.job_tokens().list().send().await.expect("list");
    assert!(created.is_empty(), "{created:?}");
}

#[tokio::test]
async fn a_socks5h_proxy_resolves_the_api_host_and_gets_its_credentials() {
    const PASSWORD: &str = "socks-pass-TEST";
    let emulator = emulator().await;
    let proxy = TestProxy::start(ProxyMode::Socks5(Some(("socks-user".into(), PASSWORD.into())))).await;
    // A host name under `.test` that only the proxy resolves (to 127.0.0.1).
    let port = emulator.base_url().rsplit(':').next().expect("a port");
    let base_url = format!("http://api.steps.test:{port}");
    let proxy_url = format!("socks5h://socks-user:{PASSWORD}@{}", proxy.addr());
    let client = through(&proxy_url, &base_url).build().expect("client");
    let session = client.login(USER.0, USER.1).await.expect("login through SOCKS5");
    session.whoami().await.expect("whoami");

    let heads = proxy.heads();
    assert_eq!(
        heads,
        vec![format!(
            "SOCKS5 AUTH socks-user\nSOCKS5 CONNECT domain api.steps.test:{port}"
        )],
        "one pooled tunnel, the host name resolved by the proxy"
    );
    assert!(contains(&proxy.tunnels()[0], "POST /api/login"));
    let shown = format!("{:?} {client:?}", Proxy::Url(proxy_url.parse().unwrap()));
    assert!(!shown.contains(PASSWORD), "{shown}");
}

#[tokio::test]
async fn a_socks5_proxy_is_given_an_address_resolved_here() {
    let emulator = emulator().await;
    let proxy = TestProxy::start(ProxyMode::Socks5(None)).await;
    let port = emulator.base_url().rsplit(':').next().expect("a port");
    let base_url = format!("http://localhost:{port}");
    let client = through(&format!("socks5://{}", proxy.addr()), &base_url)
        .build()
        .expect("client");
    client.login(USER.0, USER.1).await.expect("login through SOCKS5");
    let heads = proxy.heads();
    assert_eq!(heads.len(), 1, "{heads:?}");
    assert!(
        heads[0] == format!("SOCKS5 CONNECT ip 127.0.0.1:{port}")
            || heads[0] == format!("SOCKS5 CONNECT ip ::1:{port}"),
        "{heads:?}"
    );
}

#[tokio::test]
async fn an_https_proxy_is_refused_before_anything_is_sent_in_clear() {
    let emulator = emulator().await;
    let proxy = TestProxy::start(ProxyMode::Open).await;
    let proxy_url = format!("https://proxy-user:https-pass-TEST@{}", proxy.addr());
    let client = through(&proxy_url, emulator.base_url()).build().expect("client");
    let error = client.login(USER.0, USER.1).await.expect_err("refused");
    assert_eq!(error.kind(), ErrorKind::Connect, "{error:?}");
    let proxy_error = std::iter::successors(std::error::Error::source(&error), |e| e.source())
        .find_map(|e| e.downcast_ref::<steps::ProxyError>())
        .expect("a ProxyError in the chain");
    let cause = std::error::Error::source(proxy_error)
        .map(ToString::to_string)
        .unwrap_or_default();
    assert!(cause.contains("not supported"), "{cause}");
    assert!(!format!("{error} {error:?} {cause}").contains("https-pass-TEST"));
    // No connection was opened to it: no credentials crossed in clear.
    assert!(proxy.heads().is_empty(), "{:?}", proxy.heads());
    assert!(proxy.tunnels().is_empty());
}

#[tokio::test]
async fn a_proxy_of_a_scheme_it_cannot_speak_fails_closed_instead_of_going_direct() {
    let emulator = emulator().await;
    for url in ["socks://127.0.0.1:9", "SOCKS5H://127.0.0.1:9"] {
        let client = through(url, emulator.base_url()).build().expect("client");
        let error = client.login(USER.0, USER.1).await.expect_err("refused");
        assert_eq!(error.kind(), ErrorKind::Connect, "{url}: {error:?}");
    }
    assert_eq!(emulator.requests_seen(Login::NAME), 0, "nothing went direct");
}
