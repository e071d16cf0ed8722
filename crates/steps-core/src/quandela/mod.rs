//! The Quandela cloud's token API (`docs/quandela.md`): a second wire
//! dialect beside our own protocol (`docs/protocol.md`), spoken by the
//! production cloud at [`DEFAULT_URL`]. The same [`Operation`](crate::Operation)
//! trait, one module per resource: `tokens.rs` (generate, list, read,
//! update), `lifecycle.rs` (revoke, reopen, delete by ids or by secrets),
//! `usage.rs` (the usage report); `models.rs` and `time.rs` read what they
//! answer.
//!
//! Every operation is sent under one of two path families, which the
//! credential decides ([`PathFamily`]): a job token's calls go to
//! `/api/tokens…`, a logged-in user's to `/api/auth/tokens…`. The operation
//! holds the family and builds the path; nobody passes a path.
//!
//! ```
//! use steps_core::quandela::{GenerateToken, PathFamily};
//! use steps_core::{CloudContext, Credential, Operation, Secret};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let ctx = CloudContext::new("https://api.cloud.quandela.invalid")?;
//! let credential = Credential::bearer(Secret::new("_T_example"));
//! let op = GenerateToken::new(PathFamily::JobToken).label("nightly");
//! let request = op.build_request(&ctx, &credential)?;
//! assert_eq!(request.uri(), "https://api.cloud.quandela.invalid/api/tokens");
//! assert_eq!(request.body().as_ref(), br#"{"label":"nightly"}"#);
//! # Ok(()) }
//! ```

mod body;
mod family;
mod lifecycle;
mod models;
mod time;
mod tokens;
mod usage;

pub use family::PathFamily;
pub use lifecycle::{DeleteTokensByIds, DeleteTokensBySecrets, ReopenToken, RevokeToken};
pub use models::{GeneratedToken, TokenDetails, TokenSummary};
pub use tokens::{GenerateToken, ListTokens, ReadToken, UpdateToken, DEFAULT_LIST_LIMIT, MAX_LIST_LIMIT};
pub use usage::{PlatformUsage, TokenUsage, UsageReport};

/// The production cloud's base URL.
pub const DEFAULT_URL: &str = "https://api.cloud.quandela.com";

/// The time in the form the usage report's query takes (ISO 8601, UTC, an
/// explicit offset), for callers that show or log it.
pub fn format_time(at: std::time::SystemTime) -> String {
    time::format(at)
}

/// Reads an ISO 8601 date-time as the Quandela cloud sends it (an offset
/// or `Z`, fractional seconds, or no offset: UTC); `None` if it is not one.
pub fn parse_time(text: &str) -> Option<std::time::SystemTime> {
    time::parse(text)
}
