//! The one helper that drives operations for the snapshot tests: a fixed
//! context, a request renderer, the shared response cases, and a renderer
//! of what a response parses to.

use std::fmt::{Debug, Display, Write as _};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use serde_json::{json, Value};
use steps_core::{
    ApiKey, Capabilities, CloudContext, Credential, Extra, Identity, JobToken, LoginToken, Operation, Page,
    Resource, ResponseError, RotatedSelf, Secret,
};

/// Fake secrets, recognisably fake. No snapshot of a parsed response may
/// contain any of them.
pub(crate) const LOGIN_TOKEN: &str = "stl_TEST_login_token_not_a_secret";
pub(crate) const PASSWORD: &str = "TEST-password-not-a-secret";
pub(crate) const JOB_SECRET: &str = "stj_TEST_job_token_not_a_secret";
pub(crate) const API_SECRET: &str = "stk_TEST_api_key_not_a_secret";
pub(crate) const ROTATED_JOB_SECRET: &str = "stj_TEST_rotated_not_a_secret";
pub(crate) const ROTATED_API_SECRET: &str = "stk_TEST_rotated_not_a_secret";
pub(crate) const ALL_SECRETS: [&str; 6] = [
    LOGIN_TOKEN,
    PASSWORD,
    JOB_SECRET,
    API_SECRET,
    ROTATED_JOB_SECRET,
    ROTATED_API_SECRET,
];

/// The context every snapshot is made with: a fixed user agent, so that a
/// version bump does not churn snapshots.
pub(crate) fn ctx() -> CloudContext {
    CloudContext::new("https://api.steps.invalid/v1")
        .and_then(|c| c.with_user_agent("steps-rs/test"))
        .expect("the test context is valid")
}

/// A logged-in user's credential, admin status unknown.
pub(crate) fn user() -> Credential {
    Credential::bearer(Secret::new(LOGIN_TOKEN))
}

/// Method, URI, headers sorted by name, and the exact body.
pub(crate) fn render_request(request: &Request<Bytes>) -> String {
    let mut out = format!("{} {}\n", request.method(), request.uri());
    let mut headers: Vec<_> = request.headers().iter().collect();
    headers.sort_by(|a, b| a.0.as_str().cmp(b.0.as_str()));
    for (name, value) in headers {
        out.push_str(&format!(
            "{}: {}\n",
            name,
            String::from_utf8_lossy(value.as_bytes())
        ));
    }
    out.push('\n');
    out.push_str(&String::from_utf8_lossy(request.body()));
    out
}

fn response(status: u16, headers: &[(&str, &str)], body: &str) -> Response<Bytes> {
    let mut builder = Response::builder().status(StatusCode::from_u16(status).expect("valid status"));
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    builder
        .body(Bytes::from(body.to_owned()))
        .expect("valid response")
}

fn error_body(message: &str) -> String {
    json!({ "error": message }).to_string()
}

/// `ok` with unknown fields added (or, for an empty success, a JSON body).
fn with_extra_fields(ok_body: &str) -> String {
    let mut value: Value = serde_json::from_str(ok_body).unwrap_or_else(|_| json!({}));
    if let Value::Object(map) = &mut value {
        map.insert("region".into(), json!("eu-west"));
        map.insert("refresh_secret".into(), json!("hidden-extra-value"));
    }
    value.to_string()
}

/// The response cases every operation is checked against, by name.
fn cases(ok_status: u16, ok_body: &str, wrong_types: &str) -> Vec<(&'static str, Response<Bytes>)> {
    let json = [("content-type", "application/json")];
    let extra_status = if ok_status == 204 { 200 } else { ok_status };
    vec![
        ("ok", response(ok_status, &json, ok_body)),
        ("ok_extra_fields", response(extra_status, &json, &with_extra_fields(ok_body))),
        (
            "401",
            response(
                401,
                &[("content-type", "application/json"), ("www-authenticate", "Bearer"), ("x-request-id", "req-401")],
                &error_body("missing, unknown, expired or revoked token"),
            ),
        ),
        ("403", response(403, &json, &error_body("admin required"))),
        ("404", response(404, &[("content-type", "application/json"), ("x-request-id", "req-404")], &error_body("not found"))),
        (
            "429_retry_after",
            response(429, &[("content-type", "application/json"), ("retry-after", "7")], &error_body("slow down")),
        ),
        (
            "500_html",
            response(
                500,
                &[("content-type", "text/html")],
                "<html>\n<head><title>500 Internal Server Error</title></head>\n<body><h1>Internal Server Error</h1></body>\n</html>\n",
            ),
        ),
        ("redirect", response(302, &[("location", "https://elsewhere.invalid/api/login")], "")),
        ("malformed_json", response(extra_status, &json, "{\"token_id\": 1, \"label\": ")),
        ("wrong_types", response(extra_status, &json, wrong_types)),
    ]
}

