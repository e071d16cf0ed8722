//! The one trait every STEPS operation implements, and the protocol fact
//! each operation declares about its effect: whether sending it twice can
//! have a second one. (Who may call it,
//! [`Access`](crate::Access), is in `credential.rs`.)

use bytes::Bytes;
use http::{Request, Response};

use crate::{Access, BuildError, CloudContext, Credential, ResponseError};

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
    /// The idempotency of a create or rotation carrying `key`: keyed with
    /// one, not idempotent without.
    pub(crate) fn keyed_if(key: Option<&crate::IdempotencyKey>) -> Idempotency {
        match key {
            Some(_) => Idempotency::Keyed,
            None => Idempotency::NonIdempotent,
        }
    }

    /// Whether the operation may be sent again after its bytes may have
    /// reached the server.
    pub fn is_idempotent(self) -> bool {
        matches!(self, Idempotency::Idempotent | Idempotency::Keyed)
    }
}

/// One STEPS API operation: plain data (no credential inside), a pure
/// request builder and a pure, total response parser.
///
/// Every operation in this crate implements it; a runtime drives any of them
/// with the same few lines: build with the caller's credential, send however
/// it likes, parse. An operation value can be built once and sent again
/// (after a renewed login, say) with another credential.
///
/// ```
/// use steps_core::{Access, CloudContext, Credential, Operation, Secret, Whoami};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let ctx = CloudContext::new("https://api.steps.invalid/v1")?;
/// let credential = Credential::bearer(Secret::new("stl_example"));
/// let request = Whoami.build_request(&ctx, &credential)?;
/// assert_eq!(request.uri(), "https://api.steps.invalid/v1/api/whoami");
/// assert_eq!(<Whoami as Operation>::NAME, "whoami");
/// assert_eq!(<Whoami as Operation>::ACCESS, Access::AnyToken);
/// # Ok(()) }
/// ```
pub trait Operation {
    /// What a successful response parses into.
    type Output;

    /// A stable dotted name (`job_token.create`) for errors, tracing and
    /// snapshot names.
    const NAME: &'static str;

    /// Whether operations of this type may be sent more than once. A value
    /// may say otherwise ([`Self::idempotency`]).
    const IDEMPOTENCY: Idempotency;

    /// Who may call operations of this type. A value may say otherwise
    /// ([`Self::access`]).
    const ACCESS: Access;

    /// Whether this operation may be sent more than once: what a transport
    /// asks before re-sending. [`Self::IDEMPOTENCY`] unless the value says
    /// otherwise (a create carrying an idempotency key is [`Idempotency::Keyed`]).
    fn idempotency(&self) -> Idempotency {
        Self::IDEMPOTENCY
    }

    /// Who may call this operation: what [`Self::build_request`] checks
    /// the credential against. [`Self::ACCESS`] unless the value says
    /// otherwise (a v2 list of the caller's own job tokens needs a login
    /// token, not an admin's).
    fn access(&self) -> Access {
        Self::ACCESS
    }

    /// Builds the request as the holder of `credential`, checking the
    /// operation's preconditions first (the credential against
    /// [`Self::access`], then the operation's own input).
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
    ) -> Result<Request<Bytes>, BuildError>;

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
