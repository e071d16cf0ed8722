//! The Quandela dialect's operations in the codec benchmark, each against a
//! hand-written baseline: `http::Request::builder` and serde's derive over
//! the same JSON (times left as strings: the baseline does not read them,
//! steps-core does).

use std::time::Duration;

use bytes::Bytes;
use http::{header, Request, Response};
use serde::Deserialize;
use steps_core::quandela::{
    DeleteTokensByIds, GenerateToken, ListTokens, PathFamily, ReadToken, RevokeToken, UpdateToken,
    UsageReport,
};
use steps_core::Secret;

use super::{response, steps_case, Case, BASE, TOKEN, USER_AGENT};

const CLOUD_SECRET: &str = "_T_eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOjd9.c2lnbmF0dXJlLW5vdC1hLXNlY3JldA";

fn summary(id: u64) -> String {
    format!(
        r#"{{"id":{id},"key":null,"label":"nightly build {id}","priority":2,"user_id":3,"count":41,"created_date":"2026-12-01T09:30:00.123456+00:00","expiration_date":"2026-12-02T09:30:00+00:00","last_used_time":"2026-12-01T10:00:00","is_revoked":false}}"#
    )
}

fn details() -> String {
    format!(
        r#"{{"id":7,"token":"{CLOUD_SECRET}","label":"nightly build","priority":2,"user_id":3,"email":"ada@example.com","user_priority":5,"company_id":11,"company_name":"Photonics","count":41,"created_date":"2026-12-01T09:30:00Z","expiration_date":"2026-12-02T09:30:00Z","last_used_time":"2026-12-01T10:00:00Z","last_used_duration":"2 minutes","is_apikey":false,"is_explorer_token":false,"valid":true}}"#
    )
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct BaselineGenerated {
    duration: Option<u64>,
    token: String,
    token_id: i64,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct BaselineSummary {
    id: i64,
    key: Option<String>,
    label: Option<String>,
    priority: Option<i64>,
    user_id: Option<i64>,
    count: Option<i64>,
    created_date: Option<String>,
    expiration_date: Option<String>,
    last_used_time: Option<String>,
    is_revoked: Option<bool>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct BaselineDetails {
    id: i64,
    token: Option<String>,
    label: Option<String>,
    priority: Option<i64>,
    user_id: Option<i64>,
    email: Option<String>,
    user_priority: Option<i64>,
    company_id: Option<i64>,
    company_name: Option<String>,
    count: Option<i64>,
    created_date: Option<String>,
    expiration_date: Option<String>,
    last_used_time: Option<String>,
    last_used_duration: Option<serde_json::Value>,
    is_apikey: Option<bool>,
    is_explorer_token: Option<bool>,
    valid: Option<bool>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct BaselineMessage {
    message: Option<String>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct BaselinePlatform {
    platform_name: Option<String>,
    nb_jobs: Option<i64>,
    duration_seconds: Option<f64>,
    credits: Option<f64>,
    free_credits: Option<f64>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct BaselineUsage {
    token_id: i64,
    total_jobs: Option<i64>,
    usage: Option<Vec<BaselinePlatform>>,
}

/// A request by hand: the headers steps-core sends, and the body with its
/// content type.
fn request(method: &str, uri: &str, body: Option<(&'static str, Vec<u8>)>) -> Request<Bytes> {
    let builder = Request::builder()
        .method(method)
        .uri(uri)
        .header(header::ACCEPT, "application/json")
        .header(header::USER_AGENT, USER_AGENT)
        .header(header::AUTHORIZATION, format!("Bearer {TOKEN}"));
    match body {
        Some((content_type, body)) => builder
            .header(header::CONTENT_TYPE, content_type)
            .body(Bytes::from(body))
            .unwrap(),
        None => builder.body(Bytes::new()).unwrap(),
    }
}

/// A baseline case: `make` builds the request, the body parses into `T`.
fn baseline<T: serde::de::DeserializeOwned + 'static>(
    make: impl Fn() -> Request<Bytes> + 'static,
    answer: Response<Bytes>,
) -> Box<dyn Fn() -> usize> {
    Box::new(move || {
        let request = make();
        let answer = std::hint::black_box(answer.clone());
        let parsed = answer.status().is_success() && serde_json::from_slice::<T>(answer.body()).is_ok();
        request.headers().len() + usize::from(parsed)
    })
}

/// The dialect's cases.
pub(crate) fn cases() -> Vec<Case> {
    let json = "application/json";
    let page = format!("[{}]", (1..=10).map(summary).collect::<Vec<_>>().join(","));
    let generated = format!(r#"{{"duration":3600,"token":"{CLOUD_SECRET}","token_id":7}}"#);
    let message = r#"{"message":"done"}"#.to_owned();
    let usage = r#"[{"token_id":7,"total_jobs":3,"usage":[{"platform_name":"qpu:ascella","nb_jobs":2,"duration_seconds":61.5,"credits":12.25,"free_credits":0},{"platform_name":"sim:slos","nb_jobs":1,"duration_seconds":3,"credits":0,"free_credits":1.5}]}]"#.to_owned();
    let family = PathFamily::JobToken;
    vec![
        Case {
            name: "quandela.token.generate",
            steps: steps_case(
                GenerateToken::new(family)
                    .label("nightly build")
                    .duration(Duration::from_secs(3600)),
                response(200, generated.clone()),
            ),
            baseline: baseline::<BaselineGenerated>(
                move || {
                    let body =
                        serde_json::to_vec(&serde_json::json!({"duration": 3600, "label": "nightly build"}));
                    request("POST", &format!("{BASE}/api/tokens"), Some((json, body.unwrap())))
                },
                response(200, generated),
            ),
        },
        Case {
            name: "quandela.token.list",
            steps: steps_case(ListTokens::new(family).limit(10), response(200, page.clone())),
            baseline: baseline::<Vec<BaselineSummary>>(
                || request("GET", &format!("{BASE}/api/tokens?limit=10&offset=0"), None),
                response(200, page),
            ),
        },
        Case {
            name: "quandela.token.read",
            steps: steps_case(ReadToken::new(family, 7), response(200, details())),
            baseline: baseline::<BaselineDetails>(
                || request("GET", &format!("{BASE}/api/tokens/7"), None),
                response(200, details()),
            ),
        },
        Case {
            name: "quandela.token.update",
            steps: steps_case(
                UpdateToken::new(family, 7).label("renamed"),
                response(200, message.clone()),
            ),
            baseline: baseline::<BaselineMessage>(
                move || {
                    let body = serde_json::to_vec(&serde_json::json!({"label": "renamed"})).unwrap();
                    request("PUT", &format!("{BASE}/api/tokens/7"), Some((json, body)))
                },
                response(200, message.clone()),
            ),
        },
        Case {
            name: "quandela.token.revoke",
            steps: steps_case(
                RevokeToken::new(family, Secret::new(CLOUD_SECRET)),
                response(200, message.clone()),
            ),
            baseline: baseline::<BaselineMessage>(
                || {
                    let form = format!("token={CLOUD_SECRET}").into_bytes();
                    let uri = format!("{BASE}/api/tokens/revoke");
                    request("POST", &uri, Some(("application/x-www-form-urlencoded", form)))
                },
                response(200, message.clone()),
            ),
        },
        Case {
            name: "quandela.token.delete_by_ids",
            steps: steps_case(
                DeleteTokensByIds::new(family, vec![7, 8]),
                response(200, message.clone()),
            ),
            baseline: baseline::<BaselineMessage>(
                move || {
                    let body = serde_json::to_vec(&serde_json::json!({"token_ids": [7, 8]})).unwrap();
                    request(
                        "POST",
                        &format!("{BASE}/api/tokens/delete-by-ids"),
                        Some((json, body)),
                    )
                },
                response(200, message),
            ),
        },
        Case {
            name: "quandela.usage.report",
            steps: steps_case(
                UsageReport::new(family).token_ids(vec![7]),
                response(200, usage.clone()),
            ),
            baseline: baseline::<Vec<BaselineUsage>>(
                || {
                    request(
                        "GET",
                        &format!("{BASE}/api/tokens/usage/report?token_ids=7"),
                        None,
                    )
                },
                response(200, usage),
            ),
        },
    ]
}
