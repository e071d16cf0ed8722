//! The quandela dialect's checks (`docs/quandela.md` E18), once a request
//! has passed what every request passes (`api.rs`: route, fault rules,
//! size): authentication (401), which counts the request against the job
//! token presented (E5), then the faults that act inside the handler, then
//! the handler, which checks its input (422), who may act (403) and its own
//! rules (400, 404). There is no 415 (a body of another type is a body
//! without the fields), no authorisation by route (each handler decides),
//! and no idempotency key.

use http::request::Parts;
use http::StatusCode;

use crate::faults::Struck;
use crate::handlers::quandela::{invalid_credential, QuandelaCall};
use crate::render::{Failure, Handled};
use crate::routes::{Caller, Found, Handler};
use crate::secret::TokenType;
use crate::state::State;

/// Answers a request to a route of the dialect, which sent `bearer` (its
/// `Authorization: Bearer` token, if any). `noted` learns who called (user
/// id, token type) as soon as it is known.
pub(crate) async fn checked(
    state: &State,
    found: &Found<'_>,
    parts: &Parts,
    body: &[u8],
    struck: &Struck,
    bearer: Option<&str>,
    noted: impl FnOnce(i64, u8),
) -> Handled {
    let route = found.route;
    let Handler::Quandela(handler) = route.handler else {
        // The pipeline sends only the dialect's routes here.
        return Err(Failure::new(StatusCode::NOT_FOUND, "no such path"));
    };
    let now = state.now();
    let caller = match route.caller {
        Caller::Anyone => None,
        family => {
            // A logged-in token only on the logged-in family (E1).
            let login_ok = family == Caller::LoggedInFamily;
            let who = bearer
                .and_then(|token| state.store().authenticate_quandela(token, now, login_ok))
                .ok_or_else(invalid_credential)?;
            let kind = if who.job.is_some() {
                TokenType::Job
            } else {
                TokenType::Login
            };
            noted(who.user_id, kind as u8);
            Some(who)
        }
    };
    struck.in_handler(route.operation).await;
    handler(&QuandelaCall {
        state,
        caller,
        id: found.id,
        query: parts.uri.query().unwrap_or(""),
        body,
        now,
    })
}
