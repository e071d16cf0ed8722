//! The emulator's request handling on an arbitrary method, path, headers
//! and body: never a panic, and every error answer is the protocol's JSON
//! error (checked inside `steps_emulator::fuzzing::handle`).
//!
//! Input: 1 byte choosing the method, 1 the path, 1 the token, 1 the content
//! type, then the path's id bytes up to a 0 byte; the rest is the body.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;

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
const PATHS: [&str; 8] = [
    "/api/login",
    "/api/whoami",
    "/api/job_token",
    "/api/job_token/",
    "/api/api_key",
    "/api/api_key/",
    "/api/job_token?",
    "/api/api_key?",
];
const TYPES: [Option<&str>; 4] = [
    Some("application/json"),
    Some("text/plain"),
    None,
    Some("application/json; charset=utf-8"),
];

fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime")
    })
}

fn tokens() -> &'static [Option<String>; 4] {
    static TOKENS: OnceLock<[Option<String>; 4]> = OnceLock::new();
    TOKENS.get_or_init(|| {
        let admin = runtime().block_on(steps_emulator::fuzzing::login(true));
        let user = runtime().block_on(steps_emulator::fuzzing::login(false));
        [None, admin, user, Some("stl_not_a_real_token".to_owned())]
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((head, rest)) = data.split_at_checked(4) else {
        return;
    };
    let end = rest.iter().position(|b| *b == 0).unwrap_or(rest.len()).min(40);
    let suffix = String::from_utf8_lossy(&rest[..end]);
    let body = rest.get(end + 1..).unwrap_or(&[]).to_vec();
    let path = format!("{}{suffix}", PATHS[head[1] as usize % PATHS.len()]);
    let mut headers = Vec::new();
    if let Some(token) = &tokens()[head[2] as usize % 4] {
        headers.push((b"authorization".to_vec(), format!("Bearer {token}").into_bytes()));
    }
    if let Some(content_type) = TYPES[head[3] as usize % TYPES.len()] {
        headers.push((b"content-type".to_vec(), content_type.as_bytes().to_vec()));
    }
    let method = METHODS[head[0] as usize % METHODS.len()];
    runtime().block_on(steps_emulator::fuzzing::handle(method, &path, &headers, body));
});
