//! steps-emulator: a local, in-memory STEPS cloud that serves
//! `docs/protocol.md` over real TCP (HTTP/1.1 and HTTP/2, optionally TLS),
//! with deterministic fault injection.
//!
//! It shares no code with `steps-core`: its wire types come from its own
//! reading of the spec, so end-to-end tests check two readings against each
//! other.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use steps_emulator::{Config, Emulator};
//!
//! let emulator = Emulator::start(Config::new().admin("root@example.com", "admin-pw")).await?;
//! println!("a STEPS cloud at {}", emulator.base_url());
//! emulator.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! It serves protocol v2 unless told otherwise ([`Config::protocol`]):
//! `GET /api/meta` and every v2 feature: `idempotency` (creates and
//! rotations accept an `Idempotency-Key` and replay their answer to a
//! re-send), `self` (`DELETE /api/token/self`, `POST
//! /api/token/self/rotate`, whoami naming the job token or API key),
//! `own_tokens` (users list their own job tokens; `user_id` and `label`
//! filters) and `rotation` (new secrets with a grace period, on the
//! emulator's clock). In v1 mode every v2 path is 404, the header and the
//! filters are ignored, and a user's list is 403, as on a server that has
//! never heard of v2. In either version `GET /health` answers 200
//! `{"status": "ok"}` to anyone, without a token or the control plane, so
//! that a test harness can wait for it.
//!
//! With [`Config::api`]`(`[`Api::Quandela`]`)` it serves the Quandela
//! cloud's token API instead, as `docs/quandela.md` reads it: the job-token
//! family `/api/tokens*`, the logged-in family `/api/auth/tokens*`,
//! `POST /api/login` and `GET /health`, with one job token minted per
//! account at start ([`Emulator::minted_tokens`]) and the usage its report
//! sums recorded by tests ([`Emulator::record_usage`]). The protocol's
//! paths are then unknown (404), as the dialect's are in the default mode
//! (but `/api/login` and `/health`, which both have, each its own way).
//!
//! For tests: [`Emulator::advance_clock`] moves time forward so tokens
//! (and remembered idempotency keys) expire without sleeping, [`Config::frozen_clock`] stops time so that
//! nothing expires because a test ran slowly, [`Emulator::set_faults`]
//! injects failures, and connections that send nothing are closed after
//! [`Config::header_read_timeout`].
//!
//! A long-running emulator holds what is live and little else: expired
//! login tokens, job tokens, API keys and idempotency keys are purged as
//! requests come in,
//! idle connections (HTTP/1.1 or HTTP/2) and request bodies that do not
//! arrive are closed after their deadlines, silent HTTP/2 peers after a
//! ping goes unanswered, and at most [`Config::max_connections`]
//! connections are open at once.
//!
//! # Features
//!
//! - `cli` (default): `EmulatorArgs`, the options and foreground run
//!   shared by the `steps-emulator` binary and `steps emulator`, and the
//!   binary itself; it brings clap and tracing-subscriber. A library user
//!   that only starts emulators in tests can leave it off.
//! - `fuzzing`: `steps_emulator::fuzzing`, the request handler without a
//!   socket, for `fuzz/`.

#![forbid(unsafe_code)]

mod account;
mod api;
#[cfg(feature = "cli")]
mod args;
#[cfg(feature = "cli")]
mod banner;
mod body;
mod clock;
mod config;
mod control;
mod dialect;
mod emulator;
mod faults;
#[cfg(feature = "fuzzing")]
pub mod fuzzing;
mod handlers;
mod idempotency;
mod journal;
mod limits;
mod persist;
mod protocol;
mod quandela;
mod render;
mod routes;
#[cfg(feature = "cli")]
mod run;
mod secret;
mod server;
mod state;
mod store;

pub use account::Account;
#[cfg(feature = "cli")]
pub use args::EmulatorArgs;
pub use config::{
    Config, TlsFiles, DEFAULT_BODY_READ_TIMEOUT, DEFAULT_HEADER_READ_TIMEOUT, DEFAULT_HTTP2_KEEP_ALIVE,
    DEFAULT_LOGIN_TTL, DEFAULT_MAX_CONNECTIONS,
};
pub use dialect::{Api, UnknownApi};
pub use emulator::Emulator;
pub use faults::{Fault, FaultRule, When, MAX_LARGE_BODY};
pub use protocol::{ProtocolVersion, UnknownProtocol};
pub use quandela::{JobUsage, MintedToken};
