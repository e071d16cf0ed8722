//! What a `repr` may show of a secret (its type prefix at most), and how
//! it writes other values as Python does.

/// The prefixes servers put on tokens (`docs/protocol.md`; `_T_`, the
/// Quandela cloud's job tokens, `docs/quandela.md`): shown, since they say
/// what kind of token it is and nothing of its value.
const PREFIXES: [&str; 4] = ["stl_", "stj_", "stk_", "_T_"];

/// A secret as a `repr` shows it: `''` when there is none, `'stj_…'` when
/// it has a known prefix, else `'…'`.
pub(crate) fn masked(secret: Option<&str>) -> String {
    match secret {
        None | Some("") => "''".to_owned(),
        Some(value) => match PREFIXES.iter().find(|prefix| value.starts_with(**prefix)) {
            Some(prefix) => format!("'{prefix}…'"),
            None => "'…'".to_owned(),
        },
    }
}

/// A string as Python's `repr` writes it, for labels and emails: quotes,
/// backslashes and control characters escaped.
pub(crate) fn quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('\'');
    for c in text.chars() {
        match c {
            '\'' => out.push_str("\\'"),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// An optional string as `repr` writes it: `None` or quoted.
pub(crate) fn quoted_or_none(text: Option<&str>) -> String {
    text.map_or_else(|| "None".to_owned(), quoted)
}

/// `None`, `True` or `False`.
pub(crate) fn py_bool(value: Option<bool>) -> &'static str {
    match value {
        None => "None",
        Some(true) => "True",
        Some(false) => "False",
    }
}
