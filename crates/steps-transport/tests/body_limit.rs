//! The response body limit over a real socket: a response that declares a
//! body over the limit is refused from its head, without waiting for (or
//! reading) the body.

use std::time::Duration;

use steps_core::{CloudContext, Credential, ReadJobToken, Secret};
use steps_transport::{Proxy, RetryPolicy, Transport, TransportError};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

#[tokio::test]
async fn a_declared_length_over_the_limit_is_refused_from_the_head() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("binds");
    let url = format!("http://{}", listener.local_addr().expect("an address"));
    let server = tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.expect("accepts");
        let mut request = Vec::new();
        let mut buffer = [0u8; 1024];
        while !request.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = stream.read(&mut buffer).await.expect("reads");
            assert!(n > 0, "the client closed before its request");
            request.extend_from_slice(&buffer[..n]);
        }
        // A head that promises 10 MB, then nothing: a client that waited
        // for the body would run into its request timeout instead.
        let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 10000000\r\n\r\n";
        stream.write_all(head.as_bytes()).await.expect("writes");
        let _ = stream.read(&mut buffer).await;
    });
    let transport = Transport::builder()
        .request_timeout(Duration::from_secs(5))
        .max_response_body(1024)
        .retry_policy(RetryPolicy::never())
        .proxy(Proxy::None)
        .build(CloudContext::new(&url).expect("a valid URL"))
        .expect("builds");
    let error = transport
        .execute(
            &ReadJobToken::new(7),
            &Credential::bearer(Secret::new("stl_limit")),
        )
        .await
        .expect_err("over the limit");
    assert!(
        matches!(error, TransportError::BodyTooLarge { limit: 1024, .. }),
        "{error:?}"
    );
    server.abort();
}
