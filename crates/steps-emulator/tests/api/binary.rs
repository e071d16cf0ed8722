//! The `steps-emulator` binary (feature `cli`): what it prints, and how it
//! takes a closed standard output.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BINARY: &str = env!("CARGO_BIN_EXE_steps-emulator");

/// Waits up to 10 s for `child` to exit; kills it and fails after that.
fn exits(mut child: Child) -> std::process::Output {
    let deadline = Instant::now() + Duration::from_secs(10);
    while child.try_wait().expect("waits").is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the emulator was still running after 10 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().expect("its output")
}

/// `steps-emulator | head -1`, made deterministic: its stdout is a pipe
/// whose reader has already gone, so its first write fails with EPIPE. It
/// stops quietly and successfully, and does not panic.
#[test]
fn a_closed_stdout_pipe_is_a_quiet_exit() {
    // A pipe whose read end belonged to a process that has exited.
    let mut reader = Command::new("true")
        .stdin(Stdio::piped())
        .spawn()
        .expect("runs true");
    let pipe = reader.stdin.take().expect("a pipe");
    reader.wait().expect("true exits");
    let child = Command::new(BINARY)
        .args(["--listen", "127.0.0.1:0"])
        .stdout(Stdio::from(pipe))
        .stderr(Stdio::piped())
        .spawn()
        .expect("starts");
    let output = exits(child);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{:?}: {stderr}", output.status);
    assert!(!stderr.contains("panicked"), "{stderr}");
}

/// The first line ends with the base URL (scripts read it), the second
/// names the protocol; `--protocol 1` serves v1.
#[test]
fn it_prints_its_url_then_its_protocol() {
    for (flag, line, meta) in [
        (
            "2",
            "protocol 2, features: idempotency, self, own_tokens, rotation",
            "HTTP/1.1 200 ",
        ),
        ("1", "protocol 1", "HTTP/1.1 404 "),
    ] {
        let mut child = Command::new(BINARY)
            .args(["--listen", "127.0.0.1:0", "--admin", "a@x:pw", "--protocol", flag])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("starts");
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
        let (mut first, mut second) = (String::new(), String::new());
        stdout.read_line(&mut first).expect("a line");
        stdout.read_line(&mut second).expect("a line");
        let url = first.split_whitespace().last().unwrap_or_default().to_owned();
        let answer = url.strip_prefix("http://").map(|addr| {
            let mut stream = std::net::TcpStream::connect(addr).expect("connects");
            stream
                .write_all(b"GET /api/meta HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
                .expect("sends");
            let mut answer = String::new();
            let _ = stream.read_to_string(&mut answer);
            answer
        });
        let _ = child.kill();
        let _ = child.wait();
        assert!(
            first.starts_with("steps-emulator listening on ") && url.starts_with("http://127.0.0.1:"),
            "{first:?}"
        );
        assert_eq!(second.trim_end(), line);
        let answer = answer.unwrap_or_default();
        assert!(answer.starts_with(meta), "--protocol {flag}: {answer:?}");
    }
    let refused = Command::new(BINARY)
        .args(["--protocol", "3"])
        .output()
        .expect("runs");
    assert_eq!(refused.status.code(), Some(2), "a usage error");
    assert!(String::from_utf8_lossy(&refused.stderr).contains("expected 1 or 2"));
}

/// `--api quandela`: the second line names the API, and the banner ends
/// with the job token minted for each account, usable at once.
#[test]
fn in_quandela_mode_it_prints_a_job_token_per_account() {
    let mut child = Command::new(BINARY)
        .args(["--listen", "127.0.0.1:0", "--api", "quandela"])
        .args(["--admin", "a@x:pw", "--user", "u@x:pw", "--protocol", "1"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("starts");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let mut lines = Vec::new();
    while lines.len() < 5 {
        let mut line = String::new();
        if stdout.read_line(&mut line).expect("a line") == 0 {
            break;
        }
        lines.push(line.trim_end().to_owned());
    }
    let url = lines[0].split_whitespace().last().unwrap_or_default().to_owned();
    let token = lines
        .get(4)
        .and_then(|line| line.split_whitespace().last())
        .unwrap_or_default()
        .to_owned();
    let answer = url.strip_prefix("http://").map(|addr| {
        let mut stream = std::net::TcpStream::connect(addr).expect("connects");
        let request = format!(
            "GET /api/tokens HTTP/1.1\r\nhost: x\r\nauthorization: Bearer {token}\r\nconnection: close\r\n\r\n"
        );
        stream.write_all(request.as_bytes()).expect("sends");
        let mut answer = String::new();
        let _ = stream.read_to_string(&mut answer);
        answer
    });
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(lines[1], "api quandela", "{lines:#?}");
    assert_eq!(
        lines[2],
        "job tokens (minted at start; secrets, for /api/tokens):"
    );
    let fields: Vec<&str> = lines[3].split_whitespace().collect();
    assert_eq!(fields[..2], ["1", "a@x"], "{lines:#?}");
    assert!(fields[2].starts_with("_T_"), "{lines:#?}");
    assert!(lines[4].split_whitespace().take(2).eq(["2", "u@x"]), "{lines:#?}");
    let answer = answer.unwrap_or_default();
    assert!(answer.starts_with("HTTP/1.1 200 "), "{answer}");
    assert!(answer.contains(r#""label":"steps-emulator""#), "{answer}");
}
