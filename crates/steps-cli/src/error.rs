//! `CliError`: one line on stderr and an exit code.

use steps::ErrorKind;

/// A failed command: the message for stderr and the process exit code.
#[derive(Debug)]
pub(crate) struct CliError {
    pub(crate) code: u8,
    pub(crate) message: String,
}

impl CliError {
    /// Exit 1: the API or the network failed.
    pub(crate) fn api(message: impl Into<String>) -> Self {
        CliError {
            code: 1,
            message: message.into(),
        }
    }

    /// Exit 2: the command line or its input is wrong.
    pub(crate) fn usage(message: impl Into<String>) -> Self {
        CliError {
            code: 2,
            message: message.into(),
        }
    }

    /// Exit 3: not logged in, or not authorised.
    pub(crate) fn auth(message: impl Into<String>) -> Self {
        CliError {
            code: 3,
            message: message.into(),
        }
    }

    /// The error of an SDK call made against `api_url`, with what to do.
    pub(crate) fn from_sdk(error: steps::Error, api_url: &str) -> Self {
        let login_hint = format!("run `steps login --email ...` (API {api_url})");
        match error.kind() {
            ErrorKind::NotLoggedIn => CliError::auth(format!(
                "not logged in to {api_url}: run `steps login --email ...`"
            )),
            ErrorKind::Unauthorized => CliError::auth(format!("{error}; log in again: {login_hint}")),
            ErrorKind::Forbidden | ErrorKind::AdminRequired => {
                CliError::auth(format!("{error} (log in as an admin)"))
            }
            ErrorKind::InvalidInput | ErrorKind::NotCreated | ErrorKind::Config => {
                CliError::usage(error.to_string())
            }
            ErrorKind::Connect => CliError::api(format!("{error}: is a STEPS API running at {api_url}?")),
            ErrorKind::OutcomeUnknown => CliError::api(format!(
                "{error}: run `steps job-token list` or `steps api-key list` to check before creating again"
            )),
            _ => CliError::api(error.to_string()),
        }
    }
}
