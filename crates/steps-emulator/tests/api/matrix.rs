//! The full authorisation matrix: every endpoint × every kind of caller.

use http::{Method, StatusCode};

use crate::support::{emulator, Conn, ADMIN, OTHER, USER};

#[derive(Clone, Copy, Debug, PartialEq)]
enum Caller {
    NoToken,
    Malformed,
    Expired,
    Revoked,
    JobToken,
    ApiKey,
    OtherUser,
    Owner,
    Admin,
}

const CALLERS: [Caller; 9] = [
    Caller::NoToken,
    Caller::Malformed,
    Caller::Expired,
    Caller::Revoked,
    Caller::JobToken,
    Caller::ApiKey,
    Caller::OtherUser,
    Caller::Owner,
    Caller::Admin,
];

#[derive(Clone, Copy, Debug)]
enum Endpoint {
    Whoami,
    CreateJob,
    ReadJob,
    DeleteJob,
    ListJobs,
    CreateKey,
    ReadKey,
    DeleteKey,
    ListKeys,
}

/// The status `docs/protocol.md` gives each caller at each endpoint.
fn expected(endpoint: Endpoint, caller: Caller) -> u16 {
    use Caller::*;
    use Endpoint::*;
    if matches!(caller, NoToken | Malformed | Expired | Revoked) {
        return 401;
    }
    if matches!(endpoint, Whoami) {
        return 200;
    }
    if matches!(caller, JobToken | ApiKey) {
        return 403;
    }
    match (endpoint, caller) {
        (CreateJob, _) => 201,
        (ReadJob, OtherUser) | (DeleteJob, OtherUser) => 404,
        (ReadJob, _) => 200,
        (DeleteJob, _) => 204,
        (_, Admin) => match endpoint {
            CreateKey => 201,
            DeleteKey => 204,
            _ => 200,
        },
        _ => 403,
    }
}

#[tokio::test]
async fn every_endpoint_answers_every_caller_as_the_spec_says() {
    let emulator = emulator().await;
    let mut conn = Conn::open(emulator.local_addr()).await;

    // An expired login token first, then move the clock past its lifetime.
    let expired = conn.login(USER).await;
    emulator.advance_clock(std::time::Duration::from_secs(86_401));
    let owner = conn.login(USER).await;
    let other = conn.login(OTHER).await;
    let admin = conn.login(ADMIN).await;
    let (_, job_secret) = conn.create("job_token", &owner).await;
    let (_, key_secret) = conn.create("api_key", &admin).await;
    let (revoked_id, revoked) = conn.create("job_token", &owner).await;
    let reply = conn
        .call(
            Method::DELETE,
            &format!("/api/job_token/{revoked_id}"),
            Some(&owner),
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);

    let endpoints = [
        Endpoint::Whoami,
        Endpoint::CreateJob,
        Endpoint::ReadJob,
        Endpoint::DeleteJob,
        Endpoint::ListJobs,
        Endpoint::CreateKey,
        Endpoint::ReadKey,
        Endpoint::DeleteKey,
        Endpoint::ListKeys,
    ];
    for endpoint in endpoints {
        for caller in CALLERS {
            // A fresh target for each check, so deletes do not interfere.
            let (job_id, _) = conn.create("job_token", &owner).await;
            let (key_id, _) = conn.create("api_key", &admin).await;
            let token = match caller {
                Caller::NoToken => None,
                Caller::Malformed => Some("not a token at all".to_owned()),
                Caller::Expired => Some(expired.clone()),
                Caller::Revoked => Some(revoked.clone()),
                Caller::JobToken => Some(job_secret.clone()),
                Caller::ApiKey => Some(key_secret.clone()),
                Caller::OtherUser => Some(other.clone()),
                Caller::Owner => Some(owner.clone()),
                Caller::Admin => Some(admin.clone()),
            };
            let (method, path, body) = match endpoint {
                Endpoint::Whoami => (Method::GET, "/api/whoami".to_owned(), None),
                Endpoint::CreateJob => (
                    Method::POST,
                    "/api/job_token".to_owned(),
                    Some(r#"{"label":null,"duration":60}"#),
                ),
                Endpoint::ReadJob => (Method::GET, format!("/api/job_token/{job_id}"), None),
                Endpoint::DeleteJob => (Method::DELETE, format!("/api/job_token/{job_id}"), None),
                Endpoint::ListJobs => (Method::GET, "/api/job_token".to_owned(), None),
                Endpoint::CreateKey => (
                    Method::POST,
                    "/api/api_key".to_owned(),
                    Some(r#"{"label":"w","duration":60}"#),
                ),
                Endpoint::ReadKey => (Method::GET, format!("/api/api_key/{key_id}"), None),
                Endpoint::DeleteKey => (Method::DELETE, format!("/api/api_key/{key_id}"), None),
                Endpoint::ListKeys => (Method::GET, "/api/api_key".to_owned(), None),
            };
            let before = emulator.token_counts();
            let reply = conn.call(method, &path, token.as_deref(), body).await;
            let want = expected(endpoint, caller);
            let what = format!("{endpoint:?} as {caller:?}");
            if want >= 400 {
                reply.assert_error(want, &what);
                assert_eq!(emulator.token_counts(), before, "{what} changed the store");
                if want == 401 {
                    assert_eq!(reply.headers["www-authenticate"], "Bearer", "{what}");
                }
            } else {
                assert_eq!(reply.status.as_u16(), want, "{what}: {:?}", reply.json);
            }
        }
    }
}

#[tokio::test]
async fn whoami_reports_the_kind_of_token_and_its_holder() {
    let emulator = emulator().await;
    let mut conn = Conn::open(emulator.local_addr()).await;
    let owner = conn.login(USER).await;
    let admin = conn.login(ADMIN).await;
    let (_, job) = conn.create("job_token", &owner).await;
    let (_, key) = conn.create("api_key", &admin).await;
    for (token, user_id, token_type, is_admin) in
        [(&owner, 2, 0, false), (&job, 2, 1, false), (&key, 1, 2, true)]
    {
        let reply = conn.call(Method::GET, "/api/whoami", Some(token), None).await;
        assert_eq!(reply.status, StatusCode::OK);
        assert_eq!(reply.id("user_id"), user_id);
        assert_eq!(reply.id("token_type"), token_type);
        assert_eq!(reply.json["is_admin"], is_admin);
        assert!(reply.json["expires_at"].is_u64());
    }
}
