//! `steps-bench`: the processes `cargo xtask bench` runs side by side.
//!
//! - `steps-bench server`: a minimal fixed-response hyper server, so that
//!   the server's own cost does not hide the clients' differences. Prints
//!   `listening http://127.0.0.1:PORT`, serves until killed.
//! - `steps-bench client KIND OP N CONCURRENCY URL`: runs N requests of OP
//!   (`get` or `create`) with KIND (`facade`, `hyper`, `reqwest`) from
//!   CONCURRENCY tasks sharing one client, or with `blocking` (the
//!   `steps::blocking` facade) from CONCURRENCY threads sharing one client,
//!   and prints `result req_per_s=.. elapsed_ms=.. cpu_us=..
//!   peak_rss_kib=.. errors=..`, where `cpu_us` is the user and system CPU
//!   time of the whole process (every thread) while the N requests ran.
//! - `steps-bench load URL TASKS TOTAL ADMIN USER`: the load test of
//!   `cargo xtask load`: TASKS concurrent tasks make TOTAL mixed requests
//!   (create, read, whoami with the new token, delete, and a list page every
//!   tenth cycle) through the facade, and print errors, p50/p99 latency and
//!   peak RSS.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use http::{header, Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper_util::rt::{TokioExecutor, TokioIo};
use serde::Deserialize;

const TOKEN: &str = "stl_YmVuY2htYXJrYmVuY2htYXJrYmVuY2htYXJrYmVuY2g";
const RECORD: &str = r#"{"token_id":7,"user_id":2,"label":"bench","duration":99999,"created_at":1700000000,"expires_at":1700099999}"#;
const CREATED: &str = r#"{"token_id":8,"user_id":2,"label":"bench","duration":99999,"created_at":1700000000,"expires_at":1700099999,"token":"stj_YmVuY2htYXJrYmVuY2htYXJrYmVuY2htYXJrYmVuY2g"}"#;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    // The blocking client runs without one: it owns its own.
    let runtime = || {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime")
    };
    let result = match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["server"] => runtime().block_on(server()),
        ["client", kind, op, n, concurrency, url] => {
            let n: usize = n.parse().expect("N");
            let concurrency: usize = concurrency.parse().expect("CONCURRENCY");
            if *kind == "blocking" {
                blocking_client(op == &"create", n, concurrency.max(1), url)
            } else {
                runtime().block_on(client(kind, op == &"create", n, concurrency.max(1), url))
            }
        }
        ["load", url, tasks, total, admin, user] => {
            let tasks: usize = tasks.parse().expect("TASKS");
            let total: usize = total.parse().expect("TOTAL");
            runtime().block_on(load(url, tasks.max(1), total, admin, user))
        }
        _ => Err("usage: steps-bench server | steps-bench client facade|blocking|hyper|reqwest get|create N CONCURRENCY URL \
                  | steps-bench load URL TASKS TOTAL ADMIN_EMAIL:PASSWORD USER_EMAIL:PASSWORD"
            .into()),
    };
    if let Err(error) = result {
        eprintln!("steps-bench: {error}");
        std::process::exit(1);
    }
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

async fn server() -> Result<(), BoxError> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    println!("listening http://{}", listener.local_addr()?);
    let builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
    loop {
        let (stream, _) = listener.accept().await?;
        let _ = stream.set_nodelay(true);
        let builder = builder.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(|request: Request<hyper::body::Incoming>| async move {
                let (status, body) = match (request.method(), request.uri().path()) {
                    (&Method::POST, "/api/job_token") => {
                        let _ = request.into_body().collect().await;
                        (StatusCode::CREATED, CREATED)
                    }
                    (&Method::GET, path) if path.starts_with("/api/job_token/") => (StatusCode::OK, RECORD),
                    _ => (StatusCode::NOT_FOUND, r#"{"error":"not found"}"#),
                };
                let mut response = Response::new(Full::new(Bytes::from_static(body.as_bytes())));
                *response.status_mut() = status;
                response
                    .headers_mut()
                    .insert(header::CONTENT_TYPE, "application/json".parse().expect("valid"));
                Ok::<_, Infallible>(response)
            });
            let _ = builder.serve_connection(TokioIo::new(stream), service).await;
        });
    }
}

