//! The token lifecycle from a program that is not async, with
//! `steps::blocking`: log in, create a job token, read it, check it with
//! whoami, list (as an admin), delete it.
//!
//! Uses `STEPS_API_URL`, `STEPS_EMAIL` and `STEPS_PASSWORD` when set;
//! otherwise starts a local emulator on a runtime of its own in the
//! background (the emulator is async; the code below is not).
//!
//! ```sh
//! cargo run -p steps --example blocking
//! ```

use std::time::Duration;

use steps::blocking::Client;
use steps::TokenType;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Keep the emulator's runtime (if any) alive until the end.
    let (_emulator, url, email, password) = match (
        std::env::var("STEPS_API_URL"),
        std::env::var("STEPS_EMAIL"),
        std::env::var("STEPS_PASSWORD"),
    ) {
        (Ok(url), Ok(email), Ok(password)) => (None, url, email, password),
        _ => {
            let runtime = tokio::runtime::Runtime::new()?;
            let emulator =
                runtime.block_on(steps_emulator::Emulator::start(steps_emulator::Config::new()))?;
            let user = emulator
                .accounts()
                .iter()
                .find(|a| !a.is_admin)
                .cloned()
                .ok_or("no user account")?;
            println!("started a local STEPS emulator at {}", emulator.base_url());
            let url = emulator.base_url().to_owned();
            (Some((runtime, emulator)), url, user.email, user.password)
        }
    };

    let client = Client::builder().base_url(&url).build()?;
    let session = client.login(&email, password.as_str())?;
    println!("logged in as {email}");

    let job = session
        .job_tokens()
        .create()
        .label("blocking example")
        .duration(Duration::from_secs(600))
        .send()?;
    let secret = job.token.clone().ok_or("a create carries its secret")?;
    println!(
        "created job token {} (its secret is shown only now)",
        job.token_id
    );

    let read = session.job_tokens().get(job.token_id).send()?;
    println!(
        "read it back: label {}, expires {}",
        read.label.as_deref().unwrap_or("-"),
        humantime::format_rfc3339_seconds(read.expires_at)
    );

    let as_job = client.session_from_token(secret);
    let me = as_job.whoami()?;
    println!(
        "whoami with the job token: user {} ({})",
        me.user_id,
        kind(me.token_type)
    );

    session.job_tokens().delete(job.token_id).send()?;
    println!("deleted job token {}", job.token_id);
    match as_job.whoami() {
        Err(error) => println!("the deleted token is refused: {error}"),
        Ok(_) => return Err("a deleted token still worked".into()),
    }
    Ok(())
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
