//! `steps emulator ctl`: LocalStack-style wrappers of a running
//! emulator's control plane (`docs/emulator.md`, "Control plane"): reset,
//! clock, faults, journal, and state export and import. Each is one request
//! to `/_steps/...` at `--api-url` (default the emulator's default
//! address), which the emulator answers only on loopback and only when it
//! runs with `--control`; the answer's JSON is printed as it came.
//!
//! The control plane is not part of the STEPS API, so these requests are
//! not operations of `steps-core`: they go over one plain HTTP/1.1
//! connection made here (a local emulator speaks `http://`; the control
//! plane refuses every other host anyway).

use std::path::Path;
use std::time::Duration;

use bytes::Bytes;
use http::{header, Method, Request};
use http_body_util::{BodyExt, Full, Limited};
use hyper_util::rt::TokioIo;
use serde_json::{json, Value};

use crate::cli::{CtlCommand, StateCommand};
use crate::error::CliError;
use crate::terminal;

/// The largest answer read: a saved state of a busy emulator, as the
/// control plane's own limit on what it takes.
const MAX_ANSWER: usize = 64 << 20;

/// The API URL of an emulator started with no `--listen`.
pub(crate) const DEFAULT_URL: &str = "http://127.0.0.1:8787";

/// Runs `command` against the emulator at `api_url`, waiting at most
/// `timeout` for it.
///
/// # Errors
///
/// A usage error for a URL that is not `http://HOST:PORT` or a file that
/// cannot be read or written; an API error (exit 1) for an emulator that
/// cannot be reached or refuses (its JSON error is quoted).
pub(crate) async fn run(api_url: &str, timeout: Duration, command: CtlCommand) -> Result<(), CliError> {
    let (method, path, body) = match &command {
        CtlCommand::Reset => (Method::POST, "/_steps/reset".to_owned(), None),
        CtlCommand::Clock { advance: None } => (Method::GET, "/_steps/clock".to_owned(), None),
        CtlCommand::Clock { advance: Some(by) } => {
            let body = json!({ "advance": by.as_secs() });
            (
                Method::POST,
                "/_steps/clock".to_owned(),
                Some(body.to_string().into_bytes()),
            )
        }
        CtlCommand::Faults { file } => (Method::PUT, "/_steps/faults".to_owned(), Some(read(file)?)),
        CtlCommand::Journal { limit } => (Method::GET, format!("/_steps/requests?limit={limit}"), None),
        CtlCommand::State(StateCommand::Export { .. }) => (Method::GET, "/_steps/state".to_owned(), None),
        CtlCommand::State(StateCommand::Import { file }) => {
            (Method::PUT, "/_steps/state".to_owned(), Some(read(file)?))
        }
    };
    let answer = tokio::time::timeout(timeout, exchange(api_url, method, &path, body))
        .await
        .map_err(|_| {
            CliError::api(format!(
                "the emulator at {api_url} did not answer within {} s",
                timeout.as_secs()
            ))
        })??;
    match command {
        CtlCommand::State(StateCommand::Export { file }) => {
            // The state holds every secret: the file is made private, as
            // the emulator's own `--state` file is.
            write_private(&file, &answer)?;
            terminal::note(&format!("state exported to {}", file.display()));
            Ok(())
        }
        _ => terminal::json_line(&answer),
    }
}

