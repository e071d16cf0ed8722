//! The quandela dialect's input rules (`docs/quandela.md` E9, E10, E15):
//! JSON bodies, form bodies and queries (`%XX`, `+` for a space), their
//! integers, booleans and labels, and the 422 that names every field that
//! failed, by location. The `Content-Type` is not looked at: a body is read
//! as what its route takes, and one of another type is a body without the
//! fields.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use crate::limits::{MAX_DURATION, MAX_LABEL_BYTES};
use crate::render::Failure;

/// Where an input came from, as a 422's `detail` names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Location {
    Json,
    Form,
    Query,
}

impl Location {
    fn name(self) -> &'static str {
        match self {
            Location::Json => "json",
            Location::Form => "form",
            Location::Query => "query",
        }
    }
}

/// What a field's value must be, as a 422 says it.
pub(crate) const NOT_AN_INTEGER: &str = "Not a valid integer.";
pub(crate) const MISSING: &str = "Missing data for required field.";

/// The fields that failed, by location and name: one 422 for all of them.
#[derive(Default)]
pub(crate) struct Invalid {
    detail: BTreeMap<&'static str, BTreeMap<String, Vec<String>>>,
}

impl Invalid {
    /// Notes that `field` (from `location`) failed, with `message`.
    pub(crate) fn add(&mut self, location: Location, field: &str, message: impl Into<String>) {
        self.detail
            .entry(location.name())
            .or_default()
            .entry(field.to_owned())
            .or_default()
            .push(message.into());
    }

    /// 422 naming every field that failed, if one did.
    pub(crate) fn check(self) -> Result<(), Failure> {
        if self.detail.is_empty() {
            Ok(())
        } else {
            Err(Failure::validation(json!(self.detail)))
        }
    }

    /// An optional integer of a JSON body: absent or `null` is `None`.
    pub(crate) fn integer(&mut self, map: &Map<String, Value>, field: &str) -> Option<i64> {
        match map.get(field) {
            None | Some(Value::Null) => None,
            Some(value) => {
                let integer = value.as_i64();
                if integer.is_none() {
                    self.add(Location::Json, field, NOT_AN_INTEGER);
                }
                integer
            }
        }
    }

    /// An optional boolean of a JSON body: absent or `null` is `None`.
    pub(crate) fn boolean(&mut self, map: &Map<String, Value>, field: &str) -> Option<bool> {
        match map.get(field) {
            None | Some(Value::Null) => None,
            Some(Value::Bool(b)) => Some(*b),
            Some(_) => {
                self.add(Location::Json, field, "Not a valid boolean.");
                None
            }
        }
    }

    /// A required, non-empty string of a JSON body.
    pub(crate) fn string<'m>(&mut self, map: &'m Map<String, Value>, field: &str) -> &'m str {
        match map.get(field) {
            Some(Value::String(s)) if !s.is_empty() => return s,
            Some(Value::String(_)) => self.add(Location::Json, field, "Shorter than minimum length 1."),
            None | Some(Value::Null) => self.add(Location::Json, field, MISSING),
            Some(_) => self.add(Location::Json, field, "Not a valid string."),
        }
        ""
    }

    /// `label`: absent or `null` is `None` (no label, or unchanged); else
    /// at most 256 bytes of UTF-8, no control character (E9).
    pub(crate) fn label(&mut self, map: &Map<String, Value>) -> Option<String> {
        let message = match map.get("label") {
            None | Some(Value::Null) => return None,
            Some(Value::String(s)) if s.len() > MAX_LABEL_BYTES => {
                format!("Longer than maximum length {MAX_LABEL_BYTES} bytes of UTF-8.")
            }
            Some(Value::String(s)) if s.chars().any(char::is_control) => {
                "Must not contain control characters.".to_owned()
            }
            Some(Value::String(s)) => return Some(s.clone()),
            Some(_) => "Not a valid string.".to_owned(),
        };
        self.add(Location::Json, "label", message);
        None
    }

    /// `duration`: absent or `null` is `None` (the default); else an
    /// integer from 1 to ten years (E9).
    pub(crate) fn duration(&mut self, map: &Map<String, Value>) -> Option<u64> {
        match map.get("duration") {
            None | Some(Value::Null) => None,
            Some(value) => match (value.as_u64(), value.is_i64() || value.is_u64()) {
                (Some(d), _) if (1..=MAX_DURATION).contains(&d) => Some(d),
                (_, true) => {
                    let range = format!(
                        "Must be greater than or equal to 1 and less than or equal to {MAX_DURATION}."
                    );
                    self.add(Location::Json, "duration", range);
                    None
                }
                (_, false) => {
                    self.add(Location::Json, "duration", NOT_AN_INTEGER);
                    None
                }
            },
        }
    }
}

/// A JSON body: an object, an empty body (no byte at all) reading as
/// `{}`; anything else, whitespace alone included (it is not JSON), is 422
/// (`docs/quandela.md` E9, E11, E19).
pub(crate) fn json_body(body: &[u8]) -> Result<Map<String, Value>, Failure> {
    if body.is_empty() {
        return Ok(Map::new());
    }
    let message = match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => return Ok(map),
        Ok(_) => "Invalid input type.",
        Err(_) => "Invalid JSON body.",
    };
    let mut invalid = Invalid::default();
    invalid.add(Location::Json, "_schema", message);
    invalid.check().map(|()| Map::new())
}

