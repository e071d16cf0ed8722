//! Every steps-core response parser, of our protocol's v1 and v2 and of
//! the quandela dialect, on an arbitrary status, headers and body, both as
//! a first answer and as the answer to a re-sent request: `Ok` or a typed
//! error, never a panic; a 2xx decode error never quotes a secret-like run
//! of the body.
//!
//! Input: 2 bytes of status, 1 byte of header count, then per header 1 byte
//! naming it and its value up to a 0 byte; the rest is the body.
#![no_main]

use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use steps_core::quandela::{
    DeleteTokensByIds, DeleteTokensBySecrets, GenerateToken, ListTokens, PathFamily, ReadToken, ReopenToken,
    RevokeToken, UpdateToken, UsageReport,
};
use steps_core::{
    CreateApiKey, CreateJobToken, DeleteApiKey, DeleteJobToken, ListApiKeys, ListJobTokens, Login, Meta,
    Operation, ReadApiKey, ReadJobToken, RevokeSelf, RotateApiKey, RotateJobToken, RotateSelf, Secret,
    Whoami,
};

const NAMES: [&str; 6] = [
    "content-type",
    "retry-after",
    "location",
    "x-request-id",
    "www-authenticate",
    "content-length",
];

fn response(data: &[u8]) -> Option<http::Response<Bytes>> {
    let (head, mut rest) = data.split_at_checked(3)?;
    let status = 100 + u16::from_le_bytes([head[0], head[1]]) % 500;
    let mut builder = http::Response::builder().status(status);
    for _ in 0..head[2] % 6 {
        let (&name, tail) = rest.split_first()?;
        let end = tail.iter().position(|b| *b == 0).unwrap_or(tail.len()).min(64);
        if let Ok(value) = http::HeaderValue::from_bytes(&tail[..end]) {
            builder = builder.header(NAMES[name as usize % NAMES.len()], value);
        }
        rest = tail.get(end + 1..).unwrap_or(&[]);
    }
    builder.body(Bytes::copy_from_slice(rest)).ok()
}

fn check<O: Operation>(op: O, response: &http::Response<Bytes>) {
    let first = op.parse_response(response.clone()).err();
    let resent = op.parse_resent_response(response.clone()).err();
    for error in first.into_iter().chain(resent) {
        if !response.status().is_success() {
            // A refusal shows the server's own message, on purpose.
            continue;
        }
        // Decode errors name fields, never values: no secret-like run of
        // the body (16 or more letters and digits, with both) shows up in
        // the message. `{"token":"stj_..."}` answered with the wrong types
        // must not put the secret into the error.
        let text = format!("{error} {error:?}");
        for run in secret_like_runs(response.body()) {
            assert!(!text.contains(run), "a decode error quoted the body: {run}");
        }
    }
}

/// The body's runs of 16 or more ASCII letters and digits that hold both.
fn secret_like_runs(body: &[u8]) -> Vec<&str> {
    body.split(|b| !b.is_ascii_alphanumeric())
        .filter(|run| {
            run.len() >= 16 && run.iter().any(u8::is_ascii_digit) && run.iter().any(u8::is_ascii_alphabetic)
        })
        .filter_map(|run| std::str::from_utf8(run).ok())
        .collect()
}

fuzz_target!(|data: &[u8]| {
    let Some(response) = response(data) else { return };
    // Our protocol, v1.
    check(Login::new("a@b", Secret::new("pw")), &response);
    check(Whoami, &response);
    check(CreateJobToken::new(), &response);
    check(ReadJobToken::new(1), &response);
    check(DeleteJobToken::new(1), &response);
    check(ListJobTokens::new().after(3), &response);
    check(CreateApiKey::new(), &response);
    check(ReadApiKey::new(1), &response);
    check(DeleteApiKey::new(1), &response);
    check(ListApiKeys::new(), &response);
    // v2.
    check(Meta, &response);
    check(RotateJobToken::new(1), &response);
    check(RotateApiKey::new(1), &response);
    check(RotateSelf::new(), &response);
    check(RevokeSelf, &response);
    // The quandela dialect, on both path families.
    for family in [PathFamily::JobToken, PathFamily::LoginToken] {
        check(GenerateToken::new(family), &response);
        check(ListTokens::new(family), &response);
        check(ReadToken::new(family, 1), &response);
        check(UpdateToken::new(family, 1), &response);
        check(RevokeToken::new(family, Secret::new("tok")), &response);
        check(ReopenToken::new(family, Secret::new("tok")), &response);
        check(DeleteTokensByIds::new(family, [1, 2]), &response);
        check(
            DeleteTokensBySecrets::new(family, [Secret::new("tok")]),
            &response,
        );
        check(UsageReport::new(family), &response);
    }
});
