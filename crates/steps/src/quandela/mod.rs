//! The Quandela cloud's job tokens (`docs/quandela.md`), for a client
//! built with [`Dialect::Quandela`](crate::Dialect::Quandela):
//! `session.quandela()` and its builders over `Session::send`, written once
//! for both facades as `tokens.rs` is. The path family follows from the
//! session's token: a login session's calls go to `/api/auth/tokens…`,
//! every other's to `/api/tokens…`. `generate.rs` holds the generate,
//! which settles a lost answer by its label.
//!
//! ```no_run
//! # async fn example() -> steps::Result<()> {
//! use steps::{Client, Dialect};
//!
//! let client = Client::builder().dialect(Dialect::Quandela).build()?;
//! let session = client.session_from_token(std::env::var("PCVL_CLOUD_TOKEN").unwrap_or_default());
//! let job = session.quandela().generate().label("nightly").send().await?;
//! for token in session.quandela().list().include_revoked(false).send().await? {
//!     println!("{} {:?}", token.id, token.label);
//! }
//! session.quandela().delete(job.token_id).send().await?;
//! # Ok(()) }
//! ```

mod generate;

use std::time::SystemTime;

pub use generate::Generate;
use steps_core::quandela::{
    DeleteTokensByIds, DeleteTokensBySecrets, ListTokens, PathFamily, ReadToken, ReopenToken, RevokeToken,
    UpdateToken, UsageReport,
};
pub use steps_core::quandela::{
    GeneratedToken, PlatformUsage, TokenDetails, TokenSummary, TokenUsage, DEFAULT_LIST_LIMIT, DEFAULT_URL,
    MAX_LIST_LIMIT,
};
use steps_core::{Secret, TokenType};

use crate::{Call, Pages, Result, Session, SessionToken};

impl Session {
    /// The Quandela cloud's job tokens, as this session sees them.
    pub fn quandela(&self) -> Quandela<'_> {
        Quandela::new(self, family(&self.token()))
    }
}

/// The path family a session's token calls for.
pub(crate) fn family(token: &SessionToken) -> PathFamily {
    match token.token_type() {
        Some(TokenType::Login) => PathFamily::LoginToken,
        _ => PathFamily::JobToken,
    }
}

/// The Quandela cloud's job tokens, as one session sees them: each method
/// gives a builder of one call, sent with `.send()`.
#[derive(Debug)]
pub struct Quandela<'a, S = Session> {
    session: &'a S,
    family: PathFamily,
}

impl<S> Clone for Quandela<'_, S> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<S> Copy for Quandela<'_, S> {}

impl<'a, S> Quandela<'a, S> {
    pub(crate) fn new(session: &'a S, family: PathFamily) -> Self {
        Quandela { session, family }
    }

