//! Connections that send too little, too slowly, are closed after
//! `Config::header_read_timeout` (idle, over HTTP/1.1 or HTTP/2),
//! `Config::body_read_timeout` (a body that never comes) or
//! `Config::http2_keep_alive` (a ping unanswered); beyond
//! `Config::max_connections` they are closed at once; the emulator goes on
//! serving others.

use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{Method, Request, StatusCode};
use http_body_util::Full;
use hyper_util::rt::{TokioExecutor, TokioIo};
use steps_emulator::{Config, Emulator, Fault, FaultRule, When};
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
    closed_after_with_answer(emulator, prefix).await.0
}

/// [`closed_after`], with what the server sent before it closed.
async fn closed_after_with_answer(emulator: &Emulator, prefix: &[u8]) -> (Duration, Vec<u8>) {
    let mut stream = TcpStream::connect(emulator.local_addr()).await.unwrap();
    stream.write_all(prefix).await.unwrap();
    let started = Instant::now();
    let mut buf = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut buf)).await;
    assert!(
        read.is_ok(),
        "the connection was still open after 5 s (sent {prefix:?})"
    );
    (started.elapsed(), buf)
}

/// The HTTP/2 client preface: the magic string, then an empty SETTINGS frame.
const H2_MAGIC: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
const H2_SETTINGS: &[u8] = &[0, 0, 0, 4, 0, 0, 0, 0, 0];

/// A HEADERS frame on stream 1 for `GET /api/whoami`, ending the stream
/// (HPACK: indexed `:method GET` and `:scheme http`, literal `:authority`
/// and `:path` with indexed names).
fn h2_get_whoami() -> Vec<u8> {
    let mut block = vec![0x82, 0x86, 0x01, 1, b'x', 0x04, 11];
    block.extend_from_slice(b"/api/whoami");
    let mut frame = vec![0, 0, block.len() as u8, 0x1, 0x4 | 0x1, 0, 0, 0, 1];
    frame.extend(block);
    frame
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

#[tokio::test]
async fn a_body_that_never_comes_ends_its_request_and_connection() {
    // The header read timeout is long: only the body deadline can close it.
    let emulator = Emulator::start(
        Config::new()
            .user(USER.0, USER.1)
            .header_read_timeout(Duration::from_secs(30))
            .body_read_timeout(TIMEOUT),
    )
    .await
    .expect("the emulator starts");
    let headers = "POST /api/job_token HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 65536\r\n\r\n";
    let (took, answer) = closed_after_with_answer(&emulator, headers.as_bytes()).await;
    assert!(
        took >= TIMEOUT - Duration::from_millis(50),
        "closed too early: {took:?}"
    );
    assert!(
        answer.is_empty(),
        "answered: {:?}",
        String::from_utf8_lossy(&answer)
    );
    // Part of the body, then nothing.
    let partial = format!("{headers}{{\"label\":");
    closed_after(&emulator, partial.as_bytes()).await;
    assert_eq!(emulator.token_counts(), (0, 0));
}

#[tokio::test]
async fn an_http2_client_that_sends_the_preface_and_goes_silent_is_closed() {
    let emulator = emulator().await;
    let took = closed_after(&emulator, H2_MAGIC).await;
    assert!(
        took >= TIMEOUT - Duration::from_millis(50),
        "closed too early: {took:?}"
    );
    let preface = [H2_MAGIC, H2_SETTINGS].concat();
    let (_, answer) = closed_after_with_answer(&emulator, &preface).await;
    assert!(!answer.is_empty(), "the server's SETTINGS came first");
}

#[tokio::test]
async fn an_idle_http2_connection_is_closed_though_it_answers_pings() {
    // hyper's client answers the server's pings: keep-alive alone would
    // keep this connection open for ever.
    let emulator = Emulator::start(
        Config::new()
            .user(USER.0, USER.1)
            .header_read_timeout(TIMEOUT)
            // Pings twice per idle timeout; a ping answer may take up to
            // this long on a loaded machine (50 ms was missed once in CI,
            // with every test binary and a benchmark running).
            .http2_keep_alive(Duration::from_millis(150)),
    )
    .await
    .expect("the emulator starts");
    let stream = TcpStream::connect(emulator.local_addr()).await.unwrap();
    let (mut sender, connection) =
        hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(stream))
            .await
            .expect("h2 handshake");
    let connection = tokio::spawn(connection);
    // Busy for three timeouts, a request at a time: not cut.
    let body = serde_json::json!({ "email": USER.0, "password": USER.1 }).to_string();
    let until = Instant::now() + TIMEOUT * 3;
    while Instant::now() < until {
        let request = Request::post(format!("{}/api/login", emulator.base_url()))
            .header("content-type", "application/json")
            .body(Full::new(Bytes::from(body.clone())))
            .expect("request");
        let response = sender.send_request(request).await.expect("answered");
        assert_eq!(response.status(), StatusCode::OK);
        drop(response);
        tokio::time::sleep(TIMEOUT / 6).await;
    }
    // A request in flight for longer than the timeout is not cut either.
    emulator.set_faults(vec![FaultRule::new(
        Some("login"),
        When::Always,
        Fault::Latency {
            ms: 2 * TIMEOUT.as_millis() as u64,
        },
    )]);
    let request = Request::post(format!("{}/api/login", emulator.base_url()))
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(body.clone())))
        .expect("request");
    let response = sender.send_request(request).await.expect("answered");
    assert_eq!(response.status(), StatusCode::OK);
    drop(response);
    // Then idle: closed after the timeout.
    let started = Instant::now();
    let ended = tokio::time::timeout(Duration::from_secs(5), connection).await;
    assert!(ended.is_ok(), "the idle h2 connection was still open after 5 s");
    assert!(
        started.elapsed() >= TIMEOUT - Duration::from_millis(50),
        "closed too early: {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn an_http2_peer_that_stops_answering_pings_is_closed_mid_request() {
    // The request is handled for 10 s; the peer never answers a ping.
    let emulator = Emulator::start(
        Config::new()
            .user(USER.0, USER.1)
            .header_read_timeout(Duration::from_secs(30))
            .http2_keep_alive(Duration::from_millis(200)),
    )
    .await
    .expect("the emulator starts");
    emulator.set_faults(vec![FaultRule::new(
        Some("whoami"),
        When::Always,
        Fault::Latency { ms: 10_000 },
    )]);
    let request = [H2_MAGIC, H2_SETTINGS, &h2_get_whoami()].concat();
    let (took, _) = closed_after_with_answer(&emulator, &request).await;
    assert!(took < Duration::from_secs(3), "took {took:?}");
    assert_eq!(emulator.requests_seen("whoami"), 1, "the request was in flight");
}

