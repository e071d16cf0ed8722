//! The handlers of rotation (protocol v2): `token.rotate_self`,
//! `job_token.rotate`, `api_key.rotate`, and the grace their body asks for.

use http::StatusCode;
use serde_json::Value;

use crate::handlers::tokens::{not_found, visible};
use crate::handlers::{json_object, Call};
use crate::render::{self, Failure, Handled};
use crate::store::collection::Collection;
use crate::store::identity::Standing;
use crate::store::Store;

/// The longest grace a rotation gives the old secret: a day.
const MAX_GRACE: u64 = 86_400;

/// `token.rotate_self` (feature `self`): a job token or API key rotates
/// itself. A secret that a rotation already replaced, in its grace, may
/// not rotate again (403): whoever holds an old secret cannot take the
/// token from whoever holds the new one.
///
/// Where the secret stands is decided under the same lock as the
/// rotation, so that a secret rotated away while this request waited
/// cannot rotate the token again.
pub(crate) fn rotate_self(call: &Call<'_>) -> Handled {
    let identity = call.identity()?;
    let mut store = call.store()?;
    let (collection, id) = match store.standing(&identity, call.now) {
        None => return Err(Failure::no_valid_token()),
        Some(Standing::Login) => {
            return Err(Failure::new(
                StatusCode::FORBIDDEN,
                "this operation needs a job token or an API key",
            ))
        }
        Some(Standing::Retiring(..)) => {
            return Err(Failure::new(
                StatusCode::FORBIDDEN,
                "this secret was replaced by a rotation and may not rotate the token again",
            ))
        }
        Some(Standing::Current(collection, id)) => (collection, id),
    };
    let grace = grace_seconds(call.body)?;
    rotated(&mut store, call.now, collection, id, grace)
}

/// `job_token.rotate`, `api_key.rotate` (feature `rotation`).
pub(crate) fn rotate(call: &Call<'_>, collection: Collection) -> Handled {
    let caller = call.identity()?;
    let id = call.id()?;
    let grace = grace_seconds(call.body)?;
    let mut store = call.store()?;
    visible(&store, collection, id, caller, call.now)?;
    rotated(&mut store, call.now, collection, id, grace)
}

/// Rotates a token the caller may rotate; the answer with its new secret.
fn rotated(store: &mut Store, now: u64, collection: Collection, id: i64, grace: u64) -> Handled {
    let (record, secret) = store
        .rotate(collection, id, grace, now)
        .map_err(|_| Failure::could_not_mint())?
        .ok_or_else(|| not_found(collection, id))?;
    Ok(render::json(
        StatusCode::OK,
        &render::record(collection, &record, Some(secret)),
    ))
}

/// A rotation's body: `{}` or `{"grace_seconds": 0..86400}`.
fn grace_seconds(body: &[u8]) -> Result<u64, Failure> {
    match json_object(body)?.get("grace_seconds").map(Value::as_u64) {
        None => Ok(0),
        Some(Some(grace)) if grace <= MAX_GRACE => Ok(grace),
        Some(_) => Err(Failure::bad_request(format!(
            "field `grace_seconds` must be an integer from 0 to {MAX_GRACE}"
        ))),
    }
}
