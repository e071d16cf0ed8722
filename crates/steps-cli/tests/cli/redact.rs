//! What changes between runs, replaced in what the tests compare: times
//! (`2026-11-28T04:17:53Z` → `[TIME]`) and how far they are (`[TIME] (in
//! 23h 59m)` → `[TIME] ([RELATIVE])`, which moves while a test runs).

/// `2026-11-28T04:17:53Z` → `[TIME]`.
fn times(text: &str) -> String {
    let bytes = text.as_bytes();
    let shape = b"dddd-dd-ddTdd:dd:ddZ";
    let mut out = String::new();
    let mut i = 0;
    while i < text.len() {
        let fits = bytes.len() - i >= shape.len()
            && shape
                .iter()
                .zip(&bytes[i..])
                .all(|(s, b)| if *s == b'd' { b.is_ascii_digit() } else { s == b });
        if fits {
            out.push_str("[TIME]");
            i += shape.len();
        } else {
            let c = text[i..].chars().next().unwrap();
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

/// Times and how far they are, replaced.
pub(crate) fn redact_times(text: &str) -> String {
    redact_relative(&times(text))
}

/// `[TIME] (in 23h 59m)` → `[TIME] ([RELATIVE])`.
fn redact_relative(text: &str) -> String {
    let mut redacted = String::new();
    let mut rest = text;
    while let Some(at) = rest.find("[TIME] (") {
        let (before, after) = rest.split_at(at + "[TIME] (".len());
        redacted.push_str(before);
        match after.find(')') {
            Some(end) => {
                redacted.push_str("[RELATIVE]");
                rest = &after[end..];
            }
            None => rest = after,
        }
    }
    redacted.push_str(rest);
    redacted
}
