//! `steps-bench load`: the load test of `cargo xtask load`.

use std::time::Instant;

use crate::common::{peak_rss_kib, BoxError};

/// The load test: mixed requests from many tasks through one facade client.
pub(crate) async fn load(
    url: &str,
    tasks: usize,
    total: usize,
    admin: &str,
    user: &str,
) -> Result<(), BoxError> {
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