/// What the hand-written clients send to create: serialised per request,
/// as a program that takes the label and duration at run time must (until
/// session 5 they sent fixed bytes, which left the facade's serialising
/// as a cost the baselines did not have; `bench/findings.md`).
#[derive(serde::Serialize)]
struct CreateBody<'a> {
    label: &'a str,
    duration: u64,
}

/// The body of the benchmark's create, `{"label":"bench","duration":99999}`.
fn create_body() -> Result<Vec<u8>, serde_json::Error> {
    serde_json::to_vec(&CreateBody {
        label: "bench",
        duration: 99999,
    })
}

/// What the hand-written clients parse responses into.
#[derive(Deserialize)]
#[allow(dead_code)]
struct Record {
    token_id: i64,
    user_id: i64,
    label: Option<String>,
    duration: u64,
    created_at: u64,
    expires_at: u64,
    token: Option<String>,
}

/// One kind of client, ready to send one request.
enum Stack {
    Facade(steps::Session),
    Hyper(
        Box<
            hyper_util::client::legacy::Client<
                hyper_util::client::legacy::connect::HttpConnector,
                Full<Bytes>,
            >,
        >,
    ),
    Reqwest(reqwest::Client),
}

impl Stack {
    async fn one(&self, url: &str, create: bool) -> Result<(), BoxError> {
        match self {
            Stack::Facade(session) => {
                if create {
                    session.job_tokens().create().label("bench").send().await?;
                } else {
                    session.job_tokens().get(7).send().await?;
                }
            }
            Stack::Hyper(client) => {
                let builder = Request::builder()
                    .header(header::ACCEPT, "application/json")
                    .header(header::USER_AGENT, "bench")
                    .header(header::AUTHORIZATION, format!("Bearer {TOKEN}"));
                let request = if create {
                    builder
                        .method(Method::POST)
                        .uri(format!("{url}/api/job_token"))
                        .header(header::CONTENT_TYPE, "application/json")
                        .body(Full::new(Bytes::from(create_body()?)))?
                } else {
                    builder
                        .method(Method::GET)
                        .uri(format!("{url}/api/job_token/7"))
                        .body(Full::new(Bytes::new()))?
                };
                let response = client.request(request).await?;
                if !response.status().is_success() {
                    return Err(format!("status {}", response.status()).into());
                }
                let body = response.into_body().collect().await?.to_bytes();
                serde_json::from_slice::<Record>(&body)?;
            }
            Stack::Reqwest(client) => {
                let request = if create {
                    client
                        .post(format!("{url}/api/job_token"))
                        .header(header::CONTENT_TYPE, "application/json")
                        .body(create_body()?)
                } else {
                    client.get(format!("{url}/api/job_token/7"))
                };
                let response = request
                    .header(header::ACCEPT, "application/json")
                    .header(header::AUTHORIZATION, format!("Bearer {TOKEN}"))
                    .send()
                    .await?;
                if !response.status().is_success() {
                    return Err(format!("status {}", response.status()).into());
                }
                serde_json::from_slice::<Record>(&response.bytes().await?)?;
            }
        }
        Ok(())
    }
}

