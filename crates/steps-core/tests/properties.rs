//! Property tests: whatever status, headers and body a server (or a proxy)
//! sends, every parser gives `Ok` or a typed error and never panics, and no
//! error's text quotes a value from the body.

use std::time::Duration;

use bytes::Bytes;
use http::{HeaderName, HeaderValue, Response, StatusCode};
use proptest::prelude::*;
use serde_json::Value;
use steps_core::{
    CloudContext, CreateApiKey, CreateJobToken, Credential, DeleteApiKey, DeleteJobToken, ListApiKeys,
    ListJobTokens, Login, Operation, ReadApiKey, ReadJobToken, Secret, Whoami,
};

/// A marker no error message may contain: bodies carry it in every string.
const MARKER: &str = "SECRET-MARKER";

fn parse_all(response: &Response<Bytes>) -> Vec<String> {
    fn one<O: Operation>(op: O, response: &Response<Bytes>) -> String {
        match op.parse_response(response.clone()) {
            Ok(_) => String::new(),
            Err(error) => format!("{error} {error:?}"),
        }
    }
    vec![
        one(Login::new("a@b", Secret::new("pw")), response),
        one(Whoami, response),
        one(CreateJobToken::new(), response),
        one(ReadJobToken::new(1), response),
        one(DeleteJobToken::new(1), response),
        one(ListJobTokens::new().after(5), response),
        one(CreateApiKey::new(), response),
        one(ReadApiKey::new(1), response),
        one(DeleteApiKey::new(1), response),
        one(ListApiKeys::new(), response),
    ]
}

fn header_name() -> impl Strategy<Value = HeaderName> {
    prop_oneof![
        Just(http::header::CONTENT_TYPE),
        Just(http::header::RETRY_AFTER),
        Just(http::header::LOCATION),
        Just(http::header::WWW_AUTHENTICATE),
        Just(HeaderName::from_static("x-request-id")),
        "[a-z][a-z0-9-]{0,20}".prop_map(|n| HeaderName::from_bytes(n.as_bytes()).unwrap()),
    ]
}

fn header_value() -> impl Strategy<Value = HeaderValue> {
    proptest::collection::vec(any::<u8>(), 0..40)
        .prop_map(|bytes| HeaderValue::from_bytes(&bytes).unwrap_or_else(|_| HeaderValue::from_static("x")))
}

/// JSON in the shape of the protocol's objects, with arbitrary values.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f)
            .map(Value::Number)
            .unwrap_or(Value::Null)),
        ".{0,8}".prop_map(|s| Value::String(format!("{MARKER}{s}"))),
    ];
    let keys = prop_oneof![
        Just("token".to_owned()),
        Just("token_id".to_owned()),
        Just("api_key_id".to_owned()),
        Just("api_key".to_owned()),
        Just("user_id".to_owned()),
        Just("label".to_owned()),
        Just("duration".to_owned()),
        Just("created_at".to_owned()),
        Just("expires_at".to_owned()),
        Just("is_admin".to_owned()),
        Just("token_type".to_owned()),
        Just("job_tokens".to_owned()),
        Just("api_keys".to_owned()),
        Just("next_after".to_owned()),
        Just("error".to_owned()),
        "[a-z_]{1,10}",
    ];
    leaf.prop_recursive(3, 40, 8, move |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::btree_map(keys.clone(), inner, 0..10)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn response(status: u16, headers: Vec<(HeaderName, HeaderValue)>, body: Vec<u8>) -> Response<Bytes> {
    let mut response = Response::new(Bytes::from(body));
    *response.status_mut() = StatusCode::from_u16(status).unwrap();
    for (name, value) in headers {
        response.headers_mut().append(name, value);
    }
    response
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(
        status in 100u16..=599,
        headers in proptest::collection::vec((header_name(), header_value()), 0..6),
        body in proptest::collection::vec(any::<u8>(), 0..300),
    ) {
        parse_all(&response(status, headers, body));
    }

    #[test]
    fn protocol_shaped_json_never_panics_and_errors_never_quote_values(
        status in prop_oneof![Just(200u16), Just(201), Just(204), Just(302), Just(400), Just(401), Just(429), Just(500), Just(503)],
        value in json_value(),
    ) {
        let body = serde_json::to_vec(&value).unwrap();
        for error in parse_all(&response(status, vec![], body)) {
            // Error bodies (non-2xx) are quoted by design, as the server's
            // message or an excerpt; decode errors of a 2xx never quote.
            if (200..300).contains(&status) {
                prop_assert!(!error.contains(MARKER), "a 2xx decode error quoted a value: {}", error);
            }
        }
    }

    #[test]
    fn valid_requests_always_build(
        label in proptest::option::of(".{0,64}"),
        duration in 1u64..=315_360_000,
        id in 0i64..i64::MAX,
        limit in 1u32..5000,
    ) {
        let ctx = CloudContext::new("https://api.steps.invalid/v1").unwrap();
        let c = Credential::bearer(Secret::new("stl_x"));
        let mut create = CreateJobToken::new().duration(Duration::from_secs(duration));
        if let Some(label) = &label {
            prop_assume!(label.len() <= 256);
            // Control characters are refused (preconditions.rs tests it).
            prop_assume!(!label.chars().any(char::is_control));
            create = create.label(label.clone());
        }
        let request = create.build_request(&ctx, &c).unwrap();
        let body: Value = serde_json::from_slice(request.body()).unwrap();
        prop_assert_eq!(body["duration"].as_u64(), Some(duration));
        prop_assert_eq!(body["label"].as_str(), label.as_deref());
        let read = ReadApiKey::new(id).build_request(&ctx, &c).unwrap();
        prop_assert_eq!(read.uri().path(), format!("/v1/api/api_key/{id}"));
        let list = ListJobTokens::new().limit(limit).after(id).build_request(&ctx, &c).unwrap();
        prop_assert_eq!(list.uri().query().map(str::to_owned), Some(format!("limit={}&after={id}", limit.min(1000))));
    }
}
