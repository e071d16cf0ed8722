//! What a server offers (protocol v2): [`Feature`] and [`Capabilities`],
//! which `GET /api/meta` (`meta.rs`) answers and operations declare they
//! need (`operation.rs`).

use std::collections::BTreeSet;

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
