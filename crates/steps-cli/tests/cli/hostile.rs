//! What a hostile server says reaches the terminal inert: labels and error
//! messages with terminal escapes, C1 controls, DEL and bidi overrides are
//! shown escaped, in human and in JSON form.

use serde_json::{json, Value};

use crate::fake_server::FakeServer;
use crate::{run_command, steps_command, Run};

/// Writes "hello" to the clipboard (OSC 52), moves up and erases a row,
/// reverses the text's direction, then C1 controls (NEL, CSI), DEL and a
/// line break that would fake a row of its own.
const LABEL: &str = "\u{1b}]52;c;aGVsbG8=\u{7}\u{1b}[1A\u{1b}[2K\u{202e}gpj.exe\u{2066}x\u{2069}\u{85}\u{9b}31m\u{7f}\r\n3  1  fake row";

/// Clears the screen, retitles the window, and a C1 OSC.
const ERROR: &str = "denied\u{1b}[2J\u{1b}]0;pwned\u{7}\u{9d}0;again\u{9c}\u{202d}";

/// The characters a terminal acts on or that reorder what it shows: C0
/// (but a line break between lines), DEL, C1, bidi overrides and isolates.
fn is_hostile(c: char) -> bool {
    (c.is_control() && c != '\n') || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

fn assert_inert(what: &str, text: &str) {
    let found: Vec<char> = text.chars().filter(|c| is_hostile(*c)).collect();
    assert!(found.is_empty(), "{what} carries {found:?} raw: {text:?}");
}

fn token_json(id: i64) -> Value {
    json!({"token_id": id, "user_id": 2, "label": LABEL, "duration": 3600,
           "created_at": 1_700_000_000, "expires_at": 1_700_003_600})
}

fn server() -> FakeServer {
    let error = json!({ "error": ERROR }).to_string();
    let page = json!({"job_tokens": [token_json(1), token_json(2)], "next_after": null}).to_string();
    FakeServer::start(vec![
        ("GET /api/job_token/1 ", 200, token_json(1).to_string()),
        ("GET /api/job_token ", 200, page.clone()),
        ("GET /api/job_token?", 200, page),
        ("GET /api/job_token/2 ", 404, error.clone()),
        ("GET /api/whoami ", 403, error),
    ])
}

fn steps(server: &FakeServer, args: &[&str]) -> Run {
    let mut command = steps_command();
    command
        .args(args)
        .args(["--api-url", server.url()])
        .env("STEPS_TOKEN", "stl_TEST_hostile")
        .env(
            "XDG_CONFIG_HOME",
            std::env::temp_dir().join("steps-cli-test-hostile-unused"),
        );
    let run = run_command(command, "");
    assert!(
        !run.stdout.contains("stl_TEST_hostile") && !run.stderr.contains("stl_TEST_hostile"),
        "the token was printed: {run:?}"
    );
    run
}

#[test]
fn hostile_labels_are_shown_escaped() {
    let server = server();
    for args in [&["job-token", "get", "1"][..], &["job-token", "list"]] {
        let run = steps(&server, args);
        assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
        assert_inert(&format!("{args:?}"), &run.stdout);
        // Shown, not dropped: the escapes are visible as text.
        assert!(
            run.stdout.contains(r"\u{1b}]52;c;aGVsbG8=\u{7}")
                && run.stdout.contains(r"\u{202e}gpj.exe")
                && run.stdout.contains(r"\u{85}\u{9b}31m\u{7f}\r\n3  1  fake row"),
            "{args:?}: {}",
            run.stdout
        );
    }
    // A list has a header and two rows, nothing more: the label's line
    // break does not fake a row. The count goes to stderr.
    let listed = steps(&server, &["job-token", "list"]);
    assert_eq!(listed.stdout.lines().count(), 3, "{}", listed.stdout);
    assert_eq!(listed.stderr, "2 job token(s)\n");
}

#[test]
fn hostile_labels_are_escaped_in_json_and_read_back_whole() {
    let server = server();
    let got = steps(&server, &["job-token", "get", "1", "--json"]);
    assert_eq!(got.code, 0, "{}", got.stderr);
    assert_inert("get --json", &got.stdout);
    assert!(
        got.stdout.contains(r"\u001b]52") && got.stdout.contains(r"\u0085\u009b31m\u007f"),
        "{}",
        got.stdout
    );
    assert_eq!(got.json()["label"], LABEL, "JSON readers get the label back");
    let listed = steps(&server, &["job-token", "list", "--json"]);
    assert_eq!(listed.code, 0, "{}", listed.stderr);
    assert_inert("list --json", &listed.stdout);
    assert_eq!(listed.json()[1]["label"], LABEL);
}

#[test]
fn hostile_error_messages_are_shown_escaped() {
    let server = server();
    for (args, code) in [(&["whoami"][..], 3), (&["job-token", "get", "2"], 1)] {
        let run = steps(&server, args);
        assert_eq!(run.code, code, "{args:?}: {}", run.stderr);
        assert_inert(&format!("{args:?}"), &run.stderr);
        assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
        assert!(
            run.stderr.contains(r"denied\u{1b}[2J\u{1b}]0;pwned\u{7}\u{9d}"),
            "{args:?}: {}",
            run.stderr
        );
    }
}
