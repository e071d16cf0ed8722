//! The one trait every STEPS operation implements, and the facts each
//! operation declares once: its [`Effect`] (from which whether it may be
//! sent twice, and what an unknown outcome may have done, follow), the
//! protocol [`Feature`] it needs, and who may call it
//! ([`Access`](crate::Access), in `credential.rs`).

use bytes::Bytes;
use http::{Request, Response};

use crate::wire::{self, RequestParts};
use crate::{
    Access, BuildError, Capabilities, CloudContext, Credential, Feature, IdempotencyKey, ResponseError,
};

/// Whether sending an operation twice can have a second effect.
///
/// This is a protocol fact, not a policy: the transport decides what to do
/// with it (retry an idempotent read after a reset connection; never re-send
/// a create whose bytes may have reached the server, since a second send
/// mints a second live secret).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Idempotency {
    /// Sending it again has no further effect (reads, deletes, lists, whoami,
    /// login).
    Idempotent,
    /// Each send may create something new (job token and API key creates).
    NonIdempotent,
    /// Made idempotent by a key the server remembers (a v2 create with an
    /// `Idempotency-Key`): it may be sent again like a read, but if every
    /// attempt fails after one may have taken effect, the outcome is still
    /// unknown to the caller, who can find out by sending it again with the
    /// same key.
    Keyed,
}

impl Idempotency {
    /// Whether the operation may be sent again after its bytes may have
    /// reached the server.
    pub fn is_idempotent(self) -> bool {
        matches!(self, Idempotency::Idempotent | Idempotency::Keyed)
    }
}

/// Which wire API a cloud speaks, and so which operations it understands.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Dialect {
    /// Our protocol, `docs/protocol.md` (v1, or v2 as `/api/meta` says).
    #[default]
    Steps,
    /// The Quandela cloud's token API, `docs/quandela.md`
    /// ([`quandela`](crate::quandela)).
    Quandela,
}

/// What an operation does on the server: the one fact from which follow
/// whether it may be sent twice ([`Effect::idempotency`]), whether it takes
/// an `Idempotency-Key` ([`Effect::takes_idempotency_key`]), and what an
/// unknown outcome may have done ([`Effect::unknown_outcome`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Effect {
    /// Changes nothing (reads, lists, whoami, meta).
    Read,
    /// Logs in: each send issues a login token, a harmless one to repeat
    /// (the extra token is never handed out and expires).
    Login,
    /// Mints a new token and its secret, once per send.
    Create,
    /// Gives an existing token a new secret, once per send.
    Rotate,
    /// Deletes or revokes a token; a second send finds it gone.
    Delete,
    /// Revokes a token that can be reopened (the Quandela cloud); a second
    /// send finds it revoked.
    Revoke,
    /// Changes a token's label or priority, or reopens it: the same
    /// values sent twice leave them so.
    Update,
}

impl Effect {
    /// Whether sending an operation with this effect twice can have a
    /// second effect, without an idempotency key.
    pub const fn idempotency(self) -> Idempotency {
        match self {
            Effect::Create | Effect::Rotate => Idempotency::NonIdempotent,
            Effect::Read | Effect::Login | Effect::Delete | Effect::Revoke | Effect::Update => {
                Idempotency::Idempotent
            }
        }
    }

    /// Whether the protocol lets an operation with this effect carry an
    /// `Idempotency-Key` (v2, feature `idempotency`): creates and rotations.
    pub const fn takes_idempotency_key(self) -> bool {
        matches!(self, Effect::Create | Effect::Rotate)
    }

    /// What an operation with this effect may have done when its outcome
    /// is unknown, in a user's words ("the token may have been created").
    pub const fn unknown_outcome(self) -> &'static str {
        match self {
            Effect::Create => "the token may have been created",
            Effect::Rotate => "the token may have been rotated",
            Effect::Delete => "the token may have been deleted",
            Effect::Revoke => "the token may have been revoked",
            Effect::Update => "the token may have been changed",
            Effect::Login => "a login token may have been issued",
            Effect::Read => "nothing was changed",
        }
    }
}

/// Implements [`Operation::idempotency_key`] and
/// [`Operation::set_idempotency_key`] over a field named `idempotency_key`:
/// the creates and rotations of our protocol.
macro_rules! keyed_by_field {
    () => {
        fn idempotency_key(&self) -> Option<&$crate::IdempotencyKey> {
            self.idempotency_key.as_ref()
        }

        fn set_idempotency_key(&mut self, key: $crate::IdempotencyKey) {
            self.idempotency_key = Some(key);
        }
    };
}

pub(crate) use keyed_by_field;

/// One STEPS API operation: plain data (no credential inside) that declares
/// its facts once, the parts of its request, and a pure, total response
/// parser.
///
/// An operation says *what* it sends ([`Self::parts`]: method, path, query,
/// body); the provided [`Self::build_request`] checks the credential
/// against [`Self::access`] first and assembles the request the same way
/// for every operation, as rust-gitlab's `Endpoint` does. Runtimes read
/// the declared facts ([`Self::EFFECT`], [`Self::feature`],
/// [`Self::idempotency`]) and never an operation's name. An operation
/// value can be built once and sent again (after a renewed login, say)
/// with another credential.
///
/// ```
/// use steps_core::{Access, CloudContext, Credential, Effect, Operation, Secret, Whoami};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let ctx = CloudContext::new("https://api.steps.invalid/v1")?;
/// let credential = Credential::bearer(Secret::new("stl_example"));
/// let request = Whoami.build_request(&ctx, &credential)?;
/// assert_eq!(request.uri(), "https://api.steps.invalid/v1/api/whoami");
/// assert_eq!(<Whoami as Operation>::NAME, "whoami");
/// assert_eq!(<Whoami as Operation>::ACCESS, Access::AnyToken);
/// assert_eq!(<Whoami as Operation>::EFFECT, Effect::Read);
/// # Ok(()) }
/// ```
pub trait Operation {
    /// What a successful response parses into.
    type Output;

