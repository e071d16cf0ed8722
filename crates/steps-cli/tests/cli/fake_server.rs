//! A canned HTTP/1.1 server on 127.0.0.1: it answers each request whose
//! request line starts with a known prefix with a fixed status and JSON
//! body, and everything else with 404. It stands for a hostile server that
//! says what the emulator refuses to store.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};

/// One canned answer: a request-line prefix (`GET /api/whoami`), a status
/// and a JSON body.
pub(crate) type Answer = (&'static str, u16, String);

/// A server that answers from a fixed list until the test process ends.
pub(crate) struct FakeServer {
    url: String,
}

impl FakeServer {
    /// Starts serving `answers` on an ephemeral loopback port.
    pub(crate) fn start(answers: Vec<Answer>) -> FakeServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
        let url = format!("http://{}", listener.local_addr().unwrap());
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let _ = answer(stream, &answers);
            }
        });
        FakeServer { url }
    }

    /// `http://127.0.0.1:PORT`.
    pub(crate) fn url(&self) -> &str {
        &self.url
    }
}

/// Reads one request head and answers it, then closes the connection.
fn answer(stream: TcpStream, answers: &[Answer]) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 || line == "\r\n" {
            break;
        }
    }
    let (status, body) = answers
        .iter()
        .find(|(prefix, _, _)| request_line.starts_with(prefix))
        .map(|(_, status, body)| (*status, body.clone()))
        .unwrap_or((404, r#"{"error":"not found"}"#.to_owned()));
    let mut stream = stream;
    write!(
        stream,
        "HTTP/1.1 {status} Canned\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )?;
    stream.flush()
}
