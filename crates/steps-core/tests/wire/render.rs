//! What a response parsed to, as a snapshot shows it: the `Render` trait
//! and its impls for every output and error the core gives.

use std::fmt::{Display, Write as _};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use steps_core::{
    ApiKey, Capabilities, Extra, Identity, JobToken, LoginToken, Page, Resource, ResponseError, RotatedSelf,
    Secret,
};

/// What a response parsed to, as a snapshot shows it: its name on the
/// first line, then one field a line, nested values indented. Times are in
/// RFC 3339 (UTC), durations in whole seconds, secrets through their
/// redacting `Display`, unknown fields as their JSON. Written out rather
/// than `Debug`, so that the snapshots pin the values the core gives its
/// callers (its models' pub fields and public accessors), not the `Debug`
/// of its types, nor `SystemTime`'s insides (which differ by platform).
pub(crate) trait Render {
    /// The type or variant: the first line.
    fn name(&self) -> String;
    /// The fields, one a line, at `out`'s depth.
    fn fields(&self, out: &mut Out);
}

/// The text of a rendering, at a depth of indentation.
pub(crate) struct Out {
    text: String,
    depth: usize,
}

impl Out {
    pub(crate) fn line(&mut self, text: impl Display) {
        for _ in 0..self.depth {
            self.text.push_str("  ");
        }
        writeln!(self.text, "{text}").expect("writing to a String");
    }

    pub(crate) fn field(&mut self, name: &str, value: impl Display) {
        self.line(format_args!("{name}: {value}"));
    }

    /// A value with fields of its own: `header`, then its fields one
    /// deeper.
    pub(crate) fn nested(&mut self, header: impl Display, value: &impl Render) {
        self.line(header);
        self.depth += 1;
        value.fields(self);
        self.depth -= 1;
    }

    /// A list of values with fields of their own, each under its index.
    pub(crate) fn items<T: Render>(&mut self, name: &str, items: &[T]) {
        if items.is_empty() {
            return self.field(name, "[]");
        }
        self.line(format_args!("{name}:"));
        self.depth += 1;
        for (index, item) in items.iter().enumerate() {
            self.nested(format_args!("[{index}] {}", item.name()), item);
        }
        self.depth -= 1;
    }

    /// Unknown fields by name (sorted), each with its JSON value. The
    /// values are fake and public through `Extra::get`; it is `Debug` that
    /// must not show them, which `check_cases` checks.
    pub(crate) fn extra(&mut self, extra: &Extra) {
        if extra.is_empty() {
            return self.field("extra", "{}");
        }
        self.line("extra:");
        self.depth += 1;
        let mut names: Vec<_> = extra.names().collect();
        names.sort_unstable();
        for name in names {
            self.field(name, extra.get(name).expect("a listed name has a value"));
        }
        self.depth -= 1;
    }
}

/// `value` rendered, as a snapshot's contents.
pub(crate) fn render(value: &impl Render) -> String {
    let mut out = Out {
        text: String::new(),
        depth: 0,
    };
    out.nested(value.name(), value);
    out.text.truncate(out.text.trim_end().len());
    out.text
}

/// `none`, or the value as `show` writes it.
pub(crate) fn opt<T>(value: Option<T>, show: impl FnOnce(T) -> String) -> String {
    value.map_or_else(|| "none".to_owned(), show)
}

/// A string quoted and escaped, so that no label can pass for another field.
pub(crate) fn quoted(text: &str) -> String {
    format!("{text:?}")
}

/// A secret as its `Display` writes it (a redaction).
pub(crate) fn secret(secret: &Secret) -> String {
    secret.to_string()
}

/// A duration in whole seconds (a fraction, should one appear, is shown).
pub(crate) fn secs(duration: Duration) -> String {
    match duration.subsec_nanos() {
        0 => format!("{}s", duration.as_secs()),
        nanos => format!("{}.{nanos:09}s", duration.as_secs()),
    }
}

