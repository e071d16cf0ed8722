//! Feature `idempotency`: creates with an `Idempotency-Key`: replays,
//! 422 for the same key on another request, 400 for bad keys, keys per
//! caller, refusals kept nothing, concurrent re-sends, and (when the
//! server can hold a create open) a re-send while the first is handled.

use http::Method;
use serde_json::{json, Value};

use crate::conformance::harness::client::{is_error, shown, Http, Reply};
use crate::conformance::harness::options::{Accounts, Options, HOLD};
use crate::conformance::harness::tokens::{count_tokens, fresh_key, login};
use crate::conformance::report::Report;

/// What the checks share: the logins, the body they create with, and the
/// user's id.
struct Ctx<'a> {
    http: &'a Http,
    admin: String,
    user: String,
    other: String,
    body: Value,
    user_id: Value,
}

/// What the checks created: path, id and owner, deleted at the end.
#[derive(Default)]
struct Kept(Vec<(String, i64, String)>);

impl Kept {
    /// Remembers what `reply` created at `path` as `owner`, if anything.
    fn keep(&mut self, path: &str, reply: &Reply, owner: &str) {
        let id = reply.json["token_id"]
            .as_i64()
            .or_else(|| reply.json["api_key_id"].as_i64());
        if let (true, Some(id)) = (reply.created(), id) {
            self.0.push((path.to_owned(), id, owner.to_owned()));
        }
    }

    /// Deletes each once, in order.
    async fn clean(mut self, http: &Http) {
        self.0.sort();
        self.0.dedup();
        for (path, id, owner) in self.0 {
            http.call(Method::DELETE, &format!("{path}/{id}"), Some(&owner), None)
                .await;
        }
    }
}

/// Feature `idempotency`: creates with an `Idempotency-Key`.
pub(super) async fn run(http: &Http, accounts: &Accounts, r: &mut Report, options: &Options<'_>) {
    let admin = login(http, &accounts.admin).await;
    let user = login(http, &accounts.user).await;
    let other = login(http, &accounts.other).await;
    let user_id = http
        .call(Method::GET, "/api/whoami", Some(&user), None)
        .await
        .json["user_id"]
        .clone();
    let c = Ctx {
        http,
        admin,
        user,
        other,
        body: json!({ "label": "conformance-idempotency", "duration": 3600 }),
        user_id,
    };
    let mut kept = Kept::default();
    replays(&c, r, &mut kept).await;
    mismatches(&c, r, &mut kept).await;
    bad_keys(&c, r, &mut kept).await;
    per_caller(&c, r, &mut kept).await;
    after_403(&c, r, &mut kept).await;
    after_400(&c, r, &mut kept).await;
    concurrent(&c, r, &mut kept).await;
    in_progress(&c, r, &mut kept, options).await;
    kept.clean(http).await;
}

/// The same request twice: one token, replayed with its secret.
async fn replays(c: &Ctx<'_>, r: &mut Report, kept: &mut Kept) {
    let (http, body) = (c.http, &c.body);
    let tokens_before = count_tokens(http, &c.admin, &c.user_id).await;
    for (path, token, id, secret) in [
        ("/api/job_token", c.user.as_str(), "token_id", "token"),
        ("/api/api_key", c.admin.as_str(), "api_key_id", "api_key"),
    ] {
        let key = fresh_key("replay");
        let first = http.create_keyed(path, token, key.as_bytes(), body).await;
        let again = http.create_keyed(path, token, key.as_bytes(), body).await;
        kept.keep(path, &first, token);
        r.check(
            format!("idempotency: POST {path} with a key is created, without Idempotent-Replayed"),
            first.created() && first.json[secret].is_string() && !first.replayed(),
            || shown(&first),
        );
        r.check(
            format!(
                "idempotency: POST {path} again with the same key and body is replayed: the same status, \
                 id and secret, with Idempotent-Replayed: true"
            ),
            again.status == first.status
                && again.replayed()
                && again.json[id] == first.json[id]
                && again.json[secret].is_string()
                && again.json[secret] == first.json[secret],
            || format!("first: {}; again: {}", shown(&first), shown(&again)),
        );
    }
    let tokens_after = count_tokens(http, &c.admin, &c.user_id).await;
    r.check(
        "idempotency: a replay creates nothing",
        tokens_after == tokens_before + 1,
        || format!("the user had {tokens_before} job tokens before and {tokens_after} after"),
    );
}

