//! `steps-bench client KIND ...` for the async clients: the facade, raw
//! hyper-util and reqwest, CONCURRENCY tasks sharing one client on a
//! two-worker runtime.

use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use http::{header, Method, Request};
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioExecutor;

use crate::common::{cpu_us, print_result, split, BoxError};
use crate::wire::{create_body, Record, TOKEN};

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

pub(crate) async fn client(
    kind: &str,
    create: bool,
    n: usize,
    concurrency: usize,
    url: &str,
) -> Result<(), BoxError> {
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
            let count = split(n, concurrency, i);
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
