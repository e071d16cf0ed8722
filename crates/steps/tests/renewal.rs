//! Renewal of a session's login token, without sockets: a scripted server
//! behind the transport's `SendRequest` seam, tokio's paused clock, and a
//! clock the test moves.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http::{Request, Response};
use steps::{Client, Clock, ErrorKind};
use steps_transport::{BoxFuture, RetryPolicy, SendError, SendRequest};

/// How the scripted server answers a login.
#[derive(Clone, Copy)]
enum LoginAnswer {
    /// A token that expires `lifetime` seconds after the clock's now.
    Token { lifetime: u64 },
    /// 401, after `delay` (a slow identity provider).
    Refused { delay: Duration },
}

struct Server {
    clock: Arc<TestClock>,
    login: Mutex<LoginAnswer>,
    logins: AtomicUsize,
    /// Whoami answers 401 while this is set.
    refuse_whoami: Mutex<bool>,
    whoamis: AtomicUsize,
}

impl SendRequest for Server {
    fn send(
        &self,
        request: Request<Bytes>,
        _limit: usize,
    ) -> BoxFuture<'_, Result<Response<Bytes>, SendError>> {
        let path = request.uri().path().to_owned();
        Box::pin(async move {
            let reply = |status: u16, body: String| {
                Ok(Response::builder()
                    .status(status)
                    .body(Bytes::from(body))
                    .expect("a valid response"))
            };
            if path == "/api/login" {
                let n = self.logins.fetch_add(1, Ordering::SeqCst);
                let answer = *self.login.lock().expect("lock");
                return match answer {
                    LoginAnswer::Token { lifetime } => {
                        let expires_at = self.clock.unix() + lifetime;
                        reply(
                            200,
                            format!(
                                r#"{{"token":"stl_TEST_{n}","user_id":2,"is_admin":false,"expires_at":{expires_at}}}"#
                            ),
                        )
                    }
                    LoginAnswer::Refused { delay } => {
                        tokio::time::sleep(delay).await;
                        reply(401, r#"{"error":"invalid email or password"}"#.to_owned())
                    }
                };
            }
            self.whoamis.fetch_add(1, Ordering::SeqCst);
            if *self.refuse_whoami.lock().expect("lock") {
                return reply(401, r#"{"error":"expired token"}"#.to_owned());
            }
            reply(200, r#"{"user_id":2,"token_type":0,"is_admin":false}"#.to_owned())
        })
    }
}

/// A wall clock the test sets.
struct TestClock(AtomicU64);

impl TestClock {
    fn unix(&self) -> u64 {
        self.0.load(Ordering::SeqCst)
    }

    fn advance(&self, seconds: u64) {
        self.0.fetch_add(seconds, Ordering::SeqCst);
    }
}

impl Clock for TestClock {
    fn now(&self) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(self.unix())
    }
}

fn setup(login: LoginAnswer) -> (Client, Arc<Server>, Arc<TestClock>) {
    let clock = Arc::new(TestClock(AtomicU64::new(1_700_000_000)));
    let server = Arc::new(Server {
        clock: clock.clone(),
        login: Mutex::new(login),
        logins: AtomicUsize::new(0),
        refuse_whoami: Mutex::new(false),
        whoamis: AtomicUsize::new(0),
    });
    let client = Client::builder()
        .base_url("http://127.0.0.1:9")
        .clock(clock.clone())
        .transport(|t| t.sender(server.clone()).retry_policy(RetryPolicy::never()))
        .build()
        .expect("client");
    (client, server, clock)
}

#[tokio::test(start_paused = true)]
async fn a_burst_of_refused_calls_sends_one_failed_login() {
    let (client, server, _) = setup(LoginAnswer::Token { lifetime: 3_600 });
    let session = client
        .login("ada@example.com", "TEST-password")
        .await
        .expect("login");
    assert_eq!(server.logins.load(Ordering::SeqCst), 1);

    // The token is revoked and the password changed: every call is refused,
    // and the login to renew it fails after a second.
    *server.refuse_whoami.lock().expect("lock") = true;
    *server.login.lock().expect("lock") = LoginAnswer::Refused {
        delay: Duration::from_secs(1),
    };
    let started = tokio::time::Instant::now();
    let calls: Vec<_> = (0..64)
        .map(|_| {
            let session = session.clone();
            tokio::spawn(async move { session.whoami().await })
        })
        .collect();
    for call in calls {
        let error = call.await.expect("the task").expect_err("refused");
        assert_eq!(error.kind(), ErrorKind::Unauthorized, "{error}");
    }
    assert_eq!(
        server.logins.load(Ordering::SeqCst),
        2,
        "the 64 refused calls shared one failed login"
    );
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );

