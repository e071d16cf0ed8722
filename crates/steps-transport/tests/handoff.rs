//! Whether a create that timed out may have reached the server, told by
//! hyper-util's sender over real loopback sockets: a create whose body no
//! connection took times out plainly (nothing was sent, so it is safe to
//! try again), one whose body was sent ends in an unknown outcome.

use std::time::Duration;

use bytes::Bytes;
use http::Response;
use steps_core::{
    Access, BuildError, CloudContext, CreateJobToken, Credential, Effect, Operation, RequestParts,
    ResponseError, Secret,
};
use steps_transport::{Proxy, Transport, TransportError};
use tokio::io::AsyncReadExt;
use tokio::net::TcpListener;

/// Long enough that a loaded machine still connects and writes a request
/// over loopback well within it.
const TIMEOUT: Duration = Duration::from_secs(1);

fn transport(url: &str) -> Transport {
    Transport::builder()
        .request_timeout(TIMEOUT)
        .proxy(Proxy::None)
        .build(CloudContext::new(url).expect("a valid URL"))
        .expect("builds")
}

fn create() -> (CreateJobToken, Credential) {
    (
        CreateJobToken::new().label("handoff"),
        Credential::bearer(Secret::new("stl_handoff")),
    )
}

/// A server that accepts connections and reads what comes, but never
/// answers (a TLS client's hello, or a request): what it read, when the
/// test ends.
async fn silent_server() -> (String, tokio::task::JoinHandle<Vec<u8>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("binds");
    let address = listener.local_addr().expect("an address");
    let reader = tokio::spawn(async move {
        let Ok(accepted) = tokio::time::timeout(TIMEOUT * 10, listener.accept()).await else {
            return Vec::new();
        };
        let (mut stream, _) = accepted.expect("accepts");
        let mut read = Vec::new();
        let mut buffer = [0u8; 4096];
        while let Ok(Ok(n)) = tokio::time::timeout(TIMEOUT * 3, stream.read(&mut buffer)).await {
            if n == 0 {
                break;
            }
            read.extend_from_slice(&buffer[..n]);
        }
        read
    });
    (address.to_string(), reader)
}

#[tokio::test]
async fn a_create_stuck_in_the_tls_handshake_times_out_plainly() {
    let (address, reader) = silent_server().await;
    let (op, credential) = create();
    let error = transport(&format!("https://{address}"))
        .execute(&op, &credential)
        .await
        .expect_err("the handshake never finishes");
    assert!(
        matches!(error, TransportError::Timeout { .. }),
        "nothing was sent, so the outcome is known: {error:?}"
    );
    let read = reader.await.expect("the server ran");
    assert!(!read.is_empty(), "the client began a handshake");
    assert!(
        !read.windows(4).any(|w| w == b"POST"),
        "no request went out in clear"
    );
}

#[tokio::test]
async fn a_create_whose_body_was_sent_ends_in_an_unknown_outcome() {
    let (address, reader) = silent_server().await;
    let (op, credential) = create();
    let error = transport(&format!("http://{address}"))
        .execute(&op, &credential)
        .await
        .expect_err("the server never answers");
    assert!(
        matches!(error, TransportError::OutcomeUnknown { .. }),
        "the request reached the server whole: {error:?}"
    );
    let read = String::from_utf8(reader.await.expect("the server ran")).expect("text");
    assert!(read.starts_with("POST /api/job_token "), "{read}");
    assert!(
        read.ends_with(r#"{"label":"handoff","duration":99999}"#),
        "{read}"
    );
}

/// A user's own operation that must not be sent twice and has no body:
/// nothing to watch, so the sender falls back to asking whether a
/// connection was found for it.
struct Nudge;

impl Operation for Nudge {
    type Output = ();
    const NAME: &'static str = "test.nudge";
    const EFFECT: Effect = Effect::Create;
    const ACCESS: Access = Access::Anonymous;

    fn parts(&self) -> Result<RequestParts<'_>, BuildError> {
        Ok(RequestParts::post("/api/nudge"))
    }

    fn parse_response(&self, _: Response<Bytes>) -> Result<(), ResponseError> {
        Ok(())
    }
}

#[tokio::test]
async fn a_request_without_a_body_is_watched_by_its_connection() {
    // Stuck in the TLS handshake: no connection, nothing sent.
    let (address, _reader) = silent_server().await;
    let error = transport(&format!("https://{address}"))
        .execute(&Nudge, &Credential::none())
        .await
        .expect_err("the handshake never finishes");
    assert!(matches!(error, TransportError::Timeout { .. }), "{error:?}");
    // Connected and sent: it may have taken effect.
    let (address, reader) = silent_server().await;
    let error = transport(&format!("http://{address}"))
        .execute(&Nudge, &Credential::none())
        .await
        .expect_err("the server never answers");
    assert!(
        matches!(error, TransportError::OutcomeUnknown { .. }),
        "{error:?}"
    );
    let read = String::from_utf8(reader.await.expect("the server ran")).expect("text");
    assert!(read.starts_with("POST /api/nudge "), "{read}");
}
