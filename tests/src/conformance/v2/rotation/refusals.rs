//! Refused rotations (400 for bad bodies, 404 for unknown ids) change
//! nothing; reads and lists show `rotated_at` for rotated tokens only.

use http::Method;
use serde_json::json;

use crate::conformance::harness::client::{is_error, shown};
use crate::conformance::harness::lists::listed;
use crate::conformance::harness::tokens::{secret_of, whoami_status, NO_SUCH_ID};
use crate::conformance::report::Report;
use crate::conformance::v2::rotation::context::{rotate, Ctx, Rotated, JOBS, KEYS};

/// Refused rotations: 400 and 404, changing nothing.
pub(super) async fn refused(c: &Ctx<'_>, r: &mut Report, rot: &Rotated) {
    for (what, rotation_body) in [
        ("a negative grace", json!({ "grace_seconds": -1 })),
        ("a grace over a day (86401)", json!({ "grace_seconds": 86_401 })),
        ("a string grace", json!({ "grace_seconds": "10" })),
        ("a null grace", json!({ "grace_seconds": null })),
        ("a fractional grace", json!({ "grace_seconds": 1.5 })),
        ("a body that is not an object", json!([1])),
    ] {
        let reply = c
            .http
            .call(
                Method::POST,
                &rotate(JOBS, rot.job.id),
                Some(&c.user),
                Some(rotation_body),
            )
            .await;
        r.check(format!("rotation: {what} is 400"), is_error(&reply, 400), || {
            shown(&reply)
        });
    }
    for (what, path, token) in [
        ("job_token.rotate", JOBS, c.user.as_str()),
        ("api_key.rotate", KEYS, c.admin.as_str()),
    ] {
        let reply = c
            .http
            .call(
                Method::POST,
                &rotate(path, NO_SUCH_ID),
                Some(token),
                Some(json!({})),
            )
            .await;
        r.check(
            format!("rotation: {what} of an unknown id is 404"),
            is_error(&reply, 404),
            || shown(&reply),
        );
    }
    let still = whoami_status(c.http, &secret_of(rot.by_admin())).await;
    r.check(
        "rotation: refused rotations changed nothing: the current secret still works",
        still == 200,
        || format!("whoami with the current secret: {still}"),
    );
}

/// Reads and lists show rotated_at: the last rotation's, and none for a
/// token never rotated.
pub(super) async fn reads_and_lists(c: &Ctx<'_>, r: &mut Report, rot: &Rotated) {
    let (http, by_admin) = (c.http, rot.by_admin());
    let read = http
        .call(
            Method::GET,
            &format!("{JOBS}/{}", rot.job.id),
            Some(&c.user),
            None,
        )
        .await;
    r.check(
        "rotation: job_token.read of a rotated token shows rotated_at, the last rotation's",
        read.status == 200
            && read.json["rotated_at"].is_u64()
            && read.json["rotated_at"] == by_admin.json["rotated_at"]
            && read.json.get("token").is_none(),
        || shown(&read),
    );
    let item = listed(http, &c.admin, JOBS, rot.job.id).await;
    r.check(
        "rotation: job_token.list shows rotated_at for a rotated token",
        item.as_ref().is_some_and(|item| {
            item["rotated_at"] == by_admin.json["rotated_at"] && item["rotated_at"].is_u64()
        }),
        || format!("listed: {item:?}"),
    );
    let read = http
        .call(
            Method::GET,
            &format!("{KEYS}/{}", rot.key.id),
            Some(&c.admin),
            None,
        )
        .await;
    r.check(
        "rotation: api_key.read of a rotated key shows rotated_at",
        read.status == 200
            && read.json["rotated_at"] == rot.key_rotated.json["rotated_at"]
            && read.json["rotated_at"].is_u64(),
        || shown(&read),
    );
    let read = http
        .call(
            Method::GET,
            &format!("{JOBS}/{}", rot.caller_job.id),
            Some(&c.user),
            None,
        )
        .await;
    let item = listed(http, &c.admin, JOBS, rot.caller_job.id).await;
    r.check(
        "rotation: a token never rotated has no rotated_at in reads and lists",
        read.status == 200
            && read.json.get("rotated_at").is_none()
            && item.is_some_and(|item| item.get("rotated_at").is_none()),
        || shown(&read),
    );
}
