//! The protocol versions the emulator serves (`docs/protocol.md`), and the
//! features each offers in `GET /api/meta`.

use std::fmt;
use std::str::FromStr;

/// Which version of the protocol an emulator serves.
///
/// A v2 server is a v1 server plus what v2 adds, so a v1 client works
/// against either; [`ProtocolVersion::V1`] is there to test clients against
/// a server that has never heard of v2.
///
/// ```
/// use steps_emulator::{Config, ProtocolVersion};
///
/// let config = Config::new().protocol(ProtocolVersion::V1);
/// assert_eq!(config.protocol.number(), 1);
/// assert_eq!("2".parse::<ProtocolVersion>(), Ok(ProtocolVersion::V2));
/// assert_eq!(ProtocolVersion::try_from(2u8), Ok(ProtocolVersion::V2));
/// assert!(ProtocolVersion::try_from(3u8).is_err());
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum ProtocolVersion {
    /// v1: no `GET /api/meta` (404, as for every v2 path), and an
    /// `Idempotency-Key` header is ignored.
    V1,
    /// v2, the default: `GET /api/meta`, and every v2 feature:
    /// `idempotency` (creates and rotations accept `Idempotency-Key`),
    /// `self` (`/api/token/self`, whoami's token fields), `own_tokens`
    /// (users list their own job tokens, filters) and `rotation`.
    #[default]
    V2,
}

/// A v2 feature, as `GET /api/meta` names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Feature {
    /// `Idempotency-Key` on creates and rotations.
    Idempotency,
    /// `/api/token/self`: a token revokes or rotates itself; whoami names
    /// the job token or API key.
    SelfToken,
    /// Users list their own job tokens; `user_id` and `label` filters.
    OwnTokens,
    /// New secrets for job tokens and API keys, with a grace period.
    Rotation,
}

impl Feature {
    /// Its name in `/api/meta`'s `features`.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Feature::Idempotency => "idempotency",
            Feature::SelfToken => "self",
            Feature::OwnTokens => "own_tokens",
            Feature::Rotation => "rotation",
        }
    }
}

impl ProtocolVersion {
    /// The version's number, as `/api/meta`'s `protocol` says it.
    pub fn number(self) -> u8 {
        match self {
            ProtocolVersion::V1 => 1,
            ProtocolVersion::V2 => 2,
        }
    }

    /// The features this version offers, in the order `/api/meta` lists
    /// them.
    pub(crate) fn features(self) -> &'static [Feature] {
        match self {
            ProtocolVersion::V1 => &[],
            ProtocolVersion::V2 => &[
                Feature::Idempotency,
                Feature::SelfToken,
                Feature::OwnTokens,
                Feature::Rotation,
            ],
        }
    }

    /// Whether this version offers `feature`.
    pub(crate) fn offers(self, feature: Feature) -> bool {
        self.features().contains(&feature)
    }
}

/// A number that names no protocol version the emulator serves.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownProtocol(String);

impl fmt::Display for UnknownProtocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown protocol version {:?}: expected 1 or 2", self.0)
    }
}

impl std::error::Error for UnknownProtocol {}

impl TryFrom<u8> for ProtocolVersion {
    type Error = UnknownProtocol;

    fn try_from(number: u8) -> Result<Self, UnknownProtocol> {
        match number {
            1 => Ok(ProtocolVersion::V1),
            2 => Ok(ProtocolVersion::V2),
            other => Err(UnknownProtocol(other.to_string())),
        }
    }
}

impl FromStr for ProtocolVersion {
    type Err = UnknownProtocol;

    /// `1` or `2`.
    fn from_str(text: &str) -> Result<Self, UnknownProtocol> {
        match text {
            "1" => Ok(ProtocolVersion::V1),
            "2" => Ok(ProtocolVersion::V2),
            other => Err(UnknownProtocol(other.to_owned())),
        }
    }
}

impl fmt::Display for ProtocolVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.number())
    }
}
