//! Tidy checks over the workspace's source, as tests (rust-analyzer's
//! `tidy.rs` does the same): invariants of `docs/ARCHITECTURE.md` that a
//! compiler does not check. Each check is a pure function over source text,
//! tested on made-up input (`the_*_check_sees_what_it_must`), and a test
//! that runs it over the tree.
//!
//! - Only the core knows what a status means: no crate above it matches a
//!   status code (`no_crate_above_the_core_matches_a_status_code`).
//! - No crate has a cycle between its files (`no_crate_has_a_module_cycle`,
//!   over `crates/*/src`, `xtask/src`, `tests/src` and `bench/src`). Each
//!   file is a node, a folder module's `mod.rs` and every file under a
//!   folder included; a path (`use crate::a::b::X`, `crate::a::b::f()`,
//!   `super::x`, `self::x`, or `b::x` for a child module `b`) is an edge to
//!   the file of the deepest module it names, and when the name after that
//!   module is one the file imports (a re-export such as `pub use
//!   create::Create`), to the file it comes from instead.
//! - No source file is over 400 lines (`no_source_file_is_over_400_lines`,
//!   over `crates/*/src`, `xtask/src` and `tests/src`).
//! - Only the core knows the API's paths and operation names
//!   (`no_crate_above_the_core_knows_paths_or_operation_names`, over
//!   `crates/steps`, `steps-transport`, `steps-cli` and `steps-py`, their
//!   test modules included): no string literal starts with `/api/`; none is
//!   written like an operation name (`job_token.list`, `.create`), nor a
//!   bare verb (`rotate`) given to `ends_with` and the like; and no
//!   `operation:` field is given a string of its own (`"login"`): read
//!   `Operation::NAME`. Their tests and the end-to-end tests write no
//!   operation name (`no_test_above_the_core_names_an_operation_by_hand`;
//!   the conformance kit, which reads only the spec, aside): no dotted
//!   name or name's prefix, and no one-word name (`login`) where an
//!   operation is asked for (`requests_seen`, fault rules, JSON rules).
//! - Only the core writes the field names its resources declare
//!   (`no_crate_above_the_core_writes_a_declared_field_name`, over
//!   `crates/steps`, `steps-transport` and `steps-cli`): no string literal
//!   is `token_id`, `api_key_id`, `api_key`, `job_tokens` or another
//!   compound name the core's `ID_FIELD`, `SECRET_FIELD` or `ITEMS`
//!   declares.

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

/// Source text with its comments dropped and its literals taken out.
struct Lexed {
    /// The code: comments gone (their line breaks kept), each string
    /// literal an empty `""` followed by the line breaks it spanned, each
    /// character literal `' '`.
    code: String,
    /// Each string literal, in order.
    literals: Vec<Literal>,
}

/// One string literal of a [`Lexed`] text.
struct Literal {
    /// The byte offset of its `""` in [`Lexed::code`].
    at: usize,
    /// The line it starts on, from 1.
    line: usize,
    /// What is between its quotes, escapes as written.
    text: String,
}

/// Splits `text` into code and string literals: line, block and doc
/// comments dropped; plain, byte and raw strings and character literals
/// (not lifetimes) taken out of the code.
fn lex(text: &str) -> Lexed {
    let chars: Vec<char> = text.chars().collect();
    let at = |i: usize| chars.get(i).copied();
    let is_ident = |c: char| c.is_alphanumeric() || c == '_';
    let (mut code, mut literals, mut line, mut i) = (String::new(), Vec::new(), 1, 0);
    while let Some(c) = at(i) {
        let after_ident = i > 0 && is_ident(chars[i - 1]);
        if c == '/' && at(i + 1) == Some('/') {
            while at(i).is_some_and(|c| c != '\n') {
                i += 1;
            }
            continue;
        }
        if c == '/' && at(i + 1) == Some('*') {
            let mut depth = 0;
            while let Some(c) = at(i) {
                if c == '/' && at(i + 1) == Some('*') {
                    (depth, i) = (depth + 1, i + 2);
                } else if c == '*' && at(i + 1) == Some('/') {
                    (depth, i) = (depth - 1, i + 2);
                    if depth == 0 {
                        break;
                    }
                } else {
                    if c == '\n' {
                        code.push('\n');
                        line += 1;
                    }
                    i += 1;
                }
            }
            continue;
        }
        // A string: `"`, or `r"`, `r#"`, `br"`... (a raw one) after no
        // identifier character.
        let raw = match (c, at(i + 1)) {
            ('r', _) if !after_ident => Some(i + 1),
            ('b', Some('r')) if !after_ident => Some(i + 2),
            _ => None,
        };
        let raw = raw.and_then(|mut j| {
            let start = j;
            while at(j) == Some('#') {
                j += 1;
            }
            (at(j) == Some('"')).then_some((j, j - start))
        });
        if c == '"' || raw.is_some() {
            let (open, hashes) = raw.unwrap_or((i, 0));
            let closes = |k: usize| at(k) == Some('"') && (1..=hashes).all(|h| at(k + h) == Some('#'));
            let (mut k, mut literal, start_line) = (open + 1, String::new(), line);
            while at(k).is_some() && !closes(k) {
                if at(k) == Some('\\') && raw.is_none() {
                    literal.extend(at(k));
                    k += 1;
                }
                if at(k) == Some('\n') {
                    line += 1;
                }
                literal.extend(at(k));
                k += 1;
            }
            literals.push(Literal {
                at: code.len(),
                line: start_line,
                text: literal.clone(),
            });
            code.push_str("\"\"");
            code.extend(literal.chars().filter(|c| *c == '\n'));
            i = k + 1 + hashes;
            continue;
        }
        // A character literal (`'x'`, `'\n'`, `'\u{1F600}'`), not a lifetime
        // (`'a`).
        if c == '\'' && (at(i + 1) == Some('\\') || at(i + 2) == Some('\'')) {
            let mut k = if at(i + 1) == Some('\\') { i + 3 } else { i + 2 };
            while at(k).is_some_and(|c| c != '\'') {
                k += 1;
            }
            code.push_str("' '");
            i = k + 1;
            continue;
        }
        if c == '\n' {
            line += 1;
        }
        code.push(c);
        i += 1;
    }
    Lexed { code, literals }
}

