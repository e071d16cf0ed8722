//! steps: the Rust SDK for the STEPS cloud token API (being built: see the
//! open issues). Until the facade lands, use [`steps_core`] directly.

pub use steps_core;
