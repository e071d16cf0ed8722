//! Protocol v2 discovery and idempotent creates, without sockets: a
//! scripted server behind the transport's `SendRequest` seam, on tokio's
//! paused clock. (The same is tested end to end against the emulator in
//! both protocol modes in the workspace's `tests/`.)

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http::{Request, Response};
use steps::steps_core::{Meta, Operation};
use steps::{Capabilities, Client, ErrorKind, Feature, IdempotencyKey};
use steps_transport::{BoxError, BoxFuture, SendError, SendRequest};

/// How the scripted server answers `GET /api/meta`.
#[derive(Clone, Copy, Debug)]
enum MetaAnswer {
    V2,
    /// v2 with every feature of part 2 too.
    V2All,
    NotFound,
    HtmlNotFound,
    Unauthorized,
    /// No answer: never answers (the client gives up after `META_TIMEOUT`).
    Hang,
    /// No answer: 503 from the server.
    Unavailable,
    /// No answer: 429.
    RateLimited,
    /// No answer: a gateway's HTML 502 page.
    GatewayHtml,
}

struct Server {
    /// Changed by a test to script a server that recovers.
    meta: Mutex<MetaAnswer>,
    metas: AtomicUsize,
    /// The `Idempotency-Key` of every create, in order (None: no key).
    create_keys: Mutex<Vec<Option<String>>>,
    /// How many creates lose their connection after being handled.
    lose_creates: AtomicUsize,
    /// Creates handled, by key: the stored answer is replayed.
    created: AtomicUsize,
    /// Every request but meta: method, path and query.
    requests: Mutex<Vec<String>>,
}

const RECORD: &str = r#"{"token_id":7,"user_id":2,"label":"x","duration":60,"created_at":1,"expires_at":61,"token":"stj_TEST"}"#;