/// The names of the response cases, for the tidy check.
pub(crate) fn case_names() -> Vec<&'static str> {
    cases(200, "{}", "{}").into_iter().map(|(name, _)| name).collect()
}

/// Every operation the snapshot tests cover, by name.
pub(crate) const OPERATIONS: [&str; 10] = [
    "login",
    "whoami",
    "job_token.create",
    "job_token.read",
    "job_token.delete",
    "job_token.list",
    "api_key.create",
    "api_key.read",
    "api_key.delete",
    "api_key.list",
];

/// The input a response case is made of, for the snapshot's description.
fn render_response(response: &Response<Bytes>) -> String {
    let mut out = format!("{}\n", response.status());
    for (name, value) in response.headers() {
        out.push_str(&format!(
            "{}: {}\n",
            name,
            String::from_utf8_lossy(value.as_bytes())
        ));
    }
    out.push('\n');
    out.push_str(&String::from_utf8_lossy(response.body()));
    out
}

/// Snapshots `op`'s request, built with `credential`, then its parse of
/// every response case. Each snapshot's description records its input (the
/// operation, or the response parsed), so that a reviewer sees what
/// produced it.
pub(crate) fn check_operation<O>(
    op: O,
    credential: Credential,
    ok_status: u16,
    ok_body: &str,
    wrong_types: &str,
) where
    O: Operation + Debug,
    O::Output: Debug + Render,
{
    check_cases("", op, credential, cases(ok_status, ok_body, wrong_types));
}

/// The protocol v2 operations and request variants the snapshot tests
/// cover, by snapshot name (below `v2.`), with the response cases each adds
/// to the v1 ones.
pub(crate) const V2_OPERATIONS: [(&str, &[&str]); 9] = [
    ("meta", &[]),
    (
        "job_token.create",
        &["replayed", "409_in_progress", "422_key_reused"],
    ),
    (
        "api_key.create",
        &["replayed", "409_in_progress", "422_key_reused"],
    ),
    ("whoami", &["api_key"]),
    ("job_token.list", &[]),
    ("token.revoke_self", &[]),
    (
        "job_token.rotate",
        &["replayed", "409_in_progress", "422_key_reused"],
    ),
    ("api_key.rotate", &[]),
    ("token.rotate_self", &["api_key"]),
];

/// A response case of a successful status with a JSON body.
pub(crate) fn ok_case(name: &'static str, status: u16, body: &str) -> (&'static str, Response<Bytes>) {
    (
        name,
        response(status, &[("content-type", "application/json")], body),
    )
}

/// A v2 create's own response cases: a replay of the first answer, a key
/// whose first request is still being handled, and a key reused for
/// another request.
pub(crate) fn v2_create_cases(ok_body: &str) -> Vec<(&'static str, Response<Bytes>)> {
    let json = ("content-type", "application/json");
    vec![
        (
            "replayed",
            response(201, &[json, ("idempotent-replayed", "true")], ok_body),
        ),
        (
            "409_in_progress",
            response(
                409,
                &[json],
                &error_body("a request with this idempotency key is in progress"),
            ),
        ),
        (
            "422_key_reused",
            response(
                422,
                &[json],
                &error_body("this idempotency key was used for another request"),
            ),
        ),
    ]
}

