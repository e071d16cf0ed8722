//! `steps-bench client KIND ...` for the blocking clients: the
//! `steps::blocking` facade, `reqwest::blocking` (a blocking API over its
//! own runtime thread, as ours) and ureq (blocking all the way down: no
//! runtime, one OS thread per call). CONCURRENCY threads share one client.

use std::io::Read as _;
use std::time::Instant;

use http::header;

use crate::common::{print_result, split, BoxError};
use crate::wire::{create_body, Record, TOKEN};

/// One blocking client, ready to send one request.
enum Blocking {
    Facade(steps::blocking::Session),
    Reqwest(reqwest::blocking::Client),
    Ureq(ureq::Agent),
}

impl Blocking {
    fn new(kind: &str, url: &str, concurrency: usize) -> Result<Blocking, BoxError> {
        Ok(match kind {
            "blocking" => Blocking::Facade(
                steps::blocking::Client::builder()
                    .base_url(url)
                    .transport(|t| t.proxy(steps::Proxy::None))
                    .build()?
                    .session_from_token(TOKEN),
            ),
            "reqwest-blocking" => Blocking::Reqwest(reqwest::blocking::Client::builder().no_proxy().build()?),
            // Its pool keeps 3 idle connections per host by default: every
            // thread keeps one here, as with the other clients.
            "ureq" => Blocking::Ureq(
                ureq::Agent::config_builder()
                    .proxy(None)
                    .max_idle_connections(concurrency.max(1))
                    .max_idle_connections_per_host(concurrency.max(1))
                    .build()
                    .into(),
            ),
            other => return Err(format!("unknown blocking client {other}").into()),
        })
    }

    fn one(&self, url: &str, create: bool) -> Result<(), BoxError> {
        match self {
            Blocking::Facade(session) => {
                if create {
                    session.job_tokens().create().label("bench").send().map(drop)?;
                } else {
                    session.job_tokens().get(7).send().map(drop)?;
                }
            }
            Blocking::Reqwest(client) => {
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
                    .send()?;
                if !response.status().is_success() {
                    return Err(format!("status {}", response.status()).into());
                }
                serde_json::from_slice::<Record>(&response.bytes()?)?;
            }
            Blocking::Ureq(agent) => {
                let authorization = format!("Bearer {TOKEN}");
                let response = if create {
                    agent
                        .post(format!("{url}/api/job_token"))
                        .header(header::ACCEPT, "application/json")
                        .header(header::AUTHORIZATION, &authorization)
                        .header(header::CONTENT_TYPE, "application/json")
                        .send(&create_body()?[..])?
                } else {
                    agent
                        .get(format!("{url}/api/job_token/7"))
                        .header(header::ACCEPT, "application/json")
                        .header(header::AUTHORIZATION, &authorization)
                        .call()?
                };
                let mut body = Vec::new();
                response.into_body().into_reader().read_to_end(&mut body)?;
                serde_json::from_slice::<Record>(&body)?;
            }
        }
        Ok(())
    }
}

/// N requests of one blocking client from CONCURRENCY threads sharing it.
pub(crate) fn client(
    kind: &str,
    create: bool,
    n: usize,
    concurrency: usize,
    url: &str,
) -> Result<(), BoxError> {
    let client = Blocking::new(kind, url, concurrency)?;
    let one = |create: bool| client.one(url, create);
    // Warm up: one connection per thread, as in steady state.
    std::thread::scope(|scope| {
        for _ in 0..concurrency {
            scope.spawn(|| one(false).is_ok());
        }
    });
    let cpu = crate::common::cpu_us();
    let started = Instant::now();
    let errors = std::thread::scope(|scope| {
        let threads: Vec<_> = (0..concurrency)
            .map(|i| {
                let count = split(n, concurrency, i);
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