/// The same key for another request: 422.
async fn mismatches(c: &Ctx<'_>, r: &mut Report, kept: &mut Kept) {
    let (http, admin, body) = (c.http, c.admin.as_str(), &c.body);
    let key = fresh_key("mismatch");
    let first = http
        .create_keyed("/api/job_token", admin, key.as_bytes(), body)
        .await;
    kept.keep("/api/job_token", &first, admin);
    let other_body = json!({ "label": "conformance-idempotency", "duration": 3601 });
    for (what, path, body) in [
        ("another body", "/api/job_token", &other_body),
        ("another path", "/api/api_key", body),
    ] {
        let reply = http.create_keyed(path, admin, key.as_bytes(), body).await;
        kept.keep(path, &reply, admin);
        r.check(
            format!("idempotency: the same key with {what} is 422"),
            first.created() && is_error(&reply, 422),
            || shown(&reply),
        );
    }
}

/// Bad keys: 400, and nothing created; the longest good key is accepted.
async fn bad_keys(c: &Ctx<'_>, r: &mut Report, kept: &mut Kept) {
    let (http, user, body) = (c.http, c.user.as_str(), &c.body);
    let before = count_tokens(http, &c.admin, &c.user_id).await;
    let too_long = vec![b'k'; 256];
    for (what, key) in [
        ("an empty key", &b""[..]),
        ("a key of 256 characters", &too_long[..]),
        ("a key with a space", &b"two words"[..]),
        ("a non-ASCII key", "cl\u{e9}".as_bytes()),
    ] {
        let reply = http.create_keyed("/api/job_token", user, key, body).await;
        kept.keep("/api/job_token", &reply, user);
        r.check(
            format!("idempotency: {what} is 400"),
            is_error(&reply, 400),
            || shown(&reply),
        );
    }
    let after = count_tokens(http, &c.admin, &c.user_id).await;
    r.check("idempotency: a bad key creates nothing", after == before, || {
        format!("the user had {before} job tokens before and {after} after")
    });
    let longest = format!("{}-", fresh_key("longest"));
    let longest = format!("{longest}{}", "~".repeat(255 - longest.len()));
    let reply = http
        .create_keyed("/api/job_token", user, longest.as_bytes(), body)
        .await;
    kept.keep("/api/job_token", &reply, user);
    r.check(
        "idempotency: a key of 255 visible characters is accepted",
        reply.created(),
        || shown(&reply),
    );
}

/// Keys belong to their caller.
async fn per_caller(c: &Ctx<'_>, r: &mut Report, kept: &mut Kept) {
    let (http, user, other, body) = (c.http, c.user.as_str(), c.other.as_str(), &c.body);
    let key = fresh_key("caller");
    let mine = http
        .create_keyed("/api/job_token", user, key.as_bytes(), body)
        .await;
    let theirs = http
        .create_keyed("/api/job_token", other, key.as_bytes(), body)
        .await;
    kept.keep("/api/job_token", &mine, user);
    kept.keep("/api/job_token", &theirs, other);
    r.check(
        "idempotency: another user's request with the same key creates another token",
        mine.created()
            && theirs.created()
            && !theirs.replayed()
            && theirs.json["token_id"] != mine.json["token_id"]
            && theirs.json["token"] != mine.json["token"],
        || format!("mine: {}; theirs: {}", shown(&mine), shown(&theirs)),
    );
}

/// Refusals keep nothing: after a 403 the key works.
async fn after_403(c: &Ctx<'_>, r: &mut Report, kept: &mut Kept) {
    let (http, user, body) = (c.http, c.user.as_str(), &c.body);
    let job = http
        .call(
            Method::POST,
            "/api/job_token",
            Some(user),
            Some(json!({ "duration": 600 })),
        )
        .await;
    kept.keep("/api/job_token", &job, user);
    let job_secret = job.json["token"].as_str().unwrap_or_default();
    let key = fresh_key("forbidden");
    let forbidden = http
        .create_keyed("/api/job_token", job_secret, key.as_bytes(), body)
        .await;
    let after_403 = http
        .create_keyed("/api/job_token", user, key.as_bytes(), body)
        .await;
    kept.keep("/api/job_token", &after_403, user);
    r.check(
        "idempotency: after a 403 (a job token) the same key creates",
        is_error(&forbidden, 403) && after_403.created() && !after_403.replayed(),
        || format!("refused: {}; then: {}", shown(&forbidden), shown(&after_403)),
    );
}

