//! Quickstart: log in, create a job token, read it, check it with whoami,
//! delete it.
//!
//! Uses `STEPS_API_URL`, `STEPS_EMAIL` and `STEPS_PASSWORD` when set;
//! otherwise starts a local emulator in-process and uses its user.
//!
//! ```sh
//! cargo run -p steps --example quickstart
//! ```

use std::time::Duration;

use steps::{Client, Secret, TokenType};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Keep the emulator (if any) alive until the end.
    let (_emulator, url, email, password) = match (
        std::env::var("STEPS_API_URL"),
        std::env::var("STEPS_EMAIL"),
        std::env::var("STEPS_PASSWORD"),
    ) {
        (Ok(url), Ok(email), Ok(password)) => (None, url, email, password),
        _ => {
            let emulator = steps_emulator::Emulator::start(steps_emulator::Config::new()).await?;
            let user = emulator
                .accounts()
                .iter()
                .find(|a| !a.is_admin)
                .cloned()
                .ok_or("no user account")?;
            println!("started a local STEPS emulator at {}", emulator.base_url());
            let url = emulator.base_url().to_owned();
            (Some(emulator), url, user.email, user.password)
        }
    };

    let client = Client::builder().base_url(&url).build()?;
    let session = client.login(&email, Secret::new(password)).await?;
    println!("logged in as {email}");

    let job = session
        .job_tokens()
        .create()
        .label("quickstart")
        .duration(Duration::from_secs(3600))
        .send()
        .await?;
    let secret = job.token.clone().ok_or("a create carries its secret")?;
    println!(
        "created job token {} (label {}, expires {})",
        job.token_id,
        job.label.as_deref().unwrap_or("-"),
        humantime::format_rfc3339_seconds(job.expires_at)
    );
    // The one line that shows the new secret: a real program hands it to
    // the job that needs it, and never logs it.
    println!("  new job token secret, shown once: {}", secret.expose());

    let read = session.job_tokens().get(job.token_id).send().await?;
    println!(
        "read job token {}: secret in a read response: {}",
        read.token_id,
        mask(read.token.as_ref())
    );

    let as_job = client.session_from_token(secret.expose());
    let me = as_job.whoami().await?;
    println!(
        "whoami with the job token: user {} ({})",
        me.user_id,
        kind(me.token_type)
    );

    session.job_tokens().delete(job.token_id).send().await?;
    println!("deleted job token {}", job.token_id);
    match as_job.whoami().await {
        Err(error) if error.is_unauthorized() => println!("the deleted token is refused: {error}"),
        other => return Err(format!("a deleted token must be refused, got {other:?}").into()),
    }
    Ok(())
}

/// A secret as logs may show it: its type prefix only.
fn mask(secret: Option<&Secret>) -> String {
    match secret {
        Some(s) => format!("{}…(redacted)", s.expose().get(..4).unwrap_or("")),
        None => "none".to_owned(),
    }
}

/// A token's type as a person reads it.
fn kind(token_type: Option<TokenType>) -> &'static str {
    match token_type {
        Some(TokenType::Login) => "a login token",
        Some(TokenType::Job) => "a job token",
        Some(TokenType::ApiKey) => "an API key",
        // A type newer than this version of the SDK.
        _ => "a token of another type",
    }
}
