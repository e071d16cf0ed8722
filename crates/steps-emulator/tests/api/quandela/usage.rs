//! `quandela.usage.report` (E14) and what it sums: the usage the control
//! plane's `POST /_steps/usage` and `Emulator::record_usage` record.

use http::Method;
use serde_json::{json, Value};
use steps_emulator::JobUsage;

use super::{invalid, refused, Cloud};
use crate::support::USER;

/// 2026-12-01T00:00:00Z.
const DEC_1: u64 = 1_796_083_200;

fn record(token_id: i64, platform: &str, nb_jobs: u64, at: u64) -> Value {
    json!({"token_id": token_id, "platform_name": platform, "nb_jobs": nb_jobs,
        "duration_seconds": nb_jobs * 10, "credits": 0.5 * nb_jobs as f64, "free_credits": 0.0, "at": at})
}

#[tokio::test]
async fn the_report_sums_usage_by_token_and_platform_within_the_window() {
    let mut cloud = Cloud::start().await;
    let user = cloud.user.clone();
    let (id, _) = cloud.generate(&user, json!({})).await;
    for body in [
        record(2, "sim:slos", 1, DEC_1 - 1),
        record(2, "sim:slos", 2, DEC_1),
        record(2, "qpu:belenos", 3, DEC_1 + 3600),
        record(2, "sim:slos", 4, DEC_1 + 86_400),
    ] {
        let reply = cloud.control("/_steps/usage", &body).await;
        assert_eq!(reply.status, 200, "{}", reply.json);
        assert_eq!(reply.json, body, "the record as stored");
    }
    cloud
        .emulator
        .record_usage(
            JobUsage::new(id, "sim:slos", 5)
                .duration_seconds(7)
                .credits(1.0, 2.0)
                .at(DEC_1),
        )
        .expect("recorded");
    let report = |query: &str| format!("/api/tokens/usage/report{query}");
    let all = cloud.call(Method::GET, &report(""), Some(&user), None).await;
    assert_eq!(all.status, 200);
    assert_eq!(
        all.json,
        json!([
            {"token_id": 2, "total_jobs": 10, "usage": [
                {"platform_name": "qpu:belenos", "nb_jobs": 3, "duration_seconds": 30, "credits": 1.5, "free_credits": 0.0},
                {"platform_name": "sim:slos", "nb_jobs": 7, "duration_seconds": 70, "credits": 3.5, "free_credits": 0.0},
            ]},
            {"token_id": id, "total_jobs": 5, "usage": [
                {"platform_name": "sim:slos", "nb_jobs": 5, "duration_seconds": 7, "credits": 1.0, "free_credits": 2.0},
            ]},
        ])
    );
    let total = |reply: &crate::support::Reply| -> Vec<u64> {
        reply
            .json
            .as_array()
            .expect("array")
            .iter()
            .map(|u| u["total_jobs"].as_u64().expect("n"))
            .collect()
    };
    for (query, expected) in [
        ("?token_ids=2&start_time=2026-12-01T00:00:00%2B00:00", vec![9]),
        (
            "?token_ids=2&start_time=2026-12-01T00:00:00Z&end_time=2026-12-02T00:00:00Z",
            vec![5],
        ),
        // A `+` sent unencoded arrives as a space, which is read as `+`.
        (
            "?token_ids=2&start_time=2026-12-01T01:00:00+01:00&end_time=2026-12-01T01:00:00.5",
            vec![5],
        ),
        ("?token_ids=2&end_time=2026-12-01T00:00:00", vec![1]),
        ("?token_ids=2&start_time=2030-01-01T00:00:00-05:00", vec![0]),
        ("?token_ids=2,2", vec![10]),
        (&format!("?token_ids=%5B{id},%202%5D"), vec![10, 5]),
        (&format!("?token_ids={id}&token_ids=2"), vec![10, 5]),
        ("?token_ids=&start_time=", vec![10, 5]),
        ("?token_ids=%5B%5D", vec![10, 5]),
    ] {
        let reply = cloud.call(Method::GET, &report(query), Some(&user), None).await;
        assert_eq!(reply.status, 200, "{query}: {}", reply.json);
        assert_eq!(total(&reply), expected, "{query}");
    }
    let empty = cloud
        .call(
            Method::GET,
            &report("?token_ids=2&start_time=2030-01-01T00:00:00Z"),
            Some(&user),
            None,
        )
        .await;
    assert_eq!(empty.json, json!([{"token_id": 2, "total_jobs": 0, "usage": []}]));
}

