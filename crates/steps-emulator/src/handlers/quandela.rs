//! The handlers of the quandela dialect (`docs/quandela.md`), and what
//! they share: [`QuandelaCall`], and the dialect's answers and refusals.
//! Each runs after the dialect's checks (`api/quandela.rs`: route, faults,
//! size, authentication) and checks, in E18's order, its input (422), who
//! may act (403), then its own rules (400, 404). One file per concern:
//! `account.rs` (login, health), `tokens.rs` (generate, list, read,
//! update), `revoke.rs` (revoke, reopen), `delete.rs` (by ids, by
//! secrets), `usage.rs` (the usage report); `input.rs` reads their input
//! (JSON bodies, forms, queries) and `time.rs` their times.
//!
//! Every refusal here is a [`Failure`]; the pipeline gives it the
//! dialect's `detail` (`{"error": ..., "detail": {}}`), and 422s carry
//! theirs (`{"message": ..., "detail": {location: {field: [...]}}}`).

pub(crate) mod account;
pub(crate) mod delete;
pub(crate) mod input;
pub(crate) mod revoke;
pub(crate) mod time;
pub(crate) mod tokens;
pub(crate) mod usage;

use std::sync::MutexGuard;

use http::{Response, StatusCode};
use serde_json::json;

use crate::body::ResponseBody;
use crate::render::{self, Failure};
use crate::state::State;
use crate::store::entries::QuandelaToken;
use crate::store::quandela::QuandelaCaller;
use crate::store::Store;

/// A request that passed the dialect's checks before its handler.
pub(crate) struct QuandelaCall<'a> {
    pub(crate) state: &'a State,
    /// Who presented a valid credential; `None` on a route anyone may
    /// call.
    pub(crate) caller: Option<QuandelaCaller>,
    /// The `{token_id}` segment of the path (ASCII digits), on routes
    /// that have one.
    pub(crate) id: Option<&'a str>,
    /// The query string, without the `?`.
    pub(crate) query: &'a str,
    pub(crate) body: &'a [u8],
    /// The emulator's time when the checks began.
    pub(crate) now: u64,
}

impl QuandelaCall<'_> {
    /// Who called. Every route but login and health authenticates, so
    /// this fails only for a handler placed on a route anyone may call.
    fn caller(&self) -> Result<QuandelaCaller, Failure> {
        self.caller.ok_or_else(invalid_credential)
    }

    /// The store, locked, if the caller was found in it: a request
    /// authenticated before a reset or an import must not act on the
    /// store that replaced it (401).
    fn store(&self) -> Result<MutexGuard<'_, Store>, Failure> {
        let store = self.state.store();
        match &self.caller {
            Some(caller) if !store.knows_caller(caller) => Err(invalid_credential()),
            _ => Ok(store),
        }
    }

    /// The token id in the path: 400 `Invalid token: 0` for 0 (ids start
    /// at 1); `None` for one past 2^63-1, which names no token (404).
    fn token_id(&self) -> Result<Option<i64>, Failure> {
        let digits = self.id.unwrap_or("");
        let id = digits.parse::<i64>().ok();
        if id == Some(0) {
            return Err(Failure::bad_request("Invalid token: 0"));
        }
        Ok(id)
    }
}

/// 401 for a missing, malformed, unknown, revoked or expired credential
/// (E6), with `WWW-Authenticate: Bearer`.
pub(crate) fn invalid_credential() -> Failure {
    Failure::unauthorized("Invalid or expired job token")
}

/// 403: the caller may not act on another user's token (E7).
fn permission_denied() -> Failure {
    Failure::new(StatusCode::FORBIDDEN, "Permission denied")
}

/// Whether `caller` may act on `token`: its owner or an admin (E7).
fn may_act(caller: QuandelaCaller, token: &QuandelaToken) -> Result<(), Failure> {
    if caller.is_admin || token.user_id == caller.user_id {
        Ok(())
    } else {
        Err(permission_denied())
    }
}

/// 404 for a token id that names no token (E11).
fn not_found() -> Failure {
    Failure::new(StatusCode::NOT_FOUND, "Not found")
}

/// 200 `{"message": "ok"}`, the dialect's `DefaultResponse`.
fn ok_message() -> Response<ResponseBody> {
    render::json(StatusCode::OK, &json!({ "message": "ok" }))
}