/// The pairs of a query string or form body, decoded as HTML forms write
/// them (`%XX` for a byte, `+` for a space); a bad escape, or bytes that
/// are not UTF-8, are 422 at `location`.
pub(crate) fn pairs(text: &[u8], location: Location) -> Result<Vec<(String, String)>, Failure> {
    let mut pairs = Vec::new();
    for pair in text.split(|b| *b == b'&').filter(|p| !p.is_empty()) {
        let (key, value) = match pair.iter().position(|b| *b == b'=') {
            Some(at) => (&pair[..at], &pair[at + 1..]),
            None => (pair, &b""[..]),
        };
        match (percent_decode(key), percent_decode(value)) {
            (Some(key), Some(value)) => pairs.push((key, value)),
            _ => {
                let mut invalid = Invalid::default();
                invalid.add(location, "_schema", "Invalid percent-encoding or UTF-8.");
                invalid.check()?;
            }
        }
    }
    Ok(pairs)
}

/// An integer as a query writes it: decimal digits with an optional `-`,
/// in 64 bits.
pub(crate) fn query_integer(text: &str) -> Option<i64> {
    let digits = text.strip_prefix('-').unwrap_or(text);
    let valid = !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit());
    valid.then(|| text.parse().ok()).flatten()
}

/// A boolean as a query writes it: `true` or `false`.
pub(crate) fn query_boolean(text: &str) -> Option<bool> {
    match text {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    }
}

/// `%XX` for a byte, `+` for a space, everything else as itself; `None`
/// for a bad escape or bytes that are not UTF-8.
fn percent_decode(text: &[u8]) -> Option<String> {
    let mut bytes = Vec::with_capacity(text.len());
    let mut rest = text;
    while let Some((&byte, tail)) = rest.split_first() {
        rest = tail;
        match byte {
            b'+' => bytes.push(b' '),
            b'%' => {
                let hex = std::str::from_utf8(rest.get(..2)?).ok()?;
                if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return None;
                }
                bytes.push(u8::from_str_radix(hex, 16).ok()?);
                rest = &rest[2..];
            }
            byte => bytes.push(byte),
        }
    }
    String::from_utf8(bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_empty_body_reads_as_an_empty_object() {
        assert_eq!(json_body(b"").expect("empty"), Map::new());
        assert_eq!(json_body(b"{}").expect("an object").len(), 0);
        for not_json in [&b" "[..], b"\r", b"\n\t ", b"[]", b"{", b"null"] {
            let failure = json_body(not_json).expect_err("refused");
            assert_eq!(failure.into_response().status(), 422, "{not_json:?}");
        }
    }

    #[test]
    fn queries_and_forms_decode_as_html_forms_write_them() {
        let decoded = pairs(b"a=1&b=x+y%2B%C3%A9&&c&=v&d=", Location::Query).expect("decodes");
        let expected = [("a", "1"), ("b", "x y+\u{e9}"), ("c", ""), ("", "v"), ("d", "")];
        assert_eq!(
            decoded,
            expected.map(|(k, v)| (k.to_owned(), v.to_owned())).to_vec()
        );
        for bad in [&b"a=%2"[..], b"a=%zz", b"a=%FF", b"%C3=1"] {
            let failure = pairs(bad, Location::Form).expect_err("refused");
            let response = failure.into_response();
            assert_eq!(response.status(), 422, "{bad:?}");
        }
    }

    #[test]
    fn query_values_have_one_spelling() {
        assert_eq!(query_integer("42"), Some(42));
        assert_eq!(query_integer("-7"), Some(-7));
        assert_eq!(query_integer("007"), Some(7));
        for bad in ["", "-", "+1", "1.0", " 1", "1e3", "9223372036854775808"] {
            assert_eq!(query_integer(bad), None, "{bad:?}");
        }
        assert_eq!(query_boolean("true"), Some(true));
        assert_eq!(query_boolean("false"), Some(false));
        for bad in ["True", "1", "yes", ""] {
            assert_eq!(query_boolean(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn json_fields_are_checked_and_every_failure_named() {
        let map = json_body(br#"{"label":"a\u0007b","duration":0,"priority":1.5,"user_id":null,"x":1}"#)
            .expect("an object");
        let mut invalid = Invalid::default();
        assert_eq!(invalid.label(&map), None);
        assert_eq!(invalid.duration(&map), None);
        assert_eq!(invalid.integer(&map, "priority"), None);
        assert_eq!(invalid.integer(&map, "user_id"), None);
        assert_eq!(invalid.boolean(&map, "is_explorer_token"), None);
        let detail = invalid.detail.clone();
        assert_eq!(
            json!(detail),
            json!({"json": {
                "duration": ["Must be greater than or equal to 1 and less than or equal to 315360000."],
                "label": ["Must not contain control characters."],
                "priority": ["Not a valid integer."],
            }})
        );
        assert!(invalid.check().is_err());
        assert_eq!(json_body(b"").expect("empty is {}"), Map::new());
        for bad in [&b"[]"[..], b"{", b"null", b"\"x\""] {
            assert!(json_body(bad).is_err(), "{bad:?}");
        }
        let long = json!({ "label": "\u{e9}".repeat(129), "duration": 315_360_001u64 });
        let mut invalid = Invalid::default();
        assert_eq!(invalid.label(long.as_object().unwrap()), None);
        assert_eq!(invalid.duration(long.as_object().unwrap()), None);
        assert_eq!(invalid.detail["json"].len(), 2);
    }
}
