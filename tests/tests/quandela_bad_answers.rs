//! The Quandela dialect through the facade against a server that breaks
//! `docs/quandela.md`: each bad answer is a typed error, never a panic or a
//! wrong value. A scripted server answers every request with one canned
//! response.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use steps::{Client, Dialect, ErrorKind};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// A server on loopback that answers every request with `status` and the
/// JSON `body`; it counts the requests it read.
async fn canned(status: u16, body: &'static str) -> (String, tokio::task::JoinHandle<()>, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    let seen = Arc::new(AtomicUsize::new(0));
    let counted = seen.clone();
    let server = tokio::spawn(async move {
        loop {
            let Ok((mut stream, _)) = listener.accept().await else {
                return;
            };
            let mut request = Vec::new();
            let mut buf = [0u8; 4096];
            while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                match stream.read(&mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => request.extend_from_slice(&buf[..n]),
                }
            }
            counted.fetch_add(1, Ordering::SeqCst);
            let answer = format!(
                "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = stream.write_all(answer.as_bytes()).await;
        }
    });
    (url, server, seen)
}

fn session(url: &str) -> steps::Session {
    Client::builder()
        .dialect(Dialect::Quandela)
        .base_url(url)
        .transport(|t| {
            t.proxy(steps::Proxy::None)
                .request_timeout(Duration::from_secs(5))
        })
        .build()
        .expect("a client")
        .session_from_token("_T_TEST_cloud_token_not_a_secret")
}

#[tokio::test]
async fn a_list_that_is_not_an_array_is_a_protocol_error() {
    let (url, server, _) = canned(200, r#"{"tokens":[{"id":1}]}"#).await;
    let error = session(&url)
        .quandela()
        .list()
        .send()
        .await
        .expect_err("not an array");
    assert_eq!(error.kind(), ErrorKind::Protocol, "{error}");
    assert!(error.to_string().contains("expected an array"), "{error}");
    server.abort();
}

#[tokio::test]
async fn a_date_that_is_not_iso_8601_is_a_protocol_error_naming_the_field() {
    let (url, server, _) = canned(200, r#"{"id":7,"expiration_date":"next tuesday"}"#).await;
    let error = session(&url)
        .quandela()
        .get(7)
        .send()
        .await
        .expect_err("a bad date");
    assert_eq!(error.kind(), ErrorKind::Protocol, "{error}");
    assert!(error.to_string().contains("`expiration_date`"), "{error}");
    assert!(
        !error.to_string().contains("tuesday"),
        "never quotes the value: {error}"
    );
    server.abort();
}

#[tokio::test]
async fn a_generate_answered_without_its_secret_may_have_made_a_token() {
    // A 200 without `token`: the token may exist, and its secret is not
    // known. Without a label nothing can settle it.
    let (url, server, _) = canned(200, r#"{"token_id":7,"duration":3600}"#).await;
    let error = session(&url)
        .quandela()
        .generate()
        .send()
        .await
        .expect_err("no secret");
    assert_eq!(error.kind(), ErrorKind::OutcomeUnknown, "{error}");
    let cause = std::error::Error::source(&error)
        .expect("the decode error")
        .to_string();
    assert!(cause.contains("missing field `token`"), "{cause}");
    server.abort();
}

#[tokio::test]
async fn a_quandela_client_never_asks_api_meta() {
    let (url, server, seen) = canned(404, r#"{"error":"Not found","detail":{}}"#).await;
    let session = session(&url);
    let capabilities = session
        .client()
        .capabilities()
        .await
        .expect("known without asking");
    assert_eq!(capabilities.protocol, 1);
    let error = session.quandela().get(7).send().await.expect_err("404");
    assert_eq!(error.kind(), ErrorKind::NotFound, "{error}");
    // A generate (which on our protocol asks for the idempotency feature)
    // goes straight out too: two requests in all, no `/api/meta`.
    let _ = session.quandela().generate().send().await;
    assert_eq!(
        seen.load(Ordering::SeqCst),
        2,
        "only the get and the generate were sent"
    );
    server.abort();
}
