//! `CliError`: one line on stderr and an exit code.

use steps::steps_core::Effect;
use steps::{ErrorKind, Feature};

use crate::hint::{Hints, Source};

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

    /// The error of an SDK call, with what to do: worded by where its
    /// credential came from (`source`), the commands it suggests made to
    /// run where this one ran (`hints`), and the server's request id,
    /// which a support desk asks for, when it sent one.
    pub(crate) fn from_sdk(error: steps::Error, hints: &Hints, source: Source) -> Self {
        let mut failure = explained(&error, hints, source);
        if let Some(id) = error.request_id() {
            failure.message.push_str(&format!(" (request id {id})"));
        }
        failure
    }
}

/// [`CliError::from_sdk`] but for the request id.
fn explained(error: &steps::Error, hints: &Hints, source: Source) -> CliError {
    let api_url = hints.api_url.as_str();
    let login = hints.command(hints.login);
    match error.kind() {
        ErrorKind::NotLoggedIn => CliError::auth(format!(
            "not logged in to {api_url}{}: run {login}",
            hints.profile_note
        )),
        ErrorKind::Unauthorized => CliError::auth(match source {
            Source::Stored => format!(
                "{error}: the stored login for {api_url}{} was refused; log in again: run {login}",
                hints.profile_note
            ),
            Source::Flag => format!(
                "{error}: the token given with --token was refused; check it, or leave --token out \
                 to use the stored login"
            ),
            Source::Env => format!(
                "{error}: the token in STEPS_TOKEN was refused; check it, or unset STEPS_TOKEN to use \
                 the stored login"
            ),
            // The server's answer says it ("wrong email or password").
            Source::Password => error.to_string(),
            Source::Stdin => format!(
                "{error}: the token read from standard input was refused (is it a current login token?)"
            ),
        }),
        ErrorKind::Forbidden | ErrorKind::AdminRequired => {
            let who = match source {
                Source::Flag => "the token given with --token",
                Source::Env => "the token in STEPS_TOKEN",
                _ => "this login",
            };
            CliError::auth(format!(
                "{error} ({who} may not do this; it may need an admin's login)"
            ))
        }
        ErrorKind::InvalidInput | ErrorKind::NotCreated | ErrorKind::Config => {
            CliError::usage(error.to_string())
        }
        ErrorKind::Connect => CliError::api(connect_failure(error, api_url)),
        ErrorKind::Tls => CliError::api(format!("{error} ({})", hints.trust)),
        ErrorKind::Unsupported => CliError::api(unsupported(error, hints)),
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
                "{error}: run {} or {} to check before creating again",
                hints.command("job-token list"),
                hints.command("api-key list")
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

/// The one line for a call the server cannot serve: what it does not
/// offer, by the feature's protocol name, and how to see what it does.
fn unsupported(error: &steps::Error, hints: &Hints) -> String {
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
        "{} does not offer {what} (protocol v2 feature \"{}\"): {} shows what it offers",
        hints.api_url,
        feature.name(),
        hints.command("meta")
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
