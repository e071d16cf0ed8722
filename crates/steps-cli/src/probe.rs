//! What becomes of an `--idempotency-key`, decided from what the server
//! offers (`Client::capabilities`) and what the operation declares (its
//! effect and the feature it needs): sent where the server can keep its
//! promise, or left out with a warning where the server said it cannot.

use steps::steps_core::{Effect, Operation};
use steps::{Feature, IdempotencyKey};

use crate::app::App;
use crate::terminal;

impl App {
    /// The key to send `op` (a create or a rotation of a `noun`) with:
    /// `key`, unless the server answered that it does not offer idempotent
    /// requests while offering what `op` needs. Then the key is not sent
    /// (the SDK would refuse it unsent) and the user is told, as each
    /// command's `--help` says, that running it again would do it again.
    ///
    /// A server that offers neither keeps the key: the SDK refuses the call
    /// unsent for the feature it lacks (a rotation on a v1 server). A server
    /// that gave no usable answer keeps it too: the SDK fails the call with
    /// that answer's error, sending nothing, rather than send it unkeyed.
    pub(crate) async fn key_to_send<O: Operation>(
        &self,
        op: &O,
        key: Option<IdempotencyKey>,
        noun: &str,
    ) -> Option<IdempotencyKey> {
        let key = key?;
        let Ok(offered) = self.client.capabilities().await else {
            return Some(key);
        };
        let offers_what_it_needs = op.feature().is_none_or(|feature| offered.supports(feature));
        if !offers_what_it_needs || offered.supports(Feature::Idempotency) {
            return Some(key);
        }
        let warning = match O::EFFECT {
            Effect::Rotate => format!(
                "warning: {} does not offer idempotent requests: the key is not sent, and running this \
                 again would rotate the {noun} again",
                self.api_url
            ),
            _ => format!(
                "warning: {} does not offer idempotent creates (protocol v1): the key is not sent, and \
                 running this again would create another {noun}",
                self.api_url
            ),
        };
        terminal::error_line(&warning);
        None
    }
}
