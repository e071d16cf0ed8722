//! The handler of the server resource: `meta`.

use http::StatusCode;

use crate::handlers::Call;
use crate::render::{self, Handled};

/// `meta` (protocol v2): the protocol served and its features. Anyone may
/// ask; a token sent with it is not looked at.
pub(crate) fn meta(call: &Call<'_>) -> Handled {
    Ok(render::json(StatusCode::OK, &render::meta(call.protocol())))
}
