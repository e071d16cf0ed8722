//! The full authorisation matrix: every endpoint × every kind of caller.

use http::{Method, StatusCode};

use steps_emulator::Emulator;

use crate::support::{emulator, emulator_v1, Conn, ADMIN, OTHER, USER};

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
    // Protocol v2.
    RevokeSelf,
    RotateSelf,
    RotateJob,
    RotateKey,
}

const ENDPOINTS: [Endpoint; 13] = [
    Endpoint::Whoami,
    Endpoint::CreateJob,
    Endpoint::ReadJob,
    Endpoint::DeleteJob,
    Endpoint::ListJobs,
    Endpoint::CreateKey,
    Endpoint::ReadKey,
    Endpoint::DeleteKey,
    Endpoint::ListKeys,
    Endpoint::RevokeSelf,
    Endpoint::RotateSelf,
    Endpoint::RotateJob,
    Endpoint::RotateKey,
];

/// The status `docs/protocol.md` gives each caller at each endpoint, in
/// protocol v1 or v2.
fn expected(endpoint: Endpoint, caller: Caller, v2: bool) -> u16 {
    use Caller::*;
    use Endpoint::*;
    let v2_only = matches!(endpoint, RevokeSelf | RotateSelf | RotateJob | RotateKey);
    if v2_only && !v2 {
        return 404;
    }
    if matches!(caller, NoToken | Malformed | Expired | Revoked) {
        return 401;
    }
    match endpoint {
        Whoami => return 200,
        RevokeSelf => return 204,
        RotateSelf if matches!(caller, JobToken | ApiKey) => return 200,
        RotateSelf => return 403,
        _ => {}
    }
    if matches!(caller, JobToken | ApiKey) {
        return 403;
    }
    match (endpoint, caller) {
        (CreateJob, _) => 201,
        (ReadJob | DeleteJob | RotateJob, OtherUser) => 404,
        (ReadJob | RotateJob, _) => 200,
        (DeleteJob, _) => 204,
        // `own_tokens`: every login token lists (its own, or all).
        (ListJobs, _) if v2 => 200,
        (_, Admin) => match endpoint {
            CreateKey => 201,
            DeleteKey => 204,
            _ => 200,
        },
        _ => 403,
    }
}

#[tokio::test]
async fn every_endpoint_answers_every_caller_as_the_spec_says_in_v2() {
    every_endpoint_answers_every_caller(emulator().await, true).await;
}

#[tokio::test]
async fn every_endpoint_answers_every_caller_as_the_spec_says_in_v1() {
    every_endpoint_answers_every_caller(emulator_v1().await, false).await;
}

async fn every_endpoint_answers_every_caller(emulator: Emulator, v2: bool) {
    let mut conn = Conn::open(emulator.local_addr()).await;

    // An expired login token first, then move the clock past its lifetime.
    let expired = conn.login(USER).await;
    emulator.advance_clock(std::time::Duration::from_secs(86_401));
    let owner = conn.login(USER).await;
    let admin = conn.login(ADMIN).await;
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

    for endpoint in ENDPOINTS {
        for caller in CALLERS {
            // Fresh targets and callers for each check, so that deletes,
            // revocations and rotations do not interfere.
            let (job_id, job_secret) = conn.create("job_token", &owner).await;
            let (key_id, key_secret) = conn.create("api_key", &admin).await;
            let token = match caller {
                Caller::NoToken => None,
                Caller::Malformed => Some("not a token at all".to_owned()),
                Caller::Expired => Some(expired.clone()),
                Caller::Revoked => Some(revoked.clone()),
                Caller::JobToken => Some(job_secret),
                Caller::ApiKey => Some(key_secret),
                Caller::OtherUser => Some(conn.login(OTHER).await),
                Caller::Owner => Some(conn.login(USER).await),
                Caller::Admin => Some(conn.login(ADMIN).await),
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
                Endpoint::RevokeSelf => (Method::DELETE, "/api/token/self".to_owned(), None),
                Endpoint::RotateSelf => (Method::POST, "/api/token/self/rotate".to_owned(), Some("{}")),
                Endpoint::RotateJob => (
                    Method::POST,
                    format!("/api/job_token/{job_id}/rotate"),
                    Some(r#"{"grace_seconds":5}"#),
                ),
                Endpoint::RotateKey => (Method::POST, format!("/api/api_key/{key_id}/rotate"), Some("{}")),
            };
            let before = emulator.token_counts();
            let reply = conn.call(method, &path, token.as_deref(), body).await;
            let want = expected(endpoint, caller, v2);
            let what = format!("{endpoint:?} as {caller:?} (v2: {v2})");
            if want >= 400 {
                reply.assert_error(want, &what);
                assert_eq!(emulator.token_counts(), before, "{what} changed the store");
                if want == 401 {
                    assert_eq!(reply.headers["www-authenticate"], "Bearer", "{what}");
                }
                continue;
            }
            assert_eq!(reply.status.as_u16(), want, "{what}: {:?}", reply.json);
            // What a success did to the token it was sent with.
            let after = conn
                .call(Method::GET, "/api/whoami", token.as_deref(), None)
                .await;
            // Revoked, or rotated without a grace: refused from now on.
            let gone = matches!(endpoint, Endpoint::RevokeSelf | Endpoint::RotateSelf);
            assert_eq!(
                after.status.as_u16(),
                if gone { 401 } else { 200 },
                "{what} then whoami"
            );
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
