//! The blocking facade runs each call on its caller's thread, with a
//! connection pool per thread (`crates/steps/src/blocking/runtime.rs`,
//! `steps-transport`'s `per_thread.rs`): each thread keeps one connection
//! across its calls, threads that end leave nothing behind, a connection
//! the server closed while idle is replaced without a duplicate create,
//! and calls from many threads at once all complete.
//!
//! Connections are counted by a TCP relay in front of the emulator.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use steps::blocking::Client;
use steps_tests::background::{blocking_client as client, Background};
use steps_tests::{config, USER};
use tokio::net::{TcpListener, TcpStream};

/// A relay to the emulator that counts the connections it accepts.
struct Relay {
    url: String,
    accepted: Arc<AtomicUsize>,
}

fn relay(server: &Background) -> Relay {
    let upstream = server
        .url()
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned();
    let accepted = Arc::new(AtomicUsize::new(0));
    let counted = accepted.clone();
    let listener = server.block_on(TcpListener::bind("127.0.0.1:0")).expect("binds");
    let url = format!("http://{}", listener.local_addr().expect("an address"));
    server.block_on(async move {
        tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                counted.fetch_add(1, Ordering::SeqCst);
                let upstream = upstream.clone();
                tokio::spawn(async move {
                    if let Ok(mut outbound) = TcpStream::connect(&upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
            }
        });
    });
    Relay { url, accepted }
}

#[test]
fn each_thread_keeps_one_connection_across_its_calls() {
    let server = Background::start();
    let relay = relay(&server);
    let client = client(&relay.url);
    let session = client.login(USER.0, USER.1).expect("logs in");
    assert_eq!(relay.accepted.load(Ordering::SeqCst), 1, "the login's thread");
    for _ in 0..10 {
        session.whoami().expect("whoami");
    }
    assert_eq!(
        relay.accepted.load(Ordering::SeqCst),
        1,
        "ten calls on the same thread reuse its connection"
    );
    std::thread::scope(|scope| {
        for _ in 0..4 {
            scope.spawn(|| {
                for _ in 0..10 {
                    session.whoami().expect("whoami");
                }
            });
        }
    });
    assert_eq!(
        relay.accepted.load(Ordering::SeqCst),
        5,
        "one more connection per thread, whatever its number of calls"
    );
}

#[test]
fn threads_that_end_leave_nothing_behind() {
    let server = Background::start();
    let client = client(&server.url());
    let session = client.login(USER.0, USER.1).expect("logs in");
    // Each thread makes its runtime and pool, then drops them as it ends.
    for _ in 0..20 {
        let session = session.clone();
        std::thread::spawn(move || session.whoami().map(|_| ()))
            .join()
            .expect("the thread ended without a panic")
            .expect("whoami");
    }
    session.whoami().expect("the first thread's pool still works");
    drop(client);
    drop(session);
}

#[test]
fn a_connection_the_server_closed_while_idle_is_replaced_without_a_second_create() {
    // The emulator closes a connection idle for 300 ms.
    let server = Background::start_with(config().header_read_timeout(Duration::from_millis(300)));
    let client = client(&server.url());
    let session = client.login(USER.0, USER.1).expect("logs in");
    let first = session
        .job_tokens()
        .create()
        .label("before")
        .send()
        .expect("create");
    std::thread::sleep(Duration::from_millis(800));
    let second = session
        .job_tokens()
        .create()
        .label("after")
        .send()
        .expect("create on a new connection");
    assert_ne!(first.token_id, second.token_id);
    let mine: Vec<_> = session
        .job_tokens()
        .list()
        .send()
        .expect("list")
        .into_iter()
        .map(|t| t.label)
        .collect();
    assert_eq!(mine.len(), 2, "one token per create: {mine:?}");
}

#[test]
fn calls_from_many_threads_at_once_all_complete() {
    let server = Background::start();
    let client = client(&server.url());
    let session = client.login(USER.0, USER.1).expect("logs in");
    let done = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for _ in 0..32 {
            scope.spawn(|| {
                for _ in 0..5 {
                    session.whoami().expect("whoami");
                    done.fetch_add(1, Ordering::SeqCst);
                }
            });
        }
    });
    assert_eq!(done.load(Ordering::SeqCst), 160);
}

#[test]
fn a_thread_that_drives_two_runtimes_in_turn_keeps_a_pool_for_each() {
    // A connection made during a blocking call has its task on the
    // thread's own runtime; one made inside the caller's runtime, on that
    // one. Neither may be handed to the other: its call would wait for a
    // runtime that is not running, until the deadline. A short deadline and
    // no retry make such a wait an error.
    let server = Background::start();
    let client = Client::builder()
        .base_url(server.url())
        .transport(|t| {
            t.proxy(steps::Proxy::None)
                .request_timeout(Duration::from_secs(2))
                .retry_policy(steps::RetryPolicy::never())
        })
        .build()
        .expect("a client");
    let session = client.login(USER.0, USER.1).expect("a blocking call");
    let mine = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime of the caller's");
    for _ in 0..3 {
        session.whoami().expect("a blocking call after the runtime's");
        let token = session.login_token().expect("logged in").token;
        mine.block_on(async {
            let again = client.as_async().session_from_token(token);
            again
                .whoami()
                .await
                .expect("the same client inside the caller's runtime");
        });
    }
}
