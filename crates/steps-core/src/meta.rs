//! `GET /api/meta` (protocol v2): which protocol and features a server
//! offers. A server that does not answer it speaks v1.

use crate::wire::{self, plain_object};
use crate::{Access, BuildError, Capabilities, Effect, Feature, Operation, RequestParts, ResponseError};
use bytes::Bytes;
use http::Response;

/// `GET /api/meta`: the server's [`Capabilities`]. Anonymous.
///
/// A 2xx with the meta object is a v2 server. Any other answer from the
/// server itself (a 404, a 401, a redirect, a 2xx of another shape) means
/// a v1 server and parses to [`Capabilities::v1`], so that asking never
/// breaks a client of a v1 server. A 429 or a 5xx (from the server or a
/// gateway in front of it) is no answer at all: it parses to its
/// [`ResponseError`], and the caller asks again later
/// (`docs/protocol.md`, "Discovery").
#[derive(Clone, Copy, Debug, Default)]
pub struct Meta;

plain_object! {
    struct MetaWire {
        protocol: u64,
        features: Vec<String>,
    }
}

impl Operation for Meta {
    type Output = Capabilities;
    const NAME: &'static str = "meta";
    const EFFECT: Effect = Effect::Read;
    const ACCESS: Access = Access::Anonymous;

    fn parts(&self) -> Result<RequestParts<'_>, BuildError> {
        Ok(RequestParts::get("/api/meta"))
    }

    fn parse_response(&self, response: Response<Bytes>) -> Result<Capabilities, ResponseError> {
        let status = response.status();
        if status == http::StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
            // Not the server saying it is v1: it (or a gateway) could not
            // answer now.
            return match wire::empty_body(Self::NAME, &response) {
                Err(error) => Err(error),
                Ok(()) => Ok(Capabilities::v1()),
            };
        }
        if !status.is_success() {
            return Ok(Capabilities::v1());
        }
        let Ok(meta) = serde_json::from_slice::<MetaWire>(response.body()) else {
            return Ok(Capabilities::v1());
        };
        Ok(Capabilities {
            protocol: meta.protocol,
            features: meta
                .features
                .iter()
                .filter_map(|name| Feature::from_name(name))
                .collect(),
        })
    }
}
