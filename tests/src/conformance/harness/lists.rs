//! Lists: whether an admin's list holds a token, every page of a job
//! token list, and the query encoding the label filter needs.

use http::Method;
use serde_json::Value;

use crate::conformance::harness::client::{shown, Http, Reply};

/// Whether an admin's list at `path` (`/api/job_token`, `/api/api_key`)
/// holds the token `id`: its item, if so.
pub(crate) async fn listed(http: &Http, admin: &str, path: &str, id: i64) -> Option<Value> {
    let (items, id_field) = match path {
        "/api/api_key" => ("api_keys", "api_key_id"),
        _ => ("job_tokens", "token_id"),
    };
    let query = format!("{path}?limit=1&after={}", id.saturating_sub(1).max(0));
    let reply = http.call(Method::GET, &query, Some(admin), None).await;
    reply.json[items]
        .as_array()?
        .first()
        .filter(|item| item[id_field] == id)
        .cloned()
}

/// Every job token a list with `token` answers, walking its pages;
/// `query` adds parameters (`&label=...`). `Err` holds the first answer
/// that was not a 200 page.
pub(crate) async fn list_all(http: &Http, token: &str, query: &str) -> Result<Vec<Value>, Reply> {
    let (mut items, mut after) = (Vec::new(), None::<i64>);
    for _ in 0..10_000 {
        let path = match after {
            Some(a) => format!("/api/job_token?limit=1000{query}&after={a}"),
            None => format!("/api/job_token?limit=1000{query}"),
        };
        let reply = http.call(Method::GET, &path, Some(token), None).await;
        match reply.json["job_tokens"].as_array() {
            Some(page) if reply.status == 200 => items.extend(page.iter().cloned()),
            _ => return Err(reply),
        }
        match reply.json["next_after"].as_i64() {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    Ok(items)
}

/// The ids of a list's items.
pub(crate) fn ids(items: &[Value]) -> Vec<i64> {
    items.iter().filter_map(|t| t["token_id"].as_i64()).collect()
}

/// A list's ids, or its refusal, for a failed check's report.
pub(crate) fn shown_list(list: &Result<Vec<Value>, Reply>) -> String {
    match list {
        Ok(items) => format!("listed ids {:?}", ids(items)),
        Err(reply) => shown(reply),
    }
}

/// `text` percent-encoded for a query: `%XX` for every byte but
/// `A-Za-z0-9-._~`.
pub(crate) fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
