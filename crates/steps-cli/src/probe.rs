//! Asking the server directly what it offers (`GET /api/meta`, once,
//! never retried), for the commands that must tell a server that cannot
//! be reached apart from the v1 server the SDK takes it for: `meta`,
//! `logout`, and the errors of calls refused for a missing feature.

use steps::steps_core::{CloudContext, Credential as WireCredential, Meta};
use steps::{Capabilities, ErrorKind, RetryPolicy, TransportBuilder};

use crate::app::App;
use crate::error::CliError;

/// What a direct ask of `GET /api/meta` learned ([`App::ask_meta`]).
pub(crate) enum Asked {
    /// The server answered: what it offers (nothing, for a v1 server's
    /// 404 or any other answer that is not the meta object).
    Answered(Capabilities),
    /// No answer: the network failed, or the server took too long.
    NoAnswer(steps::Error),
}

impl App {
    /// [`App::sdk`], but a call refused for a feature the server does not
    /// offer is checked first: the SDK takes a server it could not ask for
    /// v1, so when a direct ask gets no answer either, the error says that
    /// the server cannot be reached rather than that it lacks the feature.
    pub(crate) async fn sdk_checked(&self, error: steps::Error) -> CliError {
        if error.kind() == ErrorKind::Unsupported {
            if let Ok(Asked::NoAnswer(unreachable)) = self.ask_meta().await {
                return self.sdk(unreachable);
            }
        }
        self.sdk(error)
    }

    /// What the server offers, asked directly (one attempt, never
    /// retried), so that a server that cannot be reached is told apart
    /// from the v1 server `Client::capabilities` takes it for.
    ///
    /// # Errors
    ///
    /// No transport can be made for the API URL (exit 2).
    pub(crate) async fn ask_meta(&self) -> Result<Asked, CliError> {
        let ctx = CloudContext::new(&self.api_url).map_err(|e| CliError::usage(e.to_string()))?;
        let transport = TransportBuilder::default()
            .request_timeout(self.global.timeout)
            .build(ctx)
            .map_err(|e| CliError::usage(e.to_string()))?;
        Ok(
            match transport
                .execute_with(&Meta, &WireCredential::none(), &RetryPolicy::never())
                .await
            {
                Ok(capabilities) => Asked::Answered(capabilities),
                Err(error) => Asked::NoAnswer(steps::Error::from(error)),
            },
        )
    }
}
