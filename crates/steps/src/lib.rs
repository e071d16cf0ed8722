//! steps: the Rust SDK for the STEPS cloud token API. Log in, then create,
//! read, delete and list job tokens and API keys.
//!
//! ```no_run
//! use std::time::Duration;
//!
//! # async fn quickstart() -> steps::Result<()> {
//! let client = steps::Client::builder().base_url("http://127.0.0.1:8787").build()?;
//! let session = client.login("ada@example.com", "correct horse").await?;
//!
//! let job = session
//!     .job_tokens()
//!     .create()
//!     .label("nightly build")
//!     .duration(Duration::from_secs(3600))
//!     .send()
//!     .await?;
//! // The secret is shown this once; store it where the job can read it.
//! let secret = job.token.as_ref().map(|t| t.expose().to_owned());
//!
//! let same = session.job_tokens().get(job.token_id).send().await?;
//! assert_eq!(same.label.as_deref(), Some("nightly build"));
//! session.job_tokens().delete(job.token_id).send().await?;
//! # let _ = secret; Ok(()) }
//! ```
//!
//! # What it does for you
//!
//! - HTTPS with rustls for `https://` URLs (the default URL is the local
//!   emulator's, plain `http://` on loopback), connection pooling, a
//!   connect timeout (10 s) and a whole-call timeout (30 s).
//! - Retries where safe: reads, deletes, lists, whoami and login, on
//!   connection errors, 429, 502, 503 and 504, honouring `Retry-After`.
//!   Against a server that offers idempotent creates (protocol v2, learned
//!   once per client from `GET /api/meta`), creates carry a random
//!   idempotency key and are retried like reads. Against a v1 server they
//!   are never re-sent once they may have reached the server; such a
//!   failure is [`ErrorKind::OutcomeUnknown`], so a retry loop of yours can
//!   tell it from a create that certainly did not happen.
//! - A session that logged in with a password renews its login token before
//!   it expires, and once after a 401.
//! - Proxies from `HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY` and `NO_PROXY`
//!   (or [`TransportBuilder::proxy`] through [`ClientBuilder::transport`]):
//!   `http://` proxies through a `CONNECT` tunnel, `socks5h://` and
//!   `socks5://` through SOCKS5. For an `https://` API URL a proxy sees the
//!   host and port and never a request or its token; for an `http://` API
//!   URL the tunnel carries the request in clear.
//!   `localhost` and loopback addresses are never sent to the environment's
//!   proxy, so a local emulator works behind a company proxy.
//!
//! # Security
//!
//! Passwords and tokens are [`Secret`]s: `Debug` and `Display` print
//! `<redacted>`, only [`Secret::expose`] gives the value, and the memory is
//! zeroed when a `Secret` is dropped. Errors, tracing
//! and `Debug` output never contain a secret. Redirects are never followed,
//! so an `Authorization` header cannot reach another host.
//!
//! The sans-IO protocol core is re-exported whole as [`steps_core`], for
//! those who drive it with their own HTTP client.

#![forbid(unsafe_code)]

#[cfg(feature = "blocking")]
pub mod blocking;
mod client;
mod error;
mod expiry;
mod idempotency;
mod pages;
pub mod perceval;
pub mod quandela;
mod self_token;
mod send;
mod session;
mod session_token;
mod tokens;

pub use client::{
    Client, ClientBuilder, Clock, SystemClock, DEFAULT_API_URL, DEFAULT_EXPIRY_MARGIN,
    DEFAULT_EXPIRY_WARNING, META_RETRY_AFTER, META_TIMEOUT,
};
pub use error::{Error, ErrorKind, Result};
pub use pages::Pages;
pub use session::Session;
pub use session_token::SessionToken;
pub use tokens::{ApiKeys, Call, JobTokens, Listing, Tokens};

pub use steps_core::{
    self, ApiKey, Capabilities, Dialect, Expiry, Extra, Feature, IdempotencyKey, Identity, JobToken,
    ListApiKeys, ListJobTokens, LoginToken, Page, Resource, ResponseErrorKind, RotatedSelf, Secret,
    TokenType,
};
pub use steps_transport::{Proxy, ProxyError, RetryPolicy, TransportBuilder};

/// This crate's README's examples, compiled as doctests. (The workspace
/// README's are compiled by the `steps-tests` crate: a published crate may
/// include only files inside its package.)
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
