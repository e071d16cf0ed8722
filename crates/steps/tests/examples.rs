//! The examples print what a person reads: no `Debug` output (`{:?}`,
//! `{x:?}`), which shows `SystemTime { tv_sec: .., tv_nsec: 0 }` for a
//! time and `Some("quickstart")` for a label, in what they print (issue
//! 24). Times are RFC 3339, labels plain text.

use std::path::Path;

/// The text of every `println!`, `print!`, `eprintln!` and `eprint!` call
/// in `source`, from the macro's name to its closing parenthesis.
fn print_calls(source: &str) -> Vec<&str> {
    let mut calls = Vec::new();
    let mut rest = source;
    while let Some(at) = ["println!(", "print!(", "eprintln!(", "eprint!("]
        .iter()
        .filter_map(|m| rest.find(m).map(|i| (i, m.len())))
        .min()
    {
        let (start, name) = at;
        let body = &rest[start + name..];
        let mut depth = 1;
        let mut in_string = false;
        let mut escaped = false;
        let mut end = body.len();
        for (i, c) in body.char_indices() {
            match c {
                _ if escaped => escaped = false,
                '\\' if in_string => escaped = true,
                '"' => in_string = !in_string,
                '(' if !in_string => depth += 1,
                ')' if !in_string => {
                    depth -= 1;
                    if depth == 0 {
                        end = i;
                        break;
                    }
                }
                _ => {}
            }
        }
        calls.push(&rest[start..start + name + end]);
        rest = &body[end..];
    }
    calls
}

#[test]
fn the_check_sees_debug_formatting_in_print_calls() {
    let source = r#"
        println!("a {} b", x);
        println!(
            "label {:?}, at {when:?}",
            label
        );
        eprintln!("{error}");
        let s = format!("{other:?}");
    "#;
    let calls = print_calls(source);
    assert_eq!(calls.len(), 3, "{calls:?}");
    let debug: Vec<&&str> = calls.iter().filter(|c| c.contains(":?}")).collect();
    assert_eq!(debug.len(), 1);
    assert!(debug[0].contains("label"));
}

#[test]
fn the_examples_print_no_debug_output() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut found = Vec::new();
    let mut files = 0;
    for entry in std::fs::read_dir(&dir).expect("examples/") {
        let path = entry.expect("entry").path();
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        files += 1;
        let source = std::fs::read_to_string(&path).expect("readable");
        for call in print_calls(&source) {
            if call.contains(":?}") {
                let call = call.split_whitespace().collect::<Vec<_>>().join(" ");
                found.push(format!("{}: {call}", path.display()));
            }
        }
    }
    assert!(files >= 4, "the examples were not found in {}", dir.display());
    assert!(found.is_empty(), "Debug output printed:\n{}", found.join("\n"));
}
