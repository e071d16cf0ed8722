//! `session.job_tokens()` and `session.api_keys()`: create, get, delete and
//! list, written once for both resources.

use std::marker::PhantomData;
use std::time::Duration;

use steps_core::{
    ApiKey, Capabilities, Create, Delete, Feature, IdempotencyKey, JobToken, List, Read, Resource, Rotate,
    DEFAULT_DURATION,
};

use crate::idempotency::random_key;
use crate::{Error, Pages, Result, Session};

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
    /// Against a server that offers idempotent creates (protocol v2,
    /// [`Feature::Idempotency`]), the create carries a fresh random
    /// idempotency key and is retried like a read: no create is lost or
    /// doubled. Against a v1 server it is never re-sent once it may have
    /// reached the server.
    ///
    /// # Errors
    ///
    /// Invalid label or duration, not logged in, not allowed (API keys are
    /// admin only), or a network error. If it fails after its bytes may have
    /// left (on v1), or after every attempt failed and one may have reached
    /// the server (on v2), the error's kind is
    /// [`OutcomeUnknown`](crate::ErrorKind::OutcomeUnknown): the token may
    /// exist. To retry safely across processes, use
    /// [`Self::create_with_key`] with a key of your own.
    pub async fn create(&self, label: Option<&str>, duration: Option<Duration>) -> Result<R> {
        self.create_keyed(label, duration, None).await
    }

    /// [`Self::create`] with an idempotency key of your choosing, to retry
    /// one logical create across calls or processes: a v2 server answers a
    /// re-send with the same key with the same token
    /// ([`JobToken::replayed`] says so) instead of creating another. (The
    /// key of a create that ended in an unknown outcome is
    /// [`Error::idempotency_key`].)
    ///
    /// # Errors
    ///
    /// [`Unsupported`](crate::ErrorKind::Unsupported) when the server does
    /// not offer [`Feature::Idempotency`] (nothing is sent: a plain create
    /// could double); otherwise as [`Self::create`]; a key reused for a
    /// different create (another label or duration) is refused by the
    /// server (422).
    pub async fn create_with_key(
        &self,
        label: Option<&str>,
        duration: Option<Duration>,
        key: IdempotencyKey,
    ) -> Result<R> {
        self.create_keyed(label, duration, Some(key)).await
    }

    async fn create_keyed(
        &self,
        label: Option<&str>,
        duration: Option<Duration>,
        key: Option<IdempotencyKey>,
    ) -> Result<R> {
        let mut op = Create::<R>::new().duration(duration.unwrap_or(DEFAULT_DURATION));
        if let Some(label) = label {
            op = op.label(label);
        }
        let capabilities = self.session.client().capabilities().await;
        let key = key_to_send(&capabilities, key)?;
        if let Some(key) = &key {
            op = op.idempotency_key(key.clone());
        }
        self.session
            .call(&op)
            .await
            .map_err(|e| e.with_idempotency_key(key.as_ref()))
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

    /// All of them, following every page: for an admin, everyone's; for a
    /// user, on a server that offers [`Feature::OwnTokens`] (protocol v2),
    /// their own job tokens.
    ///
    /// # Errors
    ///
    /// [`Forbidden`](crate::ErrorKind::Forbidden) or
    /// [`AdminRequired`](crate::ErrorKind::AdminRequired) for a non-admin
    /// of a server without `own_tokens`.
    pub async fn list(&self) -> Result<Vec<R>> {
        let mut first = first_page(None);
        // Users see their own job tokens; API keys stay an admin's.
        if is_job_tokens::<R>() {
            first = own_if_offered(first, &self.session.client().capabilities().await);
        }
        self.session.collect_all(first).await
    }

    /// Gives one a new secret, returned this once, keeping its id, label
    /// and lifetime; the old secret keeps working for `grace` (default: it
    /// is refused at once). Protocol v2, feature [`Feature::Rotation`].
    /// Retried safely with a random idempotency key where the server
    /// offers [`Feature::Idempotency`]: a re-send returns the same new
    /// secret and does not rotate twice.
    ///
    /// # Errors
    ///
    /// [`Unsupported`](crate::ErrorKind::Unsupported) when the server does
    /// not offer rotation; [`NotFound`](crate::ErrorKind::NotFound) for an
    /// unknown id; as for a create when it may have happened.
    pub async fn rotate(&self, id: i64, grace: Option<Duration>) -> Result<R> {
        self.rotate_keyed(id, grace, None).await
    }

    /// [`Self::rotate`] with an idempotency key of your choosing (the key
    /// of a rotation that ended in an unknown outcome is
    /// [`Error::idempotency_key`]): a re-send returns the same new secret.
    ///
    /// # Errors
    ///
    /// As [`Self::rotate`]; [`Unsupported`](crate::ErrorKind::Unsupported)
    /// also when the server does not offer [`Feature::Idempotency`].
    pub async fn rotate_with_key(&self, id: i64, grace: Option<Duration>, key: IdempotencyKey) -> Result<R> {
        self.rotate_keyed(id, grace, Some(key)).await
    }

    async fn rotate_keyed(&self, id: i64, grace: Option<Duration>, key: Option<IdempotencyKey>) -> Result<R> {
        let capabilities = self.require(Feature::Rotation).await?;
        let mut op = Rotate::<R>::new(id);
        if let Some(grace) = grace {
            op = op.grace(grace);
        }
        let key = key_to_send(&capabilities, key)?;
        if let Some(key) = &key {
            op = op.idempotency_key(key.clone());
        }
        self.session
            .call(&op)
            .await
            .map_err(|e| e.with_idempotency_key(key.as_ref()))
    }

    /// The server's capabilities, or [`ErrorKind::Unsupported`](crate::ErrorKind::Unsupported)
    /// if `feature` is not among them.
    async fn require(&self, feature: Feature) -> Result<Capabilities> {
        let capabilities = self.session.client().capabilities().await;
        if capabilities.supports(feature) {
            Ok(capabilities)
        } else {
            Err(Error::unsupported(feature))
        }
    }

    /// The pages of [`Self::list`], fetched lazily, `limit` per page: as
    /// for `list`, a user's own job tokens where the server offers
    /// [`Feature::OwnTokens`] (asked before the first page).
    pub fn pages(&self, limit: Option<u32>) -> Pages<List<R>> {
        if is_job_tokens::<R>() {
            Pages::adapted(self.session.clone(), first_page(limit), own_if_offered)
        } else {
            Pages::new(self.session.clone(), first_page(limit))
        }
    }
}

