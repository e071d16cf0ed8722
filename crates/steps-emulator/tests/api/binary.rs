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

/// Sends a raw HTTP/1.1 request (`Connection: close`) to `addr`; the
/// whole answer.
fn exchange(addr: &str, request: &str) -> String {
    let mut stream = std::net::TcpStream::connect(addr).expect("connects");
    stream.write_all(request.as_bytes()).expect("sends");
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    answer
}

/// A login's whole answer.
fn login(addr: &str, email: &str, password: &str) -> String {
    let body = serde_json::json!({ "email": email, "password": password }).to_string();
    exchange(
        addr,
        &format!(
            "POST /api/login HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n\
             content-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        ),
    )
}

/// Starts the binary with `args`, stdout and stderr piped; its first line
/// on stdout, parsed as JSON. The line is read a byte at a time, so that
/// whatever follows it is left in the pipe for [`stopped`] to see.
fn started_with_json(args: &[&str]) -> (Child, serde_json::Value) {
    let mut child = Command::new(BINARY)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starts");
    let stdout = child.stdout.as_mut().expect("stdout");
    let mut first = Vec::new();
    let mut byte = [0u8; 1];
    while stdout.read(&mut byte).unwrap_or(0) == 1 {
        first.push(byte[0]);
        if byte[0] == b'\n' {
            break;
        }
    }
    let value: serde_json::Value = match serde_json::from_slice(&first) {
        Ok(value) => value,
        Err(e) => {
            let _ = child.kill();
            panic!(
                "the first line is not JSON ({e}): {:?}",
                String::from_utf8_lossy(&first)
            )
        }
    };
    (child, value)
}

/// Stops `child`; what it wrote on stdout after the line already read,
/// and on stderr.
fn stopped(mut child: Child) -> (String, String) {
    let _ = child.kill();
    let output = child.wait_with_output().expect("its output");
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// `--dev --json`: stdout's first line is one JSON object (the URL, the
/// well-known accounts with their passwords, no tokens), and nothing else
/// follows it there; stderr has the one warning line; the accounts log in
/// and `/health` answers without a token.
#[test]
fn dev_and_json_print_one_json_line_and_one_warning() {
    let (child, line) = started_with_json(&["--dev", "--json", "--listen", "127.0.0.1:0"]);
    let url = line["url"].as_str().unwrap_or_default().to_owned();
    let addr = url.strip_prefix("http://").unwrap_or_default().to_owned();
    let (admin, user, health) = if addr.is_empty() {
        Default::default()
    } else {
        (
            login(&addr, "admin@steps.local", "admin-password"),
            login(&addr, "user@steps.local", "user-password"),
            exchange(
                &addr,
                "GET /health HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n",
            ),
        )
    };
    let (stdout, stderr) = stopped(child);
    assert!(url.starts_with("http://127.0.0.1:"), "{line}");
    assert_eq!(line["api"], "steps");
    assert_eq!(line["protocol"], 2);
    assert_eq!(
        line["control_url"].as_str(),
        Some(format!("{url}/_steps").as_str()),
        "--dev turns the control plane on: {line}"
    );
    assert_eq!(
        line["accounts"],
        serde_json::json!([
            { "email": "admin@steps.local", "is_admin": true, "password": "admin-password" },
            { "email": "user@steps.local", "is_admin": false, "password": "user-password" },
        ])
    );
    assert_eq!(line["tokens"], serde_json::json!([]));
    assert_eq!(stdout, "", "nothing on stdout after the JSON line");
    let warnings: Vec<&str> = stderr.lines().filter(|l| l.starts_with("warning:")).collect();
    assert_eq!(warnings.len(), 1, "{stderr}");
    assert!(
        warnings[0].contains("well-known passwords") && warnings[0].contains("user-password"),
        "{stderr}"
    );
    for answer in [&admin, &user] {
        assert!(answer.starts_with("HTTP/1.1 200 "), "{answer}");
    }
    assert!(health.starts_with("HTTP/1.1 200 "), "{health}");
    assert!(health.ends_with(r#"{"status":"ok"}"#), "{health}");
}

/// `--json --api quandela`: the minted tokens are in the line, and no
/// password of an account typed on the command line or read from a file.
#[test]
fn json_in_quandela_mode_has_the_minted_tokens() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let accounts = dir.path().join("accounts.json");
    std::fs::write(&accounts, r#"[{"email": "f@x", "password": "file-pw"}]"#).expect("written");
    let accounts = accounts.to_str().expect("a UTF-8 path").to_owned();
    let (child, line) = started_with_json(&[
        "--json",
        "--listen",
        "127.0.0.1:0",
        "--api",
        "quandela",
        "--user",
        "u@x:typed-pw",
        "--accounts",
        accounts.as_str(),
    ]);
    let (stdout, _) = stopped(child);
    assert_eq!(line["api"], "quandela");
    assert_eq!(line["protocol"], serde_json::Value::Null);
    assert_eq!(line["accounts"][0]["email"], "u@x", "{line}");
    assert_eq!(
        line["accounts"][0].get("password"),
        None,
        "typed: not printed: {line}"
    );
    assert!(!line.to_string().contains("typed-pw"), "{line}");
    assert_eq!(line["accounts"][1]["email"], "f@x", "{line}");
    assert_eq!(line["accounts"][1].get("password"), None, "{line}");
    let tokens = line["tokens"].as_array().cloned().unwrap_or_default();
    let emails: Vec<&str> = tokens.iter().filter_map(|t| t["email"].as_str()).collect();
    assert_eq!(emails, ["u@x", "f@x"], "{line}");
    assert!(
        tokens
            .iter()
            .all(|t| t["token"].as_str().is_some_and(|s| s.starts_with("_T_"))),
        "{line}"
    );
    assert!(!stdout.contains("_T_"), "no banner after the line: {stdout}");
}

/// `--dev` with an address off loopback is a usage error (exit 2, with
/// the usage line), before anything is bound or printed on stdout.
#[test]
fn dev_off_loopback_is_a_usage_error() {
    for listen in ["0.0.0.0:0", "[::]:0"] {
        let refused = Command::new(BINARY)
            .args(["--dev", "--listen", listen])
            .stdin(Stdio::null())
            .output()
            .expect("runs");
        let stderr = String::from_utf8_lossy(&refused.stderr);
        assert_eq!(refused.status.code(), Some(2), "{listen}: {stderr}");
        assert!(
            stderr.contains("loopback only") && stderr.contains("Usage:"),
            "{stderr}"
        );
        assert!(refused.stdout.is_empty(), "{listen}");
    }
}
