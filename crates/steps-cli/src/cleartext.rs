//! Whether a token or password sent to an API URL crosses a network in
//! clear: `http://` to a host that is not this machine.

use std::net::IpAddr;

use steps::steps_core::http::Uri;

/// Whether `api_url` is plain `http://` to a host other than `localhost`
/// or a loopback address (127.0.0.0/8, `::1`). Anything else, including a
/// URL that does not parse (the client refuses those), is not.
pub(crate) fn is_cleartext_to_another_host(api_url: &str) -> bool {
    let Ok(uri) = api_url.parse::<Uri>() else {
        return false;
    };
    if !uri
        .scheme_str()
        .is_some_and(|scheme| scheme.eq_ignore_ascii_case("http"))
    {
        return false;
    }
    let Some(host) = uri.host() else {
        return false;
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let host = host.strip_suffix('.').unwrap_or(host);
    let loopback = host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<IpAddr>()
            .is_ok_and(|ip| ip.to_canonical().is_loopback());
    !loopback
}

/// The warning printed before `what` ("password", "login token") is sent
/// to `api_url`, when [`is_cleartext_to_another_host`].
pub(crate) fn warning(api_url: &str, what: &str) -> Option<String> {
    is_cleartext_to_another_host(api_url).then(|| {
        format!(
            "warning: {api_url} is not encrypted (http://): the {what} will cross the network in clear, \
             readable by anyone on the way; use https://"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_http_off_this_machine_is_cleartext() {
        for url in [
            "http://api.example.test",
            "http://api.example.test:8787/v1",
            "HTTP://api.example.test",
            "http://10.0.0.1:80",
            "http://192.168.1.2",
            "http://[2001:db8::1]:8080",
            "http://localhost.example.test",
            "http://128.0.0.1",
            "http://[::2]",
        ] {
            assert!(is_cleartext_to_another_host(url), "{url}");
            assert!(warning(url, "password").is_some_and(|w| w.contains("password")));
        }
        for url in [
            "https://api.example.test",
            "http://localhost:8787",
            "http://LOCALHOST",
            "http://localhost.:1",
            "http://127.0.0.1:8787",
            "http://127.255.0.9",
            "http://[::1]:8787",
            "http://[::ffff:127.0.0.1]",
            "not a url",
            "",
        ] {
            assert!(!is_cleartext_to_another_host(url), "{url}");
            assert_eq!(warning(url, "password"), None);
        }
    }
}
