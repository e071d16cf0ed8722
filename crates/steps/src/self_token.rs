//! What a session does to its own token: logging out, revoking it
//! (protocol v2, feature `self`), and rotating a job token's or API key's
//! own secret.

use std::sync::atomic::Ordering;
use std::time::Duration;

use steps_core::{
    BuildError, Credential, Feature, Operation, ResponseErrorKind, RevokeSelf, RotateSelf, RotatedSelf,
    Secret, TokenType, Whoami, MAX_ROTATION_GRACE,
};
use steps_transport::TransportError;

use crate::{Error, Result, Session, SessionToken};

impl Session {
    /// Logs out: on a server that offers [`Feature::SelfToken`] (protocol
    /// v2), revokes the session's login token server-side and returns
    /// `true`; otherwise returns `false`, and the token stays valid until
    /// it expires. Either way the session (and its clones) makes no more
    /// calls: they fail with [`ErrorKind::NotLoggedIn`](crate::ErrorKind::NotLoggedIn),
    /// and one refused in flight does not log in again.
    ///
    /// Only a login token is revoked: a session made from a job token or
    /// an API key (`session_from_token`) ends without revoking it, since a
    /// worker's logout must not kill its long-lived key; use
    /// [`Self::revoke_self`] for that.
    ///
    /// # Errors
    ///
    /// The revocation failed (a network error, say); the session is still
    /// ended.
    pub async fn logout(&self) -> Result<bool> {
        if self.inner.ended.swap(true, Ordering::AcqRel) {
            return Ok(false);
        }
        // No usable answer from `/api/meta` is an error, not "v1": the
        // caller must learn that the token was not revoked.
        if !self
            .inner
            .client
            .capabilities()
            .await?
            .supports(Feature::SelfToken)
        {
            return Ok(false);
        }
        // Read after `ended` is set: a renewal under way either installed
        // its token before (read here, and revoked) or will revoke it
        // itself (`Session::renew`).
        let (credential, token_type) = {
            let current = self.current();
            (current.credential.clone(), current.token.token_type())
        };
        let transport = &self.inner.client.transport;
        match token_type {
            Some(TokenType::Login) => {}
            // A job token's or API key's own secret: a worker's logout
            // must not kill it.
            Some(_) => return Ok(false),
            // A token given to the session: revoke it only if it is a
            // login token.
            None => match transport.execute(&Whoami, &credential).await {
                Ok(me) if me.token_type == Some(TokenType::Login) => {}
                Ok(_) => return Ok(false),
                Err(TransportError::Response(e)) if e.kind() == ResponseErrorKind::Unauthorized => {
                    return Ok(true);
                }
                Err(error) => return Err(error.into()),
            },
        }
        // Sent once, with the token as it is: no renewal to revoke.
        match transport.execute(&RevokeSelf, &credential).await {
            Ok(()) => Ok(true),
            // Already expired or revoked: nothing is left to revoke.
            Err(TransportError::Response(e)) if e.kind() == ResponseErrorKind::Unauthorized => Ok(true),
            Err(error) => Err(error.into()),
        }
    }

    /// Revokes the session's own token server-side, whatever its type: a
    /// leaked job token or API key killed with itself, or a login token
    /// logged out. Protocol v2, feature [`Feature::SelfToken`]. The session
    /// makes no more calls.
    ///
    /// # Errors
    ///
    /// [`Unsupported`](crate::ErrorKind::Unsupported) when the server does
    /// not offer it (nothing is sent, and the session goes on); otherwise a
    /// network or server error.
    pub async fn revoke_self(&self) -> Result<()> {
        self.require(Feature::SelfToken).await?;
        if self.inner.ended.swap(true, Ordering::AcqRel) {
            return Err(Error::from(BuildError::NotLoggedIn {
                operation: <RevokeSelf as Operation>::NAME,
            }));
        }
        let credential = self.current().credential.clone();
        Ok(self
            .inner
            .client
            .transport
            .execute(&RevokeSelf, &credential)
            .await?)
    }

