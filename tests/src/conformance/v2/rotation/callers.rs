//! Who may rotate a job token or an API key; what a rotation answers (the
//! same record, a new secret, `rotated_at`); and that without a grace the
//! old secrets are refused at once.

use http::Method;
use serde_json::json;

use crate::conformance::harness::client::{is_error, shown, Reply};
use crate::conformance::harness::tokens::{secret_of, whoami_status, Made, Minted};
use crate::conformance::report::Report;
use crate::conformance::v2::rotation::context::{rotate, Ctx, Rotated, JOBS, KEYS};

/// Who may rotate a job token (refusals, then its owner, then an admin)
/// and an API key (a user, then an admin).
pub(super) async fn who_may_rotate(c: &Ctx<'_>, r: &mut Report, made: &mut Made) -> Rotated {
    let job = made.create(c.http, JOBS, &c.user, c.body.clone()).await;
    let caller_job = made
        .create(c.http, JOBS, &c.user, json!({ "duration": 3600 }))
        .await;
    let caller_key = made
        .create(c.http, KEYS, &c.admin, json!({ "duration": 3600 }))
        .await;
    let answers = job_callers(c, r, &job, &caller_job, &caller_key).await;
    let key = made.create(c.http, KEYS, &c.admin, c.body.clone()).await;
    let refused = c
        .http
        .call(
            Method::POST,
            &rotate(KEYS, key.id),
            Some(&c.user),
            Some(json!({})),
        )
        .await;
    r.check(
        "rotation: api_key.rotate by a user is 403",
        is_error(&refused, 403),
        || shown(&refused),
    );
    let key_rotated = c
        .http
        .call(
            Method::POST,
            &rotate(KEYS, key.id),
            Some(&c.admin),
            Some(json!({})),
        )
        .await;
    r.check(
        "rotation: api_key.rotate by an admin is 200",
        key_rotated.status == 200,
        || shown(&key_rotated),
    );
    Rotated {
        job,
        caller_job,
        key,
        answers,
        refused,
        key_rotated,
    }
}

/// Rotates `job` as each caller: the successful rotations.
async fn job_callers(
    c: &Ctx<'_>,
    r: &mut Report,
    job: &Minted,
    caller_job: &Minted,
    caller_key: &Minted,
) -> Vec<Reply> {
    let mut answers = Vec::new();
    for (caller, token, status) in [
        ("no token", None, 401),
        ("a job token", Some(caller_job.secret.as_str()), 403),
        ("an API key", Some(caller_key.secret.as_str()), 403),
        ("another user", Some(c.other.as_str()), 404),
        ("the owner", Some(c.user.as_str()), 200),
        ("an admin", Some(c.admin.as_str()), 200),
    ] {
        let reply = c
            .http
            .call(Method::POST, &rotate(JOBS, job.id), token, Some(json!({})))
            .await;
        let ok = match status {
            200 => reply.status == 200,
            status => is_error(&reply, status),
        };
        r.check(
            format!("rotation: job_token.rotate by {caller} is {status}"),
            ok,
            || shown(&reply),
        );
        if status == 200 {
            answers.push(reply);
        }
    }
    answers
}

/// The answer: the same record, a new secret, rotated_at.
pub(super) fn same_record(r: &mut Report, rot: &Rotated) {
    for (what, created, rotated, id_field, secret_field) in [
        ("job_token.rotate", &rot.job, rot.by_owner(), "token_id", "token"),
        (
            "api_key.rotate",
            &rot.key,
            &rot.key_rotated,
            "api_key_id",
            "api_key",
        ),
    ] {
        let same = [
            id_field,
            "user_id",
            "label",
            "duration",
            "created_at",
            "expires_at",
        ]
        .iter()
        .all(|field| rotated.json[field] == created.reply.json[field]);
        let new = secret_of(rotated);
        r.check(
            format!(
                "rotation: {what} answers the same {id_field}, label, duration, created_at and expires_at, \
                 a new {secret_field} and rotated_at"
            ),
            rotated.status == 200
                && same
                && rotated.json[secret_field].is_string()
                && !new.is_empty()
                && new != created.secret
                && rotated.json["rotated_at"]
                    .as_u64()
                    .is_some_and(|at| created.reply.json["created_at"].as_u64() <= Some(at)),
            || format!("created: {}; rotated: {}", shown(&created.reply), shown(rotated)),
        );
    }
}

/// Without grace each old secret is refused at once; the newest works.
pub(super) async fn old_secrets(c: &Ctx<'_>, r: &mut Report, rot: &Rotated) {
    let (first, second) = (secret_of(rot.by_owner()), secret_of(rot.by_admin()));
    let job = &rot.job;
    let statuses = [
        whoami_status(c.http, &job.secret).await,
        whoami_status(c.http, &first).await,
        whoami_status(c.http, &second).await,
    ];
    r.check(
        "rotation: without grace each old secret is 401 at once and the newest works",
        statuses == [401, 401, 200] && first != second && first != job.secret && second != job.secret,
        || format!("whoami with the original, first and second secrets: {statuses:?}"),
    );
    let key_statuses = [
        whoami_status(c.http, &rot.key.secret).await,
        whoami_status(c.http, &secret_of(&rot.key_rotated)).await,
    ];
    r.check(
        "rotation: without grace an API key's old secret is 401 at once and the new one works",
        key_statuses == [401, 200],
        || format!("whoami with the old and new secrets: {key_statuses:?}"),
    );
}
