//! Accounts and tokens: logging in, fresh idempotency keys, the tokens a
//! feature's checks make (and delete at the end), and counting and
//! trying tokens.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use http::Method;
use serde_json::{json, Value};

use crate::conformance::harness::client::{Http, Reply};

/// Logs in; the token, or an empty string (which later checks then fail).
pub(crate) async fn login(http: &Http, (email, password): &(String, String)) -> String {
    let body = json!({ "email": email, "password": password });
    let reply = http.call(Method::POST, "/api/login", None, Some(body)).await;
    reply.json["token"].as_str().unwrap_or_default().to_owned()
}

/// A key no earlier run used: servers remember keys for a day, and the kit
/// may run against the same server again within it.
pub(crate) fn fresh_key(what: &str) -> String {
    static COUNT: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos();
    let n = COUNT.fetch_add(1, Ordering::Relaxed);
    format!("conformance-{what}-{nanos:x}-{n}")
}

/// How many job tokens `user_id` has, walking every page as an admin.
pub(crate) async fn count_tokens(http: &Http, admin: &str, user_id: &Value) -> usize {
    let (mut count, mut after) = (0, None::<i64>);
    for _ in 0..10_000 {
        let path = match after {
            Some(a) => format!("/api/job_token?limit=1000&after={a}"),
            None => "/api/job_token?limit=1000".to_owned(),
        };
        let reply = http.call(Method::GET, &path, Some(admin), None).await;
        let page = reply.json["job_tokens"].as_array().cloned().unwrap_or_default();
        count += page.iter().filter(|t| &t["user_id"] == user_id).count();
        match reply.json["next_after"].as_i64() {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    count
}

/// An id that is well written but names no token (2^63-1).
pub(crate) const NO_SUCH_ID: i64 = i64::MAX;

/// A token the kit made: its id and secret (-1 and "" when the create
/// failed, which later checks then report), and the create's answer.
pub(crate) struct Minted {
    /// Its id.
    pub(crate) id: i64,
    /// Its secret.
    pub(crate) secret: String,
    /// The create's answer.
    pub(crate) reply: Reply,
}

/// A create's or rotation's id (`token_id`, `api_key_id`).
pub(crate) fn id_of(reply: &Reply) -> i64 {
    reply.json["token_id"]
        .as_i64()
        .or_else(|| reply.json["api_key_id"].as_i64())
        .unwrap_or(-1)
}

/// A create's or rotation's secret (`token`, `api_key`).
pub(crate) fn secret_of(reply: &Reply) -> String {
    reply.json["token"]
        .as_str()
        .or_else(|| reply.json["api_key"].as_str())
        .unwrap_or_default()
        .to_owned()
}

/// The tokens a feature's checks made, deleted by their owners at the end.
#[derive(Default)]
pub(crate) struct Made(Vec<(&'static str, i64, String)>);

impl Made {
    /// Creates at `path` (`/api/job_token`, `/api/api_key`) as `owner`,
    /// and remembers it.
    pub(crate) async fn create(
        &mut self,
        http: &Http,
        path: &'static str,
        owner: &str,
        body: Value,
    ) -> Minted {
        let reply = http.call(Method::POST, path, Some(owner), Some(body)).await;
        let (id, secret) = (id_of(&reply), secret_of(&reply));
        if reply.created() {
            self.0.push((path, id, owner.to_owned()));
        }
        Minted { id, secret, reply }
    }

    /// Deletes them all (those already gone answer 404).
    pub(crate) async fn clean(self, http: &Http) {
        for (path, id, owner) in self.0 {
            http.call(Method::DELETE, &format!("{path}/{id}"), Some(&owner), None)
                .await;
        }
    }
}

/// whoami's status with `token`.
pub(crate) async fn whoami_status(http: &Http, token: &str) -> u16 {
    http.call(Method::GET, "/api/whoami", Some(token), None)
        .await
        .status
        .as_u16()
}
