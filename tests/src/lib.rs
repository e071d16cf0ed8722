//! Shared set-up for the end-to-end tests in `tests/tests/`: an emulator
//! with known accounts, and a client for it.

use std::time::Duration;

use steps::{Client, Proxy, RetryPolicy};
use steps_emulator::{Config, Emulator};

/// The admin account of [`emulator`].
pub const ADMIN: (&str, &str) = ("root@example.com", "TEST-admin-password");
/// A user account of [`emulator`].
pub const USER: (&str, &str) = ("ada@example.com", "TEST-user-password");
/// Another user account of [`emulator`].
pub const OTHER: (&str, &str) = ("bob@example.com", "TEST-other-password");

/// The configuration of [`emulator`]: the three accounts above.
pub fn config() -> Config {
    Config::new()
        .admin(ADMIN.0, ADMIN.1)
        .user(USER.0, USER.1)
        .user(OTHER.0, OTHER.1)
}

/// Starts an emulator on an ephemeral loopback port.
pub async fn emulator() -> Emulator {
    Emulator::start(config()).await.expect("the emulator starts")
}

/// A client for `base_url` with short timeouts and fast retries, and no
/// proxy whatever the environment says.
pub fn client(base_url: &str) -> Client {
    client_builder(base_url).build().expect("a valid client")
}

/// The builder behind [`client`], to adjust before building.
pub fn client_builder(base_url: &str) -> steps::ClientBuilder {
    let mut retry = RetryPolicy::default();
    retry.base_delay = Duration::from_millis(10);
    Client::builder().base_url(base_url).transport(|t| {
        t.proxy(Proxy::None)
            .connect_timeout(Duration::from_secs(2))
            .request_timeout(Duration::from_secs(10))
            .retry_policy(retry)
    })
}

/// Whether `needle` occurs anywhere in `haystack` (bytes seen on a wire).
pub fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle.as_bytes())
}

pub mod background;
pub mod conformance;
pub mod fault_cases;
pub mod leak;
pub mod proxy;

/// The workspace README's examples, compiled as doctests.
#[doc = include_str!("../../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;

/// The body of a `GET` to the control plane of `emulator` (started with
/// `Config::control(true)`), over plain HTTP/1.1, after checking that it
/// was answered 200.
pub async fn control_get(emulator: &Emulator, path: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(emulator.local_addr())
        .await
        .expect("the emulator accepts");
    let request = format!("GET {path} HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\n\r\n");
    stream
        .write_all(request.as_bytes())
        .await
        .expect("the request is sent");
    let mut response = String::new();
    stream
        .read_to_string(&mut response)
        .await
        .expect("the answer is read");
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    match response.split_once("\r\n\r\n") {
        Some((_, body)) => body.to_owned(),
        None => String::new(),
    }
}
