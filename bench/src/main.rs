//! `steps-bench`: the processes `cargo xtask bench` runs side by side.
//!
//! - `steps-bench server`: a minimal fixed-response hyper server, so that
//!   the server's own cost does not hide the clients' differences. Prints
//!   `listening http://127.0.0.1:PORT`, serves until killed.
//! - `steps-bench client KIND OP N CONCURRENCY URL`: runs N requests of OP
//!   (`get` or `create`) with KIND (`facade`, `hyper`, `reqwest`) from
//!   CONCURRENCY tasks sharing one client, or with a blocking KIND
//!   (`blocking`, the `steps::blocking` facade; `reqwest-blocking`;
//!   `ureq`) from CONCURRENCY threads sharing one client,
//!   and prints `result req_per_s=.. elapsed_ms=.. cpu_us=..
//!   peak_rss_kib=.. errors=..`, where `cpu_us` is the user and system CPU
//!   time of the whole process (every thread) while the N requests ran.
//! - `steps-bench load URL TASKS TOTAL ADMIN USER`: the load test of
//!   `cargo xtask load`: TASKS concurrent tasks make TOTAL mixed requests
//!   (create, read, whoami with the new token, delete, and a list page every
//!   tenth cycle) through the facade, and print errors, p50/p99 latency and
//!   peak RSS.

mod blocking;
mod clients;
mod common;
mod load;
mod server;
mod wire;

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
        ["server"] => runtime().block_on(server::server()),
        ["client", kind, op, n, concurrency, url] => {
            let n: usize = n.parse().expect("N");
            let concurrency: usize = concurrency.parse().expect("CONCURRENCY");
            if BLOCKING.contains(kind) {
                blocking::client(kind, op == &"create", n, concurrency.max(1), url)
            } else {
                runtime().block_on(clients::client(kind, op == &"create", n, concurrency.max(1), url))
            }
        }
        ["load", url, tasks, total, admin, user] => {
            let tasks: usize = tasks.parse().expect("TASKS");
            let total: usize = total.parse().expect("TOTAL");
            runtime().block_on(load::load(url, tasks.max(1), total, admin, user))
        }
        _ => Err("usage: steps-bench server | steps-bench client facade|hyper|reqwest|blocking|reqwest-blocking|ureq get|create N CONCURRENCY URL \
                  | steps-bench load URL TASKS TOTAL ADMIN_EMAIL:PASSWORD USER_EMAIL:PASSWORD"
            .into()),
    };
    if let Err(error) = result {
        eprintln!("steps-bench: {error}");
        std::process::exit(1);
    }
}

/// The clients that block their calling thread (`blocking.rs`); the others
/// run on a tokio runtime (`clients.rs`).
const BLOCKING: [&str; 3] = ["blocking", "reqwest-blocking", "ureq"];
