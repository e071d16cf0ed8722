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

/// The detail of a page that does not parse, from its raw body.
fn detail(body: &str, after: Option<i64>) -> String {
    let response = http::Response::builder()
        .status(200)
        .body(Bytes::from(body.to_owned()))
        .expect("valid");
    let mut op = ListJobTokens::new();
    if let Some(after) = after {
        op = op.after(after);
    }
    match op.parse_response(response) {
        Err(ResponseError::Decode(error)) => error.detail,
        other => panic!("not a decode error: {:?}", other.map(|page| page.items.len())),
    }
}

fn record(id: &str, created_at: &str) -> String {
    format!(
        r#"{{"token_id":{id},"user_id":1,"label":null,"duration":5,"created_at":{created_at},"expires_at":6}}"#
    )
}

/// Records are checked and converted as they are decoded (one pass), and
/// the errors come out as a decode that finishes before it checks would
/// give them: a body that does not decode wins wherever it breaks, then
/// the first record that breaks a rule or does not convert.
#[test]
fn a_page_reports_its_first_error_in_the_order_of_a_whole_decode() {
    let page = |records: &[String], rest: &str| format!(r#"{{"job_tokens":[{}]{rest}}}"#, records.join(","));
    // A paging error, then a record that does not decode: the decode wins.
    assert_eq!(
        detail(
            &page(&[record("2", "1"), record("1", "1"), record(r#""x""#, "1")], ""),
            None
        ),
        "field `job_tokens[2].token_id`: expected an integer, found a string"
    );
    // The same with the malformed field after the records.
    assert_eq!(
        detail(
            &page(&[record("2", "1"), record("1", "1")], r#","next_after":"x""#),
            None
        ),
        "field `next_after`: expected an integer, found a string"
    );
    // Two records that break rules: the first is reported.
    assert_eq!(
        detail(
            &page(&[record("-1", "1"), record("3", "1"), record("2", "1")], ""),
            None
        ),
        "an id of the page is negative"
    );
    // A time past what the clock holds, then a paging error: the time.
    let too_late = u64::MAX.to_string();
    let unconvertible = detail(&page(&[record("1", &too_late), record("1", "1")], ""), None);
    assert!(unconvertible.contains("created_at"), "{unconvertible}");
    // A paging error, then a time past what the clock holds: the paging.
    assert_eq!(
        detail(&page(&[record("4", "1"), record("5", &too_late)], ""), Some(4)),
        "the ids of a page do not ascend above `after`"
    );
    // The records field twice.
    assert!(detail(r#"{"job_tokens":[],"job_tokens":[]}"#, None)
        .starts_with("a value does not match the protocol"));
    // No records field; records that are not an array.
    assert_eq!(
        detail(r#"{"next_after":null}"#, None),
        "missing field `job_tokens`"
    );
    assert_eq!(
        detail(r#"{"job_tokens":{}}"#, None),
        "field `job_tokens`: expected an array, found an object"
    );
    // Trailing bytes after the page.
    assert_eq!(
        detail(r#"{"job_tokens":[]} x"#, None),
        "malformed JSON (line 1, column 19)"
    );
}

#[test]
fn unknown_fields_of_a_page_are_read_and_dropped() {
    let body = format!(
        r#"{{"total":{{"a":[1,2]}},"job_tokens":[{}],"cursor":"z","next_after":1}}"#,
        record("1", "1")
    );
    let response = http::Response::builder()
        .status(200)
        .body(Bytes::from(body))
        .expect("valid");
    let page = ListJobTokens::new()
        .parse_response(response)
        .expect("a page with extra fields");
    assert_eq!(page.items.len(), 1);
    assert_eq!(page.next_after, Some(1));
}

/// API key pages are read by the same one-pass decoder, under their own
/// field names.
#[test]
fn api_key_pages_follow_the_same_rules() {
    let key = |id: i64| {
        format!(
            r#"{{"api_key_id":{id},"user_id":1,"label":"w","duration":5,"created_at":1,"expires_at":6,"note":1}}"#
        )
    };
    let parse = |body: String| {
        let response = http::Response::builder()
            .status(200)
            .body(Bytes::from(body))
            .expect("valid");
        steps_core::ListApiKeys::new().limit(2).parse_response(response)
    };
    let page = parse(format!(
        r#"{{"api_keys":[{},{}],"next_after":4}}"#,
        key(3),
        key(4)
    ))
    .expect("a page");
    assert_eq!(
        page.items.iter().map(|k| k.api_key_id).collect::<Vec<_>>(),
        [3, 4]
    );
    assert_eq!(page.items[0].extra.names().collect::<Vec<_>>(), ["note"]);
    match parse(format!(r#"{{"api_keys":[{},{}]}}"#, key(4), key(3))) {
        Err(ResponseError::Decode(error)) => {
            assert_eq!(error.detail, "the ids of a page do not ascend above `after`")
        }
        other => panic!("{:?}", other.map(|page| page.items.len())),
    }
    match parse(format!(r#"{{"job_tokens":[{}]}}"#, key(1))) {
        Err(ResponseError::Decode(error)) => assert_eq!(error.detail, "missing field `api_keys`"),
        other => panic!("{:?}", other.map(|page| page.items.len())),
    }
}
