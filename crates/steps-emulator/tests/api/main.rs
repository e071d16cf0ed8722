//! The emulator over real TCP, driven by a raw hyper client: the
//! authorisation matrix, bad input, paging, expiry, faults, load, protocol
//! v2 (discovery, idempotent creates) and v1 mode; the control plane and
//! saved state (requests held across a reset or an import, and the state
//! files refused at start); `/health`; the quandela dialect; `--dev`;
//! and the binary.

mod bad_input;
#[cfg(all(unix, feature = "cli"))]
mod binary;
mod control;
mod control_bodyless;
#[cfg(feature = "cli")]
mod dev;
mod faults;
mod health;
mod idempotency;
mod lifecycle;
mod load;
mod matrix;
mod quandela;
mod replaced_store;
mod slow_clients;
#[cfg(unix)]
mod state_file;
mod support;
