//! Human tables and JSON for the models, under the nouns and field names
//! the core declares ([`Resource`]). A secret appears only in
//! [`Shown::json_with_secret`] (a create's or rotation's one showing).
//! Every cell and value is made [`printable`] here; JSON is escaped when
//! it is written (`terminal::json`).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};
use steps::{ApiKey, Identity, JobToken, Resource, Secret, TokenType};
use unicode_width::UnicodeWidthStr;

use crate::colour::{self, Painted};
pub(crate) use crate::duration::timestamp;
use crate::duration::{format_duration, relative};
use crate::terminal::printable;

/// Rows under headers, columns padded to align on a terminal (by display
/// width: CJK characters and emoji take two columns). Cells are made
/// [`printable`]: a label's line break or escape sequence shows as text
/// and cannot fake or erase a row.
pub(crate) fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
    painted_table(headers, rows, |_, _, _| None).0
}

/// [`table`], each cell in the style `paint` gives it (by its row, column
/// and text) where stdout gets colour: the codes go around the cell, after it
/// is made printable, and outside the padding that aligns the columns.
pub(crate) fn painted_table(
    headers: &[&str],
    rows: &[Vec<String>],
    paint: impl Fn(usize, usize, &str) -> Option<anstyle::Style>,
) -> Painted {
    let colour = colour::on_stdout();
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|row| row.iter().map(|cell| printable(cell).into_owned()).collect())
        .collect();
    let mut widths: Vec<usize> = headers.iter().map(|h| h.width()).collect();
    for row in &rows {
        for (i, cell) in row.iter().enumerate() {
            widths[i] = widths[i].max(cell.width());
        }
    }
    // Padded by the columns a cell takes on a terminal, not its chars:
    // a CJK character or an emoji takes two.
    // `row` is `None` for the headers, which are never painted.
    let line = |cells: Vec<String>, row: Option<usize>| {
        let padded: Vec<String> = cells
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let pad = " ".repeat(widths[i].saturating_sub(c.width()));
                let style = row.filter(|_| colour).and_then(|row| paint(row, i, c));
                match style {
                    Some(style) => format!("{}{pad}", colour::paint(c, style)),
                    None => format!("{c}{pad}"),
                }
            })
            .collect();
        padded.join("  ").trim_end().to_owned()
    };
    let mut out = vec![line(headers.iter().map(|h| h.to_string()).collect(), None)];
    out.extend(rows.into_iter().enumerate().map(|(i, row)| line(row, Some(i))));
    Painted(out.join("\n"))
}

/// The style of an expiry cell: ended once past, expiring within `window`.
pub(crate) fn expiry_style(at: SystemTime, window: Duration) -> Option<anstyle::Style> {
    match at.duration_since(SystemTime::now()) {
        Err(_) => Some(colour::ENDED),
        Ok(left) if left < window => Some(colour::EXPIRING),
        Ok(_) => None,
    }
}

/// Name / value lines, values made [`printable`].
pub(crate) fn fields(pairs: &[(&str, String)]) -> String {
    let width = pairs.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    pairs
        .iter()
        .map(|(k, v)| format!("  {k:<width$}  {}", printable(v)))
        .collect::<Vec<_>>()
        .join("\n")
}

pub(crate) fn unix(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
        .as_secs()
}

/// An expiry as tables show it: RFC 3339, and how far it is (`in 59m`,
/// `3h ago`).
pub(crate) fn expiry(at: SystemTime) -> String {
    format!("{} ({})", timestamp(at), relative(at, SystemTime::now()))
}

/// Whether a token that expires at `at` is still valid at `now` and
/// expires within `window` of it (`--expiring-within`).
pub(crate) fn expires_within(at: SystemTime, window: Duration, now: SystemTime) -> bool {
    at.duration_since(now)
        .is_ok_and(|left| !left.is_zero() && left <= window)
}

fn label(label: Option<&str>) -> String {
    label.unwrap_or("-").to_owned()
}

/// A job token or an API key as the CLI shows it: its table row, its
/// fields, and its JSON, under the field names the core declares
/// ([`Resource::ID_FIELD`], [`Resource::SECRET_FIELD`]).
pub(crate) struct Shown<'a, R>(pub(crate) &'a R);

impl<R: Resource> Shown<'_, R> {
    /// Its JSON, without its secret: what a read or a list shows.
    pub(crate) fn json(&self) -> Value {
        self.json_of(None)
    }

    /// Its JSON with its secret, where the answer carried one: what the
    /// create or rotation that made the secret shows, this once.
    pub(crate) fn json_with_secret(&self) -> Value {
        self.json_of(self.0.secret())
    }

    fn json_of(&self, secret: Option<&Secret>) -> Value {
        let token = self.0;
        let mut value = json!({
            R::ID_FIELD: token.id(),
            "user_id": token.user_id(),
            "label": token.label(),
            "duration": token.duration().as_secs(),
            "created_at": unix(token.created_at()),
            "expires_at": unix(token.expires_at()),
        });
        if let Value::Object(map) = &mut value {
            if let Some(secret) = secret {
                map.insert(
                    R::SECRET_FIELD.to_owned(),
                    Value::String(secret.expose().to_owned()),
                );
            }
            if let Some(at) = token.rotated_at() {
                map.insert("rotated_at".to_owned(), unix(at).into());
            }
        }
        value
    }

    pub(crate) fn fields(&self) -> Vec<(&'static str, String)> {
        let token = self.0;
        let mut fields = vec![
            ("id", token.id().to_string()),
            ("user", token.user_id().to_string()),
            ("label", label(token.label())),
            ("duration", format_duration(token.duration())),
            ("created", timestamp(token.created_at())),
            ("expires", expiry(token.expires_at())),
        ];
        // Protocol v2: only for a token rotated at least once.
        if let Some(at) = token.rotated_at() {
            fields.push(("rotated", timestamp(at)));
        }
        fields
    }

    pub(crate) fn row(&self) -> Vec<String> {
        let token = self.0;
        vec![
            token.id().to_string(),
            token.user_id().to_string(),
            label(token.label()),
            format_duration(token.duration()),
            expiry(token.expires_at()),
        ]
    }
}

