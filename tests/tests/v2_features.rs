//! The facade's protocol v2 features end to end, against the emulator in
//! both modes: in v2 mode each works as `docs/protocol.md` says (own
//! lists and filters, rotation with and without grace on the emulator's
//! clock, a token rotating and revoking itself, logout that revokes); in
//! v1 mode each is `Unsupported` (that nothing is sent is checked on a
//! scripted server in `crates/steps/tests/capabilities.rs`), and logout
//! says the token stays valid.

use std::time::Duration;

use steps::{ErrorKind, RotatedSelf, TokenType};
use steps_emulator::{Emulator, ProtocolVersion};
use steps_tests::{client, config, ADMIN, OTHER, USER};

async fn emulator(protocol: ProtocolVersion) -> Emulator {
    Emulator::start(config().protocol(protocol))
        .await
        .expect("the emulator starts")
}

fn ids(tokens: &[steps::JobToken]) -> Vec<i64> {
    tokens.iter().map(|t| t.token_id).collect()
}

#[tokio::test]
async fn users_list_and_filter_their_own_job_tokens_in_v2() {
    let emulator = emulator(ProtocolVersion::V2).await;
    let client = client(emulator.base_url());
    let user = client.login(USER.0, USER.1).await.expect("user logs in");
    let other = client.login(OTHER.0, OTHER.1).await.expect("other logs in");
    let admin = client.login(ADMIN.0, ADMIN.1).await.expect("admin logs in");
    let label = "nightly build + 100% é&";
    let mine = user
        .job_tokens()
        .create()
        .label(label)
        .send()
        .await
        .expect("create");
    let spare = user
        .job_tokens()
        .create()
        .label("spare")
        .send()
        .await
        .expect("create");
    let theirs = other
        .job_tokens()
        .create()
        .label(label)
        .send()
        .await
        .expect("create");

    // A user's list and pages are their own.
    let own = user
        .job_tokens()
        .list()
        .send()
        .await
        .expect("a user lists their own");
    assert_eq!(ids(&own), vec![mine.token_id, spare.token_id]);
    let mut pages = user.job_tokens().list().limit(1).pages();
    let mut walked = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.expect("a page");
        assert!(page.items.len() <= 1);
        walked.extend(ids(&page.items));
    }
    assert_eq!(walked, ids(&own));
    // An admin's is everyone's; filters by label and owner.
    let all = admin.job_tokens().list().send().await.expect("admin lists");
    assert_eq!(ids(&all), vec![mine.token_id, spare.token_id, theirs.token_id]);
    let by_label = user
        .job_tokens()
        .list()
        .label(label)
        .send()
        .await
        .expect("filter");
    assert_eq!(ids(&by_label), vec![mine.token_id]);
    let both = admin
        .job_tokens()
        .list()
        .label(label)
        .send()
        .await
        .expect("filter");
    assert_eq!(ids(&both), vec![mine.token_id, theirs.token_id]);
    let of_other = admin
        .job_tokens()
        .list()
        .user_id(theirs.user_id)
        .send()
        .await
        .expect("filter by owner");
    assert_eq!(ids(&of_other), vec![theirs.token_id]);
    let refused = user
        .job_tokens()
        .list()
        .user_id(theirs.user_id)
        .send()
        .await
        .expect_err("not another user's");
    assert_eq!(refused.kind(), ErrorKind::Forbidden, "{refused:?}");
    // API keys stay an admin's.
    assert_eq!(
        user.api_keys()
            .list()
            .send()
            .await
            .expect_err("admin only")
            .kind(),
        ErrorKind::AdminRequired
    );
}

