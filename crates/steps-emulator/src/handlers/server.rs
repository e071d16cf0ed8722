//! The handlers of the server resource: `meta` and `health`.

use http::StatusCode;
use serde_json::json;

use crate::handlers::Call;
use crate::render::{self, Handled};

/// `meta` (protocol v2): the protocol served and its features. Anyone may
/// ask; a token sent with it is not looked at.
pub(crate) fn meta(call: &Call<'_>) -> Handled {
    Ok(render::json(StatusCode::OK, &render::meta(call.protocol())))
}

/// `health`: 200 `{"status": "ok"}`, in protocol v1 and v2 alike, so that
/// a test harness or a load balancer can wait for the server without an
/// account or the control plane (the Quandela cloud's `/health` does the
/// same). Anyone may ask; a token sent with it is not looked at.
pub(crate) fn health(_: &Call<'_>) -> Handled {
    Ok(render::json(StatusCode::OK, &json!({ "status": "ok" })))
}