/// The column of [`LIST_HEADERS`] with the expiry.
pub(crate) const EXPIRES_COLUMN: usize = 4;

/// The headers of [`Shown::row`].
pub(crate) const LIST_HEADERS: [&str; 5] = ["ID", "USER", "LABEL", "DURATION", "EXPIRES"];

/// Whoami's answer as JSON: the token's id (`token_id` or `api_key_id`)
/// and `label` only where the server gave them (protocol v2, feature
/// `self`, for a job token or an API key).
pub(crate) fn identity_json(me: &Identity) -> Value {
    let mut value = json!({
        "user_id": me.user_id,
        "token_type": me.token_type_code,
        "is_admin": me.is_admin,
        "expires_at": me.expires_at.map(unix),
    });
    if let Value::Object(map) = &mut value {
        if let Some(id) = me.token_id {
            map.insert(JobToken::ID_FIELD.to_owned(), id.into());
        }
        if let Some(id) = me.api_key_id {
            map.insert(ApiKey::ID_FIELD.to_owned(), id.into());
        }
        if me.token_id.is_some() || me.api_key_id.is_some() || me.label.is_some() {
            map.insert("label".to_owned(), me.label.clone().into());
        }
    }
    value
}

pub(crate) fn identity_fields(me: &Identity) -> Vec<(&'static str, String)> {
    let kind = match me.token_type {
        Some(TokenType::Login) => "login token".to_owned(),
        Some(TokenType::Job) => JobToken::NOUN.to_owned(),
        Some(TokenType::ApiKey) => ApiKey::NOUN.to_owned(),
        // A type this version does not know yet (the enum grows).
        _ => format!("unknown type {}", me.token_type_code),
    };
    let mut fields = vec![("user", me.user_id.to_string()), ("token", kind)];
    // Protocol v2 (feature `self`): which job token or API key it is.
    if let Some(id) = me.token_id {
        fields.push(("token id", id.to_string()));
    }
    if let Some(id) = me.api_key_id {
        fields.push(("API key id", id.to_string()));
    }
    if me.token_id.is_some() || me.api_key_id.is_some() || me.label.is_some() {
        fields.push(("label", label(me.label.as_deref())));
    }
    fields.push(("admin", if me.is_admin { "yes" } else { "no" }.to_owned()));
    fields.push((
        "expires",
        me.expires_at.map(expiry).unwrap_or_else(|| "-".to_owned()),
    ));
    fields
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiring_within_takes_valid_tokens_inside_the_window() {
        let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let day = Duration::from_secs(86_400);
        assert!(expires_within(now + day, day, now));
        assert!(expires_within(now + Duration::from_secs(1), day, now));
        assert!(!expires_within(now + day + Duration::from_secs(1), day, now));
        assert!(!expires_within(now, day, now), "expired now");
        assert!(!expires_within(now - day, day, now), "expired");
    }

    #[test]
    fn tables_align_columns() {
        let t = table(
            &["ID", "LABEL"],
            &[
                vec!["1".into(), "a".into()],
                vec!["100".into(), "long label".into()],
            ],
        );
        assert_eq!(t, "ID   LABEL\n1    a\n100  long label");
    }

    #[test]
    fn wide_characters_keep_the_columns_aligned() {
        let t = table(
            &["ID", "LABEL", "USER"],
            &[
                vec!["1".into(), "東京タワー".into(), "2".into()],
                vec!["3".into(), "🚀 launch".into(), "4".into()],
                vec!["5".into(), "plain".into(), "6".into()],
            ],
        );
        assert_eq!(
            t,
            "ID  LABEL       USER\n1   東京タワー  2\n3   🚀 launch   4\n5   plain       6"
        );
        // Each USER cell starts at the same terminal column.
        let columns: Vec<usize> = t
            .lines()
            .map(|line| line.rsplit_once("  ").map_or(0, |(before, _)| before.width()))
            .collect();
        assert!(columns.windows(2).all(|w| w[0] == w[1]), "{columns:?}\n{t}");
    }

    #[test]
    fn cells_and_values_are_escaped() {
        let t = table(&["ID", "LABEL"], &[vec!["1".into(), "a\n2  \u{1b}[2K".into()]]);
        assert_eq!(t, "ID  LABEL\n1   a\\n2  \\u{1b}[2K");
        assert_eq!(fields(&[("label", "\u{202e}x".into())]), "  label  \\u{202e}x");
    }
}
