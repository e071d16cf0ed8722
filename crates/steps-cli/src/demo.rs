//! `steps demo`: the whole token lifecycle against a local cloud started
//! in-process on an ephemeral port, protocol v2 included: a user's own
//! list, rotation with a grace (on the local cloud's clock), and a logout
//! that revokes.

use std::time::{Duration, Instant};

use serde_json::{json, Value};
use steps::{Client, Resource, Secret};
use steps_emulator::{Config, Emulator};

use crate::error::CliError;
use crate::hint::{Hints, Source};
use crate::output::{self, Shown, LIST_HEADERS};
use crate::terminal;

/// The demo's output: human steps, or JSON steps.
struct Steps {
    json: bool,
    steps: Vec<Value>,
}

impl Steps {
    fn step(&mut self, title: &str, body: String, data: Value) -> Result<(), CliError> {
        if self.json {
            self.steps.push(json!({ "step": title, "result": data }));
        } else {
            terminal::human(&format!("\n== {} . {title}\n{body}", self.steps.len() + 1))?;
            self.steps.push(Value::Null);
        }
        Ok(())
    }
}

/// A secret as the demo shows it: the type prefix only. The demo's tokens
/// die with it, but it shows the habit.
fn masked(secret: Option<&Secret>, shown_at: &str) -> String {
    secret
        .map(|s| {
            format!(
                "{}… (shown once at {shown_at}; masked here)",
                s.expose().get(..4).unwrap_or("")
            )
        })
        .unwrap_or_default()
}

