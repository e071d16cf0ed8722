//! What every benchmark client sends and parses, and the fixed answers of
//! `steps-bench server`: written once, so that every client does the same
//! work.

use serde::Deserialize;

pub(crate) const TOKEN: &str = "stl_YmVuY2htYXJrYmVuY2htYXJrYmVuY2htYXJrYmVuY2g";
pub(crate) const RECORD: &str = r#"{"token_id":7,"user_id":2,"label":"bench","duration":99999,"created_at":1700000000,"expires_at":1700099999}"#;
pub(crate) const CREATED: &str = r#"{"token_id":8,"user_id":2,"label":"bench","duration":99999,"created_at":1700000000,"expires_at":1700099999,"token":"stj_YmVuY2htYXJrYmVuY2htYXJrYmVuY2htYXJrYmVuY2g"}"#;

/// What the hand-written clients send to create: serialised per request,
/// as a program that takes the label and duration at run time must (until
/// session 5 they sent fixed bytes, which left the facade's serialising
/// as a cost the baselines did not have; `bench/findings.md`).
#[derive(serde::Serialize)]
pub(crate) struct CreateBody<'a> {
    label: &'a str,
    duration: u64,
}

/// The body of the benchmark's create, `{"label":"bench","duration":99999}`.
pub(crate) fn create_body() -> Result<Vec<u8>, serde_json::Error> {
    serde_json::to_vec(&CreateBody {
        label: "bench",
        duration: 99999,
    })
}

/// What the hand-written clients parse responses into.
#[derive(Deserialize)]
#[allow(dead_code)]
pub(crate) struct Record {
    token_id: i64,
    user_id: i64,
    label: Option<String>,
    duration: u64,
    created_at: u64,
    expires_at: u64,
    token: Option<String>,
}
