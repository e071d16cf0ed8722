//! What the rotation checks share: the logins, the features offered
//! beside `rotation`, the bodies they send, and the tokens the first
//! checks rotate, which later checks read.

use serde_json::{json, Value};

use crate::conformance::harness::client::{Http, Reply};
use crate::conformance::harness::options::{grace_seconds, Accounts, Options};
use crate::conformance::harness::tokens::{login, Minted};

/// Job tokens' collection.
pub(super) const JOBS: &str = "/api/job_token";
/// API keys' collection.
pub(super) const KEYS: &str = "/api/api_key";

/// The path that rotates the token `id` of the collection `path`.
pub(super) fn rotate(path: &str, id: i64) -> String {
    format!("{path}/{id}/rotate")
}

/// What every rotation check uses.
pub(super) struct Ctx<'a> {
    /// The client.
    pub(super) http: &'a Http,
    /// The admin's login token.
    pub(super) admin: String,
    /// The user's login token.
    pub(super) user: String,
    /// The other user's login token.
    pub(super) other: String,
    /// Whether the server offers `self` too.
    pub(super) offers_self: bool,
    /// Whether the server offers `idempotency` too.
    pub(super) offers_keys: bool,
    /// The body tokens are created with.
    pub(super) body: Value,
    /// The grace period given, in seconds.
    pub(super) grace: u64,
    /// A rotation's body giving that grace.
    pub(super) with_grace: Value,
}

impl<'a> Ctx<'a> {
    /// Logs in the three accounts.
    pub(super) async fn new(
        http: &'a Http,
        accounts: &Accounts,
        options: &Options<'_>,
        features: &[String],
    ) -> Ctx<'a> {
        let admin = login(http, &accounts.admin).await;
        let user = login(http, &accounts.user).await;
        let other = login(http, &accounts.other).await;
        let grace = grace_seconds(options);
        Ctx {
            http,
            admin,
            user,
            other,
            offers_self: features.iter().any(|f| f == "self"),
            offers_keys: features.iter().any(|f| f == "idempotency"),
            body: json!({ "label": "conformance-rotation", "duration": 3600 }),
            grace,
            with_grace: json!({ "grace_seconds": grace }),
        }
    }
}

/// The first checks' tokens and rotations, which later checks read.
pub(super) struct Rotated {
    /// A user's job token, rotated by its owner and then an admin.
    pub(super) job: Minted,
    /// Another job token of the user, never rotated.
    pub(super) caller_job: Minted,
    /// An API key, rotated by an admin.
    pub(super) key: Minted,
    /// The job token's successful rotations: the owner's, the admin's.
    pub(super) answers: Vec<Reply>,
    /// A user's refused rotation of the API key (403).
    pub(super) refused: Reply,
    /// The admin's rotation of the API key.
    pub(super) key_rotated: Reply,
}

impl Rotated {
    /// The owner's rotation of the job token (the refusal if it failed).
    pub(super) fn by_owner(&self) -> &Reply {
        self.answers.first().unwrap_or(&self.refused)
    }

    /// The admin's rotation of the job token (the refusal if it failed).
    pub(super) fn by_admin(&self) -> &Reply {
        self.answers.get(1).unwrap_or(&self.refused)
    }
}

/// A token rotated with a grace: the original and its new secret.
pub(super) struct Graced {
    /// The token as created.
    pub(super) token: Minted,
    /// Its secret after the rotation.
    pub(super) new: String,
}
