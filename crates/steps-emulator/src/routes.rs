//! The routes of protocols v1 and v2 as a table, one line per operation of
//! the tables in `docs/protocol.md`, then those of the quandela dialect,
//! one line per path of `docs/quandela.md`'s operations table; and the
//! lookup that answers 404 and 405. A line says which server serves it: a
//! v1 server has never heard of a v2 path, so a route newer than the
//! version served is not there, and a server of one API has never heard of
//! the other's paths (but `/api/login` and `/health`, which both have, each
//! with its own operation).

use http::header::{self, HeaderValue};
use http::{Method, StatusCode};

use crate::dialect::Api;
use crate::handlers::quandela::QuandelaCall;
use crate::handlers::Call;
use crate::protocol::Feature;
use crate::protocol::ProtocolVersion;
use crate::render::{Failure, Handled};
use crate::store::collection::Collection::{self, ApiKeys, JobTokens};

/// Who may call an operation: the "who may call" column of the spec.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Caller {
    /// Anyone, without a token.
    Anyone,
    /// Any valid token, of any type.
    AnyToken,
    /// A login token. Handlers narrow it further where the spec does (a job
    /// token is seen only by its owner or an admin).
    LoginToken,
    /// An admin's login token.
    Admin,
    /// An admin's login token; any login token where the version served
    /// offers the feature, and the handler narrows what it sees (a
    /// non-admin lists their own job tokens with `own_tokens`).
    AdminUnless(Feature),
    /// A job token or an API key, acting on itself.
    IssuedToken,
    /// The quandela dialect's job family: a quandela job token (a
    /// logged-in token is refused, 401).
    JobFamily,
    /// The quandela dialect's logged-in family: a logged-in (login) token,
    /// or a quandela job token (`docs/quandela.md` E1).
    LoggedInFamily,
}

/// Which server serves a route.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Served {
    /// Our protocol, from this version on.
    Steps(ProtocolVersion),
    /// The quandela dialect.
    Quandela,
}

impl Served {
    /// Whether a server of `api`, in `protocol` (for [`Api::Steps`]),
    /// serves it.
    fn by(self, api: Api, protocol: ProtocolVersion) -> bool {
        match (self, api) {
            (Served::Steps(since), Api::Steps) => since <= protocol,
            (Served::Quandela, Api::Quandela) => true,
            _ => false,
        }
    }
}

/// Whether a route takes an `Idempotency-Key` (protocol v2, feature
/// `idempotency`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Idempotency {
    /// The header is ignored.
    Plain,
    /// The header is checked, and a request with it is answered once and
    /// replayed after (where the version served offers `idempotency`).
    Keyed,
}