/// A token of [`Lexed::code`], as far as paths need one.
#[derive(Clone, Debug, PartialEq)]
enum Token {
    /// An identifier or keyword (`$crate` included), or a number.
    Word(String),
    /// `::`.
    PathSep,
    /// Any other character.
    Punct(char),
}

/// The tokens of `code`, each with its byte offset.
fn tokens(code: &str) -> Vec<(usize, Token)> {
    let mut tokens = Vec::new();
    let mut chars = code.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        if c.is_whitespace() {
            continue;
        }
        if c.is_alphanumeric() || c == '_' || c == '$' {
            let mut word = String::from(c);
            while let Some(&(_, c)) = chars.peek().filter(|(_, c)| c.is_alphanumeric() || *c == '_') {
                word.push(c);
                chars.next();
            }
            tokens.push((at, Token::Word(word)));
        } else if c == ':' && chars.peek().is_some_and(|(_, c)| *c == ':') {
            chars.next();
            tokens.push((at, Token::PathSep));
        } else {
            tokens.push((at, Token::Punct(c)));
        }
    }
    tokens
}

/// One path in a file: where it is written and in which module.
struct PathRef {
    /// The byte offset in [`Lexed::code`] of its first segment.
    at: usize,
    /// The inline modules (`mod tests { ... }`) it is inside, outermost first.
    inline: Vec<String>,
    /// Its segments (`super`, `build`, `BuildCost`); a `use` group is one
    /// path per item, a glob the path of its module.
    segments: Vec<String>,
    /// For a `use` outside any inline module, the name it brings into the
    /// file: its last segment or its `as` name (none for a glob or `as _`).
    import: Option<String>,
}

/// Reads the use tree at `tokens[i..]` under `prefix` into `out` (the path
/// and the name it imports, one per leaf); returns where it ends.
fn use_tree(
    tokens: &[(usize, Token)],
    mut i: usize,
    prefix: &[String],
    out: &mut Vec<(Vec<String>, Option<String>)>,
) -> usize {
    let word = |i: usize| match tokens.get(i) {
        Some((_, Token::Word(w))) => Some(w.clone()),
        _ => None,
    };
    let punct = |i: usize, p: char| tokens.get(i).is_some_and(|(_, t)| *t == Token::Punct(p));
    let mut segments = prefix.to_vec();
    loop {
        if punct(i, '{') {
            i += 1;
            while !punct(i, '}') && i < tokens.len() {
                let next = use_tree(tokens, i, &segments, out);
                i = if punct(next, ',') || next == i {
                    next + 1
                } else {
                    next
                };
            }
            return i + 1;
        }
        if punct(i, '*') {
            out.push((segments, None));
            return i + 1;
        }
        let Some(segment) = word(i) else { return i };
        i += 1;
        if segment != "self" || segments.is_empty() {
            segments.push(segment);
        }
        if tokens.get(i).is_some_and(|(_, t)| *t == Token::PathSep) {
            i += 1;
            continue;
        }
        let mut name = segments.last().cloned();
        if word(i).as_deref() == Some("as") {
            name = word(i + 1).filter(|n| n != "_");
            i += 2;
        }
        out.push((segments, name));
        return i;
    }
}

