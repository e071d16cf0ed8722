//! Feature `own_tokens`: a user lists their own job tokens and nobody
//! else's, an admin everyone's; `user_id=N` (403 for another user's id
//! from a non-admin); the exact `label=` filter, percent-encoded or with
//! `+` for a space; 400 for bad values; paging over what matches; and who
//! may not list.

use http::Method;
use serde_json::{json, Value};

use crate::conformance::harness::client::{is_error, shown, Http, Reply};
use crate::conformance::harness::lists::{ids, list_all, percent_encode, shown_list};
use crate::conformance::harness::options::Accounts;
use crate::conformance::harness::tokens::{fresh_key, login, Made};
use crate::conformance::report::Report;

const JOBS: &str = "/api/job_token";

/// What the checks share: the logins, the users' ids, the label (encoded
/// both ways) and the job tokens made with it.
struct Own {
    admin: String,
    user: String,
    user_id: Value,
    other_id: Value,
    /// The label, each byte but the unreserved percent-encoded.
    encoded: String,
    /// The label encoded with `+` for each space.
    as_form: String,
    /// The user's job token with the label.
    mine: i64,
    /// The user's job token whose label starts with it.
    longer: i64,
    /// The user's job token without a label.
    unnamed: i64,
    /// The other user's job token with the label.
    theirs: i64,
}

/// A job token list's answer: every item, or the first refusal.
type Listing = Result<Vec<Value>, Reply>;

/// Feature `own_tokens`: users list their own job tokens; `user_id` and
/// `label` filters.
pub(super) async fn run(http: &Http, accounts: &Accounts, r: &mut Report) {
    let mut made = Made::default();
    let o = setup(http, accounts, &mut made).await;
    let own = who_lists(http, r, &o).await;
    user_id_filter(http, r, &o, &own).await;
    label_filter(http, r, &o).await;
    paging(http, r, &o, &own).await;
    may_not_list(http, r, &o, &mut made).await;
    made.clean(http).await;
}

/// Logs in; then the user's tokens: one with the label, one whose label
/// starts with it (an exact filter leaves it out), one without; then the
/// other user's with the label, after them.
async fn setup(http: &Http, accounts: &Accounts, made: &mut Made) -> Own {
    let admin = login(http, &accounts.admin).await;
    let user = login(http, &accounts.user).await;
    let other = login(http, &accounts.other).await;
    let user_id = http
        .call(Method::GET, "/api/whoami", Some(&user), None)
        .await
        .json["user_id"]
        .clone();
    let other_id = http
        .call(Method::GET, "/api/whoami", Some(&other), None)
        .await
        .json["user_id"]
        .clone();
    let label = format!("{} + 100% & caf\u{e9} \u{2713}", fresh_key("own label"));
    let encoded = percent_encode(&label);
    let as_form = encoded.replace("%20", "+");
    let labelled = json!({ "label": label, "duration": 3600 });
    let longer_label = json!({ "label": format!("{label}x"), "duration": 3600 });
    let mine = made.create(http, JOBS, &user, labelled.clone()).await;
    let longer = made.create(http, JOBS, &user, longer_label).await;
    let unnamed = made.create(http, JOBS, &user, json!({ "duration": 3600 })).await;
    let theirs = made.create(http, JOBS, &other, labelled).await;
    Own {
        admin,
        user,
        user_id,
        other_id,
        encoded,
        as_form,
        mine: mine.id,
        longer: longer.id,
        unnamed: unnamed.id,
        theirs: theirs.id,
    }
}

/// Who sees what: a user their own, an admin everyone's. The user's list.
async fn who_lists(http: &Http, r: &mut Report, o: &Own) -> Listing {
    let user_made = [o.mine, o.longer, o.unnamed];
    let own = list_all(http, &o.user, "").await;
    r.check(
        "own_tokens: a user's login token lists their own job tokens (200) and none of another user's",
        own.as_ref().is_ok_and(|items| {
            let listed = ids(items);
            user_made.iter().all(|id| listed.contains(id))
                && !listed.contains(&o.theirs)
                && items.iter().all(|t| t["user_id"] == o.user_id)
        }),
        || shown_list(&own),
    );
    let all = list_all(http, &o.admin, "").await;
    r.check(
        "own_tokens: an admin lists every user's job tokens",
        all.as_ref().is_ok_and(|items| {
            let listed = ids(items);
            user_made.iter().chain([&o.theirs]).all(|id| listed.contains(id))
        }),
        || shown_list(&all),
    );
    own
}

/// `user_id=N`: an admin's filter, another user's id (403) and one's own.
async fn user_id_filter(http: &Http, r: &mut Report, o: &Own, own: &Listing) {
    let other_id = &o.other_id;
    let by_user = list_all(http, &o.admin, &format!("&user_id={other_id}")).await;
    r.check(
        "own_tokens: an admin's user_id=N lists that user's job tokens only",
        by_user.as_ref().is_ok_and(|items| {
            ids(items).contains(&o.theirs) && items.iter().all(|t| t["user_id"] == *other_id)
        }),
        || shown_list(&by_user),
    );
    let reply = http
        .call(
            Method::GET,
            &format!("{JOBS}?user_id={other_id}"),
            Some(&o.user),
            None,
        )
        .await;
    r.check(
        "own_tokens: a user asking for another user's user_id is 403",
        is_error(&reply, 403),
        || shown(&reply),
    );
    let by_self = list_all(http, &o.user, &format!("&user_id={}", o.user_id)).await;
    r.check(
        "own_tokens: a user asking for their own user_id is 200 with their own job tokens",
        match (&by_self, own) {
            (Ok(by_self), Ok(own)) => ids(by_self) == ids(own),
            _ => false,
        },
        || format!("{}; without user_id: {}", shown_list(&by_self), shown_list(own)),
    );
}

