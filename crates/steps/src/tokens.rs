//! `session.job_tokens()` and `session.api_keys()`: fluent builders over
//! the core's operations that end in `.send()`, written once for every
//! [`Resource`] and for both facades. `S` is the session type: the async
//! [`Session`] here, `steps::blocking::Session` in the blocking facade,
//! which adds its own `send` (`blocking.rs`) and shares every builder
//! method.

use std::marker::PhantomData;
use std::time::Duration;

use steps_core::{ApiKey, Create, Delete, IdempotencyKey, JobToken, List, Read, Resource, Rotate};

use crate::{Pages, Result, Session};

impl Session {
    /// The user's job tokens.
    pub fn job_tokens(&self) -> JobTokens<'_> {
        Tokens::new(self)
    }

    /// API keys (admin only).
    pub fn api_keys(&self) -> ApiKeys<'_> {
        Tokens::new(self)
    }
}

/// The tokens of one resource, as seen by one session: [`JobTokens`] from
/// [`Session::job_tokens`], [`ApiKeys`] from [`Session::api_keys`]. Each
/// method gives a builder of one call, sent with `.send()`.
#[derive(Debug)]
pub struct Tokens<'a, R, S = Session> {
    session: &'a S,
    resource: PhantomData<fn() -> R>,
}

/// Job tokens: a user creates, reads, rotates and deletes their own (and
/// lists them, protocol v2); an admin reads, deletes and lists all.
pub type JobTokens<'a> = Tokens<'a, JobToken>;

/// API keys: admin only.
pub type ApiKeys<'a> = Tokens<'a, ApiKey>;

impl<R, S> Clone for Tokens<'_, R, S> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<R, S> Copy for Tokens<'_, R, S> {}

impl<'a, R: Resource, S> Tokens<'a, R, S> {
    pub(crate) fn new(session: &'a S) -> Self {
        Tokens {
            session,
            resource: PhantomData,
        }
    }

    fn call<O>(&self, op: O) -> Call<'a, O, S> {
        Call {
            session: self.session,
            op,
        }
    }

    /// Creates one; the result carries its secret, this once. Without
    /// `.duration(..)` it lives 99,999 s.
    ///
    /// Against a server that offers idempotent creates (protocol v2,
    /// [`Feature::Idempotency`](crate::Feature::Idempotency)), the create
    /// carries a fresh random idempotency key and is retried like a read:
    /// no create is lost or doubled. Against a v1 server it is never
    /// re-sent once it may have reached the server. To retry one create
    /// across calls or processes, give it a key of your own with
    /// [`Call::idempotency_key`]: a v2 server answers a re-send with the
    /// same key with the same token ([`Resource::replayed`] says so).
    ///
    /// # Errors
    ///
    /// Invalid label or duration, not logged in, not allowed (API keys are
    /// admin only), or a network error. If it fails after its bytes may
    /// have left (on v1), or after every attempt failed and one may have
    /// reached the server (on v2), the error's kind is
    /// [`OutcomeUnknown`](crate::ErrorKind::OutcomeUnknown): the token may
    /// exist; its key, if it had one, is
    /// [`Error::idempotency_key`](crate::Error::idempotency_key). A key of
    /// your own sent to a server without `idempotency` is
    /// [`Unsupported`](crate::ErrorKind::Unsupported) (nothing is sent: a
    /// plain create could double); a key reused for a different create is
    /// refused by the server (422).
    pub fn create(&self) -> Call<'a, Create<R>, S> {
        self.call(Create::new())
    }

    /// Reads one, without its secret.
    ///
    /// # Errors
    ///
    /// [`NotFound`](crate::ErrorKind::NotFound) for an unknown id, or a job
    /// token of another user.
    pub fn get(&self, id: i64) -> Call<'a, Read<R>, S> {
        self.call(Read::new(id))
    }

    /// Deletes (revokes) one.
    ///
    /// # Errors
    ///
    /// [`NotFound`](crate::ErrorKind::NotFound) for an unknown id, or a job
    /// token of another user.
    pub fn delete(&self, id: i64) -> Call<'a, Delete<R>, S> {
        self.call(Delete::new(id))
    }

    /// Gives one a new secret, returned this once, keeping its id, label
    /// and lifetime; the old secret keeps working for `.grace(..)` (without
    /// it, it is refused at once). Protocol v2, feature
    /// [`Feature::Rotation`](crate::Feature::Rotation). Keyed like a create
    /// where the server offers idempotency: a re-send returns the same new
    /// secret and does not rotate twice.
    ///
    /// # Errors
    ///
    /// [`Unsupported`](crate::ErrorKind::Unsupported) when the server does
    /// not offer rotation; [`NotFound`](crate::ErrorKind::NotFound) for an
    /// unknown id; as for a create when it may have happened.
    pub fn rotate(&self, id: i64) -> Call<'a, Rotate<R>, S> {
        self.call(Rotate::new(id))
    }

    /// All of them, following every page (`.send()`), or page by page
    /// (`.pages()`): for an admin, everyone's; for a user, on a server that
    /// offers [`Feature::OwnTokens`](crate::Feature::OwnTokens) (protocol
    /// v2), their own job tokens.
    ///
    /// # Errors
    ///
    /// [`Forbidden`](crate::ErrorKind::Forbidden) or
    /// [`AdminRequired`](crate::ErrorKind::AdminRequired) for a non-admin
    /// of a server without `own_tokens`; a filter
    /// ([`Listing::label`], [`Listing::user_id`]) sent to a server without
    /// it is [`Unsupported`](crate::ErrorKind::Unsupported) (a v1 server
    /// would ignore it and list every token).
    pub fn list(&self) -> Listing<'a, R, S> {
        Listing {
            session: self.session,
            op: List::new(),
        }
    }
}

