//! The APIs the emulator can serve: our own protocol (`docs/protocol.md`,
//! dialect `steps`) or the Quandela cloud's token API (`docs/quandela.md`,
//! dialect `quandela`).

use std::fmt;
use std::str::FromStr;

/// Which API an emulator serves. One emulator serves one of them: the
/// paths of the other are unknown (404).
///
/// ```
/// use steps_emulator::{Api, Config};
///
/// let config = Config::new().api(Api::Quandela);
/// assert_eq!(config.api, Api::Quandela);
/// assert_eq!("steps".parse::<Api>(), Ok(Api::Steps));
/// assert_eq!(Api::Quandela.to_string(), "quandela");
/// assert!("perceval".parse::<Api>().is_err());
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Api {
    /// Our own protocol, `docs/protocol.md`, in the version of
    /// [`Config::protocol`](crate::Config::protocol). The default.
    #[default]
    Steps,
    /// The Quandela cloud's token API as `docs/quandela.md` reads it: the
    /// job-token family `/api/tokens*`, the logged-in family
    /// `/api/auth/tokens*`, `/api/login` and `/health`, with one job token
    /// minted per account at start.
    Quandela,
}

impl Api {
    /// Its name, as `--api` takes it.
    pub fn name(self) -> &'static str {
        match self {
            Api::Steps => "steps",
            Api::Quandela => "quandela",
        }
    }
}

/// A name that is no API the emulator serves.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownApi(String);

impl fmt::Display for UnknownApi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown API {:?}: expected steps or quandela", self.0)
    }
}

impl std::error::Error for UnknownApi {}

impl FromStr for Api {
    type Err = UnknownApi;

    /// `steps` or `quandela`.
    fn from_str(text: &str) -> Result<Self, UnknownApi> {
        match text {
            "steps" => Ok(Api::Steps),
            "quandela" => Ok(Api::Quandela),
            other => Err(UnknownApi(other.to_owned())),
        }
    }
}

impl fmt::Display for Api {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
