//! `CliError`: one line on stderr and an exit code.

use steps::steps_core::Effect;
use steps::{ErrorKind, Feature};

/// A failed command: the message for stderr (none when empty) and the
/// process exit code.
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

    /// Exit 1 too, but no API is to blame: something on this machine
    /// failed (the async runtime, signal handling, the credentials file's
    /// lock, reading or writing a local file or stdout, the local cloud of
    /// `steps emulator` or `steps demo`). Its own constructor so that each
    /// call site says which kind of failure it is; the code stays the 1
    /// these failures have always exited with, which scripts may test.
    pub(crate) fn local(message: impl Into<String>) -> Self {
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

    /// Exit 0, saying nothing: stdout was closed by its reader (`steps demo
    /// | head -1`), which wants no more output. As `ripgrep` and `fd` do,
    /// this is not a failure of the command.
    pub(crate) fn stdout_closed() -> Self {
        CliError {
            code: 0,
            message: String::new(),
        }
    }

    /// Exit with `code`, saying nothing: the status of the command `steps
    /// exec` ran, which has spoken for itself.
    pub(crate) fn exit_status(code: u8) -> Self {
        CliError {
            code,
            message: String::new(),
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
            ErrorKind::Connect => CliError::api(connect_failure(&error, api_url)),
            ErrorKind::Unsupported => CliError::api(unsupported(&error, api_url)),
            ErrorKind::OutcomeUnknown => match (error.idempotency_key(), error.effect()) {
                // Protocol v2: the same request with the same key answers
                // with what the first one did, and does nothing new.
                (Some(key), Some(Effect::Create)) => CliError::api(format!(
                    "{error}: run the same command again with --idempotency-key {key} to learn its \
                     outcome without creating another"
                )),
                (Some(key), Some(Effect::Rotate)) => CliError::api(format!(
                    "{error}: run the same command again with --idempotency-key {key} to learn its \
                     new secret without rotating again"
                )),
                (None, Some(Effect::Create)) => CliError::api(format!(
                    "{error}: run `steps job-token list` or `steps api-key list` to check before creating again"
                )),
                // A new secret that was lost: only another rotation gives
                // one that is known.
                (None, Some(Effect::Rotate)) => CliError::api(format!(
                    "{error}: if it was, its new secret is lost; rotate it again for one you know"
                )),
                // No other effect leaves an outcome unknown (the rest may
                // be sent again); the error says what it may have done.
                _ => CliError::api(error.to_string()),
            },
            _ => CliError::api(error.to_string()),
        }
    }
}

/// The one line for a call the server cannot serve: what it does not
/// offer, by the feature's protocol name, and how to see what it does.
fn unsupported(error: &steps::Error, api_url: &str) -> String {
    let Some(feature) = error.unsupported_feature() else {
        return error.to_string();
    };
    let what = match feature {
        Feature::Idempotency => "idempotent requests",
        Feature::SelfToken => "revoking a token with itself",
        Feature::OwnTokens => "listing job tokens by label or user",
        Feature::Rotation => "rotating tokens",
        _ => "what this command needs",
    };
    format!(
        "{api_url} does not offer {what} (protocol v2 feature \"{}\"): `steps meta` shows what it offers",
        feature.name()
    )
}

/// The one line for a connection that could not be made: what failed,
/// its first cause (curl's "Connection refused"), and where to look.
fn connect_failure(error: &steps::Error, api_url: &str) -> String {
    let mut causes = std::iter::successors(std::error::Error::source(error), |e| e.source());
    if let Some(proxy) = causes.find_map(|e| e.downcast_ref::<steps::ProxyError>()) {
        let cause = root_cause(proxy);
        return format!(
            "{error}: {proxy} ({cause}): is the proxy running, and does it allow CONNECT to {api_url}? \
             (set by HTTPS_PROXY, HTTP_PROXY, ALL_PROXY; NO_PROXY exempts hosts)"
        );
    }
    format!(
        "{error} ({}): is a STEPS API running at {api_url}?",
        root_cause(error)
    )
}

/// The innermost error of `error`'s source chain, as text.
fn root_cause(error: &(dyn std::error::Error + 'static)) -> String {
    std::iter::successors(Some(error), |e| e.source())
        .last()
        .map(ToString::to_string)
        .unwrap_or_default()
}
