//! The emulator's request handling on an arbitrary method, path, headers
//! and body, on three servers (our protocol at v2 and v1, and the quandela
//! dialect), each with its control plane on: never a panic, and every
//! error answer is the dialect's JSON error (checked inside
//! `steps_emulator::fuzzing::handle`). Requests reach the v2 routes, the
//! dialect's routes and the control plane, from loopback or from another
//! host, with or without the headers a browser sends.
//!
//! Input: 1 byte choosing the method, 1 the path, 1 the token, 1 the content
//! type, 1 of flags (bits 0-1 the server, 2-3 the peer, 4 an
//! `Idempotency-Key`, 5 an `Origin`, 6 a `Host` that is not loopback, 7
//! `Sec-Fetch-Site: cross-site`), then the path's tail up to a 0 byte; the
//! rest is the body.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use steps_emulator::fuzzing::{self, Peer, Server};

const METHODS: [&[u8]; 8] = [
    b"GET",
    b"POST",
    b"DELETE",
    b"PUT",
    b"PATCH",
    b"HEAD",
    b"OPTIONS",
    b"X-CUSTOM",
];
const PATHS: [&str; 40] = [
    // Our protocol, v1.
    "/api/login",
    "/api/whoami",
    "/api/job_token",
    "/api/job_token/",
    "/api/api_key",
    "/api/api_key/",
    "/api/job_token?",
    "/api/api_key?",
    // v2.
    "/api/meta",
    "/api/token/self",
    "/api/token/self/rotate",
    "/api/job_token/1/rotate",
    "/api/api_key/1/rotate",
    "/api/job_token/1",
    "/api/api_key/1",
    // The quandela dialect.
    "/health",
    "/api/tokens",
    "/api/tokens/",
    "/api/tokens?",
    "/api/tokens/revoke",
    "/api/tokens/reopen",
    "/api/tokens/delete-by-ids",
    "/api/tokens/delete",
    "/api/tokens/usage/report?",
    "/api/auth/tokens",
    "/api/auth/tokens/",
    "/api/auth/tokens?",
    "/api/auth/tokens/revoke",
    "/api/auth/tokens/delete",
    "/api/auth/tokens/delete-by-ids",
    // The control plane.
    "/_steps/reset",
    "/_steps/clock",
    "/_steps/faults",
    "/_steps/requests",
    "/_steps/requests?",
    "/_steps/state",
    "/_steps/accounts",
    "/_steps/usage",
    "/_steps/",
    "/",
];
const TYPES: [Option<&str>; 5] = [
    Some("application/json"),
    Some("text/plain"),
    None,
    Some("application/json; charset=utf-8"),
    Some("application/x-www-form-urlencoded"),
];
const PEERS: [Peer; 3] = [Peer::Unknown, Peer::Loopback, Peer::Remote];

fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime")
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((head, rest)) = data.split_at_checked(5) else {
        return;
    };
    let flags = head[4];
    let server = Server::ALL[(flags & 3) as usize % Server::ALL.len()];
    let peer = PEERS[((flags >> 2) & 3) as usize % PEERS.len()];
    let end = rest.iter().position(|b| *b == 0).unwrap_or(rest.len()).min(40);
    let tail = String::from_utf8_lossy(&rest[..end]);
    let body = rest.get(end + 1..).unwrap_or(&[]).to_vec();
    let path = format!("{}{tail}", PATHS[head[1] as usize % PATHS.len()]);
    let runtime = runtime();
    let tokens = runtime.block_on(fuzzing::tokens(server));
    let mut headers: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
    let mut header =
        |name: &str, value: &str| headers.push((name.as_bytes().to_vec(), value.as_bytes().to_vec()));
    if let Some(token) = &tokens[head[2] as usize % tokens.len()] {
        header("authorization", &format!("Bearer {token}"));
    }
    if let Some(content_type) = TYPES[head[3] as usize % TYPES.len()] {
        header("content-type", content_type);
    }
    if flags & 0x10 != 0 {
        header("idempotency-key", "fuzz-key-1");
    }
    if flags & 0x20 != 0 {
        header("origin", "http://example.test");
    }
    header(
        "host",
        if flags & 0x40 != 0 {
            "example.test:8080"
        } else {
            "127.0.0.1:8080"
        },
    );
    if flags & 0x80 != 0 {
        header("sec-fetch-site", "cross-site");
    }
    let method = METHODS[head[0] as usize % METHODS.len()];
    runtime.block_on(fuzzing::handle(server, peer, method, &path, &headers, body));
});
