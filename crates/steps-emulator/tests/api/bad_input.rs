//! Bad input gets a JSON error with the right status and changes nothing.

use bytes::Bytes;
use http::{Method, Request};
use http_body_util::Full;

use crate::support::{emulator, Conn, ADMIN, USER};

#[tokio::test]
async fn bad_bodies_ids_paths_and_methods_are_refused_without_changing_anything() {
    let emulator = emulator().await;
    let mut conn = Conn::open(emulator.local_addr()).await;
    let user = conn.login(USER).await;
    let admin = conn.login(ADMIN).await;
    conn.create("job_token", &user).await;
    let before = emulator.token_counts();

    let long_label = format!(r#"{{"label":"{}","duration":60}}"#, "x".repeat(257));
    let bodies: &[(&str, &str)] = &[
        ("malformed JSON", r#"{"label": "x", "#),
        ("not an object", r#"[1, 2]"#),
        ("label of the wrong type", r#"{"label": 5, "duration": 60}"#),
        ("duration of the wrong type", r#"{"duration": "60"}"#),
        ("fractional duration", r#"{"duration": 1.5}"#),
        ("zero duration", r#"{"duration": 0}"#),
        ("negative duration", r#"{"duration": -1}"#),
        ("duration over ten years", r#"{"duration": 315360001}"#),
        ("label over 256 bytes", &long_label),
        ("empty body", ""),
        ("null body", "null"),
        ("duration null", r#"{"duration": null}"#),
        // Control characters (Unicode Cc): C0, DEL and C1, anywhere.
        ("label with ESC", r#"{"label": "a\u001b[2Kb"}"#),
        ("label with NUL", r#"{"label": "\u0000"}"#),
        ("label with a newline", r#"{"label": "two\nlines"}"#),
        ("label with a tab", r#"{"label": "a\tb"}"#),
        ("label with DEL", r#"{"label": "x\u007f"}"#),
        ("label with C1 CSI", r#"{"label": "\u009b31m"}"#),
        ("label with C1 NEL, raw UTF-8", "{\"label\": \"a\u{85}\"}"),
    ];
    for &(what, body) in bodies {
        for (kind, token) in [("job_token", &user), ("api_key", &admin)] {
            let request = Request::post(format!("/api/{kind}"))
                .header("host", "localhost")
                .header("authorization", format!("Bearer {token}"))
                .header("content-type", "application/json")
                .body(Full::new(Bytes::from(body.to_owned())))
                .expect("request");
            conn.send(request)
                .await
                .assert_error(400, &format!("{kind}: {what}"));
        }
    }

    for (what, body) in [
        ("missing password", r#"{"email":"ada@example.com"}"#),
        ("missing email", r#"{"password":"x"}"#),
        ("empty email", r#"{"email":"","password":"x"}"#),
        ("email of the wrong type", r#"{"email":1,"password":"x"}"#),
        ("malformed JSON", r#"{"email""#),
    ] {
        conn.call(Method::POST, "/api/login", None, Some(body))
            .await
            .assert_error(400, &format!("login: {what}"));
    }
    conn.call(
        Method::POST,
        "/api/login",
        None,
        Some(r#"{"email":"ada@example.com","password":"wrong"}"#),
    )
    .await
    .assert_error(401, "login: wrong password");

    // One rule for integers on the wire: `0` or `[1-9][0-9]*`, at most
    // 2^63-1. Token 1 exists, so `01` and `+1` would find it if read
    // leniently.
    for id in [
        "abc",
        "-1",
        "1.5",
        "99999999999999999999",
        "9223372036854775808",
        "%31",
        "+1",
        "-0",
        "01",
        "007",
        "00",
        "%201",
        "1%20",
        "0x1",
    ] {
        conn.call(Method::GET, &format!("/api/job_token/{id}"), Some(&user), None)
            .await
            .assert_error(400, id);
        conn.call(Method::DELETE, &format!("/api/api_key/{id}"), Some(&admin), None)
            .await
            .assert_error(400, id);
    }
    conn.call(Method::GET, "/api/job_token/424242", Some(&user), None)
        .await
        .assert_error(404, "unknown id");
    conn.call(Method::GET, "/api/job_token/0", Some(&user), None)
        .await
        .assert_error(404, "id 0 is an id");
    for query in [
        "limit=0",
        "limit=abc",
        "after=-1",
        "after=x",
        "limit=",
        "limit",
        "limit=+5",
        "limit=05",
        "limit=%35",
        "limit=5%20",
        "limit=1e3",
        "limit=9223372036854775808",
        "limit=11844494302430494193530961920",
        "after=-0",
        "after=+0",
        "after=007",
        "after=00",
        "after=9223372036854775808",
        "limit=5&after=01",
    ] {
        conn.call(
            Method::GET,
            &format!("/api/job_token?{query}"),
            Some(&admin),
            None,
        )
        .await
        .assert_error(400, query);
    }
    // Unknown parameters are ignored, wherever they are.
    for query in [
        "foo=bar",
        "limit=5&foo",
        "Limit=x&AFTER=-1",
        "after=0&sort=desc&limit=1000",
        "limit=9223372036854775807",
    ] {
        let reply = conn
            .call(
                Method::GET,
                &format!("/api/job_token?{query}"),
                Some(&admin),
                None,
            )
            .await;
        assert_eq!(reply.status.as_u16(), 200, "{query}: {:?}", reply.json);
    }
    let reply = conn.call(Method::GET, "/api/whoami?x=1", Some(&user), None).await;
    assert_eq!(reply.status.as_u16(), 200, "whoami?x=1: {:?}", reply.json);

    for path in [
        "/",
        "/api",
        "/api/tokens",
        "/api/job_token/1/extra",
        "/api/job_token/",
        "/api/login/",
    ] {
        conn.call(Method::GET, path, Some(&user), None)
            .await
            .assert_error(404, path);
    }
    for (method, path, allow) in [
        (Method::GET, "/api/login", "POST"),
        (Method::POST, "/api/whoami", "GET"),
        (Method::PUT, "/api/job_token", "GET, POST"),
        (Method::PATCH, "/api/api_key/1", "GET, DELETE"),
    ] {
        let reply = conn.call(method.clone(), path, Some(&user), None).await;
        reply.assert_error(405, &format!("{method} {path}"));
        assert_eq!(reply.headers["allow"], allow);
    }

    // Not JSON: 415.
    let request = Request::post("/api/job_token")
        .header("host", "localhost")
        .header("authorization", format!("Bearer {user}"))
        .header("content-type", "text/plain")
        .body(Full::new(Bytes::from_static(br#"{"duration":60}"#)))
        .expect("request");
    conn.send(request).await.assert_error(415, "text/plain body");

    assert_eq!(emulator.token_counts(), before, "bad input changed the store");
}

#[tokio::test]
async fn labels_may_hold_any_printable_unicode_up_to_256_bytes() {
    let emulator = emulator().await;
    let mut conn = Conn::open(emulator.local_addr()).await;
    let user = conn.login(USER).await;
    // Not control characters (format characters such as U+200E and
    // U+FEFF are Cf, not Cc), and 256 bytes exactly.
    let labels = [
        "plain",
        "é ü 漢字 🚀 \" \\ '",
        "\u{200e}\u{feff}\u{a0}",
        &"é".repeat(128),
    ];
    for label in labels {
        let body = serde_json::json!({ "label": label }).to_string();
        let reply = conn
            .call(Method::POST, "/api/job_token", Some(&user), Some(&body))
            .await;
        assert_eq!(reply.status.as_u16(), 201, "{label:?}: {:?}", reply.json);
        assert_eq!(reply.json["label"], label);
    }
}

#[tokio::test]
async fn a_body_over_64_kib_is_refused_with_413() {
    let emulator = emulator().await;
    let mut conn = Conn::open(emulator.local_addr()).await;
    let user = conn.login(USER).await;
    let big = format!(
        r#"{{"label":null,"duration":60,"pad":"{}"}}"#,
        "x".repeat(70 * 1024)
    );
    conn.call(Method::POST, "/api/job_token", Some(&user), Some(&big))
        .await
        .assert_error(413, "declared length");
    assert_eq!(emulator.token_counts(), (0, 0));

    // Without a Content-Length (chunked), the limit holds as the body streams in.
    let stream = tokio::net::TcpStream::connect(emulator.local_addr())
        .await
        .expect("connects");
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
            .await
            .expect("handshake");
    tokio::spawn(connection);
    let chunks = ChunkStream { left: 100 };
    let request = Request::post("/api/job_token")
        .header("host", "localhost")
        .header("authorization", format!("Bearer {user}"))
        .header("content-type", "application/json")
        .body(chunks)
        .expect("request");
    let response = sender.send_request(request).await.expect("answered");
    assert_eq!(response.status(), 413);
    assert_eq!(emulator.token_counts(), (0, 0));
}

/// 100 chunks of 1 KiB with no declared length.
struct ChunkStream {
    left: usize,
}

impl hyper::body::Body for ChunkStream {
    type Data = Bytes;
    type Error = std::convert::Infallible;
    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<hyper::body::Frame<Bytes>, Self::Error>>> {
        if self.left == 0 {
            return std::task::Poll::Ready(None);
        }
        self.left -= 1;
        std::task::Poll::Ready(Some(Ok(hyper::body::Frame::data(Bytes::from(vec![b' '; 1024])))))
    }
}
