//! `GET /api/meta` (protocol v2): which protocol and features a server
//! offers. A server that does not answer it speaks v1.

use std::collections::BTreeSet;

use crate::wire::{self, plain_object};
use crate::{Access, BuildError, Effect, Operation, RequestParts, ResponseError};
use bytes::Bytes;
use http::Response;

/// A protocol feature a v2 server may offer. Features this version does not
/// know are ignored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Feature {
    /// `Idempotency-Key` on creates: a create can be re-sent safely.
    Idempotency,
    /// `DELETE /api/token/self` and whoami's token fields.
    SelfToken,
    /// Users list their own job tokens.
    OwnTokens,
    /// Rotating a token's secret.
    Rotation,
}

impl Feature {
    /// Every feature this version knows.
    pub const ALL: [Feature; 4] = [
        Feature::Idempotency,
        Feature::SelfToken,
        Feature::OwnTokens,
        Feature::Rotation,
    ];

    /// The feature's name on the wire (`"idempotency"`).
    pub fn name(self) -> &'static str {
        match self {
            Feature::Idempotency => "idempotency",
            Feature::SelfToken => "self",
            Feature::OwnTokens => "own_tokens",
            Feature::Rotation => "rotation",
        }
    }

    /// The feature with this wire name, if this version knows it.
    pub fn from_name(name: &str) -> Option<Feature> {
        Feature::ALL.into_iter().find(|f| f.name() == name)
    }
}

/// What a server offers: its protocol version and features.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Capabilities {
    /// The protocol version: 1 for a server without `/api/meta`.
    pub protocol: u64,
    /// The features offered that this version knows.
    pub features: BTreeSet<Feature>,
}

impl Capabilities {
    /// A v1 server: no features.
    pub fn v1() -> Self {
        Capabilities {
            protocol: 1,
            features: BTreeSet::new(),
        }
    }

    /// Whether the server offers `feature`.
    pub fn supports(&self, feature: Feature) -> bool {
        self.features.contains(&feature)
    }
}

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
