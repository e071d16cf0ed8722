//! The core's cost per operation: build the request and parse a typical
//! response, against a hand-written baseline that does the same with
//! `http::Request::builder` and `serde_json` directly. Also counts heap
//! allocations per operation (printed as `allocs <op> steps=N baseline=M`).
//!
//! `cargo bench -p steps-core --bench codec`; `cargo xtask bench` runs it and
//! reads criterion's estimates.

// A counting global allocator needs `unsafe impl GlobalAlloc`; it only
// forwards to `System`.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use bytes::Bytes;
use criterion::{criterion_group, criterion_main, Criterion};
use http::{header, Request, Response, StatusCode};
use serde::Deserialize;
use steps_core::{
    CloudContext, CreateApiKey, CreateJobToken, Credential, DeleteApiKey, DeleteJobToken, ListApiKeys,
    ListJobTokens, Login, Operation, ReadApiKey, ReadJobToken, Secret, Whoami,
};

#[path = "codec/quandela.rs"]
mod quandela;

/// Counts allocations, to report allocations per operation.
struct Counting;

static ALLOCS: AtomicU64 = AtomicU64::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

const BASE: &str = "http://127.0.0.1:8787";
const TOKEN: &str = "stl_Zm9vYmFyYmF6cXV4cXV1eGZvb2JhcmJhenF1eHF1dXg";
const SECRET: &str = "stj_YmF6cXV4cXV1eGZvb2JhcmJhenF1eHF1dXhmb29iYXI";
const USER_AGENT: &str = "steps-rs/bench";