#[tokio::test]
async fn the_report_refuses_what_it_cannot_read_or_show() {
    let mut cloud = Cloud::start().await;
    let (user, admin) = (cloud.user.clone(), cloud.admin.clone());
    let report = |query: &str| format!("/api/tokens/usage/report{query}");
    for (query, field) in [
        ("?token_ids=a", "token_ids"),
        ("?token_ids=1;2", "token_ids"),
        ("?token_ids=%5B1", "token_ids"),
        ("?start_time=yesterday", "start_time"),
        ("?end_time=2026-12-01", "end_time"),
        ("?start_time=2026-12-01T00:00:00%2B0000", "start_time"),
    ] {
        invalid(
            &cloud.call(Method::GET, &report(query), Some(&user), None).await,
            "query",
            field,
        );
    }
    refused(
        &cloud
            .call(Method::GET, &report("?token_ids=2,99"), Some(&user), None)
            .await,
        400,
        "Token not found or invalid",
    );
    refused(
        &cloud
            .call(Method::GET, &report("?token_ids=2,3"), Some(&user), None)
            .await,
        403,
        "Permission denied",
    );
    let reply = cloud
        .call(Method::GET, &report("?token_ids=2,3"), Some(&admin), None)
        .await;
    assert_eq!(reply.status, 200);
    // The logged-in family has no usage report: a logged-in token is 401.
    let logged_in = cloud.login(USER).await;
    refused(
        &cloud.call(Method::GET, &report(""), Some(&logged_in), None).await,
        401,
        "Invalid or expired job token",
    );
}

#[tokio::test]
async fn usage_is_recorded_for_existing_tokens_only() {
    let mut cloud = Cloud::start().await;
    let good = record(2, "sim:slos", 1, DEC_1);
    let mut now = good.clone();
    now.as_object_mut().expect("object").remove("at");
    let stored = cloud.control("/_steps/usage", &now).await;
    assert_eq!(stored.status, 200);
    let clock = cloud.call(Method::GET, "/_steps/clock", None, None).await;
    assert_eq!(
        stored.json["at"], clock.json["now"],
        "at defaults to the clock's now"
    );
    for (field, value) in [
        ("token_id", json!(99)),
        ("token_id", json!("2")),
        ("platform_name", json!("")),
        ("platform_name", json!(null)),
        ("nb_jobs", json!(-1)),
        ("nb_jobs", json!(1.5)),
        ("duration_seconds", json!(null)),
        ("credits", json!(-0.5)),
        ("free_credits", json!("0")),
        ("at", json!(-1)),
    ] {
        let mut bad = good.clone();
        bad[field] = value;
        cloud
            .control("/_steps/usage", &bad)
            .await
            .assert_error(400, field);
    }
    let mut missing = good.clone();
    missing.as_object_mut().expect("object").remove("credits");
    cloud
        .control("/_steps/usage", &missing)
        .await
        .assert_error(400, "credits missing");
    let emulator = &cloud.emulator;
    assert!(emulator.record_usage(JobUsage::new(99, "sim:slos", 1)).is_err());
    assert!(emulator.record_usage(JobUsage::new(2, "", 1)).is_err());
    assert!(emulator
        .record_usage(JobUsage::new(2, "x", 1).credits(f64::NAN, 0.0))
        .is_err());
    // Deleting a token deletes its usage.
    let user = cloud.user.clone();
    let (id, _) = cloud.generate(&user, json!({})).await;
    cloud
        .emulator
        .record_usage(JobUsage::new(id, "sim:slos", 1))
        .expect("recorded");
    let body = json!({"token_ids": [id]});
    cloud
        .call(
            Method::POST,
            "/api/tokens/delete-by-ids",
            Some(&user),
            Some(&body),
        )
        .await;
    let state = cloud.call(Method::GET, "/_steps/state", None, None).await;
    let usage = state.json["quandela"]["usage"].as_array().expect("usage").clone();
    assert_eq!(usage.len(), 1, "{usage:?}");
    assert_eq!(usage[0]["token_id"], 2);
}