/// One request to the control plane, and its JSON answer.
async fn exchange(
    api_url: &str,
    method: Method,
    path: &str,
    body: Option<Vec<u8>>,
) -> Result<Value, CliError> {
    let authority = authority(api_url)?;
    let unreachable =
        |e: std::io::Error| CliError::api(format!("cannot reach the emulator at {api_url}: {e}"));
    // The control plane answers loopback peers only: a state (every
    // secret) is never sent anywhere else, in clear.
    let addresses: Vec<std::net::SocketAddr> = tokio::net::lookup_host(&authority)
        .await
        .map_err(unreachable)?
        .collect();
    if addresses.is_empty() || !addresses.iter().all(|a| a.ip().to_canonical().is_loopback()) {
        return Err(CliError::usage(format!(
            "--api-url {api_url}: `steps emulator ctl` drives an emulator on this machine (a loopback \
             address), whose control plane answers nobody else"
        )));
    }
    let stream = tokio::net::TcpStream::connect(&addresses[..])
        .await
        .map_err(unreachable)?;
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| CliError::api(format!("cannot talk to the emulator at {api_url}: {e}")))?;
    let driver = tokio::spawn(connection);
    let mut request = Request::builder()
        .method(method)
        .uri(path)
        .header(header::HOST, &authority)
        .header(header::ACCEPT, "application/json");
    if body.is_some() {
        request = request.header(header::CONTENT_TYPE, "application/json");
    }
    let request = request
        .body(Full::new(Bytes::from(body.unwrap_or_default())))
        .map_err(|e| CliError::local(e.to_string()))?;
    let response = sender
        .send_request(request)
        .await
        .map_err(|e| CliError::api(format!("the emulator at {api_url} did not answer: {e}")))?;
    let status = response.status();
    let bytes = Limited::new(response.into_body(), MAX_ANSWER)
        .collect()
        .await
        .map_err(|e| CliError::api(format!("the emulator's answer could not be read: {e}")))?
        .to_bytes();
    driver.abort();
    let value: Result<Value, _> = serde_json::from_slice(&bytes);
    match (status.is_success(), value) {
        (true, Ok(value)) => Ok(value),
        (true, Err(_)) => Err(CliError::api(format!(
            "the answer of {api_url} is not JSON: is it a steps emulator?"
        ))),
        (false, Ok(value)) => Err(refused(api_url, status, &value)),
        (false, Err(_)) => Err(refused(api_url, status, &Value::Null)),
    }
}

/// The error for a refusal of the control plane, quoting its JSON error.
fn refused(api_url: &str, status: http::StatusCode, value: &Value) -> CliError {
    let said = value["error"].as_str().unwrap_or_default();
    // A control plane that is off, or asked from another host, is a 404
    // like any unknown path: the message says what to check.
    CliError::api(format!(
        "the emulator at {api_url} answered {status}: {said} (its control plane is there only with \
         --control or --dev, and only on loopback)"
    ))
}

/// `HOST:PORT` of an `http://` URL (the port 80 when none is given).
fn authority(api_url: &str) -> Result<String, CliError> {
    let uri: http::Uri = api_url
        .parse()
        .map_err(|_| CliError::usage(format!("--api-url {api_url:?} is not a URL")))?;
    if uri.scheme_str() != Some("http") {
        return Err(CliError::usage(format!(
            "--api-url {api_url:?}: `steps emulator ctl` speaks to a local emulator over http://"
        )));
    }
    let host = uri
        .host()
        .ok_or_else(|| CliError::usage(format!("--api-url {api_url:?} has no host")))?;
    Ok(format!("{host}:{}", uri.port_u16().unwrap_or(80)))
}

/// The bytes of a file given to `faults` or `state import`.
fn read(path: &Path) -> Result<Vec<u8>, CliError> {
    std::fs::read(path).map_err(|e| CliError::usage(format!("cannot read {}: {e}", path.display())))
}

/// Writes `value` to `path` as pretty JSON, readable by its owner only: a
/// new private file in the same directory, renamed over `path`, so that a
/// file already there with a wider mode, or a link there, is replaced
/// rather than written through, and a failed write leaves it as it was.
fn write_private(path: &Path, value: &Value) -> Result<(), CliError> {
    let bytes = serde_json::to_vec_pretty(value).map_err(|e| CliError::local(e.to_string()))?;
    let fail = |e: std::io::Error| CliError::usage(format!("cannot write {}: {e}", path.display()));
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    // tempfile makes the file with mode 0600 on Unix.
    let mut file = tempfile::Builder::new()
        .prefix(".steps-state-")
        .tempfile_in(dir)
        .map_err(fail)?;
    std::io::Write::write_all(&mut file, &bytes).map_err(fail)?;
    file.as_file().sync_all().map_err(fail)?;
    file.persist(path).map_err(|e| fail(e.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_http_urls_with_a_host_are_taken() {
        assert_eq!(authority("http://127.0.0.1:8787").unwrap(), "127.0.0.1:8787");
        assert_eq!(authority("http://localhost").unwrap(), "localhost:80");
        assert_eq!(authority("http://[::1]:9/").unwrap(), "[::1]:9");
        assert_eq!(authority("https://127.0.0.1:8787").unwrap_err().code, 2);
        assert_eq!(authority("not a url").unwrap_err().code, 2);
    }
}
