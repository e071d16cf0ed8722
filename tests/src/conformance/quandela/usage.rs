//! The usage report, on the job family only (P18, A3, E14): its shape,
//! one entry per token asked (every token of the account by default),
//! ascending; the spellings of `token_ids`; what it refuses; and, with a
//! control plane to record jobs, the sums per platform over
//! `[start_time, end_time)`.

use serde_json::{json, Value};

use crate::conformance::harness::client::shown;
use crate::conformance::harness::tokens::NO_SUCH_ID;
use crate::conformance::quandela::context::{Ctx, Family};
use crate::conformance::quandela::shapes::{
    epoch, ids, is_array_of, is_done, is_error, is_error_saying, is_invalid, is_usage, query_time,
};
use crate::conformance::report::Report;

/// The report's token ids, in order.
fn report_ids(report: &Value) -> Vec<i64> {
    report
        .as_array()
        .map(|items| items.iter().filter_map(|u| u["token_id"].as_i64()).collect())
        .unwrap_or_default()
}

/// The report's shape and the tokens it covers.
pub(super) async fn run(c: &Ctx<'_>, r: &mut Report) {
    let user = c.user.as_str();
    let (a, b) = (c.mint(Family::Job, user).await, c.mint(Family::Job, user).await);
    let every = c.usage(user, "").await;
    let listed = ids(&c.get(Family::Job, user, "").await);
    r.check(
        "usage: without token_ids, one entry per token of the account, ascending by id (P18, E14)",
        is_array_of(&every, is_usage) && report_ids(&every.json) == listed,
        || format!("report ids {:?}, listed {listed:?}", report_ids(&every.json)),
    );
    let (lo, hi) = (a.id.min(b.id), a.id.max(b.id));
    let mut same = Vec::new();
    for query in [
        format!("{hi},{lo}"),
        format!("[{hi},{lo}]"),
        format!("{hi}&token_ids={lo}"),
    ] {
        let reply = c.usage(user, &format!("?token_ids={query}")).await;
        same.push((query, report_ids(&reply.json), reply.status));
    }
    r.check(
        "usage: token_ids as 1,2 as [1,2] and repeated give those tokens, ascending (P18, E14)",
        same.iter()
            .all(|(_, ids, status)| *status == 200 && ids == &[lo, hi]),
        || format!("{same:?}"),
    );
    let fresh = c.usage(user, &format!("?token_ids={}", a.id)).await;
    r.check(
        "usage: a token without recorded usage is {token_id, total_jobs: 0, usage: []} (E14)",
        fresh.status == 200
            && report_ids(&fresh.json) == [a.id]
            && fresh.json[0]["total_jobs"] == 0
            && fresh.json[0]["usage"] == json!([]),
        || shown(&fresh),
    );
    let empty = c.usage(user, "?token_ids=").await;
    let brackets = c.usage(user, "?token_ids=[]").await;
    r.check(
        "usage: an empty token_ids, or [], is every token of the account (E14, E22)",
        report_ids(&empty.json) == listed && report_ids(&brackets.json) == listed,
        || format!("empty: {}; []: {}", shown(&empty), shown(&brackets)),
    );
    let twice = c
        .usage(user, &format!("?token_ids={},{}&token_ids={}", a.id, a.id, a.id))
        .await;
    r.check(
        "usage: an id asked for more than once counts once (E22)",
        twice.status == 200 && report_ids(&twice.json) == [a.id],
        || shown(&twice),
    );
    let spaced = c.usage(user, "?start_time=2026-01-01T00:00:00+00:00").await;
    r.check(
        "usage: a + sent unencoded, which arrives as a space, is read as the offset's sign (E22)",
        spaced.status == 200,
        || shown(&spaced),
    );
    refusals(c, a.id, r).await;
}

/// What the report refuses.
async fn refusals(c: &Ctx<'_>, id: i64, r: &mut Report) {
    let user = c.user.as_str();
    let unknown = c.usage(user, &format!("?token_ids={id},{NO_SUCH_ID}")).await;
    r.check(
        "usage: an id naming no token is 400 \"Token not found or invalid\" (P18, E14)",
        is_error_saying(&unknown, 400, "Token not found or invalid"),
        || shown(&unknown),
    );
    for (query, field) in [
        ("token_ids=one", "token_ids"),
        ("start_time=yesterday", "start_time"),
        ("end_time=2026-13-01T00:00:00Z", "end_time"),
    ] {
        let reply = c.usage(user, &format!("?{query}")).await;
        r.check(
            format!("usage: {query} is 422 with detail.query.{field} (E14, E15)"),
            is_invalid(&reply, "query") && reply.json["detail"]["query"][field].is_array(),
            || shown(&reply),
        );
    }
    let order = c
        .usage(user, &format!("?token_ids={NO_SUCH_ID}&start_time=yesterday"))
        .await;
    r.check(
        "usage: input is checked before ids: a bad time with an unknown id is 422 (E22)",
        is_invalid(&order, "query"),
        || shown(&order),
    );
    let check =
        "usage: a report on another user's token is 403, after 400 for an id naming no token (E7, E22)";
    let Some(other) = &c.other else {
        r.skip(check, "no other user's job token was given (or it was refused)");
        return;
    };
    let theirs = c
        .usage(user, &format!("?token_ids={id},{}", other.token.id))
        .await;
    let unknown_first = c
        .usage(user, &format!("?token_ids={},{NO_SUCH_ID}", other.token.id))
        .await;
    r.check(
        check,
        is_error(&theirs, 403) && is_error_saying(&unknown_first, 400, "Token not found or invalid"),
        || {
            format!(
                "theirs: {}; with an unknown id: {}",
                shown(&theirs),
                shown(&unknown_first)
            )
        },
    );
}

