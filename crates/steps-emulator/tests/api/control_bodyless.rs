//! The control plane's content type rule: a request with a body must say
//! `Content-Type: application/json`; a bodyless POST or PUT (no length, a
//! length of 0, or an empty chunked body) needs none, so that `curl -X
//! POST .../_steps/reset` works. The browser protections stay: an
//! `Origin`, or a `Sec-Fetch-Site` other than `none`, is refused.

use std::net::SocketAddr;

use bytes::Bytes;
use http::{Method, Request, StatusCode};
use http_body_util::Full;
use steps_emulator::Emulator;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::support::{config, Conn, Reply};

async fn controlled() -> Emulator {
    Emulator::start(config().control(true).frozen_clock())
        .await
        .expect("the emulator starts")
}

/// A control request with exactly these headers (and `Host: localhost`)
/// and body.
async fn send(conn: &mut Conn, method: Method, path: &str, headers: &[(&str, &str)], body: &str) -> Reply {
    let mut request = Request::builder()
        .method(method)
        .uri(path)
        .header("host", "localhost");
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let request = request
        .body(Full::new(Bytes::from(body.to_owned())))
        .expect("a request");
    conn.send(request).await
}

/// Sends `request` (raw HTTP/1.1, `Connection: close`) on a connection of
/// its own; the answer's status line and body.
async fn raw(addr: SocketAddr, request: &str) -> String {
    let mut stream = TcpStream::connect(addr).await.expect("connects");
    stream.write_all(request.as_bytes()).await.expect("sends");
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.expect("reads the answer");
    String::from_utf8_lossy(&answer).into_owned()
}

#[tokio::test]
async fn a_bodyless_post_needs_no_content_type() {
    let emulator = controlled().await;
    let addr = emulator.local_addr();
    // No length at all, as `curl -X POST URL` sends it; and an empty
    // chunked body.
    for request in [
        "POST /_steps/reset HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n\r\n",
        "POST /_steps/reset HTTP/1.1\r\nhost: 127.0.0.1\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n0\r\n\r\n",
    ] {
        let answer = raw(addr, request).await;
        assert!(answer.starts_with("HTTP/1.1 200 "), "{request:?}: {answer}");
        assert!(answer.contains(r#""reset":true"#), "{answer}");
    }
    let mut conn = Conn::open(addr).await;
    let zero = send(
        &mut conn,
        Method::POST,
        "/_steps/reset",
        &[("content-length", "0")],
        "",
    )
    .await;
    assert_eq!(zero.status, StatusCode::OK, "{:?}", zero.json);
    assert_eq!(zero.json["reset"], true);
    // Any content type, when there is no body to be of that type.
    let typed = send(
        &mut conn,
        Method::POST,
        "/_steps/reset",
        &[("content-type", "text/plain")],
        "",
    )
    .await;
    assert_eq!(typed.status, StatusCode::OK, "{:?}", typed.json);
    // An endpoint that needs a body still says so, as a bad body (400), not
    // as a content type (415).
    send(&mut conn, Method::POST, "/_steps/clock", &[], "")
        .await
        .assert_error(400, "a clock change without a body");
    send(&mut conn, Method::PUT, "/_steps/faults", &[], "")
        .await
        .assert_error(400, "faults without a body");
    send(&mut conn, Method::POST, "/_steps/accounts", &[], "")
        .await
        .assert_error(400, "an account without a body");
}

#[tokio::test]
async fn a_body_must_still_be_json() {
    let emulator = controlled().await;
    let mut conn = Conn::open(emulator.local_addr()).await;
    let advance = r#"{"advance":1}"#;
    let types: [&[(&str, &str)]; 4] = [
        &[],
        &[("content-type", "text/plain")],
        &[("content-type", "application/x-www-form-urlencoded")],
        &[("content-type", "application/jsonx")],
    ];
    for headers in types {
        let reply = send(&mut conn, Method::POST, "/_steps/clock", headers, advance).await;
        reply.assert_error(415, &format!("{headers:?}"));
        let reply = send(&mut conn, Method::PUT, "/_steps/faults", headers, "[]").await;
        reply.assert_error(415, &format!("PUT {headers:?}"));
    }
    let clock = send(&mut conn, Method::GET, "/_steps/clock", &[], "").await;
    let now = clock.json["now"].as_u64().expect("now");
    let json = [("content-type", "application/json; charset=utf-8")];
    let moved = send(&mut conn, Method::POST, "/_steps/clock", &json, advance).await;
    assert_eq!(moved.status, StatusCode::OK, "{:?}", moved.json);
    assert_eq!(moved.json["now"], now + 1, "only the JSON one moved the clock");
}

#[tokio::test]
async fn a_bodyless_post_from_a_web_page_is_still_refused() {
    let emulator = controlled().await;
    let mut conn = Conn::open(emulator.local_addr()).await;
    let pages: [&[(&str, &str)]; 5] = [
        &[("origin", "http://evil.example")],
        &[("origin", "null")],
        &[("sec-fetch-site", "cross-site")],
        &[("sec-fetch-site", "same-site")],
        &[
            ("origin", "http://evil.example"),
            ("content-type", "application/json"),
        ],
    ];
    for headers in pages {
        send(&mut conn, Method::POST, "/_steps/reset", headers, "")
            .await
            .assert_error(403, &format!("{headers:?}"));
    }
    let typed_by_hand = send(
        &mut conn,
        Method::POST,
        "/_steps/reset",
        &[("sec-fetch-site", "none")],
        "",
    )
    .await;
    assert_eq!(typed_by_hand.status, StatusCode::OK, "{:?}", typed_by_hand.json);
}
