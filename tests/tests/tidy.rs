//! Tidy checks over the workspace's source, as tests (rust-analyzer's
//! `tidy.rs` does the same): invariants of `docs/ARCHITECTURE.md` that a
//! compiler does not check.
//!
//! - Only the core knows what a status means: no crate above it matches a
//!   status code.
//! - The module graph of every crate has no cycle.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ is inside the workspace")
        .to_owned()
}

/// Every `.rs` file below `dir`.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("readable source directory") {
            let path = entry.expect("directory entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// The code of a line: without a trailing `//` comment and without the
/// contents of string literals (a help text may say "429").
fn code_of(line: &str) -> String {
    let mut out = String::new();
    let mut in_string = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if in_string => {
                chars.next();
            }
            '"' => {
                in_string = !in_string;
                out.push('"');
            }
            '/' if !in_string && chars.peek() == Some(&'/') => break,
            _ if in_string => {}
            _ => out.push(c),
        }
    }
    out
}

/// Whether `code` matches on an HTTP status: a comparison with, a match
/// arm or range of, or `Some` of a 4xx/5xx literal, a `StatusCode`
/// constant, or the status class helpers.
fn matches_a_status(code: &str) -> bool {
    if code.contains("StatusCode::") || code.contains("is_server_error") || code.contains("is_client_error") {
        return true;
    }
    let bytes = code.as_bytes();
    for (i, window) in bytes.windows(3).enumerate() {
        let is_status =
            matches!(window[0], b'4' | b'5') && window[1].is_ascii_digit() && window[2].is_ascii_digit();
        let starts_token = i == 0 || !(bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_');
        let ends_token = bytes
            .get(i + 3)
            .is_none_or(|b| !(b.is_ascii_alphanumeric() || *b == b'_'));
        if !(is_status && starts_token && ends_token) {
            continue;
        }
        let before = code[..i].trim_end();
        let after = code[i + 3..].trim_start();
        let compared = ["==", "!=", "<=", ">=", "<", ">", "Some(", "|"]
            .iter()
            .any(|op| before.ends_with(op));
        let matched = after.starts_with("=>") || after.starts_with("..") || after.starts_with('|');
        if compared || matched {
            return true;
        }
    }
    false
}

#[test]
fn no_crate_above_the_core_matches_a_status_code() {
    let mut found = Vec::new();
    for krate in ["crates/steps", "crates/steps-transport", "crates/steps-cli"] {
        for file in rust_files(&workspace().join(krate).join("src")) {
            let text = std::fs::read_to_string(&file).expect("readable source");
            for (n, line) in text.lines().enumerate() {
                if matches_a_status(&code_of(line)) {
                    found.push(format!("{}:{}: {}", file.display(), n + 1, line.trim()));
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "ask ResponseError::kind() instead of matching statuses:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_status_check_sees_what_it_must() {
    for line in [
        "401 => ErrorKind::Unauthorized,",
        "if e.status() == 401 && x {",
        "ErrorKind::Api => matches!(self.status(), Some(502..=504)),",
        "StatusCode::TOO_MANY_REQUESTS | x",
        "let server = status.is_server_error();",
        "429 | 503 => true,",
    ] {
        assert!(matches_a_status(&code_of(line)), "{line}");
    }
    for line in [
        "let year = yoe + era * 400;",
        "println!(\"429 means slow down\");",
        "// 404 is not found",
        "Duration::from_millis(500)",
        "status = status.as_u16(),",
    ] {
        assert!(!matches_a_status(&code_of(line)), "{line}");
    }
}

/// A crate's top-level modules, each with the files that make it up.
fn modules(src: &Path) -> BTreeMap<String, Vec<PathBuf>> {
    let mut modules = BTreeMap::new();
    for entry in std::fs::read_dir(src).expect("readable src") {
        let path = entry.expect("entry").path();
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_owned();
        if path.is_dir() {
            if stem != "bin" {
                modules.insert(stem, rust_files(&path));
            }
        } else if path.extension().is_some_and(|e| e == "rs") && stem != "lib" && stem != "main" {
            let mut files = vec![path.clone()];
            let dir = src.join(&stem);
            if dir.is_dir() {
                files.extend(rust_files(&dir));
            }
            modules.entry(stem).or_insert_with(Vec::new).extend(files);
        }
    }
    modules
}

/// The `use` items of `text` (each joined onto one line up to its `;`),
/// and every other `crate::` path.
fn crate_paths(text: &str) -> Vec<String> {
    let code: String = text.lines().map(code_of).collect::<Vec<_>>().join(" ");
    let mut paths = Vec::new();
    let mut rest = code.as_str();
    while let Some(at) = rest.find("crate::") {
        let tail = &rest[at + "crate::".len()..];
        // A `{...}` group runs to its matching brace; a path to the first
        // character that cannot be part of it.
        let end = if tail.starts_with('{') {
            let mut depth = 0;
            tail.char_indices()
                .find_map(|(i, c)| {
                    match c {
                        '{' => depth += 1,
                        '}' => depth -= 1,
                        _ => {}
                    }
                    (depth == 0).then_some(i + 1)
                })
                .unwrap_or(tail.len())
        } else {
            tail.find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
                .unwrap_or(tail.len())
        };
        paths.push(tail[..end].to_owned());
        rest = &tail[end..];
    }
    paths
}

/// The first segment of each path in `path` (which may be a `{a::B, C}`
/// group).
fn first_segments(path: &str) -> Vec<String> {
    let path = path.trim();
    let Some(group) = path.strip_prefix('{').and_then(|p| p.strip_suffix('}')) else {
        return vec![path.split("::").next().unwrap_or_default().trim().to_owned()];
    };
    let mut items = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (i, c) in group.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                items.push(&group[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    items.push(&group[start..]);
    items
        .into_iter()
        .map(|item| {
            let item = item.trim();
            let item = item.strip_prefix("self::").unwrap_or(item);
            item.split("::")
                .next()
                .unwrap_or_default()
                .split_whitespace()
                .next()
                .unwrap_or_default()
                .to_owned()
        })
        .filter(|s| !s.is_empty())
        .collect()
}

/// Which module each name the crate root re-exports comes from.
fn root_reexports(root: &str, modules: &BTreeMap<String, Vec<PathBuf>>) -> BTreeMap<String, String> {
    let code: String = root.lines().map(code_of).collect::<Vec<_>>().join(" ");
    let mut names = BTreeMap::new();
    for item in code.split(';') {
        let Some(at) = item.find("use ") else { continue };
        let path = item[at + 4..].trim();
        let Some((module, names_part)) = path.split_once("::") else {
            continue;
        };
        if !modules.contains_key(module) {
            continue;
        }
        for name in first_segments(names_part) {
            names.insert(name, module.to_owned());
        }
        if let Some(last) = names_part.rsplit("::").next() {
            names.insert(last.trim().to_owned(), module.to_owned());
        }
    }
    names
}

/// A cycle in the module graph of the crate at `src`, if there is one.
fn module_cycle(src: &Path) -> Option<Vec<String>> {
    let modules = modules(src);
    let root = ["lib.rs", "main.rs"]
        .iter()
        .filter_map(|f| std::fs::read_to_string(src.join(f)).ok())
        .collect::<Vec<_>>()
        .join("\n");
    let reexports = root_reexports(&root, &modules);
    let mut edges: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    for (module, files) in &modules {
        let targets = edges.entry(module).or_default();
        for file in files {
            let text = std::fs::read_to_string(file).expect("readable source");
            for path in crate_paths(&text) {
                for segment in first_segments(&path) {
                    let target = if modules.contains_key(&segment) {
                        Some(segment)
                    } else {
                        reexports.get(&segment).cloned()
                    };
                    if let Some(target) = target.filter(|t| t != module) {
                        targets.insert(target);
                    }
                }
            }
        }
    }
    // Depth-first search with the path on a stack.
    fn visit<'a>(
        node: &'a str,
        edges: &'a BTreeMap<&'a str, BTreeSet<String>>,
        path: &mut Vec<&'a str>,
        done: &mut BTreeSet<&'a str>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|n| *n == node) {
            let mut cycle: Vec<String> = path[at..].iter().map(|s| s.to_string()).collect();
            cycle.push(node.to_owned());
            return Some(cycle);
        }
        if !done.insert(node) {
            return None;
        }
        path.push(node);
        for next in edges.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, edges, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        None
    }
    let mut done = BTreeSet::new();
    for module in edges.keys() {
        if let Some(cycle) = visit(module, &edges, &mut Vec::new(), &mut done) {
            return Some(cycle);
        }
    }
    None
}

#[test]
fn no_crate_has_a_module_cycle() {
    let mut cycles = Vec::new();
    let mut crates: Vec<PathBuf> = std::fs::read_dir(workspace().join("crates"))
        .expect("crates/")
        .map(|e| e.expect("entry").path().join("src"))
        .collect();
    crates.extend(["xtask/src", "tests/src", "bench/src"].map(|p| workspace().join(p)));
    for src in crates.into_iter().filter(|p| p.is_dir()) {
        if let Some(cycle) = module_cycle(&src) {
            cycles.push(format!("{}: {}", src.display(), cycle.join(" -> ")));
        }
    }
    assert!(cycles.is_empty(), "module cycles:\n{}", cycles.join("\n"));
}

#[test]
fn the_cycle_check_sees_what_it_must() {
    let dir = std::env::temp_dir().join(format!("steps-tidy-{}", std::process::id()));
    let src = dir.join("src");
    std::fs::create_dir_all(&src).expect("temp dir");
    std::fs::write(src.join("lib.rs"), "mod a;\nmod b;\nmod c;\npub use c::Thing;\n").expect("write");
    std::fs::write(src.join("a.rs"), "use crate::b::f;\n").expect("write");
    std::fs::write(src.join("b.rs"), "use crate::{Thing, other};\n").expect("write");
    std::fs::write(src.join("c.rs"), "// crate::a in a comment\npub struct Thing;\n").expect("write");
    assert_eq!(module_cycle(&src), None);
    std::fs::write(src.join("c.rs"), "pub struct Thing;\nfn g() { crate::a::h() }\n").expect("write");
    let cycle = module_cycle(&src).expect("a -> b -> c -> a");
    std::fs::remove_dir_all(&dir).expect("clean up");
    assert_eq!(cycle.first(), cycle.last(), "{cycle:?}");
    assert_eq!(cycle.len(), 4, "{cycle:?}");
}
