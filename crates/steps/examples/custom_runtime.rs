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
use steps::steps_core::http::{Request, Response};
use steps::steps_core::{
    CloudContext, CreateJobToken, Credential, DeleteJobToken, Login, Operation, Secret, Whoami,
};

/// Sends one request on a fresh connection (`Connection: close`) and reads
/// the whole response. Plain HTTP only: a real program would use its own
/// client, TLS included.
fn send(request: Request<Bytes>) -> Result<Response<Bytes>, Box<dyn std::error::Error>> {
    let authority = request
        .uri()
        .authority()
        .ok_or("no authority")?
        .as_str()
        .to_owned();
    let mut stream = TcpStream::connect(&authority)?;
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

    let ctx = CloudContext::new(&url)?;
    let login = run(
        &ctx,
        &Credential::none(),
        &Login::new(&email, Secret::new(password)),
    )?;
    println!("logged in; login token {:?}", login.token);
    let credential = Credential::from(&login);

    let job = run(&ctx, &credential, &CreateJobToken::new().label("custom runtime"))?;
    println!("created job token {}", job.token_id);
    let secret = job.token.clone().ok_or("a create carries its secret")?;
    let me = run(&ctx, &Credential::bearer(secret), &Whoami)?;
    println!("whoami with it: user {} ({:?} token)", me.user_id, me.token_type);
    run(&ctx, &credential, &DeleteJobToken::new(job.token_id))?;
    println!(
        "deleted job token {}; no async runtime was used by the client",
        job.token_id
    );
    Ok(())
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