#[tokio::test]
async fn connections_past_the_cap_are_closed_at_once() {
    let emulator = Emulator::start(Config::new().user(USER.0, USER.1).max_connections(2))
        .await
        .expect("the emulator starts");
    let addr = emulator.local_addr();
    let mut first = Conn::open(addr).await;
    first.login(USER).await;
    let mut second = Conn::open(addr).await;
    second.login(USER).await;

    // A third: closed without an answer, at once (the header read timeout
    // is 30 s).
    let (took, answer) =
        closed_after_with_answer(&emulator, b"GET /api/whoami HTTP/1.1\r\nhost: x\r\n\r\n").await;
    assert!(took < Duration::from_secs(1), "took {took:?}");
    assert!(
        answer.is_empty(),
        "answered: {:?}",
        String::from_utf8_lossy(&answer)
    );
    // The two served go on being served.
    second.login(USER).await;

    // Once one closes, its place is free again.
    drop(first);
    let login = serde_json::json!({ "email": USER.0, "password": USER.1 }).to_string();
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let mut conn = Conn::open(addr).await;
        let request = Request::post("/api/login")
            .header("host", "localhost")
            .header("content-type", "application/json")
            .body(Full::new(Bytes::from(login.clone())))
            .expect("request");
        if conn.try_send(request).await.is_ok() {
            break;
        }
        assert!(Instant::now() < deadline, "no place freed in 5 s");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