/// Every path in `code` that may name a module of the crate: every `use`
/// tree, and every other path of two or more segments (`a::b`, `a::b()`)
/// that is not a method's (`x.collect::<T>()`).
fn path_refs(code: &str) -> Vec<PathRef> {
    let tokens = tokens(code);
    let is = |i: usize, t: &Token| tokens.get(i).is_some_and(|(_, u)| u == t);
    let word = |i: usize| match tokens.get(i) {
        Some((_, Token::Word(w))) => Some(w.as_str()),
        _ => None,
    };
    let mut refs = Vec::new();
    // The inline modules open at this point, each with the brace depth
    // outside it.
    let (mut inline, mut depth): (Vec<(String, usize)>, usize) = (Vec::new(), 0);
    let mut i = 0;
    while i < tokens.len() {
        let at = tokens[i].0;
        let names = || inline.iter().map(|(name, _)| name.clone()).collect::<Vec<_>>();
        match &tokens[i].1 {
            Token::Punct('{') => depth += 1,
            Token::Punct('}') => {
                depth = depth.saturating_sub(1);
                if inline.last().is_some_and(|(_, outside)| *outside == depth) {
                    inline.pop();
                }
            }
            Token::Word(w) if w == "mod" => {
                if let (Some(name), true) = (word(i + 1), is(i + 2, &Token::Punct('{'))) {
                    inline.push((name.to_owned(), depth));
                    depth += 1;
                    i += 3;
                    continue;
                }
            }
            Token::Word(w) if w == "use" && !is(i.wrapping_sub(1), &Token::PathSep) => {
                let mut leaves = Vec::new();
                let start = if is(i + 1, &Token::PathSep) { i + 2 } else { i + 1 };
                i = use_tree(&tokens, start, &[], &mut leaves);
                for (segments, name) in leaves {
                    refs.push(PathRef {
                        at,
                        inline: names(),
                        segments,
                        import: name.filter(|_| inline.is_empty()),
                    });
                }
                continue;
            }
            Token::Word(first)
                if is(i + 1, &Token::PathSep)
                    && !is(i.wrapping_sub(1), &Token::PathSep)
                    && !is(i.wrapping_sub(1), &Token::Punct('.')) =>
            {
                let mut segments = vec![first.clone()];
                let mut j = i + 1;
                while let (true, Some(next)) = (is(j, &Token::PathSep), word(j + 1)) {
                    segments.push(next.to_owned());
                    j += 2;
                }
                refs.push(PathRef {
                    at,
                    inline: names(),
                    segments,
                    import: None,
                });
                i = j;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    refs
}

/// A crate's source: each `.rs` file by its path under `src`
/// (`bench/report.rs`), with its text.
type Sources = BTreeMap<String, String>;

/// The source of the crate at `src`.
fn sources(src: &Path) -> Sources {
    rust_files(src)
        .into_iter()
        .map(|file| {
            let name = file
                .strip_prefix(src)
                .expect("under src")
                .to_string_lossy()
                .replace('\\', "/");
            (name, std::fs::read_to_string(&file).expect("readable source"))
        })
        .collect()
}

/// The module a file of the crate is (`bench/report.rs` and
/// `bench/report/mod.rs` are `bench::report`, `lib.rs` the root), or none
/// for a file that is the root of another crate (`bin/*.rs`, `main.rs`
/// beside a `lib.rs`).
fn module_of(file: &str, has_lib: bool) -> Option<Vec<String>> {
    match file {
        "lib.rs" => return Some(Vec::new()),
        "main.rs" => return (!has_lib).then(Vec::new),
        _ if file.starts_with("bin/") => return None,
        _ => {}
    }
    let mut segments: Vec<String> = file
        .trim_end_matches(".rs")
        .split('/')
        .map(str::to_owned)
        .collect();
    if segments.last().is_some_and(|s| s == "mod") {
        segments.pop();
    }
    Some(segments)
}

/// The file graph of one crate: for each file, the files it names, each
/// with the first place it does (`line 3: crate::b::f`).
type FileGraph = BTreeMap<String, BTreeMap<String, String>>;

/// The files of a crate and what each imports, to resolve paths with.
struct ModuleTree<'a> {
    /// The file of each module.
    files: BTreeMap<Vec<String>, &'a str>,
    /// Each file's own `use` names: the name, and the path it stands for.
    imports: BTreeMap<&'a str, BTreeMap<String, Vec<String>>>,
}

impl ModuleTree<'_> {
    /// The file that `path`, written in the module `scope`, names: the file
    /// of the deepest module along it, or, when the next name is one that
    /// file imports, the file that name comes from. None for a path out of
    /// the crate (`std::fmt`, an extern crate's item re-exported).
    fn resolve(&self, scope: &[String], path: &[String], hops: usize) -> Option<&str> {
        let first = path.first()?;
        if hops > 16 {
            return None;
        }
        let full: Vec<String> = match first.as_str() {
            "crate" | "$crate" => path[1..].to_vec(),
            "self" => [scope, &path[1..]].concat(),
            "super" => {
                let supers = path.iter().take_while(|s| *s == "super").count();
                let parent = scope.len().checked_sub(supers)?;
                [&scope[..parent], &path[supers..]].concat()
            }
            _ if self.files.contains_key(&[scope, &path[..1]].concat()) => [scope, path].concat(),
            _ => {
                // A name the file imports (`use crate::flags;` then
                // `flags::Bench`); an inline module sees its file's names
                // through `use super::*`.
                let (file_scope, file) = self.file_of(scope)?;
                let import = self.imports.get(file)?.get(first)?;
                return self.resolve(file_scope, &[import.as_slice(), &path[1..]].concat(), hops + 1);
            }
        };
        let (module, file) = self.file_of(&full)?;
        if let Some(import) = full
            .get(module.len())
            .and_then(|name| self.imports.get(file)?.get(name))
        {
            return self.resolve(
                module,
                &[import.as_slice(), &full[module.len() + 1..]].concat(),
                hops + 1,
            );
        }
        Some(file)
    }

    /// The deepest module along `path` that is a file, and that file.
    fn file_of<'p>(&self, path: &'p [String]) -> Option<(&'p [String], &str)> {
        (0..=path.len())
            .rev()
            .find_map(|n| self.files.get(&path[..n]).map(|file| (&path[..n], *file)))
    }
}

/// The file graph of a crate's source.
fn file_graph(sources: &Sources) -> FileGraph {
    let has_lib = sources.contains_key("lib.rs");
    let mut tree = ModuleTree {
        files: BTreeMap::new(),
        imports: BTreeMap::new(),
    };
    let mut refs = Vec::new();
    for (file, text) in sources {
        let Some(module) = module_of(file, has_lib) else {
            continue;
        };
        tree.files.insert(module.clone(), file.as_str());
        let lexed = lex(text);
        let line_of = |at: usize| lexed.code[..at].matches('\n').count() + 1;
        for r in path_refs(&lexed.code) {
            if let Some(name) = &r.import {
                tree.imports
                    .entry(file.as_str())
                    .or_default()
                    .insert(name.clone(), r.segments.clone());
            }
            refs.push((file.as_str(), module.clone(), line_of(r.at), r));
        }
    }
    let mut graph: FileGraph = tree
        .files
        .values()
        .map(|file| (file.to_string(), BTreeMap::new()))
        .collect();
    for (file, module, line, r) in refs {
        let targets = graph.entry(file.to_owned()).or_default();
        let scope = [module, r.inline].concat();
        match tree.resolve(&scope, &r.segments, 0) {
            Some(target) if target != file => {
                targets
                    .entry(target.to_owned())
                    .or_insert_with(|| format!("line {line}: {}", r.segments.join("::")));
            }
            _ => {}
        }
    }
    graph
}

