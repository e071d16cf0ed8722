//! What the quandela checks share: the two path families, the callers
//! (the given job tokens, the logged-in token), the other user's token
//! the 403 checks aim at, each operation as one request, the tokens the
//! checks make (deleted at the end), and the clock and usage hooks.

use std::sync::Mutex;

use http::Method;
use serde_json::{json, Value};

use crate::conformance::harness::client::{Http, Reply};
use crate::conformance::harness::credentials::QuandelaCredentials;
use crate::conformance::harness::lists::percent_encode;
use crate::conformance::harness::options::Options;
use crate::conformance::harness::tokens::{fresh_key, id_of, secret_of, Minted};

/// A path family (quandela.md, section 1): the job family takes a job
/// token, the logged-in family a logged-in token (A2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Family {
    /// `/api/tokens*`.
    Job,
    /// `/api/auth/tokens*`.
    Auth,
}

impl Family {
    /// The family's path with `rest` appended (`/revoke`, `/7`, `?limit=2`).
    pub(super) fn path(self, rest: &str) -> String {
        match self {
            Family::Job => format!("/api/tokens{rest}"),
            Family::Auth => format!("/api/auth/tokens{rest}"),
        }
    }

    /// The prefix of its checks' names.
    pub(super) fn name(self) -> &'static str {
        match self {
            Family::Job => "job family",
            Family::Auth => "logged-in family",
        }
    }
}

/// The other user: their job token, their user id, and a token of theirs
/// that the 403 checks aim at.
pub(super) struct Other {
    /// Their job token.
    pub(super) caller: String,
    /// Their user id (-1 when it could not be read).
    pub(super) user_id: i64,
    /// A token of theirs.
    pub(super) token: Minted,
}

/// The state of a quandela run.
pub(super) struct Ctx<'a> {
    /// The server.
    pub(super) http: &'a Http,
    /// The hooks given.
    pub(super) options: &'a Options<'a>,
    /// The user's job token.
    pub(super) user: String,
    /// The user's id and priority (`user_priority`), read from a token of
    /// theirs (-1 when they could not be read).
    pub(super) user_id: i64,
    /// The user's priority.
    pub(super) user_priority: i64,
    /// The other user, when given and accepted.
    pub(super) other: Option<Other>,
    /// The admin's job token, when given and accepted.
    pub(super) admin: Option<String>,
    /// The user's logged-in token, once logged in.
    pub(super) logged_in: Option<String>,
    /// The control plane, when given.
    control: Option<Http>,
    /// The tokens made: family, the caller that made them, id.
    made: Mutex<Vec<(Family, String, i64)>>,
}

impl<'a> Ctx<'a> {
    /// A context for `credentials`; nothing is sent.
    pub(super) fn new(http: &'a Http, credentials: &QuandelaCredentials, options: &'a Options<'a>) -> Self {
        Ctx {
            http,
            options,
            user: credentials.user.clone(),
            user_id: -1,
            user_priority: -1,
            other: None,
            admin: None,
            logged_in: None,
            control: credentials.control.as_deref().map(Http::new),
            made: Mutex::new(Vec::new()),
        }
    }

    /// The caller the checks of `family` run with: the user's job token
    /// on the job family, the logged-in token on the other.
    pub(super) fn caller(&self, family: Family) -> Option<&str> {
        match family {
            Family::Job => Some(&self.user),
            Family::Auth => self.logged_in.as_deref(),
        }
    }

    /// Generates with `caller` on `family`, remembering the token.
    pub(super) async fn generate(&self, family: Family, caller: &str, body: Value) -> Minted {
        let bytes = body.to_string().into_bytes();
        let reply = self
            .generate_raw(family, caller, Some("application/json"), bytes)
            .await;
        let (id, secret) = (id_of(&reply), secret_of(&reply));
        Minted { id, secret, reply }
    }

    /// A generate with a fresh label, which names it in reports.
    pub(super) async fn mint(&self, family: Family, caller: &str) -> Minted {
        self.generate(family, caller, json!({ "label": fresh_key("quandela") }))
            .await
    }

