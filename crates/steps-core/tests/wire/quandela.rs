//! `quandela.*`: the Quandela cloud's token API (`docs/quandela.md`).
//! Every operation's request in both path families (`…request` for a job
//! token's `/api/tokens…`, `…auth.request` for a logged-in user's
//! `/api/auth/tokens…`), and its parse of the dialect's response cases.

use std::fmt::Debug;
use std::time::{Duration, UNIX_EPOCH};

use bytes::Bytes;
use http::Response;
use serde_json::json;
use steps_core::quandela::{
    DeleteTokensByIds, DeleteTokensBySecrets, GenerateToken, GeneratedToken, ListTokens, PathFamily,
    PlatformUsage, ReadToken, ReopenToken, RevokeToken, TokenDetails, TokenSummary, TokenUsage, UpdateToken,
    UsageReport,
};
use steps_core::{Credential, Operation, Secret};

use crate::render::{opt, quoted, rfc3339, secret, Out, Render};
use crate::support::{
    response, snapshot_request, snapshot_responses, with_extra_fields, CLOUD_SECRET, OTHER_CLOUD_SECRET,
};

fn credential() -> Credential {
    Credential::bearer(Secret::new(CLOUD_SECRET))
}

const JSON: (&str, &str) = ("content-type", "application/json");

fn error(status: u16, body: serde_json::Value) -> Response<Bytes> {
    response(status, &[JSON], &body.to_string())
}

/// The response cases of the dialect, by name: success (plain, with
/// unknown fields, with every nullable field `null`), the errors the
/// published document names, and bodies that break it.
pub(crate) fn cases(ok_body: &str, nulls: &str, wrong_types: &str) -> Vec<(&'static str, Response<Bytes>)> {
    vec![
        ("ok", response(200, &[JSON], ok_body)),
        (
            "ok_extra_fields",
            response(200, &[JSON], &with_extra_fields(ok_body)),
        ),
        ("ok_nulls", response(200, &[JSON], nulls)),
        (
            "400_label_taken",
            error(
                400,
                json!({"error": "Label already exists: nightly", "detail": {}}),
            ),
        ),
        (
            "400_invalid_token",
            error(
                400,
                json!({"error": format!("Invalid token: {OTHER_CLOUD_SECRET}"), "detail": {}}),
            ),
        ),
        (
            "401",
            error(
                401,
                json!({"error": "Invalid or expired job token", "detail": {}}),
            ),
        ),
        (
            "403",
            error(
                403,
                json!({"error": "Permission denied: token:edit", "detail": {}}),
            ),
        ),
        (
            "404",
            error(404, json!({"error": "Token not found", "detail": {}})),
        ),
        (
            "422",
            error(
                422,
                json!({"message": "Validation error", "detail": {"body": {"duration": ["Must be greater than 0."]}}}),
            ),
        ),
        (
            "500_html",
            response(
                500,
                &[("content-type", "text/html")],
                "<html><body>Internal Server Error</body></html>",
            ),
        ),
        ("malformed_json", response(200, &[JSON], "[{\"id\": 1, ")),
        ("wrong_types", response(200, &[JSON], wrong_types)),
    ]
}

/// Every case name, for the tidy check.
pub(crate) fn case_names() -> Vec<&'static str> {
    cases("{}", "{}", "{}")
        .into_iter()
        .map(|(name, _)| name)
        .collect()
}

/// The operations a logged-in user's token cannot send (no path in that
/// family, `docs/quandela.md` A3): no `auth.request` snapshot.
pub(crate) const JOB_TOKEN_ONLY: [&str; 2] = ["quandela.token.delete_by_secrets", "quandela.usage.report"];

/// Every operation the dialect's snapshots cover, with the cases it adds.
pub(crate) const OPERATIONS: [(&str, &[&str]); 9] = [
    ("quandela.token.generate", &[]),
    ("quandela.token.list", &["not_an_array", "bad_date"]),
    ("quandela.token.read", &["bad_date"]),
    ("quandela.token.update", &[]),
    ("quandela.token.revoke", &[]),
    ("quandela.token.reopen", &[]),
    ("quandela.token.delete_by_ids", &[]),
    ("quandela.token.delete_by_secrets", &[]),
    ("quandela.usage.report", &["not_an_array"]),
];

