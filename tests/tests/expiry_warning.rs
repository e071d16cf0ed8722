//! `Session::expires_in` and the expiry warning: a tracing event at warn
//! level, once, when the token of a session that cannot renew it enters
//! the client's warning window. Without sockets: a scripted server behind
//! the transport's `SendRequest` seam, and a clock the test moves.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http::{Request, Response};
use steps::{Client, Clock, LoginToken, Secret};
use steps_tests::leak::Buffer;
use steps_transport::{BoxFuture, SendError, SendRequest};

/// Answers every call as a whoami.
struct Whoami;

impl SendRequest for Whoami {
    fn send(&self, _: Request<Bytes>, _: usize) -> BoxFuture<'_, Result<Response<Bytes>, SendError>> {
        Box::pin(async {
            Ok(Response::builder()
                .status(200)
                .body(Bytes::from_static(
                    br#"{"user_id":2,"token_type":0,"is_admin":false}"#,
                ))
                .expect("a valid response"))
        })
    }
}

/// A wall clock the test sets, in Unix seconds.
struct TestClock(AtomicU64);

impl Clock for TestClock {
    fn now(&self) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(self.0.load(Ordering::SeqCst))
    }
}

/// How many expiry warnings `buffer` holds.
fn warnings(buffer: &Buffer) -> usize {
    buffer.text().matches("the session's token expires soon").count()
}

/// A buffer that collects the warn-level events of this thread, while the
/// guard lives.
fn capture() -> (Buffer, tracing::subscriber::DefaultGuard) {
    let buffer = Buffer::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(buffer.writer())
        .with_max_level(tracing::Level::WARN)
        .with_ansi(false)
        .finish();
    let guard = tracing::subscriber::set_default(subscriber);
    (buffer, guard)
}

const START: u64 = 1_700_000_000;

fn client(clock: Arc<TestClock>, window: Duration) -> Client {
    Client::builder()
        .base_url("http://127.0.0.1:9")
        .clock(clock)
        .expiry_warning(window)
        .transport(|t| t.sender(Arc::new(Whoami)))
        .build()
        .expect("client")
}

fn saved(expires_in: u64) -> LoginToken {
    let mut token = LoginToken::from_secret(Secret::new("stl_TEST_saved"));
    token.expires_at = Some(UNIX_EPOCH + Duration::from_secs(START + expires_in));
    token
}

#[tokio::test]
async fn a_saved_login_says_how_long_it_has_left_and_warns_once_in_the_window() {
    let (captured, _guard) = capture();

    let clock = Arc::new(TestClock(AtomicU64::new(START)));
    let session = client(clock.clone(), Duration::from_secs(3_600)).session_from_saved_login(saved(7_200));
    assert_eq!(session.expires_in(), Some(Duration::from_secs(7_200)));

    session.whoami().await.expect("whoami");
    assert_eq!(warnings(&captured), 0, "two hours left, one-hour window");

    clock.0.fetch_add(3_601, Ordering::SeqCst);
    assert_eq!(session.expires_in(), Some(Duration::from_secs(3_599)));
    session.whoami().await.expect("whoami");
    session.whoami().await.expect("whoami");
    assert_eq!(
        warnings(&captured),
        1,
        "inside the window: one warning, not one a call"
    );
    let text = captured.text();
    assert!(text.contains("expires_in_secs=3599"), "{text}");
    assert!(
        !text.contains("stl_TEST_saved"),
        "the secret is never logged: {text}"
    );

    clock.0.fetch_add(10_000, Ordering::SeqCst);
    assert_eq!(session.expires_in(), Some(Duration::ZERO), "expired");
}

#[tokio::test]
async fn no_warning_without_a_known_expiry_or_with_a_zero_window() {
    let (captured, _guard) = capture();

    let clock = Arc::new(TestClock(AtomicU64::new(START)));
    let given = client(clock.clone(), Duration::from_secs(3_600)).session_from_token("stl_TEST_given");
    assert_eq!(given.expires_in(), None);
    given.whoami().await.expect("whoami");

    let off = client(clock, Duration::ZERO).session_from_saved_login(saved(60));
    off.whoami().await.expect("whoami");
    assert_eq!(warnings(&captured), 0);
}