/// A time in RFC 3339, UTC: `2023-11-14T22:13:20Z` (with a fraction only
/// when it has one).
pub(crate) fn rfc3339(time: SystemTime) -> String {
    let (secs, nanos): (i64, u32) = match time.duration_since(UNIX_EPOCH) {
        Ok(after) => (
            i64::try_from(after.as_secs()).expect("a time the clock holds"),
            after.subsec_nanos(),
        ),
        Err(before) => {
            let before = before.duration();
            let secs = -i64::try_from(before.as_secs()).expect("a time the clock holds");
            match before.subsec_nanos() {
                0 => (secs, 0),
                nanos => (secs - 1, 1_000_000_000 - nanos),
            }
        }
    };
    let (days, of_day) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (year, month, day) = civil_from_days(days);
    let mut text = format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}",
        of_day / 3600,
        of_day / 60 % 60,
        of_day % 60
    );
    if nanos != 0 {
        text.push('.');
        text.push_str(format!("{nanos:09}").trim_end_matches('0'));
    }
    text.push('Z');
    text
}

/// The proleptic Gregorian date `days` after 1970-01-01 (negative:
/// before), after Howard Hinnant's `civil_from_days`: 400-year eras of
/// 146,097 days, each year counted from March so that a leap day is the
/// last day of its year.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let days = days + 719_468; // days since 0000-03-01
    let era = days.div_euclid(146_097);
    let day_of_era = days.rem_euclid(146_097); // [0, 146096]
    let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100); // [0, 365]
    let month_from_march = (5 * day_of_year + 2) / 153; // [0, 11]
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (
        year,
        u32::try_from(month).expect("a month"),
        u32::try_from(day).expect("a day"),
    )
}

#[test]
fn times_render_in_rfc_3339() {
    let at = |secs: u64| rfc3339(UNIX_EPOCH + Duration::from_secs(secs));
    assert_eq!(at(0), "1970-01-01T00:00:00Z");
    assert_eq!(at(1_700_000_000), "2023-11-14T22:13:20Z");
    assert_eq!(at(951_782_400), "2000-02-29T00:00:00Z");
    assert_eq!(at(951_868_799), "2000-02-29T23:59:59Z");
    assert_eq!(at(4_107_542_400), "2100-03-01T00:00:00Z");
    assert_eq!(at(253_402_300_799), "9999-12-31T23:59:59Z");
    assert_eq!(
        rfc3339(UNIX_EPOCH + Duration::from_millis(1_500)),
        "1970-01-01T00:00:01.5Z"
    );
    assert_eq!(
        rfc3339(UNIX_EPOCH - Duration::from_millis(500)),
        "1969-12-31T23:59:59.5Z"
    );
    assert_eq!(
        rfc3339(UNIX_EPOCH - Duration::from_secs(86_400)),
        "1969-12-31T00:00:00Z"
    );
    assert_eq!(secs(Duration::from_secs(3600)), "3600s");
}

impl<T: Render> Render for Result<T, ResponseError> {
    fn name(&self) -> String {
        match self {
            Ok(value) => format!("Ok: {}", value.name()),
            Err(error) => format!("Err: {}", error.name()),
        }
    }

    fn fields(&self, out: &mut Out) {
        match self {
            Ok(value) => value.fields(out),
            Err(error) => error.fields(out),
        }
    }
}

/// Through its `Display` and `kind()`, then its accessors with the
/// variant's own fields among them, in the order of the variant's fields.
impl Render for ResponseError {
    fn name(&self) -> String {
        match self {
            ResponseError::Api(_) => "Api",
            ResponseError::UnexpectedBody(_) => "UnexpectedBody",
            ResponseError::Redirect { .. } => "Redirect",
            ResponseError::Decode(_) => "Decode",
            other => panic!("a ResponseError the renderer does not know: {other:?}"),
        }
        .to_owned()
    }

    fn fields(&self, out: &mut Out) {
        out.field("display", self);
        out.field("kind", format_args!("{:?}", self.kind()));
        out.field("is_transient", self.is_transient());
        out.field("may_have_taken_effect", self.may_have_taken_effect());
        out.field("operation", self.operation());
        out.field("status", self.status().as_u16());
        match self {
            ResponseError::Api(error) => {
                out.field("message", quoted(&error.message));
                // Only when sent (the Quandela cloud's), so that our
                // protocol's snapshots are as they were.
                if let Some(detail) = &error.detail {
                    out.field("detail", detail);
                }
            }
            ResponseError::UnexpectedBody(error) => {
                out.field("content_type", opt(error.content_type.as_deref(), quoted));
                out.field("excerpt", quoted(&error.excerpt));
            }
            ResponseError::Redirect { location, .. } => {
                out.field("location", opt(location.as_deref(), quoted));
            }
            ResponseError::Decode(error) => out.field("detail", quoted(&error.detail)),
            _ => {}
        }
        out.field("request_id", opt(self.request_id(), quoted));
        out.field("retry_after", opt(self.retry_after(), secs));
    }
}

