//! `Session::send`: the one way every operation is sent. It reads the
//! facts the operation declares (the feature it needs, whether it adapts to
//! the server, whether its effect takes an idempotency key), then sends it
//! with the session's credential, renewing the login token before and once
//! after a 401. The fluent builders (`tokens.rs`) and the blocking facade
//! end here.

use std::sync::atomic::Ordering;

use steps_core::{BuildError, Capabilities, Feature, Operation, ResponseErrorKind};
use steps_transport::{Attempts, TransportError};

use crate::idempotency::random_key;
use crate::{Error, Result, Session};

impl Session {
    /// Sends any operation with this session: what every builder's
    /// `send()` does.
    ///
    /// Before the first send it learns what the server offers, when the
    /// operation needs to know: a call that needs a feature the server does
    /// not offer fails with [`Unsupported`](crate::ErrorKind::Unsupported),
    /// sending nothing; a list of the caller's job tokens becomes their own
    /// list where the server offers `own_tokens`; a create or rotation
    /// carries a fresh random idempotency key where the server offers
    /// `idempotency` (one given by the caller is kept, and refused on a
    /// server without it), so it is retried like a read. Then it is sent
    /// under the client's retry policy, the login token renewed before it
    /// when about to expire and once after a 401.
    ///
    /// ```no_run
    /// # async fn example(session: steps::Session) -> steps::Result<()> {
    /// use steps::steps_core::ReadJobToken;
    ///
    /// let token = session.send(ReadJobToken::new(7)).await?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// As the operation's builder says; an error of a keyed request whose
    /// outcome is unknown carries its key ([`Error::idempotency_key`]).
    pub async fn send<O: Operation>(&self, mut op: O) -> Result<O::Output> {
        self.prepare(&mut op).await?;
        self.call(&op)
            .await
            .map_err(|e| e.with_idempotency_key(op.idempotency_key()))
    }

    /// Adapts `op` to the server before its first send (see [`Self::send`]).
    pub(crate) async fn prepare<O: Operation>(&self, op: &mut O) -> Result<()> {
        let dialect = self.client().dialect();
        if O::DIALECT != dialect {
            return Err(Error::config(format!(
                "{} is an operation of the {:?} API, and this client speaks {dialect:?}: \
                 build the client with .dialect(Dialect::{:?})",
                O::NAME,
                O::DIALECT,
                O::DIALECT
            )));
        }
        let takes_key = O::KEYED;
        if op.feature().is_none() && !takes_key && !O::NEGOTIATES {
            return Ok(());
        }
        let capabilities = match self.client().capabilities().await {
            Ok(capabilities) => capabilities,
            // No usable answer from `/api/meta`: a call that needs a
            // feature, or adapts to the server (a user's own list, which a
            // v1 list would refuse), fails with that; a create goes as on
            // v1 (without a key, never re-sent).
            Err(error) if op.feature().is_some() || op.idempotency_key().is_some() || O::NEGOTIATES => {
                return Err(error)
            }
            Err(_) => Capabilities::v1(),
        };
        if let Some(feature) = op.feature() {
            if !capabilities.supports(feature) {
                return Err(Error::unsupported(feature));
            }
        }
        op.negotiate(&capabilities);
        if takes_key {
            let offered = capabilities.supports(Feature::Idempotency);
            match op.idempotency_key() {
                // The caller's key is refused rather than dropped: the
                // server could not keep its promise of no duplicate.
                Some(_) if !offered => return Err(Error::unsupported(Feature::Idempotency)),
                None if offered => {
                    if let Some(key) = random_key() {
                        op.set_idempotency_key(key);
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Runs `op` with the session's credential; after a 401, logs in again
    /// once (if it can) and runs it again with the new one.
    pub(crate) async fn call<O: Operation>(&self, op: &O) -> Result<O::Output> {
        if self.inner.ended.load(Ordering::Acquire) {
            return Err(Error::from(BuildError::NotLoggedIn { operation: O::NAME }));
        }
        let (credential, generation) = self.credential().await?;
        let transport = &self.inner.client.transport;
        // One call's attempts, across the repeat after a 401: whether one
        // may have taken effect decides how the repeat's failure or answer
        // is read.
        let mut attempts = Attempts::default();
        match transport.execute_continuing(op, &credential, &mut attempts).await {
            Err(TransportError::Response(e))
                if e.kind() == ResponseErrorKind::Unauthorized && self.inner.credentials.is_some() =>
            {
                tracing::debug!(
                    operation = O::NAME,
                    "token refused; logging in again and repeating the call"
                );
                let (credential, _) = self.renew(generation).await?;
                Ok(transport
                    .execute_continuing(op, &credential, &mut attempts)
                    .await?)
            }
            result => Ok(result?),
        }
    }
}
