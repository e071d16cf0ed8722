//! Paging: 25 more job tokens, walked 10 at a time as an admin: pages of
//! at most 10, ascending, each token once, `next_after` the last id.

use http::Method;
use serde_json::json;

use crate::conformance::harness::client::Http;
use crate::conformance::report::Report;
use crate::conformance::v1::fixture::Fixture;

/// Creates 25 job tokens and walks every page: the ids created, for the
/// profile to delete at the end.
pub(super) async fn run(http: &Http, r: &mut Report, f: &Fixture) -> Vec<i64> {
    let mut made = vec![f.job_id];
    for _ in 0..25 {
        let reply = http
            .call(
                Method::POST,
                "/api/job_token",
                Some(&f.user),
                Some(json!({ "label": "page" })),
            )
            .await;
        made.push(reply.json["token_id"].as_i64().unwrap_or(-1));
    }
    let (seen, pages, ok) = walk(http, &f.admin).await;
    let ascending = seen.windows(2).all(|w| w[0] < w[1]);
    let all_once = made
        .iter()
        .all(|id| seen.iter().filter(|s| *s == id).count() == 1);
    r.check(
        "paging: pages of at most 10, ascending, each token once, next_after = last id",
        ok && ascending && all_once,
        || format!("{pages} pages, ids {seen:?}"),
    );
    made.split_off(1)
}

/// Walks an admin's job token list 10 at a time: the ids seen, the pages,
/// and whether each page was a 200 of at most 10 with `next_after` its
/// last id.
async fn walk(http: &Http, admin: &str) -> (Vec<i64>, usize, bool) {
    let (mut seen, mut after, mut pages, mut ok) = (Vec::<i64>::new(), None::<i64>, 0, true);
    while pages < 1000 {
        let path = match after {
            Some(a) => format!("/api/job_token?limit=10&after={a}"),
            None => "/api/job_token?limit=10".to_owned(),
        };
        let reply = http.call(Method::GET, &path, Some(admin), None).await;
        let page: Vec<i64> = reply.json["job_tokens"]
            .as_array()
            .map(|a| a.iter().filter_map(|t| t["token_id"].as_i64()).collect())
            .unwrap_or_default();
        ok &= reply.status == 200 && page.len() <= 10;
        seen.extend(&page);
        pages += 1;
        match reply.json["next_after"].as_i64() {
            Some(next) => {
                ok &= Some(&next) == page.last();
                after = Some(next);
            }
            None => break,
        }
    }
    (seen, pages, ok)
}
