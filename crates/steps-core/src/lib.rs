//! steps-core does no I/O. It turns each operation of the STEPS cloud token
//! API into an [`http::Request`] and turns an [`http::Response`] back into a
//! typed result, with no sockets, no async runtime, no clock and no
//! randomness. Drive it from any HTTP client, blocking or async.
//!
//! Every operation implements one trait, [`Operation`]: build the request
//! with the caller's [`Credential`], send it however you like, parse the
//! response. An operation is plain data: it holds its arguments, never the
//! token, and declares its facts once: who may call it
//! ([`Operation::ACCESS`]), what it does on the server
//! ([`Operation::EFFECT`], from which whether it may be sent twice
//! follows), the protocol feature it needs ([`Operation::FEATURE`]), and
//! the parts of its request ([`Operation::parts`]). `docs/protocol.md` is
//! the wire specification this crate follows.
//!
//! # Modules
//!
//! One module per resource (`login`, `whoami`, `job_token`, `api_key`),
//! the generic token operations in `resource`, and one concern per shared
//! module: `operation` (the trait), `credential`, `context`, `limits`,
//! `error`, `secret`, `page`, and `wire` (request assembly, status
//! classification, record declarations, shapes, unknown fields).
//!
//! ```
//! use bytes::Bytes;
//! use steps_core::{CloudContext, CreateJobToken, Credential, Operation, Secret};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let ctx = CloudContext::new("https://api.steps.invalid/v1")?;
//! let credential = Credential::bearer(Secret::new("stl_example"));
//! let op = CreateJobToken::new().label("nightly build");
//!
//! // 1. Build the request, as the holder of `credential`.
//! let request = op.build_request(&ctx, &credential)?;
//! assert_eq!(request.method(), "POST");
//! assert_eq!(request.uri(), "https://api.steps.invalid/v1/api/job_token");
//! assert_eq!(request.body().as_ref(), br#"{"label":"nightly build","duration":99999}"#);
//!
//! // 2. Send it with any HTTP client; here, a canned response.
//! let response = http::Response::builder().status(201).body(Bytes::from_static(
//!     br#"{"token_id":7,"user_id":2,"label":"nightly build","duration":99999,
//!         "created_at":1700000000,"expires_at":1700099999,"token":"stj_example"}"#,
//! ))?;
//!
//! // 3. Parse it.
//! let job_token = op.parse_response(response)?;
//! assert_eq!(job_token.token_id, 7);
//! assert_eq!(job_token.token.as_ref().map(|t| t.expose()), Some("stj_example"));
//! # Ok(()) }
//! ```
//!
//! # Secrets
//!
//! Passwords and tokens are [`Secret`]s: their `Debug` and `Display` print a
//! redaction, and the value is reached only through [`Secret::expose`].
//! Errors never quote a response's values, since a value may be a secret.

#![forbid(unsafe_code)]

mod api_key;
mod capabilities;
mod context;
mod credential;
mod error;
mod idempotency;
mod job_token;
mod limits;
mod login;
mod meta;
mod operation;
mod page;
pub mod quandela;
mod redact;
mod resource;
mod secret;
mod self_token;
mod user;
mod whoami;
mod wire;

pub use api_key::{ApiKey, CreateApiKey, DeleteApiKey, ListApiKeys, ReadApiKey, RotateApiKey};
pub use capabilities::{Capabilities, Feature};
pub use context::{CloudContext, ContextError, DEFAULT_USER_AGENT};
pub use credential::{Access, Credential};
pub use error::{ApiError, BuildError, DecodeError, ResponseError, ResponseErrorKind, UnexpectedBody};
pub use idempotency::{
    IdempotencyKey, InvalidIdempotencyKey, IDEMPOTENCY_KEY_HEADER, MAX_IDEMPOTENCY_KEY_LEN,
};
pub use job_token::{CreateJobToken, DeleteJobToken, JobToken, ListJobTokens, ReadJobToken, RotateJobToken};
pub use limits::{DEFAULT_DURATION, MAX_DURATION, MAX_LABEL_BYTES, MAX_PAGE_LIMIT};
pub use login::{Expiry, Login, LoginToken};
pub use meta::Meta;
pub use operation::{Dialect, Effect, Idempotency, Operation};
pub use page::{ListOperation, Page};
pub use resource::{Create, Delete, List, Read, Resource, Rotate, MAX_ROTATION_GRACE};
pub use secret::Secret;
pub use self_token::{RevokeSelf, RotateSelf, RotatedSelf};
pub use user::{TokenType, User};
pub use whoami::{Identity, Whoami};
pub use wire::{Extra, RequestBody, RequestParts, IDEMPOTENT_REPLAYED_HEADER, REQUEST_ID_HEADER};

/// The crates this one's public API uses, re-exported so that embedders
/// name the same versions.
pub use {bytes, http};
