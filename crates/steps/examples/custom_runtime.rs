//! Drives `steps-core` with a blocking HTTP/1.1 client written on
//! `std::net`, and no async runtime: the sans-IO promise, kept.
//!
//! Uses `STEPS_API_URL`, `STEPS_EMAIL` and `STEPS_PASSWORD` when set;
//! otherwise starts a local emulator on a thread of its own (the emulator
//! uses tokio; the client code below does not).
//!
//! ```sh
//! cargo run -p steps --example custom_runtime
//! ```

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;

use steps::steps_core::bytes::Bytes;
use steps::steps_core::http::{Request, Response, Uri};
use steps::steps_core::{
    CloudContext, CreateJobToken, Credential, DeleteJobToken, Login, Operation, Secret, TokenType, Whoami,
};

/// Where a plain-HTTP request may be sent: the `host:port` of an `http://`
/// URI (port 80 when none is given).
///
/// This client has no TLS, so an `https://` URL is refused: sending it plain
/// HTTP on port 443 would put the password and tokens on the wire in clear.
fn plain_http_address(uri: &Uri) -> Result<String, Box<dyn std::error::Error>> {
    match uri.scheme_str() {
        Some(scheme) if scheme.eq_ignore_ascii_case("http") => {}
        Some(scheme) => {
            return Err(format!(
                "this example speaks plain HTTP only and will not send to a {scheme}:// URL: \
                 use an http:// URL (such as a local emulator's), or a client with TLS"
            )
            .into())
        }
        None => return Err("the URL has no scheme".into()),
    }
    let host = uri.host().ok_or("the URL has no host")?;
    Ok(format!("{host}:{}", uri.port_u16().unwrap_or(80)))
}

/// Sends one request on a fresh connection (`Connection: close`) and reads
/// the whole response. Plain HTTP only (see [`plain_http_address`]): a real
/// program would use its own client, TLS included.
fn send(request: Request<Bytes>) -> Result<Response<Bytes>, Box<dyn std::error::Error>> {
    let address = plain_http_address(request.uri())?;
    let authority = request
        .uri()
        .authority()
        .ok_or("no authority")?
        .as_str()
        .to_owned();
    let mut stream = TcpStream::connect(&address)?;
    let path = request.uri().path_and_query().map(|p| p.as_str()).unwrap_or("/");
    let mut head = format!(
        "{} {} HTTP/1.1\r\nhost: {authority}\r\nconnection: close\r\n",
        request.method(),
        path
    );
    for (name, value) in request.headers() {
        head.push_str(&format!("{name}: {}\r\n", value.to_str()?));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    stream.write_all(request.body())?;

    let mut reader = BufReader::new(stream);
    let mut status_line = String::new();
    reader.read_line(&mut status_line)?;
    let status: u16 = status_line
        .split_whitespace()
        .nth(1)
        .ok_or("no status")?
        .parse()?;
    let mut response = Response::builder().status(status);
    loop {
        let mut line = String::new();
        reader.read_line(&mut line)?;
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            response = response.header(name.trim(), value.trim());
        }
    }
    let mut body = Vec::new();
    reader.read_to_end(&mut body)?;
    Ok(response.body(Bytes::from(body))?)
}

/// Build, send, parse: the whole of a runtime.
fn run<O: Operation>(
    ctx: &CloudContext,
    credential: &Credential,
    op: &O,
) -> Result<O::Output, Box<dyn std::error::Error>> {
    let request = op.build_request(ctx, credential)?;
    let response = send(request)?;
    Ok(op.parse_response(response)?)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (url, email, password) = match (
        std::env::var("STEPS_API_URL"),
        std::env::var("STEPS_EMAIL"),
        std::env::var("STEPS_PASSWORD"),
    ) {
        (Ok(url), Ok(email), Ok(password)) => (url, email, password),
        _ => start_emulator_thread()?,
    };

    // Refused before anything is built, let alone sent.
    plain_http_address(&url.parse()?)?;
    let ctx = CloudContext::new(&url)?;
    let login = run(
        &ctx,
        &Credential::none(),
        &Login::new(&email, Secret::new(password)),
    )?;
    // The login token itself is a secret: what is said of it, not it.
    println!(
        "logged in as user {}; the login token expires {}",
        login.user_id.map_or_else(|| "?".to_owned(), |id| id.to_string()),
        login.expires_at.map_or_else(
            || "at an unknown time".to_owned(),
            |at| humantime::format_rfc3339_seconds(at).to_string()
        )
    );
    let credential = Credential::from(&login);

    let job = run(&ctx, &credential, &CreateJobToken::new().label("custom runtime"))?;
    println!("created job token {}", job.token_id);
    let secret = job.token.clone().ok_or("a create carries its secret")?;
    let me = run(&ctx, &Credential::bearer(secret), &Whoami)?;
    println!("whoami with it: user {} ({})", me.user_id, kind(me.token_type));
    run(&ctx, &credential, &DeleteJobToken::new(job.token_id))?;
    println!(
        "deleted job token {}; no async runtime was used by the client",
        job.token_id
    );
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

/// Runs an emulator on its own thread and tokio runtime for this example.
fn start_emulator_thread() -> Result<(String, String, String), Box<dyn std::error::Error>> {
    let (ready, started) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build();
        let Ok(runtime) = runtime else { return };
        runtime.block_on(async move {
            let Ok(emulator) = steps_emulator::Emulator::start(steps_emulator::Config::new()).await else {
                return;
            };
            if let Some(user) = emulator.accounts().iter().find(|a| !a.is_admin) {
                let _ = ready.send((
                    emulator.base_url().to_owned(),
                    user.email.clone(),
                    user.password.clone(),
                ));
            }
            std::future::pending::<()>().await;
        });
    });
    Ok(started.recv()?)
}

#[cfg(test)]
mod tests {
    use std::net::TcpListener;
    use std::time::Duration;

    use super::*;

    #[test]
    fn an_https_url_is_refused_before_anything_is_sent() {
        // Something listening where the request would go: whatever reaches
        // it (the password, in clear) is reported, then the connection is
        // closed.
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("https://{}", listener.local_addr().unwrap());
        let (seen, reached) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            if let Ok((mut stream, _)) = listener.accept() {
                let _ = stream.set_read_timeout(Some(Duration::from_secs(1)));
                let mut head = [0; 512];
                let n = stream.read(&mut head).unwrap_or(0);
                let _ = seen.send(String::from_utf8_lossy(&head[..n]).into_owned());
            }
        });
        let ctx = CloudContext::new(&url).unwrap();
        let request = Login::new("ada@example.com", Secret::new("TEST-password"))
            .build_request(&ctx, &Credential::none())
            .unwrap();
        let error = send(request).expect_err("refused").to_string();
        if let Ok(head) = reached.recv_timeout(Duration::from_millis(200)) {
            panic!("the https:// URL was sent plain HTTP: {head:?}");
        }
        assert!(error.contains("https://"), "{error}");
    }

    #[test]
    fn http_urls_get_their_port_or_80() {
        let address = |url: &str| plain_http_address(&url.parse().unwrap()).map_err(|e| e.to_string());
        assert_eq!(address("http://127.0.0.1:8787/v1").unwrap(), "127.0.0.1:8787");
        assert_eq!(address("http://localhost").unwrap(), "localhost:80");
        assert!(address("https://localhost").is_err());
        assert!(address("HTTPS://localhost:443").is_err());
    }
}
