//! Grace periods: an old secret works during its grace beside the new
//! one (and, with `self`, may not rotate itself); a token rotated twice
//! keeps each old secret's own grace; after the graces end the old
//! secrets are refused and cannot rotate.

use http::Method;
use serde_json::json;

use crate::conformance::harness::client::{is_error, shown};
use crate::conformance::harness::tokens::{id_of, secret_of, whoami_status, Made};
use crate::conformance::report::Report;
use crate::conformance::v2::rotation::context::{rotate, Ctx, Graced, JOBS};

/// Rotates a token with a grace: its old secret works during it, beside
/// the new one. Each old secret is checked within the first second of
/// its grace; the ends are checked after one wait.
pub(super) async fn grace_starts(c: &Ctx<'_>, r: &mut Report, made: &mut Made) -> Graced {
    let token = made.create(c.http, JOBS, &c.user, c.body.clone()).await;
    let reply = c
        .http
        .call(
            Method::POST,
            &rotate(JOBS, token.id),
            Some(&c.user),
            Some(c.with_grace.clone()),
        )
        .await;
    let new = secret_of(&reply);
    let statuses = [
        whoami_status(c.http, &token.secret).await,
        whoami_status(c.http, &new).await,
    ];
    r.check(
        "rotation: with grace_seconds the old secret works during its grace, beside the new one",
        reply.status == 200 && statuses == [200, 200],
        || {
            format!(
                "{}; whoami with the old and new secrets: {statuses:?}",
                shown(&reply)
            )
        },
    );
    let graced = Graced { token, new };
    self_rotate_in_grace(c, r, &graced).await;
    graced
}

/// With `self`: an old secret in its grace may not rotate itself (403).
async fn self_rotate_in_grace(c: &Ctx<'_>, r: &mut Report, graced: &Graced) {
    const SELF_ROTATE_IN_GRACE: &str =
        "rotation: an old secret in its grace calling POST /api/token/self/rotate is 403";
    if !c.offers_self {
        r.skip(SELF_ROTATE_IN_GRACE, "needs the feature `self` too");
        return;
    }
    let reply = c
        .http
        .call(
            Method::POST,
            "/api/token/self/rotate",
            Some(&graced.token.secret),
            Some(json!({})),
        )
        .await;
    let new_works = whoami_status(c.http, &graced.new).await;
    r.check(
        SELF_ROTATE_IN_GRACE,
        is_error(&reply, 403) && new_works == 200,
        || format!("{}; the new secret then: {new_works}", shown(&reply)),
    );
}

/// Rotated twice: the first old secret keeps its grace, the second
/// (rotated away without one) is refused at once. The token's secrets:
/// the original, the first rotation's, the second's.
pub(super) async fn rotated_twice(c: &Ctx<'_>, r: &mut Report, made: &mut Made) -> [String; 3] {
    let (http, user) = (c.http, c.user.as_str());
    let twice = made.create(http, JOBS, user, c.body.clone()).await;
    let once = http
        .call(
            Method::POST,
            &rotate(JOBS, twice.id),
            Some(user),
            Some(c.with_grace.clone()),
        )
        .await;
    let again = http
        .call(Method::POST, &rotate(JOBS, twice.id), Some(user), Some(json!({})))
        .await;
    let secrets = [twice.secret.clone(), secret_of(&once), secret_of(&again)];
    r.check(
        "rotation: a token rotated twice gets a new secret each time, with the same id",
        once.status == 200
            && again.status == 200
            && id_of(&once) == twice.id
            && id_of(&again) == twice.id
            && !secrets[1].is_empty()
            && !secrets[2].is_empty()
            && secrets[0] != secrets[1]
            && secrets[1] != secrets[2]
            && secrets[0] != secrets[2],
        || format!("first: {}; second: {}", shown(&once), shown(&again)),
    );
    let mut twice_statuses = Vec::new();
    for secret in &secrets {
        twice_statuses.push(whoami_status(http, secret).await);
    }
    r.check(
        "rotation: rotated twice, each old secret keeps its own grace: the first (with grace) works, the second \
         (without) is 401",
        twice_statuses == [200, 401, 200],
        || format!("whoami with the original, first and second secrets: {twice_statuses:?}"),
    );
    secrets
}

/// After the graces: the old secrets are refused, the newest work.
pub(super) async fn graces_end(c: &Ctx<'_>, r: &mut Report, graced: &Graced, twice: &[String; 3]) {
    let statuses = [
        whoami_status(c.http, &graced.token.secret).await,
        whoami_status(c.http, &graced.new).await,
    ];
    r.check(
        "rotation: after the grace the old secret is 401 and the new one works",
        statuses == [401, 200],
        || format!("whoami with the old and new secrets: {statuses:?}"),
    );
    let mut twice_statuses = Vec::new();
    for secret in twice {
        twice_statuses.push(whoami_status(c.http, secret).await);
    }
    r.check(
        "rotation: rotated twice, after the first grace ends both old secrets are 401 and the newest works",
        twice_statuses == [401, 401, 200],
        || format!("whoami with the original, first and second secrets: {twice_statuses:?}"),
    );
}

/// A secret rotated away cannot rotate again, and revokes nothing.
pub(super) async fn rotated_away(c: &Ctx<'_>, r: &mut Report, graced: &Graced) {
    let old = graced.token.secret.as_str();
    let mut refusals = vec![
        c.http
            .call(
                Method::POST,
                &rotate(JOBS, graced.token.id),
                Some(old),
                Some(json!({})),
            )
            .await,
    ];
    if c.offers_self {
        refusals.push(
            c.http
                .call(Method::POST, "/api/token/self/rotate", Some(old), Some(json!({})))
                .await,
        );
    }
    let new_works = whoami_status(c.http, &graced.new).await;
    r.check(
        "rotation: rotating with a secret rotated away after its grace is 401, and the new secret still works",
        refusals.iter().all(|reply| is_error(reply, 401)) && new_works == 200,
        || {
            let refusals: Vec<String> = refusals.iter().map(shown).collect();
            format!("{}; the new secret then: {new_works}", refusals.join("; "))
        },
    );
}
