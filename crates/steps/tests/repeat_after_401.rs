//! A call repeated after a 401 keeps its history (issue 24, item 19): a
//! delete whose first attempt may have deleted the token, then refused
//! because the login token expired meanwhile, is repeated after the
//! session logs in again, and the repeat's 404 means "already gone", as it
//! does within one execute. Scripted server, no sockets.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{Request, Response};
use steps::{Client, RetryPolicy};
use steps_transport::{BoxFuture, SendError, SendRequest};

/// Answers logins with a token; the delete's first attempt loses its
/// connection after the request went out, its second is refused 401, and
/// every later one finds the token gone (404).
#[derive(Default)]
struct Server {
    deletes: AtomicUsize,
}

impl SendRequest for Server {
    fn send(
        &self,
        request: Request<Bytes>,
        _limit: usize,
    ) -> BoxFuture<'_, Result<Response<Bytes>, SendError>> {
        let path = request.uri().path().to_owned();
        Box::pin(async move {
            let reply = |status: u16, body: &str| {
                Ok(Response::builder()
                    .status(status)
                    .body(Bytes::from(body.to_owned()))
                    .expect("a valid response"))
            };
            if path == "/api/login" {
                return reply(200, r#"{"token":"stl_TEST_token","user_id":2,"is_admin":false}"#);
            }
            match self.deletes.fetch_add(1, Ordering::SeqCst) {
                0 => Err(SendError::Io(Box::new(std::io::Error::other(
                    "reset after the request",
                )))),
                1 => reply(401, r#"{"error":"expired token"}"#),
                _ => reply(404, r#"{"error":"not found"}"#),
            }
        })
    }
}

#[tokio::test(start_paused = true)]
async fn a_delete_repeated_after_a_401_remembers_it_may_have_deleted() {
    let server = Arc::new(Server::default());
    let mut retry = RetryPolicy::default();
    retry.base_delay = Duration::from_millis(10);
    let client = Client::builder()
        .base_url("http://127.0.0.1:9")
        .transport(|t| t.sender(server.clone()).retry_policy(retry))
        .build()
        .expect("client");
    let session = client
        .login("ada@example.com", "TEST-password")
        .await
        .expect("login");
    session
        .job_tokens()
        .delete(7)
        .send()
        .await
        .expect("already gone: the first attempt deleted it");
    assert_eq!(server.deletes.load(Ordering::SeqCst), 3);
}