/// Each set of files of `graph` that reach one another (a strongly connected
/// component of two or more), each sorted, in order of their first file.
fn tangles(graph: &FileGraph) -> Vec<Vec<&str>> {
    /// Tarjan's algorithm: the state of the walk.
    #[derive(Default)]
    struct Walk<'a> {
        /// The order each file was first reached in.
        index: BTreeMap<&'a str, usize>,
        /// The first-reached file each can get back to.
        low: BTreeMap<&'a str, usize>,
        /// The files reached and not yet put in a component.
        stack: Vec<&'a str>,
        /// The components found.
        components: Vec<Vec<&'a str>>,
    }
    /// Walks from `node`, putting each component found into `walk`.
    fn visit<'a>(node: &'a str, graph: &'a FileGraph, walk: &mut Walk<'a>) {
        let n = walk.index.len();
        walk.index.insert(node, n);
        walk.low.insert(node, n);
        walk.stack.push(node);
        for next in graph.get(node).into_iter().flat_map(|t| t.keys()) {
            if !walk.index.contains_key(next.as_str()) {
                visit(next, graph, walk);
                let low = walk.low[node].min(walk.low[next.as_str()]);
                walk.low.insert(node, low);
            } else if walk.stack.contains(&next.as_str()) {
                let low = walk.low[node].min(walk.index[next.as_str()]);
                walk.low.insert(node, low);
            }
        }
        if walk.low[node] == walk.index[node] {
            let at = walk.stack.iter().rposition(|n| *n == node).expect("on the stack");
            let component = walk.stack.split_off(at);
            walk.components.push(component);
        }
    }
    let mut walk = Walk::default();
    for node in graph.keys() {
        if !walk.index.contains_key(node.as_str()) {
            visit(node, graph, &mut walk);
        }
    }
    let mut tangles: Vec<Vec<&str>> = walk.components.into_iter().filter(|c| c.len() > 1).collect();
    for tangle in &mut tangles {
        tangle.sort();
    }
    tangles.sort();
    tangles
}

/// One cycle through each of the [`tangles`] of `graph`, as the files in
/// order with the first repeated last (`a.rs`, `b.rs`, `a.rs`): the shortest
/// from the tangle's first file.
fn file_cycles(graph: &FileGraph) -> Vec<Vec<String>> {
    let mut cycles = Vec::new();
    for component in tangles(graph) {
        let start = component[0];
        // Breadth first from `start` within the component, back to it.
        let mut parent: BTreeMap<&str, &str> = BTreeMap::new();
        let mut queue = std::collections::VecDeque::from([start]);
        'search: while let Some(node) = queue.pop_front() {
            for next in graph[node].keys().map(String::as_str) {
                if next == start {
                    let mut cycle = vec![start.to_owned()];
                    let mut at = node;
                    while at != start {
                        cycle.push(at.to_owned());
                        at = parent[at];
                    }
                    cycle.push(start.to_owned());
                    cycle.reverse();
                    cycles.push(cycle);
                    break 'search;
                }
                if component.contains(&next) && next != start && !parent.contains_key(next) {
                    parent.insert(next, node);
                    queue.push_back(next);
                }
            }
        }
    }
    cycles
}

/// Each file cycle of the crate at `src`, as `a.rs -> b.rs -> a.rs`, with
/// where each file names the next.
fn crate_cycles(src: &Path) -> Vec<String> {
    let graph = file_graph(&sources(src));
    let tangles = tangles(&graph);
    file_cycles(&graph)
        .into_iter()
        .zip(tangles)
        .map(|(cycle, tangle)| {
            let mut text = format!("{}: {}", src.display(), cycle.join(" -> "));
            if tangle.len() + 1 > cycle.len() {
                text.push_str(&format!(
                    " (of the files {} that reach one another)",
                    tangle.join(", ")
                ));
            }
            for pair in cycle.windows(2) {
                let why = &graph[&pair[0]][&pair[1]];
                text.push_str(&format!("\n    {} -> {}: {why}", pair[0], pair[1]));
            }
            text
        })
        .collect()
}

/// Every crate's `src`: `crates/*/src` (the Python binding included),
/// `xtask/src`, `tests/src`, `bench/src`.
fn crate_sources() -> Vec<PathBuf> {
    let mut crates: Vec<PathBuf> = std::fs::read_dir(workspace().join("crates"))
        .expect("crates/")
        .map(|e| e.expect("entry").path().join("src"))
        .collect();
    crates.sort();
    crates.extend(["xtask/src", "tests/src", "bench/src"].map(|p| workspace().join(p)));
    crates.into_iter().filter(|p| p.is_dir()).collect()
}

#[test]
fn no_crate_has_a_module_cycle() {
    let cycles: Vec<String> = crate_sources().iter().flat_map(|src| crate_cycles(src)).collect();
    assert!(
        cycles.is_empty(),
        "file cycles (move what both files need into a third, or invert one dependency):\n{}",
        cycles.join("\n")
    );
}

/// The file cycles of a made-up crate.
fn cycles_of(files: &[(&str, &str)]) -> Vec<Vec<String>> {
    let sources: Sources = files
        .iter()
        .map(|(f, t)| (f.to_string(), t.to_string()))
        .collect();
    file_cycles(&file_graph(&sources))
}

