//! `session.job_tokens()` and `session.api_keys()`: create, get, delete and
//! list, written once for both resources.

use std::marker::PhantomData;
use std::time::Duration;

use steps_core::{ApiKey, Create, Delete, JobToken, List, Read, Resource, DEFAULT_DURATION};

use crate::{Pages, Result, Session};

impl Session {
    /// The user's job tokens.
    pub fn job_tokens(&self) -> JobTokens<'_> {
        Tokens {
            session: self,
            resource: PhantomData,
        }
    }

    /// API keys (admin only).
    pub fn api_keys(&self) -> ApiKeys<'_> {
        Tokens {
            session: self,
            resource: PhantomData,
        }
    }
}

/// The tokens of one resource, as seen by one session: [`JobTokens`] from
/// [`Session::job_tokens`], [`ApiKeys`] from [`Session::api_keys`].
#[derive(Debug)]
pub struct Tokens<'a, R> {
    pub(crate) session: &'a Session,
    pub(crate) resource: PhantomData<fn() -> R>,
}

/// Job tokens: a user creates, reads and deletes their own; an admin reads,
/// deletes and lists all.
pub type JobTokens<'a> = Tokens<'a, JobToken>;

/// API keys: admin only.
pub type ApiKeys<'a> = Tokens<'a, ApiKey>;

impl<R> Clone for Tokens<'_, R> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<R> Copy for Tokens<'_, R> {}

impl<R: Resource> Tokens<'_, R> {
    /// Creates one; the result carries its secret, this once. `duration`
    /// defaults to 99,999 s.
    ///
    /// Never retried once sent: if it fails after its bytes may have left,
    /// the error's kind is
    /// [`OutcomeUnknown`](crate::ErrorKind::OutcomeUnknown).
    ///
    /// # Errors
    ///
    /// Invalid label or duration, not logged in, not allowed (API keys are
    /// admin only), or a network error.
    pub async fn create(&self, label: Option<&str>, duration: Option<Duration>) -> Result<R> {
        let mut op = Create::<R>::new().duration(duration.unwrap_or(DEFAULT_DURATION));
        if let Some(label) = label {
            op = op.label(label);
        }
        self.session.call(&op).await
    }

    /// Reads one, without its secret.
    ///
    /// # Errors
    ///
    /// [`NotFound`](crate::ErrorKind::NotFound) for an unknown id, or a job
    /// token of another user.
    pub async fn get(&self, id: i64) -> Result<R> {
        self.session.call(&Read::<R>::new(id)).await
    }

    /// Deletes (revokes) one.
    ///
    /// # Errors
    ///
    /// [`NotFound`](crate::ErrorKind::NotFound) for an unknown id, or a job
    /// token of another user.
    pub async fn delete(&self, id: i64) -> Result<()> {
        self.session.call(&Delete::<R>::new(id)).await
    }

    /// All of them (admin only), following every page.
    ///
    /// # Errors
    ///
    /// [`Forbidden`](crate::ErrorKind::Forbidden) or
    /// [`AdminRequired`](crate::ErrorKind::AdminRequired) for a non-admin.
    pub async fn list(&self) -> Result<Vec<R>> {
        self.session.collect_all(first_page(None)).await
    }

    /// The pages of [`Self::list`], fetched lazily, `limit` per page.
    pub fn pages(&self, limit: Option<u32>) -> Pages<List<R>> {
        Pages::new(self.session.clone(), first_page(limit))
    }
}

fn first_page<R: Resource>(limit: Option<u32>) -> List<R> {
    let op = List::new();
    match limit {
        Some(limit) => op.limit(limit),
        None => op,
    }
}