/// Snapshots `op(family)`'s request in both families, and its parse of the
/// cases.
fn check<O>(op: impl Fn(PathFamily) -> O, cases: Vec<(&'static str, Response<Bytes>)>)
where
    O: Operation + Debug,
    O::Output: Debug + Render,
{
    let job = op(PathFamily::JobToken);
    snapshot_request(&format!("{}.request", O::NAME), &job, &credential());
    let login = op(PathFamily::LoginToken);
    if JOB_TOKEN_ONLY.contains(&O::NAME) {
        let refused = login.build_request(&crate::support::ctx(), &credential());
        assert!(
            matches!(refused, Err(steps_core::BuildError::InvalidInput { .. })),
            "{}: refused for a logged-in token, nothing sent",
            O::NAME
        );
    } else {
        snapshot_request(&format!("{}.auth.request", O::NAME), &login, &credential());
    }
    snapshot_responses(O::NAME, &job, cases);
}

const MESSAGE: &str = r#"{"message":"done"}"#;
const MESSAGE_NULLS: &str = r#"{"message":null}"#;

const SUMMARY: &str = r#"{"id":7,"key":"_T_TEST_cloud_token_not_a_secret","label":"nightly","priority":2,"user_id":3,"count":41,"created_date":"2026-12-01T09:30:00.123456+01:00","expiration_date":"2026-12-02T08:30:00Z","last_used_time":"2026-12-01T10:00:00","is_revoked":false}"#;
const SUMMARY_NULLS: &str = r#"{"id":8,"key":null,"label":null,"priority":null,"user_id":null,"count":null,"created_date":null,"expiration_date":null,"last_used_time":null,"is_revoked":null}"#;

#[test]
fn generate() {
    check(
        |family| {
            GenerateToken::new(family)
                .label("nightly")
                .duration(Duration::from_secs(3600))
                .priority(2)
                .user_id(3)
                .explorer(false)
        },
        cases(
            &format!(r#"{{"duration":3600,"token":"{CLOUD_SECRET}","token_id":7}}"#),
            &format!(r#"{{"duration":null,"token":"{CLOUD_SECRET}","token_id":7}}"#),
            r#"{"duration":"3600","token_id":7}"#,
        ),
    );
}

#[test]
fn generate_with_the_servers_defaults_sends_an_empty_object() {
    let request = GenerateToken::new(PathFamily::JobToken)
        .build_request(&crate::support::ctx(), &credential())
        .expect("builds");
    assert_eq!(request.body().as_ref(), b"{}");
}

#[test]
fn list() {
    let mut all = cases(
        &format!("[{SUMMARY},{SUMMARY_NULLS}]"),
        "[]",
        r#"[{"id":"7","count":1.5}]"#,
    );
    all.push((
        "not_an_array",
        response(200, &[JSON], &format!(r#"{{"tokens":[{SUMMARY}]}}"#)),
    ));
    all.push((
        "bad_date",
        response(200, &[JSON], r#"[{"id":7,"created_date":"yesterday"}]"#),
    ));
    check(
        |family| {
            ListTokens::new(family)
                .limit(2)
                .offset(4)
                .user_id(3)
                .include_expired(false)
                .include_revoked(true)
        },
        all,
    );
}

#[test]
fn read() {
    let details = json!({
        "id": 7, "token": CLOUD_SECRET, "label": "nightly", "priority": 2, "user_id": 3,
        "email": "ada@example.com", "user_priority": 5, "company_id": 11, "company_name": "Photonics Ltd",
        "count": 41, "created_date": "2026-12-01T09:30:00Z", "expiration_date": "2026-12-02T09:30:00Z",
        "last_used_time": "2026-12-01T10:00:00.5Z", "last_used_duration": "2 minutes",
        "is_apikey": false, "is_explorer_token": false, "valid": true
    });
    let nulls = json!({
        "id": 7, "token": null, "label": null, "priority": null, "user_id": null, "email": null,
        "user_priority": null, "company_id": null, "company_name": null, "count": null,
        "created_date": null, "expiration_date": null, "last_used_time": null,
        "last_used_duration": null, "is_apikey": null, "is_explorer_token": null, "valid": null
    });
    let mut all = cases(
        &details.to_string(),
        &nulls.to_string(),
        r#"{"id":7,"valid":"yes"}"#,
    );
    all.push((
        "bad_date",
        response(200, &[JSON], r#"{"id":7,"expiration_date":"2026-12-02 25:00"}"#),
    ));
    check(|family| ReadToken::new(family, 7), all);
}

#[test]
fn update() {
    check(
        |family| UpdateToken::new(family, 7).label("renamed").priority(1),
        cases(MESSAGE, MESSAGE_NULLS, r#"{"message":5}"#),
    );
}

#[test]
fn revoke() {
    check(
        |family| RevokeToken::new(family, Secret::new(OTHER_CLOUD_SECRET)),
        cases(MESSAGE, MESSAGE_NULLS, r#"{"message":5}"#),
    );
}

#[test]
fn reopen() {
    check(
        |family| ReopenToken::new(family, Secret::new(OTHER_CLOUD_SECRET)),
        cases(MESSAGE, MESSAGE_NULLS, r#"{"message":5}"#),
    );
}

#[test]
fn delete_by_ids() {
    check(
        |family| DeleteTokensByIds::new(family, vec![7, 8]),
        cases(MESSAGE, MESSAGE_NULLS, r#"{"message":5}"#),
    );
}

#[test]
fn delete_by_secrets() {
    check(
        |family| DeleteTokensBySecrets::new(family, vec![Secret::new(OTHER_CLOUD_SECRET)]),
        cases(MESSAGE, MESSAGE_NULLS, r#"{"message":5}"#),
    );
}

#[test]
fn usage() {
    let report = json!([{
        "token_id": 7, "total_jobs": 3,
        "usage": [
            {"platform_name": "qpu:ascella", "nb_jobs": 2, "duration_seconds": 61.5, "credits": 12.25, "free_credits": 0},
            {"platform_name": "sim:slos", "nb_jobs": 1, "duration_seconds": 3, "credits": 0, "free_credits": 1.5}
        ]
    }]);
    let nulls = json!([{"token_id": 8, "total_jobs": null, "usage": null}]);
    let mut all = cases(
        &report.to_string(),
        &nulls.to_string(),
        r#"[{"token_id":7,"usage":[{"credits":"many"}]}]"#,
    );
    all.push((
        "not_an_array",
        response(200, &[JSON], &json!({"token_id": 7}).to_string()),
    ));
    let since = UNIX_EPOCH + Duration::from_secs(1_796_000_000);
    let until = since + Duration::from_secs(86_400);
    check(
        |family| {
            UsageReport::new(family)
                .token_ids(vec![7, 8])
                .since(since)
                .until(until)
        },
        all,
    );
}

impl Render for GeneratedToken {
    fn name(&self) -> String {
        "GeneratedToken".to_owned()
    }

    fn fields(&self, out: &mut Out) {
        out.field("token_id", self.token_id);
        out.field("token", secret(&self.token));
        out.field("duration", opt(self.duration, |d| format!("{}s", d.as_secs())));
        out.extra(&self.extra);
    }
}

impl Render for TokenSummary {
    fn name(&self) -> String {
        "TokenSummary".to_owned()
    }

    fn fields(&self, out: &mut Out) {
        out.field("id", self.id);
        out.field("key", opt(self.key.as_ref(), secret));
        out.field("label", opt(self.label.as_deref(), quoted));
        out.field("priority", opt(self.priority, |p| p.to_string()));
        out.field("user_id", opt(self.user_id, |id| id.to_string()));
        out.field("count", opt(self.count, |n| n.to_string()));
        out.field("created_at", opt(self.created_at, rfc3339));
        out.field("expires_at", opt(self.expires_at, rfc3339));
        out.field("last_used_at", opt(self.last_used_at, rfc3339));
        out.field("is_revoked", opt(self.is_revoked, |b| b.to_string()));
        out.extra(&self.extra);
    }
}

impl Render for TokenDetails {
    fn name(&self) -> String {
        "TokenDetails".to_owned()
    }

    fn fields(&self, out: &mut Out) {
        let number = |n: Option<i64>| opt(n, |n| n.to_string());
        let flag = |b: Option<bool>| opt(b, |b| b.to_string());
        out.field("id", self.id);
        out.field("token", opt(self.token.as_ref(), secret));
        out.field("label", opt(self.label.as_deref(), quoted));
        out.field("priority", number(self.priority));
        out.field("user_id", number(self.user_id));
        out.field("email", opt(self.email.as_deref(), quoted));
        out.field("user_priority", number(self.user_priority));
        out.field("company_id", number(self.company_id));
        out.field("company_name", opt(self.company_name.as_deref(), quoted));
        out.field("count", number(self.count));
        out.field("created_at", opt(self.created_at, rfc3339));
        out.field("expires_at", opt(self.expires_at, rfc3339));
        out.field("last_used_at", opt(self.last_used_at, rfc3339));
        out.field(
            "last_used_duration",
            opt(self.last_used_duration.as_ref(), |v| v.to_string()),
        );
        out.field("is_apikey", flag(self.is_apikey));
        out.field("is_explorer_token", flag(self.is_explorer_token));
        out.field("valid", flag(self.valid));
        out.extra(&self.extra);
    }
}

impl Render for Vec<TokenUsage> {
    fn name(&self) -> String {
        "Vec<TokenUsage>".to_owned()
    }

    fn fields(&self, out: &mut Out) {
        out.items("reports", self);
    }
}

impl Render for TokenUsage {
    fn name(&self) -> String {
        "TokenUsage".to_owned()
    }

    fn fields(&self, out: &mut Out) {
        out.field("token_id", self.token_id);
        out.field("total_jobs", opt(self.total_jobs, |n| n.to_string()));
        out.items("usage", &self.usage);
        out.extra(&self.extra);
    }
}

impl Render for PlatformUsage {
    fn name(&self) -> String {
        "PlatformUsage".to_owned()
    }

    fn fields(&self, out: &mut Out) {
        let number = |n: Option<f64>| opt(n, |n| n.to_string());
        out.field("platform_name", opt(self.platform_name.as_deref(), quoted));
        out.field("nb_jobs", opt(self.nb_jobs, |n| n.to_string()));
        out.field("duration_seconds", number(self.duration_seconds));
        out.field("credits", number(self.credits));
        out.field("free_credits", number(self.free_credits));
        out.extra(&self.extra);
    }
}
