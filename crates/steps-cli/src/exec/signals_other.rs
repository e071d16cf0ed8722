//! Elsewhere the console sends Ctrl-C to the command itself; nothing
//! is caught or forwarded.

use crate::error::CliError;

/// No signals to catch.
pub(super) struct Signals;

/// A caught signal's stand-in: none is ever caught.
#[derive(Clone, Copy)]
pub(super) enum Caught {}

impl Signals {
    pub(super) fn install() -> Result<Signals, CliError> {
        Ok(Signals)
    }

    pub(super) async fn recv(&mut self) -> Caught {
        std::future::pending().await
    }

    pub(super) fn pending(&mut self) -> Option<Caught> {
        None
    }
}

pub(super) fn number(signal: Caught) -> u8 {
    match signal {}
}

pub(super) fn forward(_child: &tokio::process::Child, signal: Caught) {
    match signal {}
}
