//! Which proxy a destination goes through, and which schemes are refused.
#[test]
fn proxies_of_schemes_it_cannot_speak_are_named() {
    use super::{unsupported_scheme, Proxy, Rules};
    for speaks in ["http://p:8080", "socks5://p", "socks5h://u:pw@p:1080", "p:8080"] {
        assert_eq!(unsupported_scheme(speaks), None, "{speaks}");
    }
    for refused in ["https://p", "socks://p", "socks4://p", "SOCKS5H://p", "ftp://p"] {
        assert!(unsupported_scheme(refused).is_some(), "{refused}");
    }
    let rules = Rules::new(&Proxy::Url("socks://127.0.0.1:1080".parse().unwrap()));
    assert!(rules.refused.is_some(), "fails closed, not direct");
}

use std::sync::Arc;

use hyper_util::client::proxy::matcher::Matcher;

use super::{is_loopback, no_proxy_is_everything, Proxy, Rules};

/// Where `url` goes under rules like `Proxy::FromEnv` makes from
/// `HTTP_PROXY` and `HTTPS_PROXY` set to `proxy`, and `NO_PROXY`.
fn route(no_proxy: &str, url: &str) -> Option<String> {
    let matcher = Matcher::builder()
        .http("http://proxy.example:3128")
        .https("http://proxy.example:3128")
        .no(no_proxy)
        .build();
    let rules = Rules {
        matcher: Some(Arc::new(matcher)),
        refused: None,
        bypass_loopback: true,
    };
    rules
        .intercept(&url.parse().unwrap())
        .map(|i| i.uri().to_string())
}

#[test]
fn the_environment_rules_send_what_they_should_through_the_proxy() {
    let proxy = Some("http://proxy.example:3128/".to_owned());
    assert_eq!(route("", "https://api.steps.example"), proxy);
    assert_eq!(route("", "http://api.steps.example:8787"), proxy);
    assert_eq!(route("other.example", "https://api.steps.example"), proxy);
    // NO_PROXY: a domain covers its subdomains; an address or a
    // network covers its hosts.
    assert_eq!(route("steps.example", "https://api.steps.example"), None);
    assert_eq!(route("10.0.0.0/8", "http://10.1.2.3:8787"), None);
    // Loopback never goes through the environment's proxy.
    assert_eq!(route("", "http://127.0.0.1:8787"), None);
    assert_eq!(route("", "http://localhost:8787"), None);
    assert_eq!(route("", "https://[::1]:8787"), None);
    // An explicit proxy takes everything, loopback included.
    let explicit = Rules::new(&Proxy::Url("http://proxy.example:3128".parse().unwrap()));
    let loopback = "http://127.0.0.1:8787".parse().unwrap();
    assert_eq!(explicit.intercept(&loopback).map(|i| i.uri().to_string()), proxy);
    assert!(Rules::new(&Proxy::None).intercept(&loopback).is_none());
}

#[test]
fn loopback_destinations_are_recognised() {
    for url in [
        "http://localhost:8787",
        "http://LOCALHOST/",
        "http://api.localhost:1",
        "http://127.0.0.1:8787",
        "http://127.1.2.3/",
        "https://[::1]:443/",
    ] {
        assert!(is_loopback(&url.parse().unwrap()), "{url}");
    }
    for url in [
        "https://api.steps.example",
        "http://localhost.example:80",
        "http://10.0.0.1/",
        "http://[::2]/",
    ] {
        assert!(!is_loopback(&url.parse().unwrap()), "{url}");
    }
}

#[test]
fn a_wildcard_entry_in_no_proxy_turns_the_proxy_off() {
    assert!(no_proxy_is_everything("*"));
    assert!(no_proxy_is_everything("example.com, * "));
    assert!(!no_proxy_is_everything(""));
    assert!(!no_proxy_is_everything("*.example.com,127.0.0.1"));
}

#[test]
fn debug_hides_proxy_credentials_and_keeps_the_rest() {
    let proxy = Proxy::Url("http://user:hunter2@proxy.example:3128".parse().unwrap());
    assert_eq!(format!("{proxy:?}"), "Url(http://***@proxy.example:3128/)");
    let proxy = Proxy::Url("http://proxy.example:3128".parse().unwrap());
    assert_eq!(format!("{proxy:?}"), "Url(http://proxy.example:3128/)");
    assert_eq!(format!("{:?}", Proxy::FromEnv), "FromEnv");
}
