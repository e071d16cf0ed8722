//! Admin tasks: list every job token, and create (then revoke) an API key
//! for a worker.
//!
//! Uses `STEPS_API_URL`, `STEPS_ADMIN_EMAIL` and `STEPS_ADMIN_PASSWORD` when
//! set; otherwise starts a local emulator in-process.
//!
//! ```sh
//! cargo run -p steps --example admin
//! ```

use steps::Client;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (_emulator, url, email, password) = match (
        std::env::var("STEPS_API_URL"),
        std::env::var("STEPS_ADMIN_EMAIL"),
        std::env::var("STEPS_ADMIN_PASSWORD"),
    ) {
        (Ok(url), Ok(email), Ok(password)) => (None, url, email, password),
        _ => {
            let emulator = steps_emulator::Emulator::start(steps_emulator::Config::new()).await?;
            let admin = emulator
                .accounts()
                .iter()
                .find(|a| a.is_admin)
                .cloned()
                .ok_or("no admin account")?;
            let user = emulator
                .accounts()
                .iter()
                .find(|a| !a.is_admin)
                .cloned()
                .ok_or("no user account")?;
            // Give the admin something to list.
            let client = Client::builder().base_url(emulator.base_url()).build()?;
            let session = client.login(&user.email, user.password.as_str()).await?;
            for label in ["render", "train"] {
                session.job_tokens().create().label(label).send().await?;
            }
            let url = emulator.base_url().to_owned();
            (Some(emulator), url, admin.email, admin.password)
        }
    };

    let client = Client::builder().base_url(&url).build()?;
    let admin = client.login(&email, password.as_str()).await?;

    let all = admin.job_tokens().list().send().await?;
    println!("{} job tokens:", all.len());
    for token in &all {
        println!(
            "  #{:<4} user {:<3} {:<12} expires {}",
            token.token_id,
            token.user_id,
            token.label.as_deref().unwrap_or("-"),
            humantime::format_rfc3339_seconds(token.expires_at)
        );
    }

    let key = admin.api_keys().create().label("gpu worker").send().await?;
    println!("created API key {} for a worker", key.api_key_id);
    if let Some(secret) = key.token() {
        println!("  new API key, shown once: {}", secret.expose());
    }
    admin.api_keys().delete(key.api_key_id).send().await?;
    println!("revoked API key {}", key.api_key_id);
    Ok(())
}
