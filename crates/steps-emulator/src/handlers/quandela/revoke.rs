//! The quandela dialect's revocation handlers of either family:
//! `quandela.token.revoke` and `quandela.token.reopen`, which name the
//! token by its secret, in a form (`docs/quandela.md` E12).

use crate::handlers::quandela::input::{self, Invalid, Location, MISSING};
use crate::handlers::quandela::{may_act, ok_message, QuandelaCall};
use crate::render::{Failure, Handled};

/// `quandela.token.revoke`: the token whose secret is sent is revoked (it
/// may be the calling token, which then gets 401). Revoking a revoked
/// token changes nothing.
pub(crate) fn revoke(call: &QuandelaCall<'_>) -> Handled {
    set_revoked(call, true)
}

/// `quandela.token.reopen`: the revocation is cleared; an expired token
/// stays expired. Reopening a live token changes nothing.
pub(crate) fn reopen(call: &QuandelaCall<'_>) -> Handled {
    set_revoked(call, false)
}

fn set_revoked(call: &QuandelaCall<'_>, revoked: bool) -> Handled {
    let caller = call.caller()?;
    let secret = form_token(call.body)?;
    let mut store = call.store()?;
    let token = store
        .quandela_by_secret(&secret)
        .and_then(|id| store.quandela_token(id))
        .ok_or_else(|| Failure::bad_request("Invalid token"))?;
    may_act(caller, token)?;
    let id = token.id;
    store.set_revoked(id, revoked);
    Ok(ok_message())
}

/// The form's `token` (its last non-empty value): 422 when there is none.
fn form_token(body: &[u8]) -> Result<String, Failure> {
    let token = input::pairs(body, Location::Form)?
        .into_iter()
        .filter(|(key, value)| key == "token" && !value.is_empty())
        .map(|(_, value)| value)
        .next_back();
    token.ok_or_else(|| {
        let mut invalid = Invalid::default();
        invalid.add(Location::Form, "token", MISSING);
        invalid
            .check()
            .err()
            .unwrap_or_else(|| Failure::bad_request(MISSING))
    })
}