    /// A generate with this body, as it is; a token it makes is remembered.
    pub(super) async fn generate_raw(
        &self,
        family: Family,
        caller: &str,
        content_type: Option<&str>,
        body: Vec<u8>,
    ) -> Reply {
        let reply = self
            .http
            .send(Method::POST, &family.path(""), Some(caller), content_type, body)
            .await;
        if reply.status == 200 && id_of(&reply) >= 0 {
            let mut made = self.made.lock().expect("not poisoned");
            made.push((family, caller.to_owned(), id_of(&reply)));
        }
        reply
    }

    /// `GET` on `family` with `rest` (`?limit=2`, `/7`).
    pub(super) async fn get(&self, family: Family, caller: &str, rest: &str) -> Reply {
        self.http
            .call(Method::GET, &family.path(rest), Some(caller), None)
            .await
    }

    /// Reads the token `id`.
    pub(super) async fn read(&self, family: Family, caller: &str, id: i64) -> Reply {
        self.get(family, caller, &format!("/{id}")).await
    }

    /// Updates the token `id` with `body`.
    pub(super) async fn update(&self, family: Family, caller: &str, id: i64, body: Value) -> Reply {
        let path = family.path(&format!("/{id}"));
        self.http.call(Method::PUT, &path, Some(caller), Some(body)).await
    }

    /// `POST` to `family`'s `rest` (`/revoke`, `/reopen`) of the form
    /// `token=<secret>`.
    pub(super) async fn form(&self, family: Family, rest: &str, caller: &str, secret: &str) -> Reply {
        let body = format!("token={}", percent_encode(secret)).into_bytes();
        let form = Some("application/x-www-form-urlencoded");
        self.http
            .send(Method::POST, &family.path(rest), Some(caller), form, body)
            .await
    }

    /// `POST` of the JSON `body` to `family`'s `rest`.
    pub(super) async fn post(&self, family: Family, rest: &str, caller: &str, body: Value) -> Reply {
        let path = family.path(rest);
        self.http
            .call(Method::POST, &path, Some(caller), Some(body))
            .await
    }

    /// Deletes the tokens `ids` by id.
    pub(super) async fn delete(&self, family: Family, caller: &str, ids: &[i64]) -> Reply {
        self.post(family, "/delete-by-ids", caller, json!({ "token_ids": ids }))
            .await
    }

    /// The status of a list with `secret`: whether it is accepted.
    pub(super) async fn status_with(&self, secret: &str) -> u16 {
        self.get(Family::Job, secret, "?limit=1").await.status.as_u16()
    }

    /// The usage report with `query` (`?token_ids=1,2`).
    pub(super) async fn usage(&self, caller: &str, query: &str) -> Reply {
        self.get(Family::Job, caller, &format!("/usage/report{query}"))
            .await
    }

    /// Moves the server's clock `seconds` forward: by
    /// [`Options::advance_clock`], else by the control plane; false when
    /// neither was given (or the control plane refused).
    pub(super) async fn advance(&self, seconds: u64) -> bool {
        if let Some(advance) = &self.options.advance_clock {
            advance(std::time::Duration::from_secs(seconds));
            return true;
        }
        match &self.control {
            Some(control) => {
                let body = json!({ "advance": seconds });
                let reply = control.call(Method::POST, "/clock", None, Some(body)).await;
                reply.status == 200
            }
            None => false,
        }
    }

    /// Whether the server's clock can be moved.
    pub(super) fn has_clock(&self) -> bool {
        self.options.advance_clock.is_some() || self.control.is_some()
    }

    /// Records usage through the control plane (`POST /_steps/usage`);
    /// `None` without one, else whether it was stored.
    pub(super) async fn record_usage(&self, record: Value) -> Option<bool> {
        let control = self.control.as_ref()?;
        let reply = control.call(Method::POST, "/usage", None, Some(record)).await;
        Some(reply.status == 200)
    }

    /// Deletes every token the checks made, each by the caller that made
    /// it (those already gone answer 400).
    pub(super) async fn clean(self) {
        let made = std::mem::take(&mut *self.made.lock().expect("not poisoned"));
        for (family, caller, id) in made {
            self.delete(family, &caller, &[id]).await;
        }
    }
}
