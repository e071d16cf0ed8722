//! The request journal: the last [`CAPACITY`] protocol requests, as the
//! control plane's `GET /_steps/requests` shows them. An entry says what
//! was asked and how it ended (method, path, status, operation, who called,
//! when, whether a fault answered) and never holds a secret: no header, no
//! body, no query, and anything shaped like a token in the path is
//! replaced by `<redacted>`.

use std::collections::VecDeque;

use serde::Serialize;

/// The prefixes of secrets: login tokens, job tokens, API keys, and the
/// quandela dialect's job tokens.
const TOKEN_PREFIXES: [&str; 4] = ["stl_", "stj_", "stk_", "_T_"];

/// How many entries the journal keeps; older ones are dropped.
pub(crate) const CAPACITY: usize = 1_000;

/// One protocol request.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct Entry {
    /// The `x-request-id` it was answered with.
    pub(crate) request_id: String,
    pub(crate) method: String,
    /// The path, without the query, token-shaped text redacted.
    pub(crate) path: String,
    /// The status answered; `None` when the connection was closed instead.
    pub(crate) status: Option<u16>,
    /// The operation's name in the spec; `None` for a path that has none.
    pub(crate) operation: Option<&'static str>,
    /// The caller's user id, when a valid token was presented.
    pub(crate) user_id: Option<i64>,
    /// The type of token presented (0 login, 1 job, 2 API key), when valid.
    pub(crate) token_type: Option<u8>,
    /// The emulator's time when the request arrived, in Unix seconds.
    pub(crate) time: u64,
    /// Whether a fault rule hit the request.
    pub(crate) fault: bool,
}

/// The last [`CAPACITY`] entries, oldest first.
#[derive(Default)]
pub(crate) struct Journal {
    entries: VecDeque<Entry>,
}

impl Journal {
    pub(crate) fn record(&mut self, entry: Entry) {
        if self.entries.len() == CAPACITY {
            self.entries.pop_front();
        }
        self.entries.push_back(entry);
    }

    /// The last `limit` entries, oldest first.
    pub(crate) fn last(&self, limit: usize) -> Vec<Entry> {
        let skip = self.entries.len().saturating_sub(limit);
        self.entries.iter().skip(skip).cloned().collect()
    }

    pub(crate) fn clear(&mut self) {
        self.entries.clear();
    }
}

/// `text` with every token-shaped run (`stl_`, `stj_` or `stk_`, or the
/// quandela dialect's `_T_`, and what follows it up to a `/`) replaced by
/// `<redacted>`, and every character
/// outside printable ASCII escaped, so that a path can be shown and logged
/// whatever a client put in it.
pub(crate) fn redacted_path(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for (i, segment) in text.split('/').enumerate() {
        if i > 0 {
            out.push('/');
        }
        if let Some(at) = TOKEN_PREFIXES.iter().filter_map(|p| segment.find(p)).min() {
            push_printable(&segment[..at], &mut out);
            out.push_str("<redacted>");
        } else {
            push_printable(segment, &mut out);
        }
    }
    out
}

fn push_printable(text: &str, out: &mut String) {
    for c in text.chars() {
        if c.is_ascii_graphic() {
            out.push(c);
        } else {
            out.extend(c.escape_default());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(n: usize) -> Entry {
        Entry {
            request_id: format!("req-{n}"),
            method: "GET".into(),
            path: "/api/whoami".into(),
            status: Some(200),
            operation: Some("whoami"),
            user_id: None,
            token_type: None,
            time: 0,
            fault: false,
        }
    }

    #[test]
    fn the_journal_keeps_the_last_entries_only() {
        let mut journal = Journal::default();
        for n in 0..CAPACITY + 5 {
            journal.record(entry(n));
        }
        let all = journal.last(usize::MAX);
        assert_eq!(all.len(), CAPACITY);
        assert_eq!(all[0].request_id, "req-5");
        let last = journal.last(2);
        assert_eq!(
            last.iter().map(|e| e.request_id.as_str()).collect::<Vec<_>>(),
            [format!("req-{}", CAPACITY + 3), format!("req-{}", CAPACITY + 4)]
        );
        journal.clear();
        assert!(journal.last(10).is_empty());
    }

    #[test]
    fn token_shaped_text_never_reaches_a_path_shown() {
        for (path, shown) in [
            ("/api/job_token/7", "/api/job_token/7"),
            ("/api/stj_abcDEF-123_x/rotate", "/api/<redacted>/rotate"),
            ("/xstl_secret", "/x<redacted>"),
            ("/a/stk_1%2Fstj_2", "/a/<redacted>"),
            ("/api/tokens/_T_eyJabc", "/api/tokens/<redacted>"),
            ("/api/auth/tokens/x_T_y/z", "/api/auth/tokens/x<redacted>/z"),
            ("/caf\u{e9}\u{1b}[31m", "/caf\\u{e9}\\u{1b}[31m"),
        ] {
            assert_eq!(redacted_path(path), shown, "{path}");
        }
    }
}
