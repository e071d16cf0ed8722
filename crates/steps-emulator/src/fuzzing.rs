//! The request handler and the state-file reader without a socket or a
//! file, for the fuzz targets in `fuzz/` (feature `fuzzing`). Not part of
//! the stable API.
//!
//! Three servers, each built once per process, with the control plane on:
//! our protocol at v2 and at v1, and the quandela dialect (which mints a
//! job token per account at start, as `--api quandela` does). Requests to
//! them accumulate state, as a real server's do, until every
//! [`RESET_EVERY`]-th request to a server resets it (without which every
//! request grows slower as lists grow); a reset or an import through the
//! control plane replaces it too. After either, [`tokens`] logs in again. The clock is frozen, so that an input does the same thing
//! whenever it runs; the control plane can still move it.
//!
//! A fault rule set through the control plane keeps only the faults that
//! answer at once (status, close, truncate, invalid JSON, HTML, close after
//! handled): a `panic` would stop the fuzzer (libFuzzer treats every panic
//! as a crash; the server isolates it in its own task), and the delays and
//! large bodies would only slow it down. The rules' parser sees every
//! input all the same.

use std::net::{IpAddr, Ipv4Addr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};

use crate::account::Account;
use crate::api;
use crate::config::{DEFAULT_BODY_READ_TIMEOUT, DEFAULT_LOGIN_TTL};
use crate::dialect::Api;
use crate::faults::{Fault, FaultSet};
use crate::protocol::ProtocolVersion;
use crate::state::State;
use crate::store::saved::Document;
use crate::store::Store;

/// Which emulator a request goes to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Server {
    /// Our protocol, v2.
    StepsV2,
    /// Our protocol, v1.
    StepsV1,
    /// The quandela dialect.
    Quandela,
}

impl Server {
    /// Every server, for a fuzz input's byte to choose from.
    pub const ALL: [Server; 3] = [Server::StepsV2, Server::StepsV1, Server::Quandela];
}

/// Where a request comes from, as the control plane sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Peer {
    /// No socket (as the handler's own tests call it): counts as loopback.
    Unknown,
    /// 127.0.0.1.
    Loopback,
    /// Another host (192.0.2.1), to which the control plane is a 404.
    Remote,
}

/// The accounts of every fuzzing store: `admin@fuzz` / `admin`, `user@fuzz` / `user`.
const ACCOUNTS: [(&str, &str, bool); 2] = [("admin@fuzz", "admin", true), ("user@fuzz", "user", false)];

/// How many requests a server answers before it is reset.
pub const RESET_EVERY: u64 = 512;

struct Fuzzed {
    state: Arc<State>,
    /// Requests answered since the last reset.
    handled: AtomicU64,
    /// The quandela job tokens minted at start, which a reset keeps.
    minted: Vec<String>,
    /// The bearer tokens an input chooses from, until a control request
    /// may have replaced the store.
    tokens: Mutex<Option<Vec<Option<String>>>>,
}

fn fuzzed(server: Server) -> &'static Fuzzed {
    static SERVERS: [OnceLock<Fuzzed>; 3] = [OnceLock::new(), OnceLock::new(), OnceLock::new()];
    let index = Server::ALL.iter().position(|s| *s == server).unwrap_or(0);
    SERVERS[index].get_or_init(|| build(server))
}

fn build(server: Server) -> Fuzzed {
    let accounts: Vec<Account> = ACCOUNTS
        .iter()
        .map(|&(email, password, admin)| match admin {
            true => Account::admin(email, password),
            false => Account::new(email, password),
        })
        .collect();
    let mut store = Store::new(&accounts, DEFAULT_LOGIN_TTL.as_secs());
    let clock = crate::clock::start(true);
    let (api, protocol) = match server {
        Server::StepsV2 => (Api::Steps, ProtocolVersion::V2),
        Server::StepsV1 => (Api::Steps, ProtocolVersion::V1),
        Server::Quandela => (Api::Quandela, ProtocolVersion::default()),
    };
    let (minted, initial) = if api == Api::Quandela {
        let minted = store.mint_startup_tokens(clock.now()).unwrap_or_default();
        let ids = minted.iter().map(|m| m.id).collect();
        let initial = store.quandela_doc(Some(&ids));
        (minted.into_iter().map(|m| m.secret).collect(), initial)
    } else {
        (Vec::new(), None)
    };
    let state = State::new(
        store,
        clock,
        FaultSet::default(),
        DEFAULT_BODY_READ_TIMEOUT,
        protocol,
    )
    .with_api(api)
    .with_initial_tokens(initial)
    .with_control(true);
    Fuzzed {
        state: Arc::new(state),
        handled: AtomicU64::new(0),
        minted,
        tokens: Mutex::new(None),
    }
}

/// The bearer tokens to choose from on `server`: none, the admin's and the
/// user's login tokens, the minted quandela job tokens (quandela only), and
/// one nobody issued.
pub async fn tokens(server: Server) -> Vec<Option<String>> {
    let fuzzed = fuzzed(server);
    if let Some(tokens) = fuzzed
        .tokens
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clone()
    {
        return tokens;
    }
    let mut tokens = vec![None];
    for (email, password, _) in ACCOUNTS {
        tokens.push(login(&fuzzed.state, email, password).await);
    }
    tokens.extend(fuzzed.minted.iter().cloned().map(Some));
    tokens.push(Some("stl_not_a_real_token".to_owned()));
    *fuzzed.tokens.lock().unwrap_or_else(PoisonError::into_inner) = Some(tokens.clone());
    tokens
}

