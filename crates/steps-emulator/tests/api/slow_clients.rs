//! Connections that send too little, too slowly, are closed after
//! `Config::header_read_timeout`; the emulator goes on serving others.

use std::time::{Duration, Instant};

use http::{Method, StatusCode};
use steps_emulator::{Config, Emulator};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::support::{Conn, USER};

const TIMEOUT: Duration = Duration::from_millis(300);

async fn emulator() -> Emulator {
    Emulator::start(Config::new().user(USER.0, USER.1).header_read_timeout(TIMEOUT))
        .await
        .expect("the emulator starts")
}

/// Sends `prefix`, then waits for the server to close the connection;
/// returns how long that took (failing after 5 s).
async fn closed_after(emulator: &Emulator, prefix: &[u8]) -> Duration {
    let mut stream = TcpStream::connect(emulator.local_addr()).await.unwrap();
    stream.write_all(prefix).await.unwrap();
    let started = Instant::now();
    let mut buf = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut buf)).await;
    assert!(
        read.is_ok(),
        "the connection was still open after 5 s (sent {prefix:?})"
    );
    started.elapsed()
}

#[tokio::test]
async fn a_silent_connection_is_closed() {
    let emulator = emulator().await;
    let took = closed_after(&emulator, b"").await;
    assert!(
        took >= TIMEOUT - Duration::from_millis(50),
        "closed too early: {took:?}"
    );
}

#[tokio::test]
async fn a_connection_that_stalls_inside_its_headers_is_closed() {
    let emulator = emulator().await;
    closed_after(&emulator, b"GET /api/whoami HTTP/1.1\r\nhost: x\r\n").await;
}

#[tokio::test]
async fn other_clients_are_served_meanwhile_and_a_busy_connection_is_not_cut() {
    let emulator = emulator().await;
    let mut silent = Vec::new();
    for _ in 0..20 {
        silent.push(TcpStream::connect(emulator.local_addr()).await.unwrap());
    }
    // One connection used for longer than the timeout, a request at a time:
    // only the time spent waiting for headers counts.
    let mut conn = Conn::open(emulator.local_addr()).await;
    let token = conn.login(USER).await;
    let until = Instant::now() + TIMEOUT * 3;
    while Instant::now() < until {
        let reply = conn.call(Method::GET, "/api/whoami", Some(&token), None).await;
        assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.json);
        tokio::time::sleep(TIMEOUT / 6).await;
    }
}