fn record(id_field: &str, id: u64, secret: Option<(&str, &str)>) -> String {
    let secret = secret
        .map(|(field, value)| format!(r#","{field}":"{value}""#))
        .unwrap_or_default();
    format!(
        r#"{{"{id_field}":{id},"user_id":2,"label":"nightly build","duration":3600,"created_at":1700000000,"expires_at":1700003600{secret}}}"#
    )
}

fn page(field: &str, id_field: &str) -> String {
    let items: Vec<String> = (1..=10).map(|id| record(id_field, id, None)).collect();
    format!(r#"{{"{field}":[{}],"next_after":10}}"#, items.join(","))
}

fn response(status: u16, body: String) -> Response<Bytes> {
    let mut response = Response::new(Bytes::from(body));
    *response.status_mut() = StatusCode::from_u16(status).unwrap();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, "application/json".parse().unwrap());
    response
}

// ---- the hand-written baseline ----------------------------------------

#[derive(Deserialize)]
#[allow(dead_code)]
struct BaselineLogin {
    token: String,
    user_id: Option<i64>,
    is_admin: Option<bool>,
    expires_at: Option<u64>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct BaselineWhoami {
    user_id: i64,
    token_type: u64,
    is_admin: bool,
    expires_at: Option<u64>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct BaselineRecord {
    #[serde(alias = "api_key_id")]
    token_id: i64,
    user_id: i64,
    label: Option<String>,
    duration: u64,
    created_at: u64,
    expires_at: u64,
    #[serde(alias = "api_key")]
    token: Option<String>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct BaselinePage {
    #[serde(alias = "api_keys")]
    job_tokens: Vec<BaselineRecord>,
    next_after: Option<i64>,
}

fn baseline_request(method: &str, path: &str, body: Option<Vec<u8>>) -> Request<Bytes> {
    let mut builder = Request::builder()
        .method(method)
        .uri(format!("{BASE}{path}"))
        .header(header::ACCEPT, "application/json")
        .header(header::USER_AGENT, USER_AGENT);
    if path != "/api/login" {
        builder = builder.header(header::AUTHORIZATION, format!("Bearer {TOKEN}"));
    }
    match body {
        Some(body) => builder
            .header(header::CONTENT_TYPE, "application/json")
            .body(Bytes::from(body))
            .unwrap(),
        None => builder.body(Bytes::new()).unwrap(),
    }
}

fn baseline_parse<T: serde::de::DeserializeOwned>(response: Response<Bytes>) -> Option<T> {
    if !response.status().is_success() {
        return None;
    }
    serde_json::from_slice(response.body()).ok()
}

#[derive(serde::Serialize)]
struct CreateBody<'a> {
    label: Option<&'a str>,
    duration: u64,
}

#[derive(serde::Serialize)]
struct LoginBody<'a> {
    email: &'a str,
    password: &'a str,
}

/// One operation, both ways: `steps` and `baseline` each build its request
/// and parse `response`.
struct Case {
    name: &'static str,
    steps: Box<dyn Fn() -> usize>,
    baseline: Box<dyn Fn() -> usize>,
}

fn steps_case<O: Operation + 'static>(op: O, response: Response<Bytes>) -> Box<dyn Fn() -> usize> {
    let ctx = CloudContext::new(BASE)
        .unwrap()
        .with_user_agent(USER_AGENT)
        .unwrap();
    let credential = Credential::bearer(Secret::new(TOKEN));
    Box::new(move || {
        let request = op.build_request(&ctx, &credential).unwrap();
        let parsed = op.parse_response(black_box(response.clone())).is_ok();
        request.headers().len() + usize::from(parsed)
    })
}

fn baseline_case<T: serde::de::DeserializeOwned + 'static>(
    method: &'static str,
    path: &'static str,
    body: Option<fn() -> Vec<u8>>,
    response: Response<Bytes>,
) -> Box<dyn Fn() -> usize> {
    Box::new(move || {
        let request = baseline_request(method, path, body.map(|b| b()));
        let parsed = baseline_parse::<T>(black_box(response.clone())).is_some();
        request.headers().len() + usize::from(parsed)
    })
}

/// A delete by hand: build, and check the status (the body is ignored).
fn baseline_delete(path: &'static str) -> Box<dyn Fn() -> usize> {
    let response = response(204, String::new());
    Box::new(move || {
        let request = baseline_request("DELETE", path, None);
        let ok = black_box(response.clone()).status().is_success();
        request.headers().len() + usize::from(ok)
    })
}

fn cases() -> Vec<Case> {
    let job = |secret| record("token_id", 7, secret);
    let key = |secret| record("api_key_id", 7, secret);
    let create_body = || {
        serde_json::to_vec(&CreateBody {
            label: Some("nightly build"),
            duration: 3600,
        })
        .unwrap()
    };
    let login_body = || {
        serde_json::to_vec(&LoginBody {
            email: "ada@example.com",
            password: "correct horse",
        })
        .unwrap()
    };
    let login_response =
        format!(r#"{{"token":"{TOKEN}","user_id":2,"is_admin":false,"expires_at":1700086400}}"#);
    let whoami_response =
        r#"{"user_id":2,"token_type":0,"is_admin":false,"expires_at":1700086400}"#.to_owned();
    vec![
        Case {
            name: "login",
            steps: steps_case(
                Login::new("ada@example.com", Secret::new("correct horse")),
                response(200, login_response.clone()),
            ),
            baseline: baseline_case::<BaselineLogin>(
                "POST",
                "/api/login",
                Some(login_body),
                response(200, login_response),
            ),
        },
        Case {
            name: "whoami",
            steps: steps_case(Whoami, response(200, whoami_response.clone())),
            baseline: baseline_case::<BaselineWhoami>(
                "GET",
                "/api/whoami",
                None,
                response(200, whoami_response),
            ),
        },
        Case {
            name: "job_token.create",
            steps: steps_case(
                CreateJobToken::new()
                    .label("nightly build")
                    .duration(Duration::from_secs(3600)),
                response(201, job(Some(("token", SECRET)))),
            ),
            baseline: baseline_case::<BaselineRecord>(
                "POST",
                "/api/job_token",
                Some(create_body),
                response(201, job(Some(("token", SECRET)))),
            ),
        },
        Case {
            name: "job_token.read",
            steps: steps_case(ReadJobToken::new(7), response(200, job(None))),
            baseline: baseline_case::<BaselineRecord>(
                "GET",
                "/api/job_token/7",
                None,
                response(200, job(None)),
            ),
        },
        Case {
            name: "job_token.delete",
            steps: steps_case(DeleteJobToken::new(7), response(204, String::new())),
            baseline: baseline_delete("/api/job_token/7"),
        },
        Case {
            name: "job_token.list",
            steps: steps_case(
                ListJobTokens::new().limit(10),
                response(200, page("job_tokens", "token_id")),
            ),
            baseline: baseline_case::<BaselinePage>(
                "GET",
                "/api/job_token?limit=10",
                None,
                response(200, page("job_tokens", "token_id")),
            ),
        },
        Case {
            name: "api_key.create",
            steps: steps_case(
                CreateApiKey::new()
                    .label("nightly build")
                    .duration(Duration::from_secs(3600)),
                response(201, key(Some(("api_key", SECRET)))),
            ),
            baseline: baseline_case::<BaselineRecord>(
                "POST",
                "/api/api_key",
                Some(create_body),
                response(201, key(Some(("api_key", SECRET)))),
            ),
        },
        Case {
            name: "api_key.read",
            steps: steps_case(ReadApiKey::new(7), response(200, key(None))),
            baseline: baseline_case::<BaselineRecord>(
                "GET",
                "/api/api_key/7",
                None,
                response(200, key(None)),
            ),
        },
        Case {
            name: "api_key.delete",
            steps: steps_case(DeleteApiKey::new(7), response(204, String::new())),
            baseline: baseline_delete("/api/api_key/7"),
        },
        Case {
            name: "api_key.list",
            steps: steps_case(
                ListApiKeys::new().limit(10),
                response(200, page("api_keys", "api_key_id")),
            ),
            baseline: baseline_case::<BaselinePage>(
                "GET",
                "/api/api_key?limit=10",
                None,
                response(200, page("api_keys", "api_key_id")),
            ),
        },
    ]
}

/// Allocations per call of `f`, averaged over many calls.
fn allocations(f: &dyn Fn() -> usize) -> f64 {
    const CALLS: u64 = 1000;
    f();
    let before = ALLOCS.load(Ordering::Relaxed);
    for _ in 0..CALLS {
        black_box(f());
    }
    (ALLOCS.load(Ordering::Relaxed) - before) as f64 / CALLS as f64
}

fn codec(c: &mut Criterion) {
    let mut report = String::new();
    for case in cases().into_iter().chain(quandela::cases()) {
        // Both sides must do the work: a parse that fails would be cheap.
        assert!(
            (case.steps)() > 2 && (case.baseline)() > 2,
            "{}: a parse failed",
            case.name
        );
        let (steps_allocs, baseline_allocs) = (allocations(&*case.steps), allocations(&*case.baseline));
        println!(
            "allocs {} steps={steps_allocs} baseline={baseline_allocs}",
            case.name
        );
        report.push_str(&format!("{} {steps_allocs} {baseline_allocs}\n", case.name));
        let mut group = c.benchmark_group(case.name.replace('.', "_"));
        group.bench_function("steps", |b| b.iter(|| black_box((case.steps)())));
        group.bench_function("baseline", |b| b.iter(|| black_box((case.baseline)())));
        group.finish();
    }
    // For `cargo xtask bench`: allocation counts next to criterion's output.
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    let dir = target.join("criterion");
    let _ = std::fs::create_dir_all(&dir);
    let _ = std::fs::write(dir.join("allocs.txt"), report);
}

criterion_group!(benches, codec);
criterion_main!(benches);
