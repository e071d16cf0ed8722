//! The routes of protocol v1 as a table, one line per operation of the
//! table in `docs/protocol.md`, and the lookup that answers 404 and 405.

use http::header::{self, HeaderValue};
use http::{Method, StatusCode};

use crate::handlers::{self, Call};
use crate::render::{Failure, Handled};
use crate::store::Collection::{self, ApiKeys, JobTokens};

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
}

/// What serves a route once every check before it has passed.
#[derive(Clone, Copy)]
pub(crate) enum Handler {
    /// An operation on the caller's account.
    Account(fn(&Call<'_>) -> Handled),
    /// An operation on one of the two token collections.
    Tokens(Collection, fn(&Call<'_>, Collection) -> Handled),
}

impl Handler {
    pub(crate) fn run(self, call: &Call<'_>) -> Handled {
        match self {
            Handler::Account(handler) => handler(call),
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
    pub(crate) caller: Caller,
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
    caller: Caller,
    handler: Handler,
) -> Route {
    Route {
        method,
        path,
        operation,
        caller,
        handler,
    }
}

use handlers::{create, delete, list, login, read, whoami};
use Caller::{Admin, AnyToken, Anyone, LoginToken};
use Handler::{Account, Tokens};
use Method as M;

/// Protocol v1. The lines of one path give its `Allow` header, in order.
#[rustfmt::skip]
static ROUTES: &[Route] = &[
    route(M::POST,   "/api/login",           "login",            Anyone,     Account(login)),
    route(M::GET,    "/api/whoami",          "whoami",           AnyToken,   Account(whoami)),
    route(M::GET,    "/api/job_token",       "job_token.list",   Admin,      Tokens(JobTokens, list)),
    route(M::POST,   "/api/job_token",       "job_token.create", LoginToken, Tokens(JobTokens, create)),
    route(M::GET,    "/api/job_token/{id}",  "job_token.read",   LoginToken, Tokens(JobTokens, read)),
    route(M::DELETE, "/api/job_token/{id}",  "job_token.delete", LoginToken, Tokens(JobTokens, delete)),
    route(M::GET,    "/api/api_key",         "api_key.list",     Admin,      Tokens(ApiKeys, list)),
    route(M::POST,   "/api/api_key",         "api_key.create",   Admin,      Tokens(ApiKeys, create)),
    route(M::GET,    "/api/api_key/{id}",    "api_key.read",     Admin,      Tokens(ApiKeys, read)),
    route(M::DELETE, "/api/api_key/{id}",    "api_key.delete",   Admin,      Tokens(ApiKeys, delete)),
];

/// The route a request takes, with the `{id}` of its path.
pub(crate) struct Found<'a> {
    pub(crate) route: &'static Route,
    pub(crate) id: Option<&'a str>,
}

/// The route for `method` and `path`: 404 when no line has the path, 405
/// (with `Allow`) when none of its lines has the method.
pub(crate) fn find<'a>(method: &Method, path: &'a str) -> Result<Found<'a>, Failure> {
    let mut allowed = Vec::new();
    for found in ROUTES.iter().filter_map(|route| fit(route, path)) {
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
            find(&method, path)
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
        let refused = find(&M::PUT, "/api/job_token").err().map(Failure::into_response);
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
}