impl SendRequest for Server {
    fn send(
        &self,
        request: Request<Bytes>,
        _limit: usize,
    ) -> BoxFuture<'_, Result<Response<Bytes>, SendError>> {
        let path = request.uri().path().to_owned();
        let method = request.method().clone();
        if path != "/api/meta" {
            let query = request.uri().query().map(|q| format!("?{q}")).unwrap_or_default();
            self.requests
                .lock()
                .expect("lock")
                .push(format!("{method} {path}{query}"));
        }
        let key = request
            .headers()
            .get("idempotency-key")
            .map(|v| v.to_str().unwrap_or_default().to_owned());
        Box::pin(async move {
            let reply = |status: u16, content_type: &str, body: &str| {
                Ok(Response::builder()
                    .status(status)
                    .header("content-type", content_type)
                    .body(Bytes::from(body.to_owned()))
                    .expect("a valid response"))
            };
            let json = "application/json";
            if path == "/api/meta" {
                self.metas.fetch_add(1, Ordering::SeqCst);
                let meta = *self.meta.lock().expect("lock");
                return match meta {
                    MetaAnswer::V2 => reply(200, json, r#"{"protocol":2,"features":["idempotency"]}"#),
                    MetaAnswer::V2All => reply(
                        200,
                        json,
                        r#"{"protocol":2,"features":["idempotency","self","own_tokens","rotation"]}"#,
                    ),
                    MetaAnswer::NotFound => reply(404, json, r#"{"error":"not found"}"#),
                    MetaAnswer::HtmlNotFound => {
                        reply(404, "text/html", "<html><body>Not Found</body></html>")
                    }
                    MetaAnswer::Unauthorized => reply(401, json, r#"{"error":"missing token"}"#),
                    MetaAnswer::Hang => {
                        std::future::pending::<()>().await;
                        unreachable!()
                    }
                    MetaAnswer::Unavailable => reply(503, json, r#"{"error":"unavailable"}"#),
                    MetaAnswer::RateLimited => reply(429, json, r#"{"error":"slow down"}"#),
                    MetaAnswer::GatewayHtml => {
                        reply(502, "text/html", "<html><body>Bad Gateway</body></html>")
                    }
                };
            }
            if method == http::Method::POST && path == "/api/job_token" {
                let replay = key.is_some() && self.created.load(Ordering::SeqCst) > 0;
                self.create_keys.lock().expect("lock").push(key);
                if !replay {
                    self.created.fetch_add(1, Ordering::SeqCst);
                }
                if self.lose_creates.load(Ordering::SeqCst) > 0 {
                    self.lose_creates.fetch_sub(1, Ordering::SeqCst);
                    let lost: BoxError = Box::new(std::io::Error::other("connection closed after handling"));
                    return Err(SendError::Io(lost));
                }
                return Ok(Response::builder()
                    .status(201)
                    .header("idempotent-replayed", if replay { "true" } else { "false" })
                    .body(Bytes::from_static(RECORD.as_bytes()))
                    .expect("a valid response"));
            }
            if path == "/api/whoami" {
                return reply(200, json, r#"{"user_id":2,"token_type":0,"is_admin":false}"#);
            }
            if method == http::Method::DELETE && path == "/api/token/self" {
                return reply(204, json, "");
            }
            if path == "/api/job_token" {
                return reply(
                    200,
                    json,
                    &format!(r#"{{"job_tokens":[{RECORD}],"next_after":null}}"#),
                );
            }
            reply(200, json, RECORD)
        })
    }
}

fn setup(meta: MetaAnswer) -> (Client, Arc<Server>) {
    let server = Arc::new(Server {
        meta: Mutex::new(meta),
        metas: AtomicUsize::new(0),
        create_keys: Mutex::new(Vec::new()),
        lose_creates: AtomicUsize::new(0),
        created: AtomicUsize::new(0),
        requests: Mutex::new(Vec::new()),
    });
    let client = Client::builder()
        .base_url("http://127.0.0.1:9")
        .transport(|t| t.sender(server.clone()))
        .build()
        .expect("client");
    (client, server)
}

#[tokio::test(start_paused = true)]
async fn a_v2_create_whose_answer_was_lost_is_retried_with_the_same_key() {
    let (client, server) = setup(MetaAnswer::V2);
    let session = client.session_from_token("stl_TEST");
    server.lose_creates.store(1, Ordering::SeqCst);
    let token = session
        .job_tokens()
        .create()
        .label("x")
        .send()
        .await
        .expect("retried");
    assert!(token.replayed, "the second attempt was answered from the store");
    assert_eq!(server.created.load(Ordering::SeqCst), 1, "one token, not two");
    let keys = server.create_keys.lock().expect("lock").clone();
    assert_eq!(keys.len(), 2);
    let key = keys[0].clone().expect("a key was sent");
    assert_eq!(key.len(), 32, "128 random bits in hex: {key}");
    assert_eq!(
        keys[1].as_deref(),
        Some(key.as_str()),
        "the same key on every attempt"
    );

    // Each logical create draws a fresh key.
    session
        .job_tokens()
        .create()
        .label("y")
        .send()
        .await
        .expect("create");
    let keys = server.create_keys.lock().expect("lock").clone();
    assert_ne!(keys[2], keys[0]);
    assert_eq!(server.metas.load(Ordering::SeqCst), 1, "asked once per client");

    // A key of the caller's choosing is sent as given.
    let mine = IdempotencyKey::new("job-42-TEST").expect("valid");
    session
        .job_tokens()
        .create()
        .label("z")
        .idempotency_key(mine)
        .send()
        .await
        .expect("create");
    let keys = server.create_keys.lock().expect("lock").clone();
    assert_eq!(keys[3].as_deref(), Some("job-42-TEST"));
}

#[tokio::test(start_paused = true)]
async fn a_v1_server_gets_no_key_and_an_unknown_outcome_stays_unknown() {
    let (client, server) = setup(MetaAnswer::NotFound);
    let session = client.session_from_token("stl_TEST");
    server.lose_creates.store(1, Ordering::SeqCst);
    let error = session
        .job_tokens()
        .create()
        .label("x")
        .send()
        .await
        .expect_err("not re-sent");
    assert_eq!(error.kind(), ErrorKind::OutcomeUnknown, "{error:?}");
    assert!(error.idempotency_key().is_none(), "no key was sent");
    // A key of the caller's is a promise of no duplicate, which a v1
    // server cannot keep: refused, nothing sent.
    let mine = IdempotencyKey::new("job-42-TEST").expect("valid");
    let error = session
        .job_tokens()
        .create()
        .label("x")
        .idempotency_key(mine)
        .send()
        .await
        .expect_err("unsupported");
    assert_eq!(error.kind(), ErrorKind::Unsupported);
    assert_eq!(
        *server.create_keys.lock().expect("lock"),
        vec![None],
        "no key goes to a v1 server"
    );
}

/// A v1 server's own answer to `GET /api/meta` (a 404, an HTML 404, a
/// 401) is v1: never an error, asked once, and remembered for good.
#[tokio::test(start_paused = true)]
async fn a_v1_answer_to_meta_never_breaks_an_operation_and_is_asked_once_for_good() {
    for meta in [
        MetaAnswer::NotFound,
        MetaAnswer::HtmlNotFound,
        MetaAnswer::Unauthorized,
    ] {
        let (client, server) = setup(meta);
        let session = client.session_from_token("stl_TEST");
        let started = tokio::time::Instant::now();
        for _ in 0..3 {
            session
                .job_tokens()
                .create()
                .label("x")
                .send()
                .await
                .expect("create");
            session.job_tokens().get(7).send().await.expect("read");
        }
        assert_eq!(
            server.metas.load(Ordering::SeqCst),
            1,
            "{meta:?}: one extra request per client"
        );
        assert!(
            started.elapsed() <= steps::META_TIMEOUT + Duration::from_millis(1),
            "{:?}",
            started.elapsed()
        );
        assert_eq!(*server.create_keys.lock().expect("lock"), vec![None, None, None]);
        assert_eq!(
            client.capabilities().await.expect("a v1 answer is not an error"),
            Capabilities::v1(),
            "{meta:?}"
        );
        // Clones share what was learned.
        client
            .clone()
            .session_from_token("stl_TEST")
            .job_tokens()
            .create()
            .send()
            .await
            .expect("create");
        assert_eq!(server.metas.load(Ordering::SeqCst), 1);
        // The server's own answer is kept: it is not asked again later.
        tokio::time::advance(steps::META_RETRY_AFTER * 10).await;
        session.job_tokens().create().send().await.expect("create");
        assert_eq!(client.capabilities().await.expect("v1"), Capabilities::v1());
        assert_eq!(
            server.metas.load(Ordering::SeqCst),
            1,
            "{meta:?}: a v1 answer is remembered for good"
        );
    }
}

/// No usable answer to `GET /api/meta` (none in `META_TIMEOUT`, a 503, a
/// 429, a gateway's HTML 502) says nothing about the protocol: it is an
/// error, not v1. Calls that are safe on v1 go as on v1; calls that need a
/// feature fail with that error rather than "unsupported"; the error is
/// remembered for `META_RETRY_AFTER`, and then the server is asked again
/// (`docs/protocol.md`, "Discovery").
#[tokio::test(start_paused = true)]
async fn no_answer_to_meta_is_an_error_that_breaks_no_safe_operation_and_is_asked_again_later() {
    for (meta, kind) in [
        (MetaAnswer::Hang, ErrorKind::Timeout),
        (MetaAnswer::Unavailable, ErrorKind::Api),
        (MetaAnswer::RateLimited, ErrorKind::RateLimited),
        (MetaAnswer::GatewayHtml, ErrorKind::Protocol),
    ] {
        let (client, server) = setup(meta);
        let session = client.session_from_token("stl_TEST");
        let started = tokio::time::Instant::now();
        for _ in 0..3 {
            session
                .job_tokens()
                .create()
                .label("x")
                .send()
                .await
                .expect("a create goes as on v1");
            session.job_tokens().get(7).send().await.expect("read");
        }
        assert_eq!(
            server.metas.load(Ordering::SeqCst),
            1,
            "{meta:?}: asked once until the retry delay"
        );
        assert!(
            started.elapsed() <= steps::META_TIMEOUT + Duration::from_millis(1),
            "{meta:?}: {:?}",
            started.elapsed()
        );
        assert_eq!(
            *server.create_keys.lock().expect("lock"),
            vec![None, None, None],
            "{meta:?}: creates go without a key, as on v1"
        );

        // The capabilities are an error, the same one, without asking.
        let error = client.capabilities().await.expect_err("no answer is not v1");
        assert_eq!(error.kind(), kind, "{meta:?}: {error:?}");
        assert!(error.is_retryable(), "{meta:?}: {error:?}");
        assert_eq!(error.operation(), Some(Meta::NAME), "{meta:?}: {error:?}");
        assert_eq!(server.metas.load(Ordering::SeqCst), 1, "{meta:?}");

        // A call that needs a feature fails with that error, not with
        // "unsupported", and sends nothing; so does a create with a key of
        // the caller's (the promise of no duplicate cannot be checked).
        let requests_before = server.requests.lock().expect("lock").len();
        let rotate = session
            .job_tokens()
            .rotate(7)
            .send()
            .await
            .expect_err("no answer");
        let filtered = session
            .job_tokens()
            .list()
            .label("x")
            .send()
            .await
            .expect_err("no answer");
        let keyed = session
            .job_tokens()
            .create()
            .idempotency_key(IdempotencyKey::new("job-42-TEST").expect("valid"))
            .send()
            .await
            .expect_err("no answer");
        for error in [rotate, filtered, keyed] {
            assert_eq!(error.kind(), kind, "{meta:?}: {error:?}");
            assert!(error.unsupported_feature().is_none(), "{meta:?}: {error:?}");
        }
        assert_eq!(
            server.requests.lock().expect("lock").len(),
            requests_before,
            "{meta:?}: nothing was sent"
        );

        // Clones share what was learned, the failure included.
        client
            .clone()
            .session_from_token("stl_TEST")
            .job_tokens()
            .create()
            .send()
            .await
            .expect("create");
        assert_eq!(server.metas.load(Ordering::SeqCst), 1, "{meta:?}");

        // After the delay it is asked again.
        tokio::time::advance(steps::META_RETRY_AFTER).await;
        session.job_tokens().create().send().await.expect("create");
        assert_eq!(
            server.metas.load(Ordering::SeqCst),
            2,
            "{meta:?}: asked again after META_RETRY_AFTER"
        );
    }
}

/// The reviewed defect: a 503 on meta made a v2 server look v1 for the
/// client's whole life, so a logout left the token valid and creates lost
/// their key. Now the 503 is an error, and after the retry delay the
/// server's own answer makes it v2.
#[tokio::test(start_paused = true)]
async fn a_v2_server_whose_meta_answered_503_is_v2_once_asked_again_after_the_delay() {
    let (client, server) = setup(MetaAnswer::Unavailable);
    let session = client.session_from_token("stl_TEST");
    session
        .job_tokens()
        .create()
        .label("x")
        .send()
        .await
        .expect("a create goes as on v1");
    let error = client.capabilities().await.expect_err("a 503 is not v1");
    assert_eq!(error.status(), Some(503), "{error:?}");
    assert_eq!(error.kind(), ErrorKind::Api, "{error:?}");

    // A logout must not say "not revoked, the server is v1" when it could
    // not learn that: it fails, and sends nothing.
    let other = client.session_from_token("stl_OTHER");
    let error = other.logout().await.expect_err("the capabilities are unknown");
    assert_eq!(error.status(), Some(503), "{error:?}");
    assert!(server
        .requests
        .lock()
        .expect("lock")
        .iter()
        .all(|r| !r.contains("/api/token/self")));

    // The server recovers; within the delay the failure is still
    // remembered, without asking.
    *server.meta.lock().expect("lock") = MetaAnswer::V2All;
    tokio::time::advance(steps::META_RETRY_AFTER - Duration::from_secs(1)).await;
    client
        .capabilities()
        .await
        .expect_err("remembered until the delay has passed");
    assert_eq!(server.metas.load(Ordering::SeqCst), 1);

    // After the delay: asked again, and v2.
    tokio::time::advance(Duration::from_secs(1)).await;
    let capabilities = client.capabilities().await.expect("the server's own answer");
    assert_eq!(capabilities.protocol, 2);
    for feature in Feature::ALL {
        assert!(capabilities.supports(feature), "{feature:?}");
    }
    assert_eq!(server.metas.load(Ordering::SeqCst), 2);

    // Creates carry a key again, features are used, and logout revokes.
    session
        .job_tokens()
        .create()
        .label("y")
        .send()
        .await
        .expect("create");
    let keys = server.create_keys.lock().expect("lock").clone();
    assert_eq!(keys.len(), 2);
    assert_eq!(keys[0], None, "sent while the capabilities were unknown");
    assert_eq!(
        keys[1].as_ref().map(String::len),
        Some(32),
        "a fresh key, now that the server is known to be v2"
    );
    session
        .job_tokens()
        .rotate(7)
        .grace(Duration::from_secs(60))
        .send()
        .await
        .expect("rotate");
    assert!(session.logout().await.expect("logout"), "revoked server-side");
    let requests = server.requests.lock().expect("lock").clone();
    assert_eq!(
        requests[requests.len() - 3..],
        [
            "POST /api/job_token/7/rotate".to_owned(),
            "GET /api/whoami".to_owned(),
            "DELETE /api/token/self".to_owned(),
        ]
    );

    // The v2 answer is kept for good.
    tokio::time::advance(steps::META_RETRY_AFTER * 10).await;
    assert_eq!(client.capabilities().await.expect("v2"), capabilities);
    assert_eq!(server.metas.load(Ordering::SeqCst), 2);
}

#[tokio::test(start_paused = true)]
async fn part_two_features_are_used_when_offered_and_refused_typed_when_not() {
    // A v1 server: nothing is sent for an unsupported call.
    let (client, server) = setup(MetaAnswer::NotFound);
    let session = client.session_from_token("stl_TEST");
    for error in [
        session
            .job_tokens()
            .rotate(7)
            .send()
            .await
            .expect_err("no rotation"),
        session
            .job_tokens()
            .list()
            .label("x")
            .send()
            .await
            .expect_err("no own_tokens"),
        session
            .job_tokens()
            .list()
            .user_id(2)
            .send()
            .await
            .expect_err("no own_tokens"),
        session.revoke_self().await.expect_err("no self"),
    ] {
        assert_eq!(error.kind(), ErrorKind::Unsupported, "{error:?}");
        assert!(error.unsupported_feature().is_some());
    }
    assert!(server.requests.lock().expect("lock").is_empty());
    // Logout forgets the session, says the token was not revoked.
    assert!(!session.logout().await.expect("logout"));
    assert_eq!(
        session.whoami().await.expect_err("ended").kind(),
        ErrorKind::NotLoggedIn
    );
    assert!(server.requests.lock().expect("lock").is_empty());

    // A v2 server with every feature.
    let (client, server) = setup(MetaAnswer::V2All);
    let session = client.session_from_token("stl_TEST");
    let rotated = session
        .job_tokens()
        .rotate(7)
        .grace(Duration::from_secs(60))
        .send()
        .await
        .expect("rotate");
    assert!(rotated.token.is_some());
    let listed = session
        .job_tokens()
        .list()
        .label("x")
        .user_id(2)
        .send()
        .await
        .expect("list");
    assert_eq!(listed.len(), 1);
    // A server that ignored the filters (its page holds a token they
    // exclude) is a protocol error, not a filtered list.
    let error = session
        .job_tokens()
        .list()
        .label("not-x")
        .send()
        .await
        .expect_err("the server ignored the filter");
    assert_eq!(error.kind(), ErrorKind::Protocol, "{error:?}");
    assert!(session.logout().await.expect("logout"), "revoked server-side");
    assert_eq!(
        *server.requests.lock().expect("lock"),
        vec![
            "POST /api/job_token/7/rotate".to_owned(),
            "GET /api/job_token?user_id=2&label=x".to_owned(),
            "GET /api/job_token?label=not-x".to_owned(),
            "GET /api/whoami".to_owned(),
            "DELETE /api/token/self".to_owned(),
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn an_unknown_outcome_carries_its_key_and_a_lost_meta_answer_is_asked_again() {
    // Every create attempt loses its connection: the key is given back.
    let (client, server) = setup(MetaAnswer::V2);
    let session = client.session_from_token("stl_TEST");
    server.lose_creates.store(10, Ordering::SeqCst);
    let error = session
        .job_tokens()
        .create()
        .label("x")
        .send()
        .await
        .expect_err("lost");
    assert_eq!(error.kind(), ErrorKind::OutcomeUnknown);
    assert_eq!(error.effect(), Some(steps::steps_core::Effect::Create));
    let key = error.idempotency_key().expect("the key it was sent with").clone();
    server.lose_creates.store(0, Ordering::SeqCst);
    let token = session
        .job_tokens()
        .create()
        .label("x")
        .idempotency_key(key)
        .send()
        .await
        .expect("the same create, replayed");
    assert!(token.replayed);
    assert_eq!(server.created.load(Ordering::SeqCst), 1);

    // A server that did not answer meta is not taken for v1: its creates
    // go as on v1 (no key, never re-sent) for a while, and then it is
    // asked again.
    let (client, server) = setup(MetaAnswer::Hang);
    let session = client.session_from_token("stl_TEST");
    session.job_tokens().create().send().await.expect("create");
    session.job_tokens().create().send().await.expect("create");
    assert_eq!(server.metas.load(Ordering::SeqCst), 1);
    assert_eq!(
        client.capabilities().await.expect_err("no answer").kind(),
        ErrorKind::Timeout
    );
    tokio::time::advance(steps::META_RETRY_AFTER).await;
    session.job_tokens().create().send().await.expect("create");
    assert_eq!(
        server.metas.load(Ordering::SeqCst),
        2,
        "asked again after META_RETRY_AFTER"
    );
}