/// `["a.rs", "b.rs", "a.rs"]` as owned strings.
fn cycle(files: &[&str]) -> Vec<String> {
    files.iter().map(|f| f.to_string()).collect()
}

#[test]
fn the_cycle_check_sees_what_it_must() {
    // Through the root's re-export of `c::Thing`, and a comment that does
    // not count.
    let mut files = vec![
        ("lib.rs", "mod a;\nmod b;\nmod c;\npub use c::Thing;\n"),
        ("a.rs", "use crate::b::f;\n"),
        ("b.rs", "use crate::{Thing, other};\npub fn f() {}\n"),
        ("c.rs", "// crate::a in a comment\npub struct Thing;\n"),
    ];
    assert_eq!(cycles_of(&files), Vec::<Vec<String>>::new());
    files[3].1 = "pub struct Thing;\nfn g() { crate::a::h() }\n";
    assert_eq!(cycles_of(&files), [cycle(&["a.rs", "b.rs", "c.rs", "a.rs"])]);

    // Two files in one folder (the folder is one module of the root).
    let files = [
        ("main.rs", "mod net;\nfn main() { net::run() }\n"),
        ("net.rs", "mod dial;\nmod tls;\npub(crate) use dial::run;\n"),
        (
            "net/dial.rs",
            "use crate::net::tls::Config;\npub(crate) fn run() {}\n",
        ),
        (
            "net/tls.rs",
            "pub(crate) struct Config;\nfn f() { crate::net::dial::run() }\n",
        ),
    ];
    assert_eq!(
        cycles_of(&files),
        [cycle(&["net/dial.rs", "net/tls.rs", "net/dial.rs"])]
    );

    // Through `super::`, between siblings and between a child and its
    // parent's `mod.rs` (which re-exports the child).
    let files = [
        ("lib.rs", "mod store;\n"),
        (
            "store/mod.rs",
            "mod disk;\nmod saved;\npub use saved::Saved;\npub(crate) struct Shared;\n",
        ),
        ("store/saved.rs", "use super::Shared;\npub struct Saved;\n"),
        ("store/disk.rs", "use super::{saved::Saved, Shared};\n"),
    ];
    assert_eq!(
        cycles_of(&files),
        [cycle(&["store/mod.rs", "store/saved.rs", "store/mod.rs"])]
    );
    let files = [
        ("lib.rs", "mod a;\nmod b;\n"),
        ("a.rs", "pub(crate) fn f() { super::b::g() }\n"),
        ("b.rs", "use super::a;\npub(crate) fn g() { a::f() }\n"),
    ];
    assert_eq!(cycles_of(&files), [cycle(&["a.rs", "b.rs", "a.rs"])]);

    // Not a cycle: a folder whose `mod.rs` re-exports from its files, which
    // use each other one way and the parent's re-exports (resolved to where
    // they come from), `self::` and `super::` inside an inline module (the
    // file itself), and paths in strings, comments and method calls.
    let files = [
        (
            "lib.rs",
            "mod wire;\npub use std::fmt::Debug;\npub use wire::{Record, Shape as Form};\n",
        ),
        (
            "wire/mod.rs",
            "//! The wire: [`crate::wire::record`].\nmod record;\nmod shape;\n\
             pub use record::Record;\npub use self::shape::Shape;\n",
        ),
        (
            "wire/record.rs",
            "use super::Shape;\nuse crate::{Debug, Form};\npub struct Record(Shape);\n\
             fn f() -> String { format!(\"crate::wire::mod {}\", '\"') }\n\
             mod tests {\n    use super::*;\n    use self::inner::X;\n    mod inner { pub struct X; }\n}\n",
        ),
        (
            "wire/shape.rs",
            "/* super::record::Record */\npub struct Shape;\n\
             fn g(v: Vec<u8>) -> usize { v.iter().collect::<Vec<_>>().len() }\n",
        ),
    ];
    assert_eq!(cycles_of(&files), Vec::<Vec<String>>::new());
    let graph = file_graph(
        &files
            .iter()
            .map(|(f, t)| (f.to_string(), t.to_string()))
            .collect(),
    );
    let names = |file: &str| graph[file].keys().cloned().collect::<Vec<_>>();
    assert_eq!(names("wire/record.rs"), ["wire/shape.rs"]);
    assert_eq!(names("wire/mod.rs"), ["wire/record.rs", "wire/shape.rs"]);
    assert_eq!(names("lib.rs"), ["wire/record.rs", "wire/shape.rs"]);
    assert!(names("wire/shape.rs").is_empty());

    // Each file a module of its own; another crate's roots apart.
    let bench_report = vec!["bench".to_owned(), "report".to_owned()];
    assert_eq!(module_of("bench/report/mod.rs", false), Some(bench_report));
    assert_eq!(
        module_of("bench/report.rs", false),
        module_of("bench/report/mod.rs", false)
    );
    assert_eq!(module_of("main.rs", true), None);
    assert_eq!(module_of("bin/tool.rs", false), None);
}

#[test]
fn the_lexer_keeps_code_and_literals_apart() {
    let lexed =
        lex("let a = r#\"x\"y\"#; // \"c\"\nlet b = '\"'; /* \"d\n */ let c = b\"e\\\"\";\nfn f<'a>() {}");
    let texts: Vec<&str> = lexed.literals.iter().map(|l| l.text.as_str()).collect();
    assert_eq!(texts, ["x\"y", "e\\\""]);
    assert_eq!(lexed.literals.iter().map(|l| l.line).collect::<Vec<_>>(), [1, 3]);
    assert_eq!(
        lexed.code,
        "let a = \"\"; \nlet b = ' '; \n let c = b\"\";\nfn f<'a>() {}"
    );
}