/// What serves a route once every check before it has passed.
#[derive(Clone, Copy)]
pub(crate) enum Handler {
    /// An operation on the server itself.
    Server(fn(&Call<'_>) -> Handled),
    /// An operation on the caller's account.
    Account(fn(&Call<'_>) -> Handled),
    /// An operation on one of the two token collections.
    Tokens(Collection, fn(&Call<'_>, Collection) -> Handled),
    /// An operation of the quandela dialect, which has its own checks
    /// (`api/quandela.rs`).
    Quandela(fn(&QuandelaCall<'_>) -> Handled),
}

impl Handler {
    /// Runs a handler of the protocol.
    pub(crate) fn run(self, call: &Call<'_>) -> Handled {
        match self {
            Handler::Server(handler) | Handler::Account(handler) => handler(call),
            Handler::Tokens(collection, handler) => handler(call, collection),
            // The pipeline hands these to the quandela dialect's checks.
            Handler::Quandela(_) => Err(Failure::new(StatusCode::NOT_FOUND, "no such path")),
        }
    }
}

/// One line of the table.
pub(crate) struct Route {
    pub(crate) method: Method,
    /// The path; a `{id}` segment stands for any non-empty segment, a
    /// `{token_id}` segment for one of ASCII digits only.
    pub(crate) path: &'static str,
    /// The operation's name in the spec, as fault rules and
    /// `Emulator::requests_seen` know it.
    pub(crate) operation: &'static str,
    /// Which server serves it (for the protocol, the version that brought
    /// it).
    pub(crate) served: Served,
    pub(crate) caller: Caller,
    pub(crate) idempotency: Idempotency,
    pub(crate) handler: Handler,
}

impl Route {
    /// Whether the request carries a JSON body (every POST of v1 does).
    pub(crate) fn takes_body(&self) -> bool {
        self.method == Method::POST
    }
}

const fn route(
    method: Method,
    path: &'static str,
    operation: &'static str,
    served: Served,
    caller: Caller,
    idempotency: Idempotency,
    handler: Handler,
) -> Route {
    Route {
        method,
        path,
        operation,
        served,
        caller,
        idempotency,
        handler,
    }
}

use crate::handlers::account::{login, revoke_self, whoami};
use crate::handlers::quandela::account as q_account;
use crate::handlers::quandela::delete as q_delete;
use crate::handlers::quandela::revoke as q_revoke;
use crate::handlers::quandela::tokens as q_tokens;
use crate::handlers::quandela::usage as q_usage;
use crate::handlers::rotation::{rotate, rotate_self};
use crate::handlers::server::{health, meta};
use crate::handlers::tokens::{create, delete, list, read};
use Caller::{Admin, AdminUnless, AnyToken, Anyone, IssuedToken, JobFamily, LoggedInFamily, LoginToken};
use Handler::{Account, Quandela, Server, Tokens};
use Idempotency::{Keyed, Plain};
use Method as M;

/// Protocol v1.
const V1: Served = Served::Steps(ProtocolVersion::V1);
/// Protocol v2.
const V2: Served = Served::Steps(ProtocolVersion::V2);
/// The quandela dialect.
const Q: Served = Served::Quandela;

/// Protocols v1 and v2, then the quandela dialect (`Q`). The lines of one
/// path give its `Allow` header, in order. A v2 operation is a line with
/// `V2`; a v2 feature that changes a v1 operation is a column (`Keyed`,
/// `AdminUnless`), which the pipeline applies only where the version served
/// offers the feature, or a handler that asks the version (whoami's token
/// fields, list filters). The quandela dialect has two families of the
/// same operations, one line per path, both lines with the operation's one
/// name; no usage report in the logged-in family, and its deprecated
/// delete by secrets served as the job family's (E1). `/health` is in both
/// APIs, each answering as its spec says (a harness waits on it whatever
/// the API), and is in protocol v1 too: it is no v2 feature.
#[rustfmt::skip]
static ROUTES: &[Route] = &[
    route(M::POST,   "/api/login",                 "login",             V1, Anyone,      Plain, Account(login)),
    route(M::GET,    "/api/whoami",                "whoami",            V1, AnyToken,    Plain, Account(whoami)),
    route(M::GET,    "/api/job_token",             "job_token.list",    V1, OWN_TOKENS,  Plain, Tokens(JobTokens, list)),
    route(M::POST,   "/api/job_token",             "job_token.create",  V1, LoginToken,  Keyed, Tokens(JobTokens, create)),
    route(M::GET,    "/api/job_token/{id}",        "job_token.read",    V1, LoginToken,  Plain, Tokens(JobTokens, read)),
    route(M::DELETE, "/api/job_token/{id}",        "job_token.delete",  V1, LoginToken,  Plain, Tokens(JobTokens, delete)),
    route(M::GET,    "/api/api_key",               "api_key.list",      V1, Admin,       Plain, Tokens(ApiKeys, list)),
    route(M::POST,   "/api/api_key",               "api_key.create",    V1, Admin,       Keyed, Tokens(ApiKeys, create)),
    route(M::GET,    "/api/api_key/{id}",          "api_key.read",      V1, Admin,       Plain, Tokens(ApiKeys, read)),
    route(M::DELETE, "/api/api_key/{id}",          "api_key.delete",    V1, Admin,       Plain, Tokens(ApiKeys, delete)),
    route(M::GET,    "/health",                    "health",            V1, Anyone,      Plain, Server(health)),
    route(M::GET,    "/api/meta",                  "meta",              V2, Anyone,      Plain, Server(meta)),
    route(M::DELETE, "/api/token/self",            "token.revoke_self", V2, AnyToken,    Plain, Account(revoke_self)),
    route(M::POST,   "/api/token/self/rotate",     "token.rotate_self", V2, IssuedToken, Keyed, Account(rotate_self)),
    route(M::POST,   "/api/job_token/{id}/rotate", "job_token.rotate",  V2, LoginToken,  Keyed, Tokens(JobTokens, rotate)),
    route(M::POST,   "/api/api_key/{id}/rotate",   "api_key.rotate",    V2, Admin,       Keyed, Tokens(ApiKeys, rotate)),
    route(M::GET,  "/health",                           "quandela.health",                   Q, Anyone,         Plain, Quandela(q_account::health)),
    route(M::POST, "/api/login",                        "quandela.login",                    Q, Anyone,         Plain, Quandela(q_account::login)),
    route(M::GET,  "/api/tokens",                       "quandela.token.list",               Q, JobFamily,      Plain, Quandela(q_tokens::list)),
    route(M::POST, "/api/tokens",                       "quandela.token.generate",           Q, JobFamily,      Plain, Quandela(q_tokens::generate)),
    route(M::GET,  "/api/tokens/{token_id}",            "quandela.token.read",               Q, JobFamily,      Plain, Quandela(q_tokens::read)),
    route(M::PUT,  "/api/tokens/{token_id}",            "quandela.token.update",             Q, JobFamily,      Plain, Quandela(q_tokens::update)),
    route(M::POST, "/api/tokens/revoke",                "quandela.token.revoke",             Q, JobFamily,      Plain, Quandela(q_revoke::revoke)),
    route(M::POST, "/api/tokens/reopen",                "quandela.token.reopen",             Q, JobFamily,      Plain, Quandela(q_revoke::reopen)),
    route(M::POST, "/api/tokens/delete-by-ids",         "quandela.token.delete_by_ids",      Q, JobFamily,      Plain, Quandela(q_delete::by_ids)),
    route(M::POST, "/api/tokens/delete",                "quandela.token.delete_by_secrets",  Q, JobFamily,      Plain, Quandela(q_delete::by_secrets)),
    route(M::GET,  "/api/tokens/usage/report",          "quandela.usage.report",             Q, JobFamily,      Plain, Quandela(q_usage::report)),
    route(M::GET,  "/api/auth/tokens",                  "quandela.token.list",               Q, LoggedInFamily, Plain, Quandela(q_tokens::list)),
    route(M::POST, "/api/auth/tokens",                  "quandela.token.generate",           Q, LoggedInFamily, Plain, Quandela(q_tokens::generate)),
    route(M::GET,  "/api/auth/tokens/{token_id}",       "quandela.token.read",               Q, LoggedInFamily, Plain, Quandela(q_tokens::read)),
    route(M::PUT,  "/api/auth/tokens/{token_id}",       "quandela.token.update",             Q, LoggedInFamily, Plain, Quandela(q_tokens::update)),
    route(M::POST, "/api/auth/tokens/revoke",           "quandela.token.revoke",             Q, LoggedInFamily, Plain, Quandela(q_revoke::revoke)),
    route(M::POST, "/api/auth/tokens/reopen",           "quandela.token.reopen",             Q, LoggedInFamily, Plain, Quandela(q_revoke::reopen)),
    route(M::POST, "/api/auth/tokens/delete-by-ids",    "quandela.token.delete_by_ids",      Q, LoggedInFamily, Plain, Quandela(q_delete::by_ids)),
    route(M::POST, "/api/auth/tokens/delete",           "quandela.token.delete_by_secrets",  Q, LoggedInFamily, Plain, Quandela(q_delete::by_secrets)),
];

/// `job_token.list`: admins in v1; any login token with `own_tokens`.
const OWN_TOKENS: Caller = AdminUnless(Feature::OwnTokens);

/// The route a request takes, with the `{id}` of its path.
pub(crate) struct Found<'a> {
    pub(crate) route: &'static Route,
    pub(crate) id: Option<&'a str>,
}

/// The route for `method` and `path` on a server of `api` (in `protocol`,
/// for the protocol): 404 when no line that server serves has the path,
/// 405 (with `Allow`) when none of its lines has the method.
pub(crate) fn find<'a>(
    method: &Method,
    path: &'a str,
    api: Api,
    protocol: ProtocolVersion,
) -> Result<Found<'a>, Failure> {
    let mut allowed = Vec::new();
    let served = ROUTES.iter().filter(|route| route.served.by(api, protocol));
    for found in served.filter_map(|route| fit(route, path)) {
        if found.route.method == *method {
            return Ok(found);
        }
        allowed.push(found.route.method.as_str());
    }
    if allowed.is_empty() {
        return Err(Failure::new(
            StatusCode::NOT_FOUND,
            // Redacted as the journal is: a client may put a secret in a
            // path that names nothing.
            format!("no such path: {}", crate::journal::redacted_path(path)),
        ));
    }
    let allow = allowed.join(", ");
    let failure = Failure::new(
        StatusCode::METHOD_NOT_ALLOWED,
        format!("method {method} is not allowed here; allowed: {allow}"),
    );
    Err(match HeaderValue::try_from(allow) {
        Ok(value) => failure.with_header(header::ALLOW, value),
        // Method names are always valid header text.
        Err(_) => failure,
    })
}

/// `route`, if `path` fits its pattern, with the segment `{id}` stands for.
fn fit<'a>(route: &'static Route, path: &'a str) -> Option<Found<'a>> {
    let mut id = None;
    let mut segments = path.split('/');
    for expected in route.path.split('/') {
        let segment = segments.next()?;
        if expected == "{id}" {
            if segment.is_empty() {
                return None;
            }
            id = Some(segment);
        } else if expected == "{token_id}" {
            if segment.is_empty() || !segment.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            id = Some(segment);
        } else if expected != segment {
            return None;
        }
    }
    segments.next().is_none().then_some(Found { route, id })
}

#[cfg(test)]
mod tests;
