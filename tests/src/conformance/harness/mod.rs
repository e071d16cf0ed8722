//! The kit's harness, shared by every profile and feature: HTTP requests
//! and their answers, the accounts and options a run is given, and the
//! tokens the checks make, list and clean up.

pub(super) mod client;
pub(super) mod credentials;
pub(super) mod lists;
pub(super) mod options;
pub(super) mod tokens;
