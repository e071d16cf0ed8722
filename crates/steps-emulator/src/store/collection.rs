//! `Collection`: the two collections of issued tokens, job tokens and API
//! keys, by which routes, records and secrets name them.

use crate::secret::TokenType;

/// The two collections of issued tokens. A login token belongs to none:
/// it is never created, listed, read or deleted through a collection route.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Collection {
    /// Job tokens (`/api/job_token`).
    JobTokens,
    /// API keys (`/api/api_key`).
    ApiKeys,
}

impl Collection {
    /// Its name in paths and operation names.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Collection::JobTokens => "job_token",
            Collection::ApiKeys => "api_key",
        }
    }

    /// The kind of token the collection's secrets are.
    pub(crate) fn token_kind(self) -> TokenType {
        match self {
            Collection::JobTokens => TokenType::Job,
            Collection::ApiKeys => TokenType::ApiKey,
        }
    }
}
