//! Generating a job token on the Quandela cloud, and settling a generate
//! whose answer was lost.
//!
//! The cloud takes no idempotency key, so a generate is never sent twice
//! once it may have left. Its labels are unique per user, though, so a
//! labelled generate whose answer was lost is settled by listing the
//! label: a token with it exists (its secret lost with the answer:
//! [`ErrorKind::SecretLost`](crate::ErrorKind::SecretLost)), or none does
//! (nothing was made: [`ErrorKind::NotApplied`](crate::ErrorKind::NotApplied)).
//!
//! Why this is safe only for a label no other process uses: the lookup
//! cannot tell this generate's token from one another process made with
//! the same label meanwhile, nor from one that had the label before (the
//! cloud then refused this generate, and the refusal was what was lost).
//! So settling assumes the label is this generate's alone; use a fresh
//! one (the CLI puts the command, the host and the time in it). With
//! [`Generate::replace_if_lost`], which deletes what it finds, the tokens
//! that had the label before are listed first and never taken for this
//! generate's.

use std::time::Duration;

use steps_core::quandela::{DeleteTokensByIds, GenerateToken, GeneratedToken, ListTokens, PathFamily};
use steps_core::Operation;

use crate::{Error, ErrorKind, Pages, Result, Session};

/// A generate being built; `.send()` sends it.
#[derive(Debug)]
#[must_use = "a generate does nothing until it is sent with `.send()`"]
pub struct Generate<'a, S = Session> {
    pub(crate) session: &'a S,
    pub(crate) family: PathFamily,
    pub(crate) op: GenerateToken,
    pub(crate) replace_if_lost: bool,
}

impl<'a, S> Generate<'a, S> {
    pub(crate) fn new(session: &'a S, family: PathFamily) -> Self {
        Generate {
            session,
            family,
            op: GenerateToken::new(family),
            replace_if_lost: false,
        }
    }

    /// Sets the label (unique per user): what settles a lost answer.
    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.op = self.op.label(label);
        self
    }

    /// Sets the lifetime (whole seconds; the cloud's default is a day).
    pub fn duration(mut self, duration: Duration) -> Self {
        self.op = self.op.duration(duration);
        self
    }

    /// Sets the priority (below the user's own).
    pub fn priority(mut self, priority: i64) -> Self {
        self.op = self.op.priority(priority);
        self
    }

    /// Mints the token for another user (admins).
    pub fn user_id(mut self, user_id: i64) -> Self {
        self.op = self.op.user_id(user_id);
        self
    }

    /// Makes it an explorer token.
    pub fn explorer(mut self, is_explorer_token: bool) -> Self {
        self.op = self.op.explorer(is_explorer_token);
        self
    }

    /// When the answer is lost and the token turns out to exist, deletes it
    /// and generates again (once), so that the caller gets a secret. Needs
    /// a label; costs one list of the user's tokens before sending (to
    /// leave alone a token that had the label before). Safe only for a
    /// label no other process uses (see the module's docs).
    pub fn replace_if_lost(mut self) -> Self {
        self.replace_if_lost = true;
        self
    }

    /// The operation as built so far.
    pub fn operation(&self) -> &GenerateToken {
        &self.op
    }
}

impl Generate<'_, Session> {
    /// Sends the generate; settles a lost answer by its label.
    ///
    /// # Errors
    ///
    /// As [`Quandela::generate`](super::Quandela::generate) says.
    pub async fn send(self) -> Result<GeneratedToken> {
        let Generate {
            session,
            family,
            op,
            replace_if_lost,
        } = self;
        let Some(label) = op.label_sent().map(str::to_owned) else {
            return session.send(op).await;
        };
        let before = if replace_if_lost {
            ids_with_label(session, family, &label).await?
        } else {
            Vec::new()
        };
        let error = match session.send(op.clone()).await {
            Err(error) if error.kind() == ErrorKind::OutcomeUnknown => error,
            result => return result,
        };
        let settled = settle(session, family, &label, &before, error).await;
        match (replace_if_lost, settled.token_id()) {
            (true, Some(lost)) => {
                tracing::debug!(
                    token_id = lost,
                    "a generate's answer was lost; replacing its token"
                );
                session.send(DeleteTokensByIds::new(family, vec![lost])).await?;
                match session.send(op).await {
                    Err(error) if error.kind() == ErrorKind::OutcomeUnknown => {
                        Err(settle(session, family, &label, &before, error).await)
                    }
                    result => result,
                }
            }
            _ => Err(settled),
        }
    }
}

/// The ids of the tokens that have `label` now.
async fn ids_with_label(session: &Session, family: PathFamily, label: &str) -> Result<Vec<i64>> {
    let tokens = Pages::new(session.clone(), ListTokens::new(family))
        .collect_all()
        .await?;
    Ok(tokens
        .into_iter()
        .filter(|token| token.label.as_deref() == Some(label))
        .map(|token| token.id)
        .collect())
}

/// What a generate with `label`, which failed with the unknown outcome
/// `error`, did: the token with the label that is not one of `before`, or
/// nothing. If the lookup itself fails, the outcome stays unknown.
async fn settle(session: &Session, family: PathFamily, label: &str, before: &[i64], error: Error) -> Error {
    match ids_with_label(session, family, label).await {
        Ok(ids) => {
            let made = ids.into_iter().find(|id| !before.contains(id));
            Error::settled(<GenerateToken as Operation>::NAME, made, error)
        }
        Err(lookup) => {
            tracing::debug!(error = %lookup, "settling a lost generate by its label failed");
            error
        }
    }
}
