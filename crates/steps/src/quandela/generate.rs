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
//! the same label meanwhile. Two guards narrow it: a token with the label
//! created more than ten minutes before the generate was sent (by the
//! client's clock, against the cloud's `created_date`) had the label
//! already, so the cloud refused this generate and nothing was made; and
//! the cloud's default label (`unknown`), shared by every unlabelled
//! token, settles nothing. A token whose creation time the cloud does not
//! give leaves the outcome unknown. The lookup lists the tokens of the
//! user the generate was for (`user_id`). With
//! [`Generate::replace_if_lost`], which deletes what it finds, the tokens
//! that had the label before are also listed first and never taken for
//! this generate's.

use std::time::{Duration, SystemTime};

use steps_core::quandela::{DeleteTokensByIds, GenerateToken, GeneratedToken, ListTokens, PathFamily};
use steps_core::{Operation, ResponseErrorKind};

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

/// What a settling looks for: a token with this label, of this user, made
/// since just before the generate was sent, that was not there before.
struct Sought<'a> {
    family: PathFamily,
    label: &'a str,
    user_id: Option<i64>,
    /// Tokens that had the label before (listed for `replace_if_lost`).
    before: Vec<i64>,
    /// When the generate was sent, by the client's clock.
    sent_at: SystemTime,
}

/// How far the cloud's clock may be behind the client's: a token created
/// earlier than this before the generate was sent had the label already,
/// and the cloud refused this generate.
const CLOCK_SKEW: Duration = Duration::from_secs(600);

/// The cloud's label for a token generated without one (`docs/quandela.md`
/// P8): shared by every unlabelled token, so it settles nothing.
const DEFAULT_LABEL: &str = "unknown";

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
        let Some(label) = op.label_sent().filter(|label| *label != DEFAULT_LABEL) else {
            return session.send(op).await;
        };
        let mut sought = Sought {
            family,
            label,
            user_id: op.user_id_sent(),
            before: Vec::new(),
            sent_at: session.client().clock.now(),
        };
        if replace_if_lost {
            sought.before = ids_with_label(session, &sought)
                .await?
                .into_iter()
                .map(|(id, _)| id)
                .collect();
        }
        let error = match session.send(op.clone()).await {
            // A generate that ran out of time may still be under way on
            // the cloud: a listing now could miss the token it is about to
            // make, so its outcome stays unknown.
            Err(error) if error.kind() == ErrorKind::OutcomeUnknown && !error.is_timeout() => error,
            result => return result,
        };
        let settled = settle(session, &sought, error).await;
        match (replace_if_lost, settled.token_id()) {
            (true, Some(lost)) => {
                tracing::debug!(
                    token_id = lost,
                    "a generate's answer was lost; replacing its token"
                );
                if let Err(error) = session.send(DeleteTokensByIds::new(family, vec![lost])).await {
                    // The caller must still learn which token is left.
                    tracing::debug!(%error, "replacing a lost generate's token: the delete failed");
                    return Err(settled);
                }
                sought.sent_at = session.client().clock.now();
                match session.send(op.clone()).await {
                    Err(error) if error.kind() == ErrorKind::OutcomeUnknown && !error.is_timeout() => {
                        Err(settle(session, &sought, error).await)
                    }
                    result => result,
                }
            }
            _ => Err(settled),
        }
    }
}

/// The tokens (id, when created) of the sought user that have its label.
async fn ids_with_label(session: &Session, sought: &Sought<'_>) -> Result<Vec<(i64, Option<SystemTime>)>> {
    let mut list = ListTokens::new(sought.family);
    if let Some(user_id) = sought.user_id {
        list = list.user_id(user_id);
    }
    let tokens = Pages::new(session.clone(), list).collect_all().await?;
    Ok(tokens
        .into_iter()
        .filter(|token| token.label.as_deref() == Some(sought.label))
        .map(|token| (token.id, token.created_at))
        .collect())
}

/// What a generate which failed with the unknown outcome `error` did: the
/// token with the label made since it was sent and not there before, or
/// nothing (no token has the label, or the one that has it is older: the
/// cloud refused this generate as a duplicate label). If the lookup fails,
/// or the token's creation time is not given, the outcome stays unknown.
async fn settle(session: &Session, sought: &Sought<'_>, error: Error) -> Error {
    let found = match ids_with_label(session, sought).await {
        Ok(found) => found,
        Err(lookup) => {
            tracing::debug!(error = %lookup, "settling a lost generate by its label failed");
            return error;
        }
    };
    let since = sought.sent_at.checked_sub(CLOCK_SKEW).unwrap_or(sought.sent_at);
    let mut made = None;
    for (id, created_at) in found.into_iter().filter(|(id, _)| !sought.before.contains(id)) {
        match created_at {
            Some(at) if at < since => {}
            Some(_) => made = Some(id),
            None => return error,
        }
    }
    if made.is_none() && error.response_kind() == Some(ResponseErrorKind::Unavailable) {
        // A gateway's 502, 503 or 504: the cloud behind it may still be
        // making the token, so not finding it yet says nothing.
        return error;
    }
    Error::settled(<GenerateToken as Operation>::NAME, made, error)
}