/// As [`check_operation`] for a protocol v2 operation: snapshots named
/// `v2.<operation>...`, the v1 response cases and `extra` ones.
pub(crate) fn check_operation_v2<O>(
    op: O,
    credential: Credential,
    (ok_status, ok_body, wrong_types): (u16, &str, &str),
    extra: Vec<(&'static str, Response<Bytes>)>,
) where
    O: Operation + Debug,
    O::Output: Debug + Render,
{
    let mut all = cases(ok_status, ok_body, wrong_types);
    all.extend(extra);
    check_cases("v2.", op, credential, all);
}

fn check_cases<O>(prefix: &str, op: O, credential: Credential, cases: Vec<(&'static str, Response<Bytes>)>)
where
    O: Operation + Debug,
    O::Output: Debug + Render,
{
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(false);
    settings.set_snapshot_path("snapshots");
    settings.set_omit_expression(true);
    settings.set_description(format!("{op:?} built with {credential:?}"));
    settings.bind(|| {
        let request = op.build_request(&ctx(), &credential).expect("the request builds");
        insta::assert_snapshot!(format!("{prefix}{}.request", O::NAME), render_request(&request));
    });
    for (case, response) in cases {
        settings.set_description(format!(
            "{} parsing this response:\n{}",
            O::NAME,
            render_response(&response)
        ));
        settings.bind(|| {
            let result = op.parse_response(response);
            // Every parse is a leak check of `Debug` too, which a caller
            // may log: no secret, and no value of an unknown field.
            let debug = format!("{result:#?}");
            for secret in ALL_SECRETS {
                assert!(
                    !debug.contains(secret),
                    "{} {case}: a secret reached Debug output",
                    O::NAME
                );
            }
            assert!(
                !debug.contains("hidden-extra-value"),
                "{} {case}: an extra field's value reached Debug",
                O::NAME
            );
            let rendered = render(&result);
            for secret in ALL_SECRETS {
                assert!(
                    !rendered.contains(secret),
                    "{} {case}: a secret reached the snapshot",
                    O::NAME
                );
            }
            insta::assert_snapshot!(format!("{prefix}{}.response.{case}", O::NAME), rendered);
        });
    }
}

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
    fn line(&mut self, text: impl Display) {
        for _ in 0..self.depth {
            self.text.push_str("  ");
        }
        writeln!(self.text, "{text}").expect("writing to a String");
    }

    fn field(&mut self, name: &str, value: impl Display) {
        self.line(format_args!("{name}: {value}"));
    }

    /// A value with fields of its own: `header`, then its fields one
    /// deeper.
    fn nested(&mut self, header: impl Display, value: &impl Render) {
        self.line(header);
        self.depth += 1;
        value.fields(self);
        self.depth -= 1;
    }

    /// Unknown fields by name (sorted), each with its JSON value. The
    /// values are fake and public through `Extra::get`; it is `Debug` that
    /// must not show them, which `check_cases` checks.
    fn extra(&mut self, extra: &Extra) {
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
fn opt<T>(value: Option<T>, show: impl FnOnce(T) -> String) -> String {
    value.map_or_else(|| "none".to_owned(), show)
}

/// A string quoted and escaped, so that no label can pass for another field.
fn quoted(text: &str) -> String {
    format!("{text:?}")
}

/// A secret as its `Display` writes it (a redaction).
fn secret(secret: &Secret) -> String {
    secret.to_string()
}

/// A duration in whole seconds (a fraction, should one appear, is shown).
fn secs(duration: Duration) -> String {
    match duration.subsec_nanos() {
        0 => format!("{}s", duration.as_secs()),
        nanos => format!("{}.{nanos:09}s", duration.as_secs()),
    }
}

/// A time in RFC 3339, UTC: `2023-11-14T22:13:20Z` (with a fraction only
/// when it has one).
fn rfc3339(time: SystemTime) -> String {
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
            ResponseError::Api(error) => out.field("message", quoted(&error.message)),
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
        if self.items.is_empty() {
            out.field("items", "[]");
        } else {
            out.line("items:");
            out.depth += 1;
            for (index, item) in self.items.iter().enumerate() {
                out.nested(format_args!("[{index}] {}", item.name()), item);
            }
            out.depth -= 1;
        }
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
