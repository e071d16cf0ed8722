//! The handlers of the caller's account and of the token it sent: `login`,
//! `whoami`, `token.revoke_self`.

use http::StatusCode;

use crate::handlers::{json_object, required_string, Call};
use crate::protocol::Feature;
use crate::render::{self, Failure, Handled};

/// `login`.
pub(crate) fn login(call: &Call<'_>) -> Handled {
    let map = json_object(call.body)?;
    let email = required_string(&map, "email")?;
    let password = required_string(&map, "password")?;
    let grant = call
        .store()?
        .login(email, password, call.now)
        .map_err(|_| Failure::could_not_mint())?
        .ok_or_else(|| Failure::unauthorized("wrong email or password"))?;
    Ok(render::json(StatusCode::OK, &render::login(&grant)))
}

/// `whoami`; with feature `self`, it names the job token or API key sent.
pub(crate) fn whoami(call: &Call<'_>) -> Handled {
    let identity = call.identity()?;
    let store = call.store()?;
    let token = identity
        .issued
        .filter(|_| call.protocol().offers(Feature::SelfToken))
        .and_then(|issued| {
            let record = store.get(issued.collection, issued.id, call.now)?;
            Some((issued.collection, record))
        });
    Ok(render::json(StatusCode::OK, &render::whoami(&identity, token)))
}

/// `token.revoke_self` (feature `self`): the secret sent is revoked (see
/// [`Store::revoke`](crate::store::Store::revoke) for what that takes with it).
pub(crate) fn revoke_self(call: &Call<'_>) -> Handled {
    let identity = call.identity()?;
    if call.store()?.revoke(&identity, call.now) {
        Ok(render::no_content())
    } else {
        // Revoked or rotated away since it was checked.
        Err(Failure::no_valid_token())
    }
}
