//! The emulator in quandela mode over TCP (`docs/quandela.md`, its
//! emulator items E1 to E18 and its control-plane addition): one file per
//! concern, each test on a fresh emulator of the three support accounts
//! (admin 1, user 2, other user 3), frozen clock, control plane on, and
//! the job tokens it minted at start (ids 1, 2, 3).

mod control;
mod credentials;
mod delete;
mod generate;
mod list_read_update;
mod mode;
mod revoke;
mod usage;

use bytes::Bytes;
use http::{Method, Request};
use http_body_util::Full;
use serde_json::{json, Value};
use steps_emulator::{Api, Emulator};

use crate::support::{config, Conn, Reply};

/// A fresh emulator in quandela mode, with a connection and the minted
/// tokens of the admin, the user and the other user.
pub(crate) struct Cloud {
    pub(crate) emulator: Emulator,
    pub(crate) conn: Conn,
    pub(crate) admin: String,
    pub(crate) user: String,
    pub(crate) other: String,
}

impl Cloud {
    pub(crate) async fn start() -> Cloud {
        let emulator = Emulator::start(config().api(Api::Quandela).control(true).frozen_clock())
            .await
            .expect("the emulator starts");
        let conn = Conn::open(emulator.local_addr()).await;
        let minted = emulator.minted_tokens();
        let token = |i: usize| minted[i].token.clone();
        Cloud {
            admin: token(0),
            user: token(1),
            other: token(2),
            conn,
            emulator,
        }
    }

    /// A request with a JSON body (when given), with `token`.
    pub(crate) async fn call(
        &mut self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> Reply {
        let body = body.map(Value::to_string);
        self.conn.call(method, path, token, body.as_deref()).await
    }

    /// A POST of a form body, as HTML forms send it.
    pub(crate) async fn form(&mut self, path: &str, token: &str, body: &str) -> Reply {
        let request = Request::post(path)
            .header("host", "localhost")
            .header("authorization", format!("Bearer {token}"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Full::new(Bytes::from(body.to_owned())))
            .expect("request");
        self.conn.send(request).await
    }

    /// Generates a token with `token` through the job family; its id and
    /// secret.
    pub(crate) async fn generate(&mut self, token: &str, body: Value) -> (i64, String) {
        let reply = self
            .call(Method::POST, "/api/tokens", Some(token), Some(&body))
            .await;
        assert_eq!(reply.status, 200, "generate {body}: {}", reply.json);
        (reply.id("token_id"), reply.str("token"))
    }

    /// A logged-in token of `account`, from `/api/login`.
    pub(crate) async fn login(&mut self, (email, password): (&str, &str)) -> String {
        let body = json!({ "email": email, "password": password });
        let reply = self.call(Method::POST, "/api/login", None, Some(&body)).await;
        assert_eq!(reply.status, 200, "login {email}: {}", reply.json);
        reply.str("token")
    }

    /// Token `id` as `token` reads it (job family).
    pub(crate) async fn read(&mut self, token: &str, id: i64) -> Reply {
        self.call(Method::GET, &format!("/api/tokens/{id}"), Some(token), None)
            .await
    }

    /// A control-plane POST.
    pub(crate) async fn control(&mut self, path: &str, body: &Value) -> Reply {
        self.call(Method::POST, path, None, Some(body)).await
    }
}

/// The dialect's error: this status, and exactly `{"error": message,
/// "detail": {}}`.
#[track_caller]
pub(crate) fn refused(reply: &Reply, status: u16, message: &str) {
    assert_eq!(reply.status.as_u16(), status, "{}", reply.json);
    assert_eq!(reply.json, json!({ "error": message, "detail": {} }));
    assert_eq!(reply.headers["content-type"], "application/json");
}

/// The dialect's 422: `{"message": "Validation error", "detail":
/// {location: {field: [...]}}}`, naming `field` at `location`.
#[track_caller]
pub(crate) fn invalid(reply: &Reply, location: &str, field: &str) {
    assert_eq!(reply.status.as_u16(), 422, "{}", reply.json);
    assert_eq!(reply.json["message"], "Validation error", "{}", reply.json);
    let messages = &reply.json["detail"][location][field];
    assert!(
        messages
            .as_array()
            .is_some_and(|m| !m.is_empty() && m.iter().all(Value::is_string)),
        "{location}.{field} in {}",
        reply.json
    );
    assert!(reply.json.get("error").is_none(), "{}", reply.json);
}

/// 200 `{"message": "ok"}`.
#[track_caller]
pub(crate) fn done(reply: &Reply) {
    assert_eq!(reply.status.as_u16(), 200, "{}", reply.json);
    assert_eq!(reply.json, json!({ "message": "ok" }));
}

/// The ids of a list answer (a bare array).
#[track_caller]
pub(crate) fn ids(reply: &Reply) -> Vec<i64> {
    assert_eq!(reply.status.as_u16(), 200, "{}", reply.json);
    reply
        .json
        .as_array()
        .unwrap_or_else(|| panic!("a bare array: {}", reply.json))
        .iter()
        .map(|t| t["id"].as_i64().expect("an id"))
        .collect()
}
