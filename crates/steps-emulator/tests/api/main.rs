//! The emulator over real TCP, driven by a raw hyper client: the
//! authorisation matrix, bad input, paging, expiry, faults, load, protocol
//! v2 (discovery, idempotent creates) and v1 mode; the control plane and
//! saved state; and the binary.

mod bad_input;
#[cfg(all(unix, feature = "cli"))]
mod binary;
mod control;
mod faults;
mod idempotency;
mod lifecycle;
mod load;
mod matrix;
mod slow_clients;
mod support;
