//! The route table's consistency, and how paths route in each API and
//! protocol version.

use super::*;
use crate::protocol::ProtocolVersion as P;

/// The operation routed to, with the path's id; or the status refusing it.
fn route_of(
    method: Method,
    path: &str,
    api: Api,
    protocol: P,
) -> Result<(&'static str, Option<String>), u16> {
    find(&method, path, api, protocol)
        .map(|found| (found.route.operation, found.id.map(str::to_owned)))
        .map_err(|failure| failure.into_response().status().as_u16())
}

/// The status and `Allow` header of a refused method; `None` when it is
/// routed, or refused without an `Allow`.
fn refusal(method: &Method, path: &str, api: Api, protocol: P) -> Option<(StatusCode, HeaderValue)> {
    let response = find(method, path, api, protocol).err()?.into_response();
    Some((response.status(), response.headers().get("allow")?.clone()))
}

/// The collection routes say the same collection three times (path,
/// operation name, handler): they must agree; the quandela dialect's
/// operations are all `quandela.*` and theirs only; and no two lines one
/// server serves may share a method and path.
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
        let quandela = matches!(route.handler, Handler::Quandela(_));
        assert_eq!(quandela, route.served == Q, "{}", route.operation);
        assert_eq!(
            quandela,
            route.operation.starts_with("quandela."),
            "{}",
            route.operation
        );
        let quandela_caller = matches!(route.caller, JobFamily | LoggedInFamily);
        assert!(!quandela_caller || quandela, "{}", route.operation);
        assert!(
            ROUTES[..i]
                .iter()
                .all(|r| (&r.method, r.path) != (&route.method, route.path)
                    || (r.served == Q) != (route.served == Q)),
            "{} is routed twice",
            route.operation
        );
    }
}

#[test]
fn paths_route_to_operations_or_to_404_and_405() {
    let found = |method: Method, path: &str| route_of(method, path, Api::Steps, P::V2);
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
    assert_eq!(
        refusal(&M::PUT, "/api/job_token", Api::Steps, P::V2),
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
        route_of(method, path, Api::Steps, protocol).map(|(operation, _)| operation)
    };
    for route in ROUTES.iter().filter(|route| route.served == V2) {
        let path = route.path.replace("{id}", "1");
        assert_eq!(
            status(route.method.clone(), &path, P::V1),
            Err(404),
            "{}",
            route.operation
        );
        assert_eq!(status(M::PUT, &path, P::V1), Err(404), "{}", route.operation);
        assert_eq!(status(route.method.clone(), &path, P::V2), Ok(route.operation));
    }
    for route in ROUTES.iter().filter(|route| route.served == V1) {
        let path = route.path.replace("{id}", "1");
        assert_eq!(status(route.method.clone(), &path, P::V1), Ok(route.operation));
    }
}

/// A server of one API has never heard of the other's paths (but
/// `/api/login` and `/health`, which both have, with their own operations).
#[test]
fn each_api_serves_its_own_paths_only() {
    for route in ROUTES.iter() {
        let path = route.path.replace("{id}", "1").replace("{token_id}", "1");
        let (own, other) = if route.served == Q {
            (Api::Quandela, Api::Steps)
        } else {
            (Api::Steps, Api::Quandela)
        };
        assert_eq!(
            route_of(route.method.clone(), &path, own, P::V2).map(|(op, _)| op),
            Ok(route.operation)
        );
        if path != "/api/login" && path != "/health" {
            for protocol in [P::V1, P::V2] {
                let there = route_of(route.method.clone(), &path, other, protocol);
                assert_eq!(there, Err(404), "{} {path}", route.method);
            }
        }
    }
    let quandela = |method: Method, path: &str| route_of(method, path, Api::Quandela, P::V1);
    assert_eq!(quandela(M::POST, "/api/login"), Ok(("quandela.login", None)));
    assert_eq!(
        route_of(M::POST, "/api/login", Api::Steps, P::V1),
        Ok(("login", None))
    );
}

/// `/health` is served by every server, each with its own operation:
/// protocol v1 and v2 (it is no v2 feature) and the quandela dialect. It
/// takes GET only: any other method is 405 with `Allow: GET`.
#[test]
fn health_is_served_in_every_api_and_version() {
    for (api, protocol, operation) in [
        (Api::Steps, P::V1, "health"),
        (Api::Steps, P::V2, "health"),
        (Api::Quandela, P::V2, "quandela.health"),
    ] {
        assert_eq!(
            route_of(M::GET, "/health", api, protocol),
            Ok((operation, None)),
            "{api} {protocol}"
        );
        for method in [M::POST, M::PUT, M::DELETE] {
            assert_eq!(
                refusal(&method, "/health", api, protocol),
                Some((StatusCode::METHOD_NOT_ALLOWED, HeaderValue::from_static("GET"))),
                "{method} /health, {api} {protocol}"
            );
        }
        assert_eq!(route_of(M::GET, "/health/", api, protocol), Err(404), "{api}");
    }
}

/// The dialect's `{token_id}` is digits only: anything else is an unknown
/// path (E11), or one of the fixed paths beside it, with its own methods.
#[test]
fn quandela_token_ids_are_digits_and_fixed_paths_win() {
    let quandela = |method: Method, path: &str| route_of(method, path, Api::Quandela, P::V2);
    assert_eq!(
        quandela(M::PUT, "/api/auth/tokens/0042"),
        Ok(("quandela.token.update", Some("0042".to_owned())))
    );
    assert_eq!(
        quandela(M::GET, "/api/tokens/99999999999999999999"),
        Ok(("quandela.token.read", Some("99999999999999999999".to_owned())))
    );
    for path in [
        "/api/tokens/abc",
        "/api/tokens/-1",
        "/api/tokens/1.0",
        "/api/tokens/",
        "/api/tokens/1/x",
    ] {
        assert_eq!(quandela(M::GET, path), Err(404), "{path}");
    }
    assert_eq!(quandela(M::GET, "/api/tokens/revoke"), Err(405));
    assert_eq!(quandela(M::DELETE, "/api/tokens/7"), Err(405));
    assert_eq!(
        quandela(M::GET, "/api/auth/tokens/usage/report"),
        Err(404),
        "no usage in the logged-in family"
    );
    assert_eq!(
        quandela(M::POST, "/api/auth/tokens/delete"),
        Ok(("quandela.token.delete_by_secrets", None)),
        "E1: the deprecated twin is served"
    );
    for singular in [
        "/api/auth/token/generate",
        "/api/auth/token/1",
        "/api/auth/token/revoke",
    ] {
        assert_eq!(quandela(M::POST, singular), Err(404), "{singular}");
    }
    let allow = refusal(&M::DELETE, "/api/tokens/7", Api::Quandela, P::V2).map(|(_, allow)| allow);
    assert_eq!(allow, Some(HeaderValue::from_static("GET, PUT")));
}
