//! The quandela dialect's usage report, `quandela.usage.report` (job
//! family only): the usage recorded for each token asked for, summed by
//! platform within a window (`docs/quandela.md` E14).

use std::collections::BTreeSet;

use http::StatusCode;
use serde_json::{json, Value};

use crate::handlers::quandela::input::{self, Invalid, Location};
use crate::handlers::quandela::time;
use crate::handlers::quandela::{may_act, QuandelaCall};
use crate::render::{self, Failure, Handled};

/// `quandela.usage.report`: one item per token asked for (`token_ids`:
/// `1,2,3`, `[1,2,3]` or the parameter repeated; absent or empty, every
/// token of the caller's account), ascending by id, summing the usage
/// recorded in `[start_time, end_time)`.
pub(crate) fn report(call: &QuandelaCall<'_>) -> Handled {
    let caller = call.caller()?;
    let mut invalid = Invalid::default();
    let mut asked = BTreeSet::new();
    let (mut start, mut end) = (None, None);
    for (key, value) in input::pairs(call.query.as_bytes(), Location::Query)? {
        match key.as_str() {
            "token_ids" => match ids(&value) {
                Some(ids) => asked.extend(ids),
                None => invalid.add(Location::Query, &key, "Not a valid list of integers."),
            },
            "start_time" | "end_time" if !value.is_empty() => match time::parse(&value) {
                Some(at) if key == "start_time" => start = Some(at),
                Some(at) => end = Some(at),
                None => invalid.add(Location::Query, &key, "Not a valid datetime."),
            },
            _ => {}
        }
    }
    invalid.check()?;
    let store = call.store()?;
    if asked.is_empty() {
        asked = store.quandela_tokens_of(caller.user_id).map(|t| t.id).collect();
    }
    let mut tokens = Vec::with_capacity(asked.len());
    for id in &asked {
        let token = store
            .quandela_token(*id)
            .ok_or_else(|| Failure::bad_request("Token not found or invalid"))?;
        tokens.push(token);
    }
    for token in &tokens {
        may_act(caller, token)?;
    }
    let items: Vec<Value> = tokens
        .iter()
        .map(|token| {
            let sums = store.usage_of(token.id, start, end);
            let total: u64 = sums.values().fold(0, |total, s| total.saturating_add(s.nb_jobs));
            let usage: Vec<Value> = sums
                .iter()
                .map(|(platform, sum)| {
                    json!({
                        "platform_name": platform,
                        "nb_jobs": sum.nb_jobs,
                        "duration_seconds": sum.duration_seconds,
                        "credits": sum.credits,
                        "free_credits": sum.free_credits,
                    })
                })
                .collect();
            json!({ "token_id": token.id, "total_jobs": total, "usage": usage })
        })
        .collect();
    Ok(render::json(StatusCode::OK, &Value::Array(items)))
}

/// The ids of one `token_ids` value: `1,2,3` or `[1,2,3]` (spaces
/// allowed around each), empty for an empty value or `[]`; `None` when an
/// item is not an integer.
fn ids(value: &str) -> Option<Vec<i64>> {
    let value = value.trim();
    let inner = value
        .strip_prefix('[')
        .and_then(|v| v.strip_suffix(']'))
        .unwrap_or(value)
        .trim();
    if inner.is_empty() {
        return Some(Vec::new());
    }
    inner
        .split(',')
        .map(|item| input::query_integer(item.trim()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::ids;

    #[test]
    fn token_ids_are_read_in_every_form_the_document_names() {
        assert_eq!(ids("1,2,3"), Some(vec![1, 2, 3]));
        assert_eq!(ids("[1, 2,3]"), Some(vec![1, 2, 3]));
        assert_eq!(ids(" 7 "), Some(vec![7]));
        assert_eq!(ids(""), Some(vec![]));
        assert_eq!(ids("[]"), Some(vec![]));
        for bad in ["1,,2", "a", "[1", "1;2", "1.5", "[[1]]"] {
            assert_eq!(ids(bad), None, "{bad:?}");
        }
    }
}