impl Render for () {
    fn name(&self) -> String {
        "()".to_owned()
    }

    fn fields(&self, _: &mut Out) {}
}

impl Render for LoginToken {
    fn name(&self) -> String {
        "LoginToken".to_owned()
    }

    fn fields(&self, out: &mut Out) {
        out.field("token", secret(&self.token));
        out.field("user_id", opt(self.user_id, |id| id.to_string()));
        out.field("is_admin", opt(self.is_admin, |admin| admin.to_string()));
        out.field("expires_at", opt(self.expires_at, rfc3339));
        out.extra(&self.extra);
    }
}

impl Render for Identity {
    fn name(&self) -> String {
        "Identity".to_owned()
    }

    fn fields(&self, out: &mut Out) {
        out.field("user_id", self.user_id);
        out.field("token_type", opt(self.token_type, |kind| format!("{kind:?}")));
        out.field("token_type_code", self.token_type_code);
        out.field("is_admin", self.is_admin);
        out.field("expires_at", opt(self.expires_at, rfc3339));
        out.extra(&self.extra);
        out.field("token_id", opt(self.token_id, |id| id.to_string()));
        out.field("api_key_id", opt(self.api_key_id, |id| id.to_string()));
        out.field("label", opt(self.label.as_deref(), quoted));
    }
}

/// A job token or API key through the [`Resource`] accessors, under the
/// field names the resource declares, in the order of the models' fields.
fn resource_fields<R: Resource>(token: &R, extra: &Extra, out: &mut Out) {
    out.field(R::ID_FIELD, token.id());
    out.field("user_id", token.user_id());
    out.field("label", opt(token.label(), quoted));
    out.field("duration", secs(token.duration()));
    out.field("created_at", rfc3339(token.created_at()));
    out.field("expires_at", rfc3339(token.expires_at()));
    out.field(R::SECRET_FIELD, opt(token.secret(), secret));
    out.extra(extra);
    out.field("replayed", token.replayed());
    out.field("rotated_at", opt(token.rotated_at(), rfc3339));
}

impl Render for JobToken {
    fn name(&self) -> String {
        "JobToken".to_owned()
    }

    fn fields(&self, out: &mut Out) {
        resource_fields(self, &self.extra, out);
    }
}

impl Render for ApiKey {
    fn name(&self) -> String {
        "ApiKey".to_owned()
    }

    fn fields(&self, out: &mut Out) {
        resource_fields(self, &self.extra, out);
    }
}

impl Render for RotatedSelf {
    fn name(&self) -> String {
        match self {
            RotatedSelf::JobToken(_) => "RotatedSelf::JobToken".to_owned(),
            RotatedSelf::ApiKey(_) => "RotatedSelf::ApiKey".to_owned(),
            other => panic!("a RotatedSelf the renderer does not know: {other:?}"),
        }
    }

    fn fields(&self, out: &mut Out) {
        match self {
            RotatedSelf::JobToken(token) => token.fields(out),
            RotatedSelf::ApiKey(key) => key.fields(out),
            other => panic!("a RotatedSelf the renderer does not know: {other:?}"),
        }
    }
}

impl<T: Render> Render for Page<T> {
    fn name(&self) -> String {
        "Page".to_owned()
    }

    fn fields(&self, out: &mut Out) {
        out.items("items", &self.items);
        out.field("next_after", opt(self.next_after, |after| after.to_string()));
        out.field("is_last", self.is_last());
    }
}

impl Render for Capabilities {
    fn name(&self) -> String {
        "Capabilities".to_owned()
    }

    /// The features by their wire names.
    fn fields(&self, out: &mut Out) {
        out.field("protocol", self.protocol);
        let names: Vec<_> = self.features.iter().map(|feature| feature.name()).collect();
        out.field("features", format_args!("[{}]", names.join(", ")));
    }
}