    // A later call right away shares the refusal (issue 24, item 19)...
    let error = session.whoami().await.expect_err("still refused");
    assert_eq!(error.kind(), ErrorKind::Unauthorized);
    assert_eq!(server.logins.load(Ordering::SeqCst), 2, "backing off");
    // ... and once the back-off has passed, tries again: the failure is not
    // remembered for ever.
    tokio::time::advance(Duration::from_secs(2)).await;
    let error = session.whoami().await.expect_err("still refused");
    assert_eq!(error.kind(), ErrorKind::Unauthorized);
    assert_eq!(server.logins.load(Ordering::SeqCst), 3);
}

#[tokio::test(start_paused = true)]
async fn refused_calls_one_after_another_back_off_their_logins() {
    let (client, server, _) = setup(LoginAnswer::Token { lifetime: 3_600 });
    let session = client
        .login("ada@example.com", "TEST-password")
        .await
        .expect("login");
    *server.refuse_whoami.lock().expect("lock") = true;
    *server.login.lock().expect("lock") = LoginAnswer::Refused {
        delay: Duration::ZERO,
    };
    // Ten calls in a row, each refused: one login tries, the others share
    // its refusal for the back-off (1 s, doubling).
    for _ in 0..10 {
        let error = session.whoami().await.expect_err("refused");
        assert_eq!(error.kind(), ErrorKind::Unauthorized, "{error}");
    }
    assert_eq!(
        server.logins.load(Ordering::SeqCst),
        2,
        "one renewal for ten calls"
    );
    // After 1 s one more tries, and is refused: now 2 s.
    tokio::time::advance(Duration::from_millis(1_100)).await;
    session.whoami().await.expect_err("refused");
    assert_eq!(server.logins.load(Ordering::SeqCst), 3);
    tokio::time::advance(Duration::from_millis(1_100)).await;
    session.whoami().await.expect_err("refused");
    assert_eq!(server.logins.load(Ordering::SeqCst), 3, "the back-off doubled");
    tokio::time::advance(Duration::from_millis(1_000)).await;
    // The password is right again: the next renewal logs in.
    *server.login.lock().expect("lock") = LoginAnswer::Token { lifetime: 3_600 };
    *server.refuse_whoami.lock().expect("lock") = false;
    session.whoami().await.expect("works again");
}

#[tokio::test(start_paused = true)]
async fn a_token_still_valid_is_used_when_renewing_it_fails() {
    let (client, server, clock) = setup(LoginAnswer::Token { lifetime: 100 });
    let session = client
        .login("ada@example.com", "TEST-password")
        .await
        .expect("login");
    // 20 s left: inside the 30 s margin (half the lifetime is 50 s).
    clock.advance(80);
    *server.login.lock().expect("lock") = LoginAnswer::Refused {
        delay: Duration::ZERO,
    };
    session.whoami().await.expect("the current token still works");
    assert_eq!(server.logins.load(Ordering::SeqCst), 2, "renewal was tried");
    assert_eq!(server.whoamis.load(Ordering::SeqCst), 1);

    // Once it has expired, the failure is the call's.
    clock.advance(30);
    let error = session.whoami().await.expect_err("expired and not renewed");
    assert_eq!(error.kind(), ErrorKind::Unauthorized);
}

#[tokio::test(start_paused = true)]
async fn a_short_lived_token_is_not_renewed_before_every_call() {
    // A 20 s token with the default 30 s margin: without the cap at half
    // its lifetime, every call would log in first.
    let (client, server, clock) = setup(LoginAnswer::Token { lifetime: 20 });
    let session = client
        .login("ada@example.com", "TEST-password")
        .await
        .expect("login");
    for _ in 0..5 {
        session.whoami().await.expect("whoami");
        clock.advance(1);
    }
    assert_eq!(
        server.logins.load(Ordering::SeqCst),
        1,
        "no renewal in the first half"
    );
    clock.advance(10);
    session.whoami().await.expect("whoami");
    assert_eq!(
        server.logins.load(Ordering::SeqCst),
        2,
        "renewed in the second half"
    );
}
