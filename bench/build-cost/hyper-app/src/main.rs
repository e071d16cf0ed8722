//! `hyper-app URL TOKEN`: who holds TOKEN on the STEPS cloud at URL, on bare
//! hyper-util and hyper-rustls. The build-cost benchmark's baseline: the
//! same program as `facade-app`, written without the SDK.

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde::Deserialize;

/// The fields of a whoami response this program prints.
#[derive(Deserialize)]
struct Identity {
    user_id: i64,
    #[serde(default)]
    is_admin: bool,
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

async fn whoami(url: &str, token: &str) -> Result<Identity, BoxError> {
    let https = hyper_rustls::HttpsConnectorBuilder::new()
        .with_webpki_roots()
        .https_or_http()
        .enable_http1()
        .enable_http2()
        .build();
    let client: Client<_, Empty<Bytes>> = Client::builder(TokioExecutor::new()).build(https);
    let request = http::Request::get(format!("{}/api/whoami", url.trim_end_matches('/')))
        .header(http::header::ACCEPT, "application/json")
        .header(http::header::USER_AGENT, "hyper-app/0.0.0")
        .header(http::header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Empty::new())?;
    let response = client.request(request).await?;
    let status = response.status();
    let body = response.into_body().collect().await?.to_bytes();
    if !status.is_success() {
        return Err(format!("status {status}: {}", String::from_utf8_lossy(&body)).into());
    }
    Ok(serde_json::from_slice(&body)?)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [url, token] = &args[..] else {
        eprintln!("usage: hyper-app URL TOKEN");
        std::process::exit(2);
    };
    let result = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(BoxError::from)
        .and_then(|runtime| runtime.block_on(whoami(url, token)));
    match result {
        Ok(identity) => println!("user {} (admin: {})", identity.user_id, identity.is_admin),
        Err(error) => {
            eprintln!("hyper-app: {error}");
            std::process::exit(1);
        }
    }
}