/// One call being built: an operation and the session that will send it.
/// The builder methods set the operation's arguments; `send()` sends it.
#[derive(Debug)]
#[must_use = "a call does nothing until it is sent with `.send()`"]
pub struct Call<'a, O, S = Session> {
    pub(crate) session: &'a S,
    pub(crate) op: O,
}

impl<O, S> Call<'_, O, S> {
    /// The operation as built so far.
    pub fn operation(&self) -> &O {
        &self.op
    }

    /// The operation, to send later with [`Session::send`].
    pub fn into_operation(self) -> O {
        self.op
    }

    fn map(self, f: impl FnOnce(O) -> O) -> Self {
        Call {
            session: self.session,
            op: f(self.op),
        }
    }
}

impl<O: steps_core::Operation> Call<'_, O, Session> {
    /// Sends the call ([`Session::send`]).
    ///
    /// # Errors
    ///
    /// As the method that made the call says.
    pub async fn send(self) -> Result<O::Output> {
        self.session.send(self.op).await
    }
}

impl<R: Resource, S> Call<'_, Create<R>, S> {
    /// Sets the label (at most 256 bytes).
    pub fn label(self, label: impl Into<String>) -> Self {
        self.map(|op| op.label(label))
    }

    /// Sets the lifetime (whole seconds, from 1 s to ten years).
    pub fn duration(self, duration: Duration) -> Self {
        self.map(|op| op.duration(duration))
    }

    /// Sends it with this idempotency key rather than a random one, to
    /// retry one create across calls or processes (protocol v2).
    pub fn idempotency_key(self, key: IdempotencyKey) -> Self {
        self.map(|op| op.idempotency_key(key))
    }
}

impl<R: Resource, S> Call<'_, Rotate<R>, S> {
    /// Keeps the old secret working for `grace` (whole seconds, at most a
    /// day), so that what uses it can be switched over.
    pub fn grace(self, grace: Duration) -> Self {
        self.map(|op| op.grace(grace))
    }

    /// Sends it with this idempotency key rather than a random one (the key
    /// of a rotation that ended in an unknown outcome is
    /// [`Error::idempotency_key`](crate::Error::idempotency_key)): a
    /// re-send returns the same new secret.
    pub fn idempotency_key(self, key: IdempotencyKey) -> Self {
        self.map(|op| op.idempotency_key(key))
    }
}

/// A list being built: every page with `.send()`, or one at a time with
/// `.pages()`.
#[must_use = "a list does nothing until it is sent with `.send()` or walked with `.pages()`"]
pub struct Listing<'a, R, S = Session> {
    pub(crate) session: &'a S,
    pub(crate) op: List<R>,
}

impl<R: Resource, S: std::fmt::Debug> std::fmt::Debug for Listing<'_, R, S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Listing")
            .field("session", &self.session)
            .field("op", &self.op)
            .finish()
    }
}

impl<R: Resource, S> Listing<'_, R, S> {
    /// Only tokens with exactly this label (protocol v2, feature
    /// `own_tokens`). After a create whose outcome is unknown (a v1
    /// server), this is how to find out: list by the label you gave it.
    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.op = self.op.label(label);
        self
    }

    /// Only tokens of this user (protocol v2, feature `own_tokens`; for
    /// admins, or a user's own id).
    pub fn user_id(mut self, user_id: i64) -> Self {
        self.op = self.op.user_id(user_id);
        self
    }

    /// Asks for at most `limit` tokens a page (1 to 1000; the server's
    /// default is 100).
    pub fn limit(mut self, limit: u32) -> Self {
        self.op = self.op.limit(limit);
        self
    }

    /// The list operation of the first page, as built so far.
    pub fn operation(&self) -> &List<R> {
        &self.op
    }
}

impl<R: Resource> Listing<'_, R, Session> {
    /// Every page, collected.
    ///
    /// # Errors
    ///
    /// As [`Tokens::list`] says; the first page's error, or a later one's.
    pub async fn send(self) -> Result<Vec<R>> {
        self.pages().collect_all().await
    }

    /// The pages, fetched lazily as they are asked for.
    pub fn pages(self) -> Pages<List<R>> {
        Pages::new(self.session.clone(), self.op)
    }
}
