//! The response size bound of docs/protocol.md: the largest legitimate
//! response, a page of 1,000 job tokens whose 256-byte labels a server
//! escapes as `\uXXXX` (Python's `json.dumps` does by default), is read with
//! the default body limit.

use std::time::Duration;

use steps::Client;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// One job token as Python's `json.dumps(indent=2)` writes it: 64 emoji
/// (256 bytes of UTF-8) become 64 surrogate pairs, 768 characters.
fn python_style_record(id: i64) -> String {
    let label = "\\ud83d\\ude80".repeat(64);
    format!(
        "    {{\n      \"token_id\": {id},\n      \"user_id\": 9007199254740991,\n      \"label\": \"{label}\",\n      \
         \"duration\": 315360000,\n      \"created_at\": 1700000000,\n      \"expires_at\": 2015360000,\n      \
         \"owner_email\": \"someone.with.a.long.name@research.example.org\",\n      \
         \"project\": \"computational-chemistry-quantum-benchmarks-2026\"\n    }}"
    )
}

#[tokio::test]
async fn a_full_page_of_escaped_labels_fits_the_default_limit() {
    let items: Vec<String> = (1..=1000).map(python_style_record).collect();
    let body = format!(
        "{{\n  \"job_tokens\": [\n{}\n  ],\n  \"next_after\": null\n}}",
        items.join(",\n")
    );
    assert!(
        body.len() > 1 << 20,
        "the page is over the old 1 MiB default: {}",
        body.len()
    );
    assert!(body.len() < 4 << 20, "and under the protocol's 4 MiB bound");

    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    // A v1 server: `GET /api/meta` (asked before a user's first page, to
    // learn whether it lists their own) is 404; the list is the page.
    let server = tokio::spawn(async move {
        loop {
            let (mut stream, _) = listener.accept().await.expect("a client connects");
            let mut request = Vec::new();
            let mut buf = [0u8; 1024];
            while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                let n = stream.read(&mut buf).await.expect("read");
                assert!(n > 0, "the client closed before sending its request");
                request.extend_from_slice(&buf[..n]);
            }
            if request.starts_with(b"GET /api/meta ") {
                let not_found = "HTTP/1.1 404 Not Found\r\ncontent-type: application/json\r\n\
                                 content-length: 20\r\nconnection: close\r\n\r\n{\"error\":\"no route\"}";
                stream.write_all(not_found.as_bytes()).await.expect("write 404");
                continue;
            }
            let head = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                body.len()
            );
            stream.write_all(head.as_bytes()).await.expect("write head");
            stream.write_all(body.as_bytes()).await.expect("write body");
            break;
        }
    });

    let client = Client::builder()
        .base_url(&url)
        .transport(|t| {
            t.proxy(steps::Proxy::None)
                .request_timeout(Duration::from_secs(20))
        })
        .build()
        .expect("client");
    let session = client.session_from_token("stl_TEST_token");
    let page = session
        .job_tokens()
        .list()
        .limit(1000)
        .pages()
        .next()
        .await
        .expect("a page")
        .expect("read within the default limit");
    assert_eq!(page.items.len(), 1000);
    assert_eq!(page.items[999].label.as_deref().map(str::len), Some(256));
    server.await.expect("the server task");
}