/// Refusals keep nothing: after a 400 the key creates, then replays.
async fn after_400(c: &Ctx<'_>, r: &mut Report, kept: &mut Kept) {
    let (http, user, body) = (c.http, c.user.as_str(), &c.body);
    let key = fresh_key("invalid");
    let invalid = http
        .create_keyed("/api/job_token", user, key.as_bytes(), &json!({ "duration": 0 }))
        .await;
    let after_400 = http
        .create_keyed("/api/job_token", user, key.as_bytes(), body)
        .await;
    let replay = http
        .create_keyed("/api/job_token", user, key.as_bytes(), body)
        .await;
    kept.keep("/api/job_token", &after_400, user);
    r.check(
        "idempotency: after a 400 (a zero duration) the same key creates (not 422), then replays",
        is_error(&invalid, 400)
            && after_400.created()
            && !after_400.replayed()
            && replay.replayed()
            && replay.json["token_id"] == after_400.json["token_id"],
        || {
            format!(
                "refused: {}; then: {}; again: {}",
                shown(&invalid),
                shown(&after_400),
                shown(&replay)
            )
        },
    );
}

/// Concurrent re-sends (portable): each is answered with the one token or
/// 409, and one token exists.
async fn concurrent(c: &Ctx<'_>, r: &mut Report, kept: &mut Kept) {
    let (http, user, body) = (c.http, c.user.as_str(), &c.body);
    let before = count_tokens(http, &c.admin, &c.user_id).await;
    let key = fresh_key("concurrent");
    let send = || http.create_keyed("/api/job_token", user, key.as_bytes(), body);
    let (one, two, three, four, five) = tokio::join!(send(), send(), send(), send(), send());
    let last = send().await;
    let answers = [&one, &two, &three, &four, &five];
    let ids: Vec<&Value> = answers
        .iter()
        .filter(|reply| reply.created())
        .map(|reply| &reply.json["token_id"])
        .collect();
    let after = count_tokens(http, &c.admin, &c.user_id).await;
    kept.keep("/api/job_token", &last, user);
    r.check(
        "idempotency: five concurrent sends with one key: each is the one token or 409, and one token exists",
        answers
            .iter()
            .all(|reply| reply.created() || is_error(reply, 409))
            && !ids.is_empty()
            && ids.iter().all(|id| **id == last.json["token_id"])
            && last.replayed()
            && after == before + 1,
        || {
            let statuses: Vec<u16> = answers.iter().map(|reply| reply.status.as_u16()).collect();
            format!(
                "statuses {statuses:?}, then {}; {before} tokens before, {after} after",
                shown(&last)
            )
        },
    );
}

/// The check of a re-send while the first request is in progress.
const IN_PROGRESS: &str = "idempotency: a re-send while the first request is handled is 409, then replayed";

/// In progress (not portable: needs a create held open).
async fn in_progress(c: &Ctx<'_>, r: &mut Report, kept: &mut Kept, options: &Options<'_>) {
    match &options.hold_next_create {
        None => r.skip(
            IN_PROGRESS,
            "needs a server that can hold a create open (Options::hold_next_create; the emulator's \
             slow_handler fault); the concurrent check covers what can be checked portably",
        ),
        Some(hold) => {
            hold();
            held(c, r, kept).await;
        }
    }
}

/// A create held open by the server, re-sent meanwhile (409), then after
/// (replayed).
async fn held(c: &Ctx<'_>, r: &mut Report, kept: &mut Kept) {
    let (http, user, body) = (c.http, c.user.as_str(), &c.body);
    let key = fresh_key("held");
    let held = http.create_keyed("/api/job_token", user, key.as_bytes(), body);
    let meanwhile = async {
        tokio::time::sleep(HOLD / 4).await;
        http.create_keyed("/api/job_token", user, key.as_bytes(), body)
            .await
    };
    let (first, meanwhile) = tokio::join!(held, meanwhile);
    let after = http
        .create_keyed("/api/job_token", user, key.as_bytes(), body)
        .await;
    kept.keep("/api/job_token", &first, user);
    r.check(
        IN_PROGRESS,
        is_error(&meanwhile, 409)
            && first.created()
            && after.replayed()
            && after.json["token_id"] == first.json["token_id"],
        || {
            format!(
                "meanwhile: {}; first: {}; after: {}",
                shown(&meanwhile),
                shown(&first),
                shown(&after)
            )
        },
    );
}
