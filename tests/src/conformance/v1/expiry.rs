//! Revocation and expiry: a deleted job token or API key is refused (401)
//! and reads as 404; a job token is refused once its duration is over.

use std::time::Duration;

use http::Method;
use serde_json::json;

use crate::conformance::harness::client::{is_error, shown, Http};
use crate::conformance::report::Report;
use crate::conformance::v1::fixture::Fixture;

/// Deletes the fixture's job token and API key, and checks they are gone.
pub(super) async fn revocation(http: &Http, r: &mut Report, f: &Fixture) {
    let job_path = format!("/api/job_token/{}", f.job_id);
    let key_path = format!("/api/api_key/{}", f.key_id);
    let deleted = http.call(Method::DELETE, &job_path, Some(&f.user), None).await;
    r.check(
        "job_token.delete by the owner is 204",
        deleted.status == 204 || deleted.status == 200,
        || shown(&deleted),
    );
    let revoked = http
        .call(Method::GET, "/api/whoami", Some(&f.job_secret), None)
        .await;
    r.check(
        "revocation: a deleted job token is refused with 401",
        is_error(&revoked, 401),
        || shown(&revoked),
    );
    let gone = http.call(Method::GET, &job_path, Some(&f.user), None).await;
    r.check(
        "revocation: a deleted job token reads as 404",
        is_error(&gone, 404),
        || shown(&gone),
    );
    let key_deleted = http.call(Method::DELETE, &key_path, Some(&f.admin), None).await;
    let key_revoked = http
        .call(Method::GET, "/api/whoami", Some(&f.key_secret), None)
        .await;
    r.check(
        "revocation: a deleted API key is refused with 401",
        key_deleted.status == 204 && is_error(&key_revoked, 401),
        || shown(&key_revoked),
    );
}

/// Expiry, in real time: a 2-second job token.
pub(super) async fn expiry(http: &Http, r: &mut Report, f: &Fixture) {
    let short = http
        .call(
            Method::POST,
            "/api/job_token",
            Some(&f.user),
            Some(json!({ "duration": 2 })),
        )
        .await;
    let short_secret = short.json["token"].as_str().unwrap_or_default().to_owned();
    let fresh = http
        .call(Method::GET, "/api/whoami", Some(&short_secret), None)
        .await;
    tokio::time::sleep(Duration::from_millis(3_100)).await;
    let expired = http
        .call(Method::GET, "/api/whoami", Some(&short_secret), None)
        .await;
    r.check(
        "expiry: a job token is accepted before its duration and refused with 401 after",
        fresh.status == 200 && is_error(&expired, 401),
        || format!("before: {}; after: {}", fresh.status, shown(&expired)),
    );
}