#[tokio::test]
async fn rotation_keeps_the_token_and_ends_the_old_secret_on_time_in_v2() {
    let emulator = emulator(ProtocolVersion::V2).await;
    let client = client(emulator.base_url());
    let user = client.login(USER.0, USER.1).await.expect("user logs in");
    let admin = client.login(ADMIN.0, ADMIN.1).await.expect("admin logs in");
    let created = user
        .job_tokens()
        .create()
        .label("ci")
        .send()
        .await
        .expect("create");
    let old = created.token.clone().expect("a secret");

    // With a grace: the old secret works for it, then is refused.
    let rotated = user
        .job_tokens()
        .rotate(created.token_id)
        .grace(Duration::from_secs(60))
        .send()
        .await
        .expect("rotate");
    let new = rotated.token.clone().expect("the new secret");
    assert_ne!(new.expose(), old.expose());
    assert_eq!(
        (
            rotated.token_id,
            rotated.created_at,
            rotated.expires_at,
            &rotated.label
        ),
        (
            created.token_id,
            created.created_at,
            created.expires_at,
            &created.label
        )
    );
    assert!(rotated.rotated_at.is_some() && !rotated.replayed);
    let as_old = client.session_from_token(old.expose());
    let me = as_old.whoami().await.expect("the old secret, in its grace");
    assert_eq!(
        (me.token_id, me.label.as_deref()),
        (Some(created.token_id), Some("ci"))
    );
    emulator.advance_clock(Duration::from_secs(61));
    let refused = as_old.whoami().await.expect_err("the grace is over");
    assert_eq!(refused.kind(), ErrorKind::Unauthorized);
    // The rotated-away secret cannot rotate, nor touch the new one.
    let refused = as_old.rotate_self(None).await.expect_err("rotated away");
    assert_eq!(refused.kind(), ErrorKind::Unauthorized);
    let as_job = client.session_from_token(new.expose());
    as_job.whoami().await.expect("the new secret works");

    // The token rotates itself; the session goes on with the new secret.
    let RotatedSelf::JobToken(again) = as_job
        .rotate_self(Some(Duration::from_secs(30)))
        .await
        .expect("rotate self")
    else {
        panic!("a job token rotated itself")
    };
    let newest = again.token.clone().expect("the newest secret");
    assert_ne!(newest.expose(), new.expose());
    let me = as_job.whoami().await.expect("the session uses the newest");
    assert_eq!(me.token_type, Some(TokenType::Job));
    // Without a grace, an API key's old secret is refused at once.
    let key = admin
        .api_keys()
        .create()
        .label("worker")
        .send()
        .await
        .expect("create key");
    let old_key = key.token().expect("a secret").expose().to_owned();
    let rotated = admin
        .api_keys()
        .rotate(key.api_key_id)
        .send()
        .await
        .expect("rotate key");
    let as_worker = client.session_from_token(old_key.as_str());
    assert_eq!(
        as_worker.whoami().await.expect_err("no grace").kind(),
        ErrorKind::Unauthorized
    );
    let as_worker = client.session_from_token(rotated.token().expect("new").expose());
    let me = as_worker.whoami().await.expect("the new key works");
    assert_eq!(
        (me.api_key_id, me.label.as_deref()),
        (Some(key.api_key_id), Some("worker"))
    );
    assert_eq!(emulator.token_counts(), (1, 1), "rotation creates nothing");
}

#[tokio::test]
async fn tokens_revoke_themselves_and_logout_is_real_in_v2() {
    let emulator = emulator(ProtocolVersion::V2).await;
    let client = client(emulator.base_url());
    let user = client.login(USER.0, USER.1).await.expect("user logs in");
    let created = user
        .job_tokens()
        .create()
        .label("leaked")
        .send()
        .await
        .expect("create");
    let leaked = created.token.clone().expect("a secret");
    let as_job = client.session_from_token(leaked.expose());
    as_job.revoke_self().await.expect("revoke self");
    let after = client.session_from_token(leaked.expose());
    assert_eq!(
        after.whoami().await.expect_err("revoked").kind(),
        ErrorKind::Unauthorized
    );
    assert_eq!(
        user.job_tokens()
            .get(created.token_id)
            .send()
            .await
            .expect_err("gone")
            .kind(),
        ErrorKind::NotFound
    );

    // A worker's session ends without revoking its key; a user's logout
    // revokes their login token.
    let other = client.session_from_token(
        user.job_tokens()
            .create()
            .send()
            .await
            .expect("create")
            .token
            .expect("a secret")
            .expose(),
    );
    assert!(
        !other.logout().await.expect("logout"),
        "a job token is not revoked by logout"
    );
    let login = user.login_token().expect("a login session");
    assert!(user.logout().await.expect("logout"), "revoked server-side");
    let bare = client.session_from_token(login.token.expose());
    assert_eq!(
        bare.whoami().await.expect_err("logged out").kind(),
        ErrorKind::Unauthorized
    );
    assert_eq!(
        user.whoami().await.expect_err("ended").kind(),
        ErrorKind::NotLoggedIn
    );
    assert_eq!(emulator.token_counts(), (1, 0), "the worker's token lives on");
}

#[tokio::test]
async fn a_v1_server_offers_none_of_them() {
    let emulator = emulator(ProtocolVersion::V1).await;
    let client = client(emulator.base_url());
    let user = client.login(USER.0, USER.1).await.expect("user logs in");
    let created = user
        .job_tokens()
        .create()
        .label("v1")
        .send()
        .await
        .expect("create");
    let as_job = client.session_from_token(created.token.clone().expect("a secret").expose());
    let unsupported = [
        user.job_tokens().rotate(created.token_id).send().await.map(drop),
        user.job_tokens().list().label("v1").send().await.map(drop),
        as_job.revoke_self().await,
        as_job.rotate_self(Some(Duration::from_secs(5))).await.map(drop),
    ];
    for result in unsupported {
        let error = result.expect_err("not offered");
        assert_eq!(error.kind(), ErrorKind::Unsupported, "{error:?}");
    }
    // A user's list is an admin's in v1.
    assert_eq!(
        user.job_tokens()
            .list()
            .send()
            .await
            .expect_err("admin only")
            .kind(),
        ErrorKind::AdminRequired
    );
    // Logout forgets, and says the token stays valid.
    let login = user.login_token().expect("a login session");
    assert!(!user.logout().await.expect("logout"));
    let bare = client.session_from_token(login.token.expose());
    bare.whoami().await.expect("still valid until it expires");
    as_job.whoami().await.expect("the job token too");
    assert_eq!(emulator.token_counts(), (1, 0));
}