/// Each file over `limit` lines, as `name: N lines`.
fn file_over_limit<'a>(files: impl IntoIterator<Item = (&'a str, &'a str)>, limit: usize) -> Vec<String> {
    files
        .into_iter()
        .map(|(name, text)| (name, text.lines().count()))
        .filter(|(_, lines)| *lines > limit)
        .map(|(name, lines)| format!("{name}: {lines} lines"))
        .collect()
}

#[test]
fn the_line_limit_check_sees_what_it_must() {
    let at_limit = "x\n".repeat(400);
    let over = "x\n".repeat(401);
    let files = [("a.rs", at_limit.as_str()), ("b.rs", over.as_str()), ("c.rs", "")];
    assert_eq!(file_over_limit(files, 400), ["b.rs: 401 lines"]);
}

#[test]
fn no_source_file_is_over_400_lines() {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(workspace().join("crates"))
        .expect("crates/")
        .map(|e| e.expect("entry").path().join("src"))
        .filter(|p| p.is_dir())
        .collect();
    dirs.extend(["xtask/src", "tests/src"].map(|p| workspace().join(p)));
    let files: Vec<(String, String)> = dirs
        .iter()
        .flat_map(|dir| rust_files(dir))
        .map(|file| {
            let text = std::fs::read_to_string(&file).expect("readable source");
            let name = file
                .strip_prefix(workspace())
                .expect("in the workspace")
                .display()
                .to_string();
            (name, text)
        })
        .collect();
    let over = file_over_limit(files.iter().map(|(n, t)| (n.as_str(), t.as_str())), 400);
    assert!(over.is_empty(), "split these by concern:\n{}", over.join("\n"));
}

/// Whether `literal` is written like an operation name: lowercase snake
/// segments joined by dots, perhaps with a leading one (`job_token.list`,
/// `.create`). Its last segment if so.
fn dotted_name(literal: &str) -> Option<&str> {
    let segments: Vec<&str> = literal.strip_prefix('.').unwrap_or(literal).split('.').collect();
    let snake = |s: &&str| {
        s.starts_with(|c: char| c.is_ascii_lowercase())
            && s.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    };
    (literal.contains('.') && segments.iter().all(snake)).then(|| *segments.last().expect("split"))
}

/// The verbs of the core's operation names (`create` of `job_token.create`,
/// `rotate_self` of `token.rotate_self`): the last segment of every string
/// literal in `core` written like an operation name.
fn operation_verbs<'a>(core: impl IntoIterator<Item = &'a str>) -> BTreeSet<String> {
    core.into_iter()
        .flat_map(|text| lex(text).literals)
        .filter_map(|literal| dotted_name(&literal.text).map(str::to_owned))
        .collect()
}

/// Where `text` knows what only the core should, as its line and what: a
/// string literal that starts with `/api/`, and one written like an
/// operation name whose last segment is one of `verbs` (or, given to
/// `ends_with` and the like, a bare verb) that is compared with `==`, `!=`,
/// `ends_with`, `starts_with`, `strip_suffix` or `strip_prefix`.
fn core_knowledge(text: &str, verbs: &BTreeSet<String>) -> Vec<(usize, String)> {
    let lexed = lex(text);
    let mut found = Vec::new();
    for literal in &lexed.literals {
        let line = literal.line;
        if literal.text.starts_with("/api/") {
            found.push((line, format!("the path \"{}\"", literal.text)));
        }
        let before = lexed.code[..literal.at].trim_end();
        let after = lexed.code[literal.at + 2..].trim_start();
        let affix = ["ends_with(", "starts_with(", "strip_suffix(", "strip_prefix("]
            .iter()
            .any(|call| before.ends_with(call));
        let equals = ["==", "!="]
            .iter()
            .any(|op| before.ends_with(op) || after.starts_with(op));
        let dotted = dotted_name(&literal.text).is_some_and(|verb| verbs.contains(verb));
        let bare = affix && verbs.contains(literal.text.as_str());
        if dotted && !(affix || equals) {
            // Written at all: the core declares it (`Operation::NAME`).
            found.push((line, format!("the operation name \"{}\"", literal.text)));
        } else if dotted || bare {
            found.push((line, format!("the operation name \"{}\" matched", literal.text)));
        } else if before.ends_with("operation:") || before.ends_with("operation =") {
            // An operation's name given as a string of its own (`login`).
            found.push((line, format!("the operation \"{}\" named by hand", literal.text)));
        }
    }
    found
}

#[test]
fn the_core_knowledge_check_sees_what_it_must() {
    let core = "const NAME: &'static str = \"token.rotate_self\";\n\
                const CREATE: &'static str = concat!($prefix, \".create\");\n\
                let u = \"https://api.steps.invalid/v1\";\n";
    let resource = "concat!($p, \".list\"); concat!($p, \".delete\"); concat!($p, \".rotate\");";
    let verbs = operation_verbs([core, resource]);
    let expected = ["create", "delete", "list", "rotate", "rotate_self"].map(String::from);
    assert_eq!(verbs, expected.into());
    for (line, found) in [
        ("const ENDPOINT: &'static str = \"/api/job_token\";", 1),
        ("let p = r\"/api/login\";", 1),
        ("if op.ends_with(\".create\") || op.ends_with(\".delete\") {", 2),
        ("name.ends_with(\"rotate\") || name.ends_with(\"rotate_self\")", 2),
        ("if name == \"job_token.list\" {", 1),
        ("\"token.rotate_self\" != op", 1),
        ("op.strip_suffix(\".list\")", 1),
        ("println!(\"job_token.list\");", 1),
        ("let op = \"job_token.create\";", 1),
        ("BuildError::NotLoggedIn { operation: \"whoami\" }", 1),
    ] {
        assert_eq!(core_knowledge(line, &verbs).len(), found, "{line}");
    }
    for line in [
        "host == \"localhost\" || host.ends_with(\".localhost\")",
        "a.starts_with(\".credentials.\") && a.ends_with(\".tmp\")",
        "scheme == \"socks5\"",
        "let url = format!(\"{url}/api/job_token/1\");",
        "// if op == \"job_token.list\" and \"/api/x\"",
        "operation: NAME,",
        "s.ends_with(\"json\")",
        "kind == \"rotate\"",
    ] {
        assert_eq!(core_knowledge(line, &verbs), [], "{line}");
    }
}