    /// A job token's or API key's session rotates its own secret (protocol
    /// v2, feature [`Feature::Rotation`]); the new one is returned this
    /// once, and the session goes on with it. The old secret keeps working
    /// for `grace`.
    ///
    /// A self-rotation whose answer is lost can only be recovered by
    /// sending it again with the *old* secret and the same idempotency key,
    /// which the server honours only while the old secret is in its grace.
    /// So the grace decides how it is sent:
    ///
    /// - `None`: a grace of the client's request timeout (30 s by default,
    ///   at most a day), and keyed where the server offers idempotency, so
    ///   a lost answer is retried and returns the same new secret;
    /// - a grace shorter than the request timeout (`Some(Duration::ZERO)`
    ///   to cut the old secret off at once): sent without a key and never
    ///   re-sent, since a re-send could only be refused; a lost answer is
    ///   [`OutcomeUnknown`](crate::ErrorKind::OutcomeUnknown), and if it
    ///   was rotated, the new secret is lost with the answer;
    /// - a longer one: keyed, as for `None`.
    ///
    /// # Errors
    ///
    /// [`Unsupported`](crate::ErrorKind::Unsupported) when the server does
    /// not offer rotation; [`Forbidden`](crate::ErrorKind::Forbidden) for a
    /// login token.
    pub async fn rotate_self(&self, grace: Option<Duration>) -> Result<RotatedSelf> {
        // Whole seconds, as the protocol takes them, rounded up.
        let timeout = self.inner.client.transport.request_timeout();
        let whole = Duration::from_secs(timeout.as_secs() + u64::from(timeout.subsec_nanos() > 0));
        let safe_grace = whole.min(MAX_ROTATION_GRACE);
        let grace = grace.unwrap_or(safe_grace);
        let op = RotateSelf::new().grace(grace);
        let rotated = if grace >= safe_grace {
            self.send(op).await?
        } else {
            // Unkeyed, so never re-sent (`Effect::Rotate` without a key is
            // not idempotent).
            self.require(Feature::Rotation).await?;
            self.call(&op).await?
        };
        let token = match &rotated {
            RotatedSelf::JobToken(token) => token.token.clone().map(SessionToken::JobToken),
            RotatedSelf::ApiKey(key) => key.api_key.clone().map(SessionToken::ApiKey),
            _ => None,
        };
        if let Some(token) = token {
            let ended = {
                let mut current = self.inner.current.write().unwrap_or_else(|p| p.into_inner());
                // As for a renewal: a revocation that ended the session
                // while the rotation was under way revoked the old secret;
                // the new one must not outlive it.
                let ended = self.inner.ended.load(Ordering::Acquire);
                if !ended {
                    current.replace(token.clone());
                }
                ended
            };
            if ended {
                self.revoke_unused(token.secret()).await;
            }
        }
        Ok(rotated)
    }

    /// Revokes a secret that a renewal or a self-rotation obtained after
    /// the session ended, so that it does not stay valid on the server;
    /// best effort (where the server offers `self`), since nobody holds
    /// it.
    pub(crate) async fn revoke_unused(&self, token: &Secret) {
        let client = &self.inner.client;
        if !client
            .capabilities()
            .await
            .is_ok_and(|c| c.supports(Feature::SelfToken))
        {
            return;
        }
        let credential = Credential::bearer(token.clone());
        if let Err(error) = client.transport.execute(&RevokeSelf, &credential).await {
            tracing::debug!(%error, "revoking a login token obtained after logout failed");
        }
    }

    /// `Ok` if the server offers `feature`; else
    /// [`Unsupported`](crate::ErrorKind::Unsupported), or the error that
    /// kept the client from learning what it offers.
    async fn require(&self, feature: Feature) -> Result<()> {
        if self.inner.client.capabilities().await?.supports(feature) {
            Ok(())
        } else {
            Err(Error::unsupported(feature))
        }
    }
}
