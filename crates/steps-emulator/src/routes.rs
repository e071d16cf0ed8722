//! The routes of protocols v1 and v2 as a table, one line per operation of
//! the tables in `docs/protocol.md`, and the lookup that answers 404 and
//! 405. A line says which version brought it: a v1 server has never heard
//! of a v2 path, so a route newer than the version served is not there.

use http::header::{self, HeaderValue};
use http::{Method, StatusCode};

use crate::handlers::Call;
use crate::protocol::Feature;
use crate::protocol::ProtocolVersion::{self, V1, V2};
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
}

impl Handler {
    pub(crate) fn run(self, call: &Call<'_>) -> Handled {
        match self {
            Handler::Server(handler) | Handler::Account(handler) => handler(call),
            Handler::Tokens(collection, handler) => handler(call, collection),
        }
    }
}

/// One line of the table.
pub(crate) struct Route {
    pub(crate) method: Method,
    /// The path; a `{id}` segment stands for any non-empty segment.
    pub(crate) path: &'static str,
    /// The operation's name in the spec, as fault rules and
    /// `Emulator::requests_seen` know it.
    pub(crate) operation: &'static str,
    /// The protocol version that brought it.
    pub(crate) since: ProtocolVersion,
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
    since: ProtocolVersion,
    caller: Caller,
    idempotency: Idempotency,
    handler: Handler,
) -> Route {
    Route {
        method,
        path,
        operation,
        since,
        caller,
        idempotency,
        handler,
    }
}

use crate::handlers::account::{login, revoke_self, whoami};
use crate::handlers::rotation::{rotate, rotate_self};
use crate::handlers::server::meta;
use crate::handlers::tokens::{create, delete, list, read};
use Caller::{Admin, AdminUnless, AnyToken, Anyone, IssuedToken, LoginToken};
use Handler::{Account, Server, Tokens};
use Idempotency::{Keyed, Plain};
use Method as M;

/// Protocols v1 and v2. The lines of one path give its `Allow` header, in
/// order. A v2 operation is a line with `V2`; a v2 feature that changes a
/// v1 operation is a column (`Keyed`, `AdminUnless`), which the pipeline
/// applies only where the version served offers the feature, or a handler
/// that asks the version (whoami's token fields, list filters).
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
    route(M::GET,    "/api/meta",                  "meta",              V2, Anyone,      Plain, Server(meta)),
    route(M::DELETE, "/api/token/self",            "token.revoke_self", V2, AnyToken,    Plain, Account(revoke_self)),
    route(M::POST,   "/api/token/self/rotate",     "token.rotate_self", V2, IssuedToken, Keyed, Account(rotate_self)),
    route(M::POST,   "/api/job_token/{id}/rotate", "job_token.rotate",  V2, LoginToken,  Keyed, Tokens(JobTokens, rotate)),
    route(M::POST,   "/api/api_key/{id}/rotate",   "api_key.rotate",    V2, Admin,       Keyed, Tokens(ApiKeys, rotate)),
];

/// `job_token.list`: admins in v1; any login token with `own_tokens`.
const OWN_TOKENS: Caller = AdminUnless(Feature::OwnTokens);

/// The route a request takes, with the `{id}` of its path.
pub(crate) struct Found<'a> {
    pub(crate) route: &'static Route,
    pub(crate) id: Option<&'a str>,
}

/// The route for `method` and `path` in `protocol`: 404 when no line of
/// that version (or an earlier one) has the path, 405 (with `Allow`) when
/// none of its lines has the method.
pub(crate) fn find<'a>(
    method: &Method,
    path: &'a str,
    protocol: ProtocolVersion,
) -> Result<Found<'a>, Failure> {
    let mut allowed = Vec::new();
    let served = ROUTES.iter().filter(|route| route.since <= protocol);
    for found in served.filter_map(|route| fit(route, path)) {
        if found.route.method == *method {
            return Ok(found);
        }
        allowed.push(found.route.method.as_str());
    }
    if allowed.is_empty() {
        return Err(Failure::new(
            StatusCode::NOT_FOUND,
            format!("no such path: {path}"),
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
        } else if expected != segment {
            return None;
        }
    }
    segments.next().is_none().then_some(Found { route, id })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The collection routes say the same collection three times (path,
    /// operation name, handler): they must agree, and no two lines may
    /// share a method and path.
    #[test]
    fn the_table_is_consistent() {
        for (i, route) in ROUTES.iter().enumerate() {
            if let Handler::Tokens(collection, _) = route.handler {
                let name = match collection {
                    Collection::JobTokens => "job_token",
                    Collection::ApiKeys => "api_key",
                };
                assert!(
                    route.path.starts_with(&format!("/api/{name}")),
                    "{}",
                    route.operation
                );
                assert!(
                    route.operation.starts_with(&format!("{name}.")),
                    "{}",
                    route.operation
                );
            }
            assert!(
                ROUTES[..i]
                    .iter()
                    .all(|r| (&r.method, r.path) != (&route.method, route.path)),
                "{} is routed twice",
                route.operation
            );
        }
    }

    #[test]
    fn paths_route_to_operations_or_to_404_and_405() {
        let found = |method: Method, path: &str| {
            find(&method, path, V2)
                .map(|found| (found.route.operation, found.id.map(str::to_owned)))
                .map_err(|failure| failure.into_response().status().as_u16())
        };
        assert_eq!(found(M::POST, "/api/login"), Ok(("login", None)));
        assert_eq!(
            found(M::DELETE, "/api/api_key/7"),
            Ok(("api_key.delete", Some("7".to_owned())))
        );
        assert_eq!(
            found(M::GET, "/api/job_token/abc"),
            Ok(("job_token.read", Some("abc".to_owned())))
        );
        for path in [
            "/",
            "/api",
            "/api/job_token/",
            "/api/job_token/1/x",
            "/api/login/",
            "/api/job_tokens",
        ] {
            assert_eq!(found(M::GET, path), Err(404), "{path}");
        }
        assert_eq!(found(M::GET, "/api/meta"), Ok(("meta", None)));
        let refused = find(&M::PUT, "/api/job_token", V2)
            .err()
            .map(Failure::into_response);
        assert_eq!(
            refused
                .as_ref()
                .map(|r| (r.status(), r.headers()["allow"].clone())),
            Some((
                StatusCode::METHOD_NOT_ALLOWED,
                HeaderValue::from_static("GET, POST")
            ))
        );
    }

    /// A v1 server has never heard of a v2 path: 404 for every method, and
    /// no `Allow` that would name one.
    #[test]
    fn v2_paths_are_not_there_in_v1() {
        let status = |method: Method, path: &str, protocol| {
            find(&method, path, protocol)
                .map(|found| found.route.operation)
                .map_err(|failure| failure.into_response().status().as_u16())
        };
        for route in ROUTES.iter().filter(|route| route.since == V2) {
            let path = route.path.replace("{id}", "1");
            assert_eq!(
                status(route.method.clone(), &path, V1),
                Err(404),
                "{}",
                route.operation
            );
            assert_eq!(status(M::PUT, &path, V1), Err(404), "{}", route.operation);
            assert_eq!(status(route.method.clone(), &path, V2), Ok(route.operation));
        }
        for route in ROUTES.iter().filter(|route| route.since == V1) {
            let path = route.path.replace("{id}", "1");
            assert_eq!(status(route.method.clone(), &path, V1), Ok(route.operation));
        }
    }
}