fn first_page<R: Resource>(limit: Option<u32>) -> List<R> {
    let op = List::new();
    match limit {
        Some(limit) => op.limit(limit),
        None => op,
    }
}

impl Tokens<'_, JobToken> {
    /// Every job token with exactly this `label`, and with `user_id` the given
    /// user's only (admins, or a user's own id), following every page.
    /// Protocol v2, feature [`Feature::OwnTokens`].
    ///
    /// After a create whose outcome is unknown (a v1 server), this is how
    /// to find out: list by the label you gave it, and look for a token
    /// created since just before the create was sent.
    ///
    /// # Errors
    ///
    /// [`Unsupported`](crate::ErrorKind::Unsupported) when the server does
    /// not offer `own_tokens` (a v1 server would ignore the filter and list
    /// every token); otherwise as [`Self::list`].
    pub async fn list_filtered(&self, label: Option<&str>, user_id: Option<i64>) -> Result<Vec<JobToken>> {
        self.require(Feature::OwnTokens).await?;
        let mut first = first_page::<JobToken>(None).own();
        if let Some(label) = label {
            first = first.label(label);
        }
        if let Some(user_id) = user_id {
            first = first.user_id(user_id);
        }
        let tokens = self.session.collect_all(first).await?;
        // A server that ignored the filters (a v1 backend behind a v2
        // front) must not have its unfiltered list taken for the filtered
        // one: a "list by label, then delete" would delete them all.
        let filtered = tokens.iter().all(|t| {
            label.is_none_or(|l| t.label.as_deref() == Some(l)) && user_id.is_none_or(|u| t.user_id == u)
        });
        if !filtered {
            return Err(Error::protocol(
                "job_token.list",
                "the server ignored the list's filters",
            ));
        }
        Ok(tokens)
    }
}

/// The key a create or rotation is sent with: the caller's, refused rather
/// than dropped when the server cannot keep its promise of no duplicate; a
/// fresh one where the server offers idempotency; none on v1.
fn key_to_send(capabilities: &Capabilities, key: Option<IdempotencyKey>) -> Result<Option<IdempotencyKey>> {
    let offered = capabilities.supports(Feature::Idempotency);
    match key {
        Some(_) if !offered => Err(Error::unsupported(Feature::Idempotency)),
        Some(key) => Ok(Some(key)),
        None if offered => Ok(random_key()),
        None => Ok(None),
    }
}

/// The list as the caller's own where the server offers `own_tokens`.
fn own_if_offered<R: Resource>(list: List<R>, capabilities: &Capabilities) -> List<R> {
    if capabilities.supports(Feature::OwnTokens) {
        list.own()
    } else {
        list
    }
}

/// Whether `R` is the job token resource (the one whose list has v2 filters).
fn is_job_tokens<R: Resource>() -> bool {
    R::PATH == <JobToken as Resource>::PATH
}
