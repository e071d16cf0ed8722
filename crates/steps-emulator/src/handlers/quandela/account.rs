//! The quandela dialect's account handlers: `quandela.login` (ours, A19:
//! a logged-in token for the logged-in family) and `quandela.health`.

use http::StatusCode;
use serde_json::json;

use crate::handlers::quandela::input::{json_body, Invalid};
use crate::handlers::quandela::{ok_message, time, QuandelaCall};
use crate::render::{self, Failure, Handled};

/// `quandela.login`: `{"email", "password"}`; 200 `{"token", "user_id",
/// "is_admin", "expiration_date"}`, a logged-in token that lives
/// `--login-ttl` seconds (E17); 401 for a wrong email or password (E6).
pub(crate) fn login(call: &QuandelaCall<'_>) -> Handled {
    let map = json_body(call.body)?;
    let mut invalid = Invalid::default();
    let email = invalid.string(&map, "email");
    let password = invalid.string(&map, "password");
    invalid.check()?;
    let grant = call
        .state
        .store()
        .login(email, password, call.now)
        .map_err(|_| Failure::could_not_mint())?
        .ok_or_else(|| Failure::unauthorized("Invalid email or password"))?;
    let body = json!({
        "token": grant.token,
        "user_id": grant.user_id,
        "is_admin": grant.is_admin,
        "expiration_date": time::format(grant.expires_at),
    });
    Ok(render::json(StatusCode::OK, &body))
}

/// `quandela.health`: 200 `{"message": "ok"}`; a token sent with it is
/// not looked at.
pub(crate) fn health(_: &QuandelaCall<'_>) -> Handled {
    Ok(ok_message())
}
