//! Every steps-core response parser on an arbitrary status, headers and
//! body: `Ok` or a typed error, never a panic; a 2xx decode error never
//! quotes the body.
//!
//! Input: 2 bytes of status, 1 byte of header count, then per header 1 byte
//! naming it and its value up to a 0 byte; the rest is the body.
#![no_main]

use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use steps_core::{
    CreateApiKey, CreateJobToken, DeleteApiKey, DeleteJobToken, ListApiKeys, ListJobTokens, Login,
    Operation, ReadApiKey, ReadJobToken, Secret, Whoami,
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
    if let Err(error) = op.parse_response(response.clone()) {
        let text = format!("{error} {error:?}");
        if response.status().is_success() && response.body().len() >= 12 {
            // Decode errors name fields, never values: a long run of the
            // body's bytes must not show up in the message.
            if let Ok(body) = std::str::from_utf8(response.body()) {
                let body = body.trim();
                if body.len() >= 12 && body.chars().all(|c| c.is_ascii_alphanumeric()) {
                    assert!(!text.contains(body), "a decode error quoted the body");
                }
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some(response) = response(data) else { return };
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
});
