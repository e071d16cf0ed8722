//! The paging rules a list response must follow (docs/protocol.md, "Lists
//! and paging"): a hostile or broken server cannot walk a client through
//! endless empty pages, repeat items, or loop.

use bytes::Bytes;
use steps_core::{ListJobTokens, Operation, ResponseError};

fn page(after: Option<i64>, ids: &[i64], next_after: Option<i64>) -> Result<usize, ResponseError> {
    let items: Vec<String> = ids
        .iter()
        .map(|id| {
            format!(
                r#"{{"token_id":{id},"user_id":1,"label":null,"duration":5,"created_at":1,"expires_at":6}}"#
            )
        })
        .collect();
    let next = next_after.map_or("null".to_owned(), |n| n.to_string());
    let body = format!(r#"{{"job_tokens":[{}],"next_after":{next}}}"#, items.join(","));
    let response = http::Response::builder()
        .status(200)
        .body(Bytes::from(body))
        .expect("valid");
    let mut op = ListJobTokens::new();
    if let Some(after) = after {
        op = op.after(after);
    }
    op.parse_response(response).map(|page| page.items.len())
}

#[test]
fn pages_that_follow_the_rules_are_read() {
    assert_eq!(page(None, &[], None).expect("empty last page"), 0);
    assert_eq!(page(None, &[1, 2, 5], Some(5)).expect("first page"), 3);
    assert_eq!(page(Some(5), &[6, 9], None).expect("last page"), 2);
}

#[test]
fn pages_that_break_the_rules_are_protocol_errors() {
    for (case, result) in [
        ("next_after on an empty page", page(Some(3), &[], Some(4))),
        ("next_after is not the last id", page(None, &[1, 2], Some(7))),
        ("next_after behind the last id", page(None, &[1, 2], Some(1))),
        ("ids do not ascend", page(None, &[2, 1], None)),
        ("an id repeats", page(None, &[1, 1], None)),
        ("an id is not above after", page(Some(5), &[5, 6], Some(6))),
        ("the cursor does not move", page(Some(5), &[], Some(5))),
        ("a negative id", page(None, &[-3, 1], Some(1))),
        ("a negative next_after", page(None, &[], Some(-1))),
    ] {
        let error = result.expect_err(case);
        assert!(matches!(error, ResponseError::Decode(_)), "{case}: {error:?}");
    }
}
