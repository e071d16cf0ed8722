//! Revoking rotated tokens: with `self`, revoking with an old secret ends
//! only its grace, with the current one every grace; deleting a token
//! ends its old secret's grace.

use http::Method;

use crate::conformance::harness::client::{is_error, shown, Reply};
use crate::conformance::harness::tokens::{secret_of, whoami_status, Made, Minted};
use crate::conformance::report::Report;
use crate::conformance::v2::rotation::context::{rotate, Ctx, JOBS};

const REVOKE_OLD: &str =
    "rotation: DELETE /api/token/self with an old secret in its grace revokes only it: it is 401, the token and \
     its new secret stay";
const REVOKE_CURRENT: &str =
    "rotation: DELETE /api/token/self with the current secret deletes the token: its old secret in its grace \
     is 401 too";

/// Revoking with an old secret ends only its grace; with the current one
/// (or deleting the token), every grace.
pub(super) async fn run(c: &Ctx<'_>, r: &mut Report, made: &mut Made) {
    if c.offers_self {
        revoke_old(c, r, made).await;
        revoke_current(c, r, made).await;
    } else {
        r.skip(REVOKE_OLD, "needs the feature `self` too");
        r.skip(REVOKE_CURRENT, "needs the feature `self` too");
    }
    delete_ends_grace(c, r, made).await;
}

/// Creates a job token and rotates it with a grace: the token, and the
/// rotation's answer.
async fn rotated_with_grace(c: &Ctx<'_>, made: &mut Made) -> (Minted, Reply) {
    let token = made.create(c.http, JOBS, &c.user, c.body.clone()).await;
    let rotated = c
        .http
        .call(
            Method::POST,
            &rotate(JOBS, token.id),
            Some(&c.user),
            Some(c.with_grace.clone()),
        )
        .await;
    (token, rotated)
}

/// A revocation's answer, the old and new secrets' whoami statuses, and
/// a read, for a failed check's report.
fn shown_revocation(revoked: &Reply, old: u16, new: u16, read: &Reply) -> String {
    format!(
        "revoke: {}; old secret: {old}; new secret: {new}; read: {}",
        shown(revoked),
        shown(read)
    )
}

/// `DELETE /api/token/self` with an old secret in its grace.
async fn revoke_old(c: &Ctx<'_>, r: &mut Report, made: &mut Made) {
    let (kept, rotated) = rotated_with_grace(c, made).await;
    let revoked = c
        .http
        .call(Method::DELETE, "/api/token/self", Some(&kept.secret), None)
        .await;
    let old = whoami_status(c.http, &kept.secret).await;
    let new = whoami_status(c.http, &secret_of(&rotated)).await;
    let read = c
        .http
        .call(Method::GET, &format!("{JOBS}/{}", kept.id), Some(&c.user), None)
        .await;
    r.check(
        REVOKE_OLD,
        rotated.status == 200
            && (revoked.status == 204 || revoked.status == 200)
            && old == 401
            && new == 200
            && read.status == 200,
        || shown_revocation(&revoked, old, new, &read),
    );
}

/// `DELETE /api/token/self` with the current secret of a token whose old
/// secret is in its grace.
async fn revoke_current(c: &Ctx<'_>, r: &mut Report, made: &mut Made) {
    let (gone, rotated) = rotated_with_grace(c, made).await;
    let revoked = c
        .http
        .call(
            Method::DELETE,
            "/api/token/self",
            Some(&secret_of(&rotated)),
            None,
        )
        .await;
    let old = whoami_status(c.http, &gone.secret).await;
    let new = whoami_status(c.http, &secret_of(&rotated)).await;
    let read = c
        .http
        .call(Method::GET, &format!("{JOBS}/{}", gone.id), Some(&c.user), None)
        .await;
    r.check(
        REVOKE_CURRENT,
        rotated.status == 200
            && (revoked.status == 204 || revoked.status == 200)
            && old == 401
            && new == 401
            && is_error(&read, 404),
        || shown_revocation(&revoked, old, new, &read),
    );
}

/// Deleting a token ends its old secret's grace.
async fn delete_ends_grace(c: &Ctx<'_>, r: &mut Report, made: &mut Made) {
    let (deleted, rotated) = rotated_with_grace(c, made).await;
    let delete = c
        .http
        .call(
            Method::DELETE,
            &format!("{JOBS}/{}", deleted.id),
            Some(&c.user),
            None,
        )
        .await;
    let old = whoami_status(c.http, &deleted.secret).await;
    r.check(
        "rotation: deleting a token ends its old secret's grace (401)",
        rotated.status == 200 && (delete.status == 204 || delete.status == 200) && old == 401,
        || format!("delete: {}; old secret: {old}", shown(&delete)),
    );
}