#[test]
fn no_crate_above_the_core_knows_paths_or_operation_names() {
    let core: Vec<String> = rust_files(&workspace().join("crates/steps-core/src"))
        .iter()
        .map(|file| std::fs::read_to_string(file).expect("readable source"))
        .collect();
    let verbs = operation_verbs(core.iter().map(String::as_str));
    assert!(verbs.contains("create") && verbs.contains("rotate"), "{verbs:?}");
    let mut found = Vec::new();
    for krate in [
        "crates/steps",
        "crates/steps-transport",
        "crates/steps-cli",
        "crates/steps-py",
    ] {
        for file in rust_files(&workspace().join(krate).join("src")) {
            let text = std::fs::read_to_string(&file).expect("readable source");
            for (line, what) in core_knowledge(&text, &verbs) {
                found.push(format!("{}:{line}: {what}", file.display()));
            }
        }
    }
    assert!(
        found.is_empty(),
        "ask the core (its operations' paths, Idempotency, Error::operation's kind) instead:\n{}",
        found.join("\n")
    );
}

/// The operation names `core_knowledge` finds in a test's source, and
/// what a test writes by hand besides: a name's prefix given to
/// `starts_with` and the like (`"job_token."`), an emulator operation
/// asked for by a one-word name (`requests_seen("login")`, `rule("whoami"`,
/// a fault rule's `Some("meta")`, an `operation()` compared with
/// `Some("meta")`), and any name as a JSON rule's `"operation"`, in a
/// `json!` or inside a string. A one-word name elsewhere (a const array,
/// a match arm) is not seen: `login` is also the CLI's command. Paths are
/// not checked here: a test may well assert the URL a request went to.
fn operation_names_in_a_test(
    text: &str,
    verbs: &BTreeSet<String>,
    names: &BTreeSet<String>,
) -> Vec<(usize, String)> {
    let lexed = lex(text);
    let mut found: Vec<(usize, String)> = core_knowledge(text, verbs)
        .into_iter()
        .filter(|(_, what)| !what.starts_with("the path"))
        .collect();
    let named =
        |word: &str| names.contains(word) || dotted_name(word).is_some_and(|verb| verbs.contains(verb));
    for (index, literal) in lexed.literals.iter().enumerate() {
        let before = lexed.code[..literal.at].trim_end();
        let affix = ["starts_with(", "strip_prefix("]
            .iter()
            .any(|call| before.ends_with(call));
        let prefix = literal.text.strip_suffix('.').is_some_and(|stem| {
            stem.split('.').all(|segment| {
                !segment.is_empty() && segment.chars().all(|c| c.is_ascii_lowercase() || c == '_')
            })
        });
        let rule = before.strip_suffix("Some(").is_some_and(|b| {
            ["FaultRule::new(", "operation(),"]
                .iter()
                .any(|call| b.trim_end().ends_with(call))
        });
        let asked = ["requests_seen(", "rule("]
            .iter()
            .any(|call| before.ends_with(call));
        // `"operation": "login"` in a `json!`: the key is the literal
        // before, and only a colon lies between them.
        let keyed = index.checked_sub(1).is_some_and(|previous| {
            let key = &lexed.literals[previous];
            key.text == "operation" && lexed.code[key.at + 2..literal.at].trim() == ":"
        });
        let in_json = literal
            .text
            .split("\"operation\"")
            .skip(1)
            .filter_map(|rest| rest.trim_start().strip_prefix(':'))
            .filter_map(|rest| rest.trim_start().strip_prefix('"'))
            .filter_map(|rest| rest.split('"').next())
            .find(|name| named(name));
        if affix && prefix {
            found.push((literal.line, format!("the operation prefix \"{}\"", literal.text)));
        } else if (rule || asked || keyed)
            && names.contains(&literal.text)
            && dotted_name(&literal.text).is_none()
        {
            found.push((
                literal.line,
                format!("the operation \"{}\" named by hand", literal.text),
            ));
        }
        if let Some(name) = in_json {
            found.push((literal.line, format!("the operation \"{name}\" in a JSON string")));
        }
    }
    found
}

#[test]
fn the_test_operation_name_check_sees_what_it_must() {
    let verbs = ["create", "delete"].map(String::from).into();
    let names = ["login", "whoami", "meta"].map(String::from).into();
    for (line, found) in [
        ("emulator.requests_seen(\"job_token.create\");", 1),
        ("emulator.requests_seen(\"login\");", 1),
        ("FaultRule::new(\n    Some(\"whoami\"),\n    When::Always,", 1),
        ("emulator.set_faults(rule(\"whoami\", When::Always, fault));", 1),
        ("assert_eq!(error.operation(), Some(\"meta\"));", 1),
        ("if op.starts_with(\"job_token.\") {", 1),
        ("json!([{\"operation\": \"login\", \"fault\": {}}])", 1),
        ("json!([{\"operation\": \"job_token.delete\"}])", 1),
        ("r#\"[{\"operation\": \"job_token.delete\", \"fault\": {}}]\"#", 1),
        ("r#\"[{\"operation\": \"whoami\"}]\"#", 1),
        ("let url = \"/api/job_token\";", 0),
        ("emulator.requests_seen(Login::NAME);", 0),
        ("json!([{\"operation\": Login::NAME, \"fault\": {}}])", 0),
        ("f.run(\"user\", &[\"login\", \"--with-token\"], \"\");", 0),
        ("assert_eq!(read.label.as_deref(), Some(\"login\"));", 0),
        ("if url.starts_with(\"https://\") {", 0),
    ] {
        assert_eq!(
            operation_names_in_a_test(line, &verbs, &names).len(),
            found,
            "{line}"
        );
    }
}