/// The sums of recorded jobs (E14), when a control plane can record them.
pub(super) async fn sums(c: &Ctx<'_>, r: &mut Report) {
    const NAME: &str = "usage: recorded jobs are summed per platform over [start_time, end_time), total_jobs their count (E14)";
    let made = c.mint(Family::Job, &c.user).await;
    let read = c.read(Family::Job, &c.user, made.id).await;
    let now = read.json["created_date"].as_str().and_then(epoch).unwrap_or(0);
    let record = |platform: &str, jobs: u64, seconds: u64, credits: f64, at: i64| {
        json!({
            "token_id": made.id, "platform_name": platform, "nb_jobs": jobs,
            "duration_seconds": seconds, "credits": credits, "free_credits": credits / 2.0, "at": at,
        })
    };
    let records = [
        record("sim:slos", 2, 10, 1.5, now),
        record("sim:slos", 1, 5, 0.5, now + 10),
        record("qpu:belenos", 4, 60, 8.0, now),
        record("sim:slos", 7, 70, 3.0, now - 86_400),
    ];
    let mut stored = true;
    for record in records {
        match c.record_usage(record).await {
            None => {
                let why = "no control plane was given to record usage (--control)";
                r.skip(NAME, why);
                r.skip(ROUNDED, why);
                return r.skip(FORGOTTEN, why);
            }
            Some(ok) => stored &= ok,
        }
    }
    let query = |from: i64, to: i64| {
        format!(
            "?token_ids={}&start_time={}&end_time={}",
            made.id,
            query_time(from),
            query_time(to)
        )
    };
    let window = c.usage(&c.user, &query(now - 3_600, now + 3_600)).await;
    let before = c.usage(&c.user, &query(now - 86_400, now)).await;
    let all = c.usage(&c.user, &format!("?token_ids={}", made.id)).await;
    let platform = |report: &Value, name: &str| {
        report[0]["usage"]
            .as_array()
            .and_then(|u| u.iter().find(|p| p["platform_name"] == name).cloned())
            .unwrap_or_default()
    };
    let slos = platform(&window.json, "sim:slos");
    let numbers = ["nb_jobs", "duration_seconds", "credits", "free_credits"].map(|f| slos[f].as_f64());
    let ok = stored
        && window.json[0]["total_jobs"] == 7
        && numbers == [Some(3.0), Some(15.0), Some(2.0), Some(1.0)]
        && platform(&window.json, "qpu:belenos")["nb_jobs"] == 4
        && before.json[0]["total_jobs"] == 7
        && platform(&before.json, "qpu:belenos").is_null()
        && all.json[0]["total_jobs"] == 14;
    r.check(NAME, ok, || {
        format!(
            "stored {stored}; window: {}; before: {}; all: {}",
            window.json, before.json, all.json
        )
    });
    rounded_and_forgotten(c, made.id, now, r).await;
}

const ROUNDED: &str = "usage: a time with a fraction of a second is rounded up to the next second (E22)";
const FORGOTTEN: &str = "usage: a deleted token's usage goes with it: asking for it is 400 (E25)";

/// E22's rounding, over the records [`sums`] made for the token `id` at
/// `now` (6 jobs), `now + 10` and a day before; then E25.
async fn rounded_and_forgotten(c: &Ctx<'_>, id: i64, now: i64, r: &mut Report) {
    let fraction = |at: i64| query_time(at).replace("%2B", ".5%2B");
    let query = format!(
        "?token_ids={id}&start_time={}&end_time={}",
        fraction(now - 1),
        fraction(now)
    );
    let rounded = c.usage(&c.user, &query).await;
    r.check(ROUNDED, rounded.json[0]["total_jobs"] == 6, || shown(&rounded));
    let deleted = c.delete(Family::Job, &c.user, &[id]).await;
    let gone = c.usage(&c.user, &format!("?token_ids={id}")).await;
    r.check(
        FORGOTTEN,
        is_done(&deleted) && is_error_saying(&gone, 400, "Token not found or invalid"),
        || format!("delete: {}; usage: {}", shown(&deleted), shown(&gone)),
    );
}