async fn client(kind: &str, create: bool, n: usize, concurrency: usize, url: &str) -> Result<(), BoxError> {
    let kind = Arc::new(match kind {
        "facade" => Stack::Facade(
            steps::Client::builder()
                .base_url(url)
                .transport(|t| t.proxy(steps::Proxy::None))
                .build()?
                .session_from_token(TOKEN),
        ),
        "hyper" => {
            // The floor: hyper-util as a careful user would set it up.
            let mut connector = hyper_util::client::legacy::connect::HttpConnector::new();
            connector.set_nodelay(true);
            Stack::Hyper(Box::new(
                hyper_util::client::legacy::Client::builder(TokioExecutor::new()).build(connector),
            ))
        }
        "reqwest" => Stack::Reqwest(reqwest::Client::builder().no_proxy().build()?),
        other => return Err(format!("unknown client {other}").into()),
    });
    // Warm up: one connection per task, as in steady state.
    let warm: Vec<_> = (0..concurrency)
        .map(|_| {
            let (kind, url) = (kind.clone(), url.to_owned());
            tokio::spawn(async move { kind.one(&url, false).await.is_ok() })
        })
        .collect();
    for task in warm {
        task.await?;
    }
    let cpu = cpu_us();
    let started = Instant::now();
    let tasks: Vec<_> = (0..concurrency)
        .map(|i| {
            let (kind, url) = (kind.clone(), url.to_owned());
            let count = n / concurrency + usize::from(i < n % concurrency);
            tokio::spawn(async move {
                let mut errors = 0usize;
                for _ in 0..count {
                    if kind.one(&url, create).await.is_err() {
                        errors += 1;
                    }
                }
                errors
            })
        })
        .collect();
    let mut errors = 0;
    for task in tasks {
        errors += task.await?;
    }
    print_result(n, started, cpu, errors);
    Ok(())
}

/// The blocking facade: CONCURRENCY threads sharing one
/// `steps::blocking` client, each call run on the client's runtime while its
/// caller's thread waits.
fn blocking_client(create: bool, n: usize, concurrency: usize, url: &str) -> Result<(), BoxError> {
    let session = steps::blocking::Client::builder()
        .base_url(url)
        .transport(|t| t.proxy(steps::Proxy::None))
        .build()?
        .session_from_token(TOKEN);
    let one = |create: bool| -> steps::Result<()> {
        if create {
            session.job_tokens().create().label("bench").send().map(drop)
        } else {
            session.job_tokens().get(7).send().map(drop)
        }
    };
    // Warm up: one connection per thread, as in steady state.
    std::thread::scope(|scope| {
        for _ in 0..concurrency {
            scope.spawn(|| one(false).is_ok());
        }
    });
    let cpu = cpu_us();
    let started = Instant::now();
    let errors = std::thread::scope(|scope| {
        let threads: Vec<_> = (0..concurrency)
            .map(|i| {
                let count = n / concurrency + usize::from(i < n % concurrency);
                let one = &one;
                (
                    count,
                    scope.spawn(move || (0..count).filter(|_| one(create).is_err()).count()),
                )
            })
            .collect();
        threads
            .into_iter()
            .map(|(count, thread)| thread.join().unwrap_or(count))
            .sum::<usize>()
    });
    print_result(n, started, cpu, errors);
    Ok(())
}

/// The `result …` line `cargo xtask bench` reads: N requests since
/// `started`, and the CPU time since `cpu` (from [`cpu_us`]).
fn print_result(n: usize, started: Instant, cpu: u64, errors: usize) {
    let elapsed = started.elapsed();
    println!(
        "result req_per_s={:.1} elapsed_ms={} cpu_us={} peak_rss_kib={} errors={errors}",
        n as f64 / elapsed.as_secs_f64(),
        elapsed.as_millis(),
        cpu_us().saturating_sub(cpu),
        peak_rss_kib()
    );
}

/// The user and system CPU time this process has used so far, every thread
/// included, in µs: `getrusage(RUSAGE_SELF)`, which std does not offer.
#[allow(unsafe_code)]
fn cpu_us() -> u64 {
    // SAFETY: an all-zero `rusage` is valid (it holds only integers), and
    // getrusage writes nothing but the `rusage` it is given.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        if libc::getrusage(libc::RUSAGE_SELF, &mut usage) != 0 {
            return 0;
        }
        usage
    };
    let us = |t: libc::timeval| t.tv_sec as u64 * 1_000_000 + t.tv_usec as u64;
    us(usage.ru_utime) + us(usage.ru_stime)
}

