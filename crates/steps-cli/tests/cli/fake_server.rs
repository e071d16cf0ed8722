//! A canned HTTP/1.1 server on 127.0.0.1: it answers each request whose
//! request line starts with a known prefix with a fixed status, headers
//! and JSON body, and everything else with 404, and records what it was
//! sent. It stands for a hostile server that says what the emulator refuses
//! to store, and for a protocol v2 server.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

/// One canned answer: a request-line prefix (`GET /api/whoami`), a status
/// and a JSON body.
pub(crate) type Answer = (&'static str, u16, String);

/// A server that answers from a fixed list until the test process ends.
pub(crate) struct FakeServer {
    url: String,
    /// Every request: its head (request line and headers, lower-cased),
    /// then its body as it was sent.
    requests: Arc<Mutex<Vec<String>>>,
}

impl FakeServer {
    /// Starts serving `answers` on an ephemeral loopback port.
    pub(crate) fn start(answers: Vec<Answer>) -> FakeServer {
        FakeServer::with_headers(answers.into_iter().map(|a| (a, "")).collect())
    }

    /// [`FakeServer::start`], each answer with extra header lines
    /// (`"idempotent-replayed: true\r\n"`).
    pub(crate) fn with_headers(answers: Vec<(Answer, &'static str)>) -> FakeServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
        let url = format!("http://{}", listener.local_addr().unwrap());
        let requests = Arc::new(Mutex::new(Vec::new()));
        let seen = Arc::clone(&requests);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let _ = answer(stream, &answers, &seen);
            }
        });
        FakeServer { url, requests }
    }

    /// `http://127.0.0.1:PORT`.
    pub(crate) fn url(&self) -> &str {
        &self.url
    }

    /// The requests received so far: each its head, lower-cased, then
    /// `\r\n` and its body (empty for none).
    pub(crate) fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }
}

/// Reads one request (head and body) and answers it, then closes the
/// connection.
fn answer(
    stream: TcpStream,
    answers: &[(Answer, &'static str)],
    seen: &Mutex<Vec<String>>,
) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    let mut head = request_line.to_ascii_lowercase();
    let mut length = 0usize;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 || line == "\r\n" {
            break;
        }
        let line = line.to_ascii_lowercase();
        if let Some(value) = line.strip_prefix("content-length:") {
            length = value.trim().parse().unwrap_or(0);
        }
        head.push_str(&line);
    }
    // The body is read, so that closing does not reset the connection.
    let mut body = vec![0; length.min(1 << 20)];
    reader.read_exact(&mut body)?;
    seen.lock()
        .unwrap()
        .push(format!("{head}\r\n{}", String::from_utf8_lossy(&body)));
    let (status, body, headers) = answers
        .iter()
        .find(|((prefix, _, _), _)| request_line.starts_with(prefix))
        .map(|((_, status, body), headers)| (*status, body.clone(), *headers))
        .unwrap_or((404, r#"{"error":"not found"}"#.to_owned(), ""));
    let mut stream = stream;
    write!(
        stream,
        "HTTP/1.1 {status} Canned\r\ncontent-type: application/json\r\ncontent-length: {}\r\n{headers}connection: close\r\n\r\n{body}",
        body.len()
    )?;
    stream.flush()
}