pub(crate) async fn run(json_output: bool) -> Result<(), CliError> {
    let started = Instant::now();
    let emulator = Emulator::start(Config::new().login_ttl(Duration::from_secs(3600)))
        .await
        .map_err(|e| CliError::local(format!("cannot start the local cloud: {e}")))?;
    let url = emulator.base_url().to_owned();
    // Its calls log in with the emulator's passwords, over plain HTTP.
    let hints = Hints::new(&url, false, None, None, String::new());
    let failed = |e: steps::Error| CliError::from_sdk(e, &hints, Source::Password);
    let accounts = emulator.accounts();
    let admin_account = accounts.iter().find(|a| a.is_admin).cloned();
    let user_account = accounts.iter().find(|a| !a.is_admin).cloned();
    let (admin_account, user_account) = match (admin_account, user_account) {
        (Some(a), Some(u)) => (a, u),
        _ => return Err(CliError::local("the local cloud has no seeded accounts")),
    };
    let mut out = Steps {
        json: json_output,
        steps: Vec::new(),
    };
    if !json_output {
        terminal::human(&format!("steps demo: a local STEPS cloud at {url}"))?;
    }

    let client = Client::builder().base_url(&url).build().map_err(failed)?;
    let admin = client
        .login(&admin_account.email, admin_account.password.as_str())
        .await
        .map_err(failed)?;
    let user = client
        .login(&user_account.email, user_account.password.as_str())
        .await
        .map_err(failed)?;
    out.step(
        "admin and user log in",
        output::table(
            &["ACCOUNT", "ROLE"],
            &[
                vec![admin_account.email.clone(), "admin".into()],
                vec![user_account.email.clone(), "user".into()],
            ],
        ),
        json!({ "admin": admin_account.email, "user": user_account.email }),
    )?;

    let first = user
        .job_tokens()
        .create()
        .label("render")
        .duration(Duration::from_secs(3600))
        .send()
        .await
        .map_err(failed)?;
    let second = user
        .job_tokens()
        .create()
        .label("train")
        .send()
        .await
        .map_err(failed)?;
    let rows: Vec<Vec<String>> = [&first, &second]
        .iter()
        .map(|t| {
            let mut row = Shown(*t).row();
            row.push(masked(t.secret(), "creation"));
            row
        })
        .collect();
    let mut headers = LIST_HEADERS.to_vec();
    headers.push("SECRET");
    out.step(
        "the user creates two job tokens",
        output::table(&headers, &rows),
        json!([Shown(&first).json(), Shown(&second).json()]),
    )?;

    let read = user.job_tokens().get(first.id()).send().await.map_err(failed)?;
    out.step(
        "the user reads one (no secret in a read)",
        output::fields(&Shown(&read).fields()),
        Shown(&read).json(),
    )?;

    let secret = first
        .secret()
        .cloned()
        .ok_or_else(|| CliError::api("the create response had no secret"))?;
    let as_job = client.session_from_token(secret.expose());
    let me = as_job.whoami().await.map_err(failed)?;
    out.step(
        "whoami with the job token",
        output::fields(&output::identity_fields(&me)),
        output::identity_json(&me),
    )?;

    user.job_tokens()
        .delete(first.id())
        .send()
        .await
        .map_err(failed)?;
    let refused = match as_job.whoami().await {
        Err(e) if e.is_unauthorized() => e.to_string(),
        Err(e) => return Err(failed(e)),
        Ok(_) => return Err(CliError::api("a deleted job token was still accepted")),
    };
    out.step(
        "the user deletes it; the token is refused from then on",
        format!(
            "  deleted job token {}\n  whoami with it now: {refused}",
            first.id()
        ),
        json!({ "deleted": first.id(), "whoami_after_delete": refused }),
    )?;

    let all = admin.job_tokens().list().send().await.map_err(failed)?;
    let rows: Vec<Vec<String>> = all.iter().map(|t| Shown(t).row()).collect();
    out.step(
        "the admin lists every job token",
        output::table(&LIST_HEADERS, &rows),
        Value::Array(all.iter().map(|t| Shown(t).json()).collect()),
    )?;

    let key = admin
        .api_keys()
        .create()
        .label("gpu worker")
        .duration(Duration::from_secs(86_400))
        .send()
        .await
        .map_err(failed)?;
    let mut fields = Shown(&key).fields();
    fields.push(("secret", masked(key.secret(), "creation")));
    out.step(
        "the admin creates an API key for a worker",
        output::fields(&fields),
        Shown(&key).json(),
    )?;

    admin.api_keys().delete(key.id()).send().await.map_err(failed)?;
    let left = admin.api_keys().list().send().await.map_err(failed)?;
    out.step(
        "the admin revokes it",
        format!("  revoked API key {}; {} API key(s) left", key.id(), left.len()),
        json!({ "revoked": key.id(), "api_keys_left": left.len() }),
    )?;

    // Protocol v2: the local cloud offers every feature.
    let own = user.job_tokens().list().send().await.map_err(failed)?;
    let rows: Vec<Vec<String>> = own.iter().map(|t| Shown(t).row()).collect();
    out.step(
        "the user lists their own job tokens (protocol v2: no admin needed)",
        output::table(&LIST_HEADERS, &rows),
        Value::Array(own.iter().map(|t| Shown(t).json()).collect()),
    )?;

    let old = second
        .secret()
        .cloned()
        .ok_or_else(|| CliError::api("the create response had no secret"))?;
    let grace = Duration::from_secs(60);
    let rotated = user
        .job_tokens()
        .rotate(second.id())
        .grace(grace)
        .send()
        .await
        .map_err(failed)?;
    let mut fields = Shown(&rotated).fields();
    fields.push(("secret", masked(rotated.secret(), "rotation")));
    let as_old = client.session_from_token(old.expose());
    as_old.whoami().await.map_err(failed)?;
    out.step(
        "the user rotates job token \"train\" with a 60 s grace: same id and expiry, a new secret",
        format!(
            "{}\n  the old secret still works during the grace",
            output::fields(&fields)
        ),
        json!({ "rotated": Shown(&rotated).json(), "old_secret_during_grace": "accepted" }),
    )?;

    emulator.advance_clock(grace + Duration::from_secs(1));
    let refused = match as_old.whoami().await {
        Err(e) if e.is_unauthorized() => e.to_string(),
        Err(e) => return Err(failed(e)),
        Ok(_) => {
            return Err(CliError::api(
                "a rotated-away secret was accepted after its grace",
            ))
        }
    };
    let as_new = client.session_from_token(
        rotated
            .secret()
            .ok_or_else(|| CliError::api("the rotate response had no secret"))?
            .expose(),
    );
    as_new.whoami().await.map_err(failed)?;
    out.step(
        "61 s later (on the local cloud's clock) the old secret is refused; the new one works",
        format!("  whoami with the old secret: {refused}\n  whoami with the new secret: accepted"),
        json!({ "old_secret_after_grace": refused, "new_secret": "accepted" }),
    )?;

    let login_token = user.token().secret().clone();
    let revoked = user.logout().await.map_err(failed)?;
    let after = match client.session_from_token(login_token.expose()).whoami().await {
        Err(e) if e.is_unauthorized() => e.to_string(),
        Err(e) => return Err(failed(e)),
        Ok(_) => return Err(CliError::api("a logged-out login token was still accepted")),
    };
    out.step(
        "the user logs out: the login token is revoked on the server, not only forgotten",
        format!("  revoked on the server: {revoked}\n  whoami with the old login token: {after}"),
        json!({ "revoked": revoked, "whoami_after_logout": after }),
    )?;

    emulator.shutdown().await;
    let summary = format!(
        "demo: {} steps passed against {url} in {} ms",
        out.steps.len(),
        started.elapsed().as_millis()
    );
    if json_output {
        terminal::json_line(&json!({ "api_url": url, "steps": out.steps, "summary": summary }))
    } else {
        terminal::human(&format!("\n{summary}"))
    }
}