/// The process's peak resident set size (VmHWM), in KiB.
fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmHWM:")).map(str::to_owned))
        .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        .unwrap_or(0)
}

/// The load test: mixed requests from many tasks through one facade client.
async fn load(url: &str, tasks: usize, total: usize, admin: &str, user: &str) -> Result<(), BoxError> {
    let split = |account: &str| -> Result<(String, String), BoxError> {
        let (email, password) = account.split_once(':').ok_or("accounts are EMAIL:PASSWORD")?;
        Ok((email.to_owned(), password.to_owned()))
    };
    let (admin, user) = (split(admin)?, split(user)?);
    let client = steps::Client::builder()
        .base_url(url)
        .transport(|t| t.proxy(steps::Proxy::None))
        .build()?;
    let admin = client.login(&admin.0, admin.1.as_str()).await?;
    let user = client.login(&user.0, user.1.as_str()).await?;
    let per_task = total.div_ceil(tasks);
    let started = Instant::now();
    let handles: Vec<_> = (0..tasks)
        .map(|_| {
            let (client, admin, user) = (client.clone(), admin.clone(), user.clone());
            tokio::spawn(async move {
                let mut latencies: Vec<u32> = Vec::with_capacity(per_task);
                let mut errors = 0usize;
                let mut timed = |latencies: &mut Vec<u32>, started: Instant, ok: bool| {
                    latencies.push(started.elapsed().as_micros().min(u32::MAX as u128) as u32);
                    if !ok {
                        errors += 1;
                    }
                };
                let mut cycle = 0usize;
                while latencies.len() < per_task {
                    let t = Instant::now();
                    let created = user.job_tokens().create().label("load").send().await;
                    timed(&mut latencies, t, created.is_ok());
                    let Ok(token) = created else { continue };
                    let t = Instant::now();
                    let read = user.job_tokens().get(token.token_id).send().await;
                    timed(&mut latencies, t, read.is_ok());
                    let t = Instant::now();
                    let secret = token
                        .token
                        .as_ref()
                        .map(|s| s.expose().to_owned())
                        .unwrap_or_default();
                    let me = client.session_from_token(secret).whoami().await;
                    timed(&mut latencies, t, me.is_ok());
                    let t = Instant::now();
                    let deleted = user.job_tokens().delete(token.token_id).send().await;
                    timed(&mut latencies, t, deleted.is_ok());
                    if cycle.is_multiple_of(10) {
                        let t = Instant::now();
                        let page = admin.job_tokens().list().limit(50).pages().next().await;
                        timed(&mut latencies, t, matches!(page, Some(Ok(_))));
                    }
                    cycle += 1;
                }
                (latencies, errors)
            })
        })
        .collect();
    let (mut latencies, mut errors) = (Vec::with_capacity(total + tasks * 5), 0);
    for handle in handles {
        let (l, e) = handle.await?;
        latencies.extend(l);
        errors += e;
    }
    let elapsed = started.elapsed();
    latencies.sort_unstable();
    let at = |q: f64| {
        latencies
            .get(((latencies.len() as f64 - 1.0) * q) as usize)
            .copied()
            .unwrap_or(0) as f64
            / 1000.0
    };
    println!(
        "result requests={} errors={errors} p50_ms={:.2} p99_ms={:.2} elapsed_s={:.1} req_per_s={:.0} peak_rss_kib={}",
        latencies.len(),
        at(0.50),
        at(0.99),
        elapsed.as_secs_f64(),
        latencies.len() as f64 / elapsed.as_secs_f64(),
        peak_rss_kib()
    );
    Ok(())
}
