//! 1,000 concurrent connections doing mixed operations against one
//! emulator, with zero unexpected statuses.

use http::{Method, StatusCode};

use crate::support::{emulator, Conn, ADMIN, USER};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_concurrent_connections_get_only_expected_statuses() {
    let emulator = emulator().await;
    let addr = emulator.local_addr();
    let mut setup = Conn::open(addr).await;
    let user = setup.login(USER).await;
    let admin = setup.login(ADMIN).await;

    let mut tasks = Vec::new();
    for i in 0..1000 {
        let (user, admin) = (user.clone(), admin.clone());
        tasks.push(tokio::spawn(async move {
            let mut conn = Conn::open(addr).await;
            let mut unexpected = Vec::new();
            let mut expect = |what: &str, got: StatusCode, want: StatusCode| {
                if got != want {
                    unexpected.push(format!("{what}: {got}"));
                }
            };
            let reply = conn
                .call(
                    Method::POST,
                    "/api/job_token",
                    Some(&user),
                    Some(r#"{"label":"load","duration":600}"#),
                )
                .await;
            expect("create", reply.status, StatusCode::CREATED);
            let id = reply.json["token_id"].as_i64().unwrap_or(-1);
            let secret = reply.json["token"].as_str().unwrap_or("").to_owned();
            let reply = conn
                .call(Method::GET, &format!("/api/job_token/{id}"), Some(&user), None)
                .await;
            expect("read", reply.status, StatusCode::OK);
            let reply = conn.call(Method::GET, "/api/whoami", Some(&secret), None).await;
            expect("whoami", reply.status, StatusCode::OK);
            if i % 10 == 0 {
                let reply = conn
                    .call(Method::GET, "/api/job_token?limit=50", Some(&admin), None)
                    .await;
                expect("list", reply.status, StatusCode::OK);
            }
            let reply = conn
                .call(Method::DELETE, &format!("/api/job_token/{id}"), Some(&user), None)
                .await;
            expect("delete", reply.status, StatusCode::NO_CONTENT);
            let reply = conn.call(Method::GET, "/api/whoami", Some(&secret), None).await;
            expect("whoami after delete", reply.status, StatusCode::UNAUTHORIZED);
            unexpected
        }));
    }
    let mut unexpected = Vec::new();
    for task in tasks {
        unexpected.extend(task.await.expect("task"));
    }
    assert!(
        unexpected.is_empty(),
        "{} unexpected statuses, e.g. {:?}",
        unexpected.len(),
        &unexpected[..unexpected.len().min(5)]
    );
    assert_eq!(emulator.token_counts(), (0, 0));
}