/// The label filter: exact, percent-encoded, `+` for a space; then bad
/// values (400).
async fn label_filter(http: &Http, r: &mut Report, o: &Own) {
    let (admin, user) = (o.admin.as_str(), o.user.as_str());
    for (name, token, query, expected) in [
        (
            "own_tokens: label= (a label with a space, +, &, % and non-ASCII, each byte percent-encoded) filters \
             a user's list to their job tokens with exactly that label",
            user,
            format!("&label={}", o.encoded),
            vec![o.mine],
        ),
        (
            "own_tokens: label= filters an admin's list to every user's job tokens with exactly that label",
            admin,
            format!("&label={}", o.encoded),
            vec![o.mine, o.theirs],
        ),
        (
            "own_tokens: label= with + for each space filters a user's list as %20 does",
            user,
            format!("&label={}", o.as_form),
            vec![o.mine],
        ),
    ] {
        let list = list_all(http, token, &query).await;
        r.check(
            name,
            list.as_ref().is_ok_and(|items| ids(items) == expected),
            || format!("expected {expected:?}, {}", shown_list(&list)),
        );
    }
    for (what, query, token) in [
        ("a label with a bad escape (%zz)", "label=%zz", user),
        ("a label that is not UTF-8 (%FF)", "label=%FF", user),
        ("a user_id with a leading zero", "user_id=01", admin),
        ("a user_id that is not an integer", "user_id=me", admin),
    ] {
        let reply = http
            .call(Method::GET, &format!("{JOBS}?{query}"), Some(token), None)
            .await;
        r.check(
            format!("own_tokens: {what} is 400"),
            is_error(&reply, 400),
            || shown(&reply),
        );
    }
}

/// Paging over what matches: one by one, with next_after null on the last
/// page (the other user's token comes after the user's last).
async fn paging(http: &Http, r: &mut Report, o: &Own, own: &Listing) {
    for (what, token, query, expected) in [
        (
            "a user's pages of limit=1 walk their own job tokens one by one",
            o.user.as_str(),
            String::new(),
            own.as_ref().map(|items| ids(items)).unwrap_or_default(),
        ),
        (
            "an admin's pages of limit=1 with label= walk the matching job tokens one by one",
            o.admin.as_str(),
            format!("&label={}", o.encoded),
            vec![o.mine, o.theirs],
        ),
    ] {
        let (walked, pages, ok) = walk(http, token, &query, expected.len()).await;
        r.check(
            format!("own_tokens: {what}, next_after = last id, null on the last"),
            ok && !expected.is_empty() && walked == expected && pages == expected.len(),
            || format!("{pages} pages, ids {walked:?}, expected {expected:?}"),
        );
    }
}

/// Walks a job token list with `query` one item a page, for at most one
/// page more than `expected`: the ids walked, the pages, and whether each
/// page was a 200 of one item with `next_after` its id.
async fn walk(http: &Http, token: &str, query: &str, expected: usize) -> (Vec<i64>, usize, bool) {
    let (mut walked, mut after, mut pages, mut ok) = (Vec::<i64>::new(), None::<i64>, 0usize, true);
    while pages <= expected {
        let path = match after {
            Some(a) => format!("{JOBS}?limit=1{query}&after={a}"),
            None => format!("{JOBS}?limit=1{query}"),
        };
        let reply = http.call(Method::GET, &path, Some(token), None).await;
        let page = reply.json["job_tokens"]
            .as_array()
            .map(|items| ids(items))
            .unwrap_or_default();
        ok &= reply.status == 200 && page.len() == 1;
        walked.extend(&page);
        pages += 1;
        match reply.json["next_after"].as_i64() {
            Some(next) => {
                ok &= Some(&next) == page.last();
                after = Some(next);
            }
            None => break,
        }
    }
    (walked, pages, ok)
}

/// Who may not list: job tokens and API keys (job tokens), users (API
/// keys); and API key lists ignore the job token filters.
async fn may_not_list(http: &Http, r: &mut Report, o: &Own, made: &mut Made) {
    let (admin, user) = (o.admin.as_str(), o.user.as_str());
    let job = made.create(http, JOBS, user, json!({ "duration": 3600 })).await;
    let key = made
        .create(http, "/api/api_key", admin, json!({ "duration": 3600 }))
        .await;
    for (what, path, token) in [
        ("job_token.list with a job token", JOBS, job.secret.as_str()),
        ("job_token.list with an API key", JOBS, key.secret.as_str()),
        ("api_key.list with a user's login token", "/api/api_key", user),
    ] {
        let reply = http.call(Method::GET, path, Some(token), None).await;
        r.check(
            format!("own_tokens: {what} is 403"),
            is_error(&reply, 403),
            || shown(&reply),
        );
    }
    let reply = http
        .call(
            Method::GET,
            "/api/api_key?limit=1&user_id=me&label=%zz",
            Some(admin),
            None,
        )
        .await;
    r.check(
        "own_tokens: api_key.list ignores user_id and label (200 for values a job token list refuses)",
        reply.status == 200,
        || shown(&reply),
    );
}