#[test]
fn no_test_above_the_core_names_an_operation_by_hand() {
    let core: Vec<String> = rust_files(&workspace().join("crates/steps-core/src"))
        .iter()
        .map(|file| std::fs::read_to_string(file).expect("readable source"))
        .collect();
    let verbs = operation_verbs(core.iter().map(String::as_str));
    let names: BTreeSet<String> = core
        .iter()
        .flat_map(|text| text.lines())
        .filter(|line| line.trim_start().starts_with("const NAME: &'static str = \""))
        .flat_map(|line| lex(line).literals.into_iter().map(|literal| literal.text))
        .collect();
    assert!(names.contains("login") && names.contains("whoami"), "{names:?}");
    // The conformance kit checks any server against the spec, and so reads
    // the spec rather than the core; this file lists the names it looks for.
    let exempt = [
        workspace().join("tests/src/conformance"),
        workspace().join("tests/tests/tidy.rs"),
    ];
    let mut found = Vec::new();
    for dir in [
        "crates/steps/tests",
        "crates/steps-transport/tests",
        "crates/steps-cli/tests",
        "tests/tests",
        "tests/src",
    ] {
        for file in rust_files(&workspace().join(dir)) {
            if exempt.iter().any(|e| file.starts_with(e)) {
                continue;
            }
            let text = std::fs::read_to_string(&file).expect("readable source");
            for (line, what) in operation_names_in_a_test(&text, &verbs, &names) {
                found.push(format!("{}:{line}: {what}", file.display()));
            }
        }
    }
    assert!(
        found.is_empty(),
        "name it by its Operation::NAME instead:\n{}",
        found.join("\n")
    );
}

/// The JSON field names a resource of the core declares once
/// (`Resource::ID_FIELD`, `SECRET_FIELD`) and the keys of its pages
/// (`PageRecord::ITEMS`): the literals of those constants in the core.
/// Only compound names (`token_id`, `api_keys`): a plain word such as
/// `token` is also the CLI's own word (its `--token` flag, its files).
fn declared_field_names<'a>(core: impl IntoIterator<Item = &'a str>) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for text in core {
        for line in text.lines() {
            let declares = ["const ID_FIELD", "const SECRET_FIELD", "const ITEMS"]
                .iter()
                .any(|decl| line.trim_start().starts_with(decl));
            if declares {
                let literals = lex(line).literals.into_iter().map(|l| l.text);
                names.extend(literals.filter(|name| name.contains('_')));
            }
        }
    }
    names
}

/// Where `text` writes one of `names` as a string literal of its own.
fn field_names_written(text: &str, names: &BTreeSet<String>) -> Vec<(usize, String)> {
    lex(text)
        .literals
        .into_iter()
        .filter(|literal| names.contains(&literal.text))
        .map(|literal| (literal.line, format!("the field name \"{}\"", literal.text)))
        .collect()
}

#[test]
fn the_field_name_check_sees_what_it_must() {
    let core = "    const ID_FIELD: &'static str = \"token_id\";\n    const SECRET_FIELD: &'static str = \"api_key\";\n    const ITEMS: &'static str = \"job_tokens\";\n    let x = \"label\";";
    let names = declared_field_names([core]);
    assert_eq!(
        names,
        ["api_key", "job_tokens", "token_id"].map(String::from).into()
    );
    assert_eq!(
        field_names_written("map.insert(\"token_id\", v);", &names).len(),
        1
    );
    assert_eq!(field_names_written("let k = r\"job_tokens\";", &names).len(), 1);
    for line in [
        "map.insert(R::ID_FIELD, v);",
        "// \"token_id\"",
        "let s = \"token_ids\";",
        "\"label\"",
    ] {
        assert_eq!(field_names_written(line, &names), [], "{line}");
    }
}

/// The facade, the transport and the CLI read the id, secret and page
/// field names from the core (`Resource::ID_FIELD`, ...). The Python
/// package is left out: its attribute names (`token_id`) are the original
/// Python client's API, which happens to use the same words.
#[test]
fn no_crate_above_the_core_writes_a_declared_field_name() {
    let core: Vec<String> = rust_files(&workspace().join("crates/steps-core/src"))
        .iter()
        .map(|file| std::fs::read_to_string(file).expect("readable source"))
        .collect();
    let names = declared_field_names(core.iter().map(String::as_str));
    assert!(
        names.contains("token_id") && names.contains("api_key_id"),
        "{names:?}"
    );
    let mut found = Vec::new();
    for krate in ["crates/steps", "crates/steps-transport", "crates/steps-cli"] {
        for file in rust_files(&workspace().join(krate).join("src")) {
            let text = std::fs::read_to_string(&file).expect("readable source");
            for (line, what) in field_names_written(&text, &names) {
                found.push(format!("{}:{line}: {what}", file.display()));
            }
        }
    }
    assert!(
        found.is_empty(),
        "read it from the core's Resource:\n{}",
        found.join("\n")
    );
}