    fn call<O>(&self, op: O) -> Call<'a, O, S> {
        Call {
            session: self.session,
            op,
        }
    }

    /// Generates a job token; the answer carries its secret, this once.
    /// Never sent twice once it may have left: the cloud takes no
    /// idempotency key. A labelled generate whose answer is lost is
    /// settled by its label (see [`Generate`]).
    ///
    /// # Errors
    ///
    /// [`LabelTaken`](crate::ErrorKind::LabelTaken) when the user has a
    /// token with this label; [`SecretLost`](crate::ErrorKind::SecretLost)
    /// or [`NotApplied`](crate::ErrorKind::NotApplied) for a lost answer
    /// settled by the label; [`OutcomeUnknown`](crate::ErrorKind::OutcomeUnknown)
    /// for a lost answer without a label (or when settling failed).
    pub fn generate(&self) -> Generate<'a, S> {
        Generate::new(self.session, self.family)
    }

    /// Every token the cloud lets this session list, following every page
    /// (`.send()`), or page by page (`.pages()`). Expired and revoked
    /// tokens are listed unless excluded.
    pub fn list(&self) -> QuandelaListing<'a, S> {
        QuandelaListing {
            session: self.session,
            op: ListTokens::new(self.family),
        }
    }

    /// Reads one by id (with its secret, where the cloud returns it).
    ///
    /// # Errors
    ///
    /// [`NotFound`](crate::ErrorKind::NotFound), or `Api` for the cloud's
    /// 400 "Invalid token".
    pub fn get(&self, id: i64) -> Call<'a, ReadToken, S> {
        self.call(ReadToken::new(self.family, id))
    }

    /// Renames one or changes its priority: give it `.label(..)`,
    /// `.priority(..)` or both.
    pub fn update(&self, id: i64) -> Call<'a, UpdateToken, S> {
        self.call(UpdateToken::new(self.family, id))
    }

    /// Revokes the token with this secret (the cloud addresses revocation
    /// by secret). Idempotent: retried like a read.
    pub fn revoke(&self, secret: impl Into<Secret>) -> Call<'a, RevokeToken, S> {
        self.call(RevokeToken::new(self.family, secret.into()))
    }

    /// Reopens a revoked token by its secret. Idempotent.
    pub fn reopen(&self, secret: impl Into<Secret>) -> Call<'a, ReopenToken, S> {
        self.call(ReopenToken::new(self.family, secret.into()))
    }

    /// Deletes one by id. Re-sent after a lost answer; "not found" then
    /// counts as done.
    pub fn delete(&self, id: i64) -> Call<'a, DeleteTokensByIds, S> {
        self.delete_many(vec![id])
    }

    /// Deletes these by id, as [`Self::delete`].
    pub fn delete_many(&self, ids: impl Into<Vec<i64>>) -> Call<'a, DeleteTokensByIds, S> {
        self.call(DeleteTokensByIds::new(self.family, ids))
    }

    /// Deletes the tokens with these secrets. Never re-sent once it may
    /// have left (by secret, "not found" cannot tell done from never
    /// there): prefer [`Self::delete`].
    pub fn delete_by_secrets(&self, secrets: impl Into<Vec<Secret>>) -> Call<'a, DeleteTokensBySecrets, S> {
        self.call(DeleteTokensBySecrets::new(self.family, secrets))
    }

    /// The usage report of these tokens (all, when none is named) over a
    /// period: set it with [`Call::since`] and [`Call::until`].
    pub fn usage(&self, token_ids: impl Into<Vec<i64>>) -> Call<'a, UsageReport, S> {
        self.call(UsageReport::new(self.family).token_ids(token_ids))
    }
}

impl<S> Call<'_, UpdateToken, S> {
    /// The new label.
    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.op = self.op.label(label);
        self
    }

    /// The new priority.
    pub fn priority(mut self, priority: i64) -> Self {
        self.op = self.op.priority(priority);
        self
    }
}

impl<S> Call<'_, UsageReport, S> {
    /// From this time on.
    pub fn since(mut self, at: SystemTime) -> Self {
        self.op = self.op.since(at);
        self
    }

    /// Up to this time.
    pub fn until(mut self, at: SystemTime) -> Self {
        self.op = self.op.until(at);
        self
    }
}

/// A list of the Quandela cloud's job tokens being built: every page with
/// `.send()`, or one at a time with `.pages()`.
#[derive(Debug)]
#[must_use = "a list does nothing until it is sent with `.send()` or walked with `.pages()`"]
pub struct QuandelaListing<'a, S = Session> {
    pub(crate) session: &'a S,
    pub(crate) op: ListTokens,
}

impl<S> QuandelaListing<'_, S> {
    /// At most `limit` tokens a page (1 to [`MAX_LIST_LIMIT`]; the cloud's
    /// default is [`DEFAULT_LIST_LIMIT`]).
    pub fn limit(mut self, limit: u32) -> Self {
        self.op = self.op.limit(limit);
        self
    }

    /// Another user's tokens (admins).
    pub fn user_id(mut self, user_id: i64) -> Self {
        self.op = self.op.user_id(user_id);
        self
    }

    /// Whether expired tokens are listed (default: yes).
    pub fn include_expired(mut self, include: bool) -> Self {
        self.op = self.op.include_expired(include);
        self
    }

    /// Whether revoked tokens are listed (default: yes).
    pub fn include_revoked(mut self, include: bool) -> Self {
        self.op = self.op.include_revoked(include);
        self
    }
}

impl QuandelaListing<'_, Session> {
    /// Every page, collected (offset paging, until a page shorter than its
    /// limit).
    ///
    /// # Errors
    ///
    /// The first page's error, or a later one's.
    pub async fn send(self) -> Result<Vec<TokenSummary>> {
        self.pages().collect_all().await
    }

    /// The pages, fetched lazily as they are asked for.
    pub fn pages(self) -> Pages<ListTokens> {
        Pages::new(self.session.clone(), self.op)
    }
}