/// Handles one request built from arbitrary parts; returns the status, or
/// `None` when the handler closed the connection. Invalid methods, paths or
/// headers are answered as a server's HTTP parser would refuse them: `None`.
///
/// # Panics
///
/// When an error answer is not the dialect's JSON error: the fuzz target's
/// oracle.
pub async fn handle(
    server: Server,
    peer: Peer,
    method: &[u8],
    path: &str,
    headers: &[(Vec<u8>, Vec<u8>)],
    body: Vec<u8>,
) -> Option<u16> {
    let fuzzed = fuzzed(server);
    let state = &fuzzed.state;
    let mut builder = http::Request::builder()
        .method(http::Method::from_bytes(method).ok()?)
        .uri(path);
    for (name, value) in headers {
        builder = builder.header(
            http::HeaderName::from_bytes(name).ok()?,
            http::HeaderValue::from_bytes(value).ok()?,
        );
    }
    let request = builder.body(Full::new(Bytes::from(body))).ok()?;
    let control = request.uri().path().starts_with("/_steps");
    let peer = match peer {
        Peer::Unknown => None,
        Peer::Loopback => Some(IpAddr::V4(Ipv4Addr::LOCALHOST)),
        Peer::Remote => Some(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1))),
    };
    let head = request.method() == http::Method::HEAD;
    let exchange = api::Exchange::from_peer(peer);
    let answer = api::handle(state, request, &exchange).await;
    let reset = fuzzed.handled.fetch_add(1, Ordering::Relaxed) + 1 >= RESET_EVERY;
    if reset {
        fuzzed.handled.store(0, Ordering::Relaxed);
        state.reset();
    }
    if control || reset {
        // Whatever the control plane did, keep only the faults that answer
        // at once, and log in again in case the store was replaced.
        let rules = state.fault_rules();
        if !rules.is_empty() {
            state.set_faults(
                rules
                    .into_iter()
                    .filter(|rule| answers_at_once(&rule.fault))
                    .collect(),
            );
        }
        *fuzzed.tokens.lock().unwrap_or_else(PoisonError::into_inner) = None;
    }
    let response = answer.ok()?;
    let status = response.status().as_u16();
    let body = response.into_body().collect().await.ok()?.to_bytes();
    // A fault's answer is garbled on purpose, and a HEAD answer has no body.
    if status >= 400 && !exchange.trace().fault && !head {
        check_error(server, exchange.trace().control, &body);
    }
    Some(status)
}

/// The oracle: an error answer is the dialect's JSON error. Ours (and the
/// control plane's, in either dialect) is `{"error": message}`; the
/// quandela dialect's has an `error` message, or a validation `message`,
/// and a `detail` object.
fn check_error(server: Server, control: bool, body: &[u8]) {
    let value: serde_json::Value = serde_json::from_slice(body).expect("an error body is JSON");
    let text = |field: &str| value[field].is_string();
    if server == Server::Quandela && !control {
        assert!(
            text("error") || text("message"),
            "a quandela error has a message: {value}"
        );
        assert!(
            value["detail"].is_object(),
            "a quandela error has a detail: {value}"
        );
    } else {
        assert!(text("error"), "an error has an `error` message: {value}");
    }
}

/// Whether a fault answers (or closes) without waiting, panicking or
/// sending a large body.
fn answers_at_once(fault: &Fault) -> bool {
    !matches!(
        fault,
        Fault::Latency { .. } | Fault::SlowHandler { .. } | Fault::LargeBody { .. } | Fault::Panic
    )
}

/// Reads `bytes` as a saved state (the `--state FILE` and
/// `PUT /_steps/state` reader) and imports it into a store of its own.
/// Returns whether it was accepted.
///
/// # Panics
///
/// When an accepted state, exported, is not accepted again, or its export
/// is not a fixed point: the export of a store that was just imported, at
/// the document's own clock, must give the same bytes again.
pub fn import_state(bytes: &[u8]) -> bool {
    let Ok(doc) = Document::parse(bytes) else {
        return false;
    };
    let Ok(store) = Store::import(&doc) else {
        return false;
    };
    let exported = store.export(doc.reading()).to_bytes();
    let again = Document::parse(&exported).expect("an export parses");
    let store = Store::import(&again).expect("an export imports");
    let twice = store.export(again.reading()).to_bytes();
    assert!(twice == exported, "export, import, export changed the state");
    true
}

/// A login token for `email` on `state`, if the login succeeds.
async fn login(state: &State, email: &str, password: &str) -> Option<String> {
    let body = serde_json::json!({ "email": email, "password": password }).to_string();
    let request = http::Request::post("/api/login")
        .header(http::header::CONTENT_TYPE, "application/json")
        .body(Full::new(Bytes::from(body)))
        .ok()?;
    let response = api::handle(state, request, &api::Exchange::from_peer(None))
        .await
        .ok()?;
    let body = response.into_body().collect().await.ok()?.to_bytes();
    let value: serde_json::Value = serde_json::from_slice(&body).ok()?;
    value["token"].as_str().map(str::to_owned)
}