    /// A stable dotted name (`job_token.create`) for errors, tracing and
    /// snapshot names. Nothing decides on it: decisions read the facts
    /// below.
    const NAME: &'static str;

    /// What the operation does on the server.
    const EFFECT: Effect;

    /// The wire API the operation belongs to: a runtime sends it only to a
    /// cloud that speaks it (a Quandela token sent to our emulator's URL,
    /// or the other way round, would be refused at best).
    const DIALECT: Dialect = Dialect::Steps;

    /// Who may call operations of this type. A value may say otherwise
    /// ([`Self::access`]).
    const ACCESS: Access;

    /// The protocol v2 feature operations of this type need, if any. A
    /// value may say otherwise ([`Self::feature`]).
    const FEATURE: Option<Feature> = None;

    /// Whether the server takes an `Idempotency-Key` on this operation, so
    /// that a runtime gives it one where the server offers the feature:
    /// what its [`Self::EFFECT`] says of our protocol
    /// ([`Effect::takes_idempotency_key`]); `false` for the Quandela
    /// cloud's, which takes none.
    const KEYED: bool = Self::EFFECT.takes_idempotency_key();

    /// Whether a value adapts itself to what the server offers
    /// ([`Self::negotiate`]), so that a runtime must learn the server's
    /// capabilities before sending it.
    const NEGOTIATES: bool = false;

    /// Who may call this operation: what [`Self::build_request`] checks
    /// the credential against. [`Self::ACCESS`] unless the value says
    /// otherwise (a v2 list of the caller's own job tokens needs a login
    /// token, not an admin's).
    fn access(&self) -> Access {
        Self::ACCESS
    }

    /// The feature this operation needs of the server: a runtime sends it
    /// only to a server that offers it. [`Self::FEATURE`] unless the value
    /// says otherwise (a filtered list needs `own_tokens`).
    fn feature(&self) -> Option<Feature> {
        Self::FEATURE
    }

    /// Adapts the operation to what the server offers, before it is first
    /// sent (a user's list of job tokens becomes their own list where the
    /// server offers `own_tokens`). Does nothing unless
    /// [`Self::NEGOTIATES`].
    fn negotiate(&mut self, capabilities: &Capabilities) {
        let _ = capabilities;
    }

    /// The `Idempotency-Key` this operation carries, if any.
    fn idempotency_key(&self) -> Option<&IdempotencyKey> {
        None
    }

    /// Gives the operation an `Idempotency-Key`. Only [`Self::KEYED`]
    /// operations keep it; the others have nothing to key and ignore it.
    fn set_idempotency_key(&mut self, key: IdempotencyKey) {
        let _ = key;
    }

    /// Calls `f` with each secret the request carries besides the
    /// credential (a login's password, a revocation's secret), so that a
    /// runtime can take them out of what the server answers
    /// ([`ResponseError::redact`]). None by default.
    fn for_each_secret(&self, f: &mut dyn FnMut(&crate::Secret)) {
        let _ = f;
    }

    /// Whether this operation may be sent more than once: what a transport
    /// asks before re-sending. [`Idempotency::Keyed`] when it carries an
    /// idempotency key, otherwise what its [`Self::EFFECT`] says.
    fn idempotency(&self) -> Idempotency {
        match self.idempotency_key() {
            Some(_) => Idempotency::Keyed,
            None => Self::EFFECT.idempotency(),
        }
    }

    /// What the request is made of (method, path, query, body, key),
    /// after checking the operation's own input.
    ///
    /// # Errors
    ///
    /// [`BuildError`] when the input is invalid (a label too long, a token
    /// that was never created).
    fn parts(&self) -> Result<RequestParts<'_>, BuildError>;

    /// Builds the request as the holder of `credential`: checks the
    /// credential against [`Self::access`], then the operation's input
    /// ([`Self::parts`]), and assembles the request with the headers every
    /// request carries. Written once for every operation; not meant to be
    /// overridden.
    ///
    /// # Errors
    ///
    /// [`BuildError`] when a precondition fails (not logged in, admin
    /// required, a token that was never created, invalid input); no request
    /// is built then.
    fn build_request(
        &self,
        ctx: &CloudContext,
        credential: &Credential,
    ) -> Result<Request<Bytes>, BuildError> {
        let bearer = credential.authorize(Self::NAME, self.access())?;
        wire::build(ctx, Self::NAME, bearer, self.parts()?)
    }

    /// Parses the response to a request this operation built. Total: any
    /// status, headers and body give `Ok` or a typed error, never a panic.
    ///
    /// # Errors
    ///
    /// [`ResponseError`] for a non-2xx status, a redirect, or a 2xx body that
    /// does not match the protocol.
    fn parse_response(&self, response: Response<Bytes>) -> Result<Self::Output, ResponseError>;

    /// Parses the response to a request sent again after an earlier send of
    /// the same operation may have taken effect (its connection failed
    /// after the request was written, say). The same as
    /// [`Self::parse_response`] unless the protocol says otherwise: a
    /// delete answered 404 then succeeded, since the earlier send deleted
    /// the token ("already gone", `docs/protocol.md`).
    ///
    /// # Errors
    ///
    /// As [`Self::parse_response`].
    fn parse_resent_response(&self, response: Response<Bytes>) -> Result<Self::Output, ResponseError> {
        self.parse_response(response)
    }
}
