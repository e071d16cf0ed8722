//! Proxies: `HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY` and `NO_PROXY` from
//! the environment, or one explicit proxy: an `http://` proxy reached with
//! HTTP `CONNECT`, or a `socks5://` / `socks5h://` proxy. An `https://`
//! proxy (TLS to the proxy itself) is refused with a clear error rather
//! than spoken to in clear.

use std::sync::Arc;
use std::task::{Context, Poll};

use http::Uri;
use hyper_util::client::legacy::connect::proxy::{SocksV5, Tunnel};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::proxy::matcher::{Intercept, Matcher};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tower_service::Service;

use crate::error::BoxError;
use crate::send::BoxFuture;

/// Where requests go through a proxy.
///
/// A proxy URL may hold credentials (`http://user:password@host:port`);
/// they are sent only to the proxy, in `Proxy-Authorization`, and `Debug`
/// shows the URL without them.
#[derive(Clone, Default)]
#[non_exhaustive]
pub enum Proxy {
    /// `HTTPS_PROXY` / `HTTP_PROXY` / `ALL_PROXY` and `NO_PROXY`, as curl
    /// reads them (the default). As in Go's standard library, `localhost`
    /// and loopback addresses are never proxied: a proxy cannot reach this
    /// machine's loopback, and a local emulator must work for people whose
    /// environment names a company proxy.
    #[default]
    FromEnv,
    /// Never use a proxy.
    None,
    /// Every request goes through this proxy: `http://host:port` (a
    /// `CONNECT` tunnel), `socks5h://host:port` (SOCKS5, the proxy resolves
    /// the API's host name) or `socks5://host:port` (SOCKS5, resolved
    /// here). Other schemes, `https://` among them, fail every connection
    /// with a [`ProxyError`] that says so.
    Url(Uri),
}

impl std::fmt::Debug for Proxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Proxy::FromEnv => f.write_str("FromEnv"),
            Proxy::None => f.write_str("None"),
            Proxy::Url(uri) => f
                .debug_tuple("Url")
                .field(&format_args!("{}", Redacted(uri)))
                .finish(),
        }
    }
}

/// A proxy URL shown without its user info: `http://***@host:port/`.
struct Redacted<'a>(&'a Uri);

impl std::fmt::Display for Redacted<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let uri = self.0;
        let Some(authority) = uri.authority() else {
            return write!(f, "{uri}");
        };
        let scheme = uri.scheme_str().map(|s| format!("{s}://")).unwrap_or_default();
        match authority.as_str().rsplit_once('@') {
            Some((_, host)) => write!(f, "{scheme}***@{host}{}", uri.path()),
            None => write!(f, "{scheme}{authority}{}", uri.path()),
        }
    }
}

/// A connection through a proxy could not be made: the proxy was
/// unreachable, refused the tunnel, or asked for credentials. It is the
/// source of a [`TransportError::Connect`](crate::TransportError::Connect),
/// so nothing reached the server. The proxy's URL is shown without its
/// credentials.
#[derive(Debug)]
pub struct ProxyError {
    proxy: String,
    source: BoxError,
}

impl std::fmt::Display for ProxyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "could not open a tunnel through the proxy at {}", self.proxy)
    }
}

impl std::error::Error for ProxyError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&*self.source)
    }
}

impl ProxyError {
    /// The proxy's URL, without credentials.
    pub fn proxy(&self) -> &str {
        &self.proxy
    }
}

/// Connects directly, or through a proxy when the proxy rules say so. Both
/// plain and TLS destinations are tunnelled, so the proxy never sees a
/// request line or an `Authorization` header as a proxy; through the tunnel
/// it carries an `http://` destination's bytes in clear, and only a TLS
/// destination's bytes are hidden from it.
#[derive(Clone)]
pub(crate) struct ProxyConnector {
    direct: HttpConnector,
    rules: Rules,
}

impl ProxyConnector {
    pub(crate) fn new(direct: HttpConnector, proxy: &Proxy) -> Self {
        ProxyConnector {
            direct,
            rules: Rules::new(proxy),
        }
    }
}

/// Which destinations go through which proxy.
#[derive(Clone)]
struct Rules {
    matcher: Option<Arc<Matcher>>,
    /// A proxy whose scheme this transport cannot speak: every connection
    /// fails with this reason rather than going direct (hyper-util's
    /// matcher ignores schemes it does not know, which would fail open).
    refused: Option<Arc<str>>,
    /// Whether loopback destinations connect directly (for the
    /// environment's proxy, not for an explicit one).
    bypass_loopback: bool,
}

impl Rules {
    fn new(proxy: &Proxy) -> Self {
        let refused = match proxy {
            Proxy::FromEnv => PROXY_VARIABLES
                .iter()
                .filter_map(|name| std::env::var(name).ok().filter(|v| !v.trim().is_empty()))
                .find_map(|value| unsupported_scheme(&value))
                .map(|scheme| format!("the environment names a proxy of scheme {scheme:?}")),
            Proxy::None => None,
            Proxy::Url(uri) => {
                unsupported_scheme(&uri.to_string()).map(|scheme| format!("the proxy's scheme is {scheme:?}"))
            }
        };
        let refused = refused.map(|why| {
            Arc::from(format!(
                "{why}, which is not supported: use an http://, socks5:// or socks5h:// proxy \
                 (nothing is sent directly instead)"
            ))
        });
        let matcher = match proxy {
            // hyper-util's matcher applies `*` to host names only, so an IP
            // address such as the emulator's 127.0.0.1 would still be
            // proxied; curl reads `NO_PROXY=*` as "no proxy at all".
            Proxy::FromEnv if no_proxy_is_everything(&no_proxy_from_env()) => None,
            Proxy::FromEnv => Some(Matcher::from_env()),
            Proxy::None => None,
            Proxy::Url(uri) => Some(Matcher::builder().all(uri.to_string()).build()),
        };
        Rules {
            matcher: matcher.map(Arc::new),
            refused,
            bypass_loopback: matches!(proxy, Proxy::FromEnv),
        }
    }

    /// The proxy for `dst`, or `None` to connect directly.
    fn intercept(&self, dst: &Uri) -> Option<Intercept> {
        match &self.matcher {
            Some(_) if self.bypass_loopback && is_loopback(dst) => None,
            Some(matcher) => matcher.intercept(dst),
            None => None,
        }
    }
}

impl Service<Uri> for ProxyConnector {
    type Response = TokioIo<TcpStream>;
    type Error = BoxError;
    type Future = BoxFuture<'static, Result<Self::Response, BoxError>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        self.direct.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, dst: Uri) -> Self::Future {
        if let Some(reason) = self.rules.refused.clone() {
            let proxy = match &self.rules.matcher {
                Some(_) | None => "the configured proxy".to_owned(),
            };
            return Box::pin(async move {
                Err(ProxyError {
                    proxy,
                    source: reason.to_string().into(),
                }
                .into())
            });
        }
        let intercept = self.rules.intercept(&dst);
        let direct = self.direct.clone();
        Box::pin(async move {
            let Some(intercept) = intercept else {
                let mut direct = direct;
                return direct.call(dst).await.map_err(Into::into);
            };
            let proxy = intercept.uri().clone();
            let failed = |source: BoxError| -> BoxError {
                ProxyError {
                    proxy: Redacted(&proxy).to_string(),
                    source,
                }
                .into()
            };
            // Tunnel and SOCKS assume 443 for a destination without a port.
            let dst = with_default_port(dst);
            match proxy.scheme_str() {
                Some("http") => {
                    let mut tunnel = Tunnel::new(proxy.clone(), direct);
                    if let Some(auth) = intercept.basic_auth() {
                        tunnel = tunnel.with_auth(auth.clone());
                    }
                    tunnel.call(dst).await.map_err(|e| failed(e.into()))
                }
                Some(scheme @ ("socks5" | "socks5h")) => {
                    let mut socks = SocksV5::new(with_socks_port(proxy.clone()), direct)
                        // socks5h: the proxy resolves the API's host name,
                        // so this machine's DNS never sees it.
                        .local_dns(scheme == "socks5");
                    if let Some((user, password)) = intercept.raw_auth() {
                        socks = socks.with_auth(user.to_owned(), password.to_owned());
                    }
                    socks.call(dst).await.map_err(|e| failed(e.into()))
                }
                other => Err(failed(
                    format!(
                        "proxies of scheme {:?} are not supported: use an http://, socks5:// or \
                         socks5h:// proxy (an https:// proxy would need TLS to the proxy itself, \
                         and its credentials are never sent in clear instead)",
                        other.unwrap_or("")
                    )
                    .into(),
                )),
            }
        })
    }
}

/// Whether `dst` names this machine: `localhost`, a name under
/// `.localhost`, or a loopback address.
fn is_loopback(dst: &Uri) -> bool {
    let Some(host) = dst.host() else {
        return false;
    };
    let host = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_ascii_lowercase();
    host == "localhost"
        || host.ends_with(".localhost")
        || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// The variables that name a proxy, as hyper-util reads them.
const PROXY_VARIABLES: [&str; 6] = [
    "ALL_PROXY",
    "all_proxy",
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
];

/// The scheme of a proxy URL, if it is not one this transport speaks
/// (`http`, `socks5`, `socks5h`, exactly so spelled: hyper-util's matcher
/// is case-sensitive). A value without a scheme is `http` to hyper-util.
fn unsupported_scheme(value: &str) -> Option<String> {
    let (scheme, _) = value.trim().split_once("://")?;
    (!matches!(scheme, "http" | "socks5" | "socks5h")).then(|| scheme.to_owned())
}

/// `NO_PROXY`, or `no_proxy` when that is unset, as hyper-util reads them.
fn no_proxy_from_env() -> String {
    std::env::var("NO_PROXY")
        .or_else(|_| std::env::var("no_proxy"))
        .unwrap_or_default()
}

/// Whether a `NO_PROXY` list holds the wildcard entry `*`.
fn no_proxy_is_everything(no_proxy: &str) -> bool {
    no_proxy.split(',').any(|entry| entry.trim() == "*")
}

/// A SOCKS proxy URL with its port: 1080 when none is given.
fn with_socks_port(proxy: Uri) -> Uri {
    if proxy.port().is_some() {
        return proxy;
    }
    let Some(host) = proxy.host() else { return proxy };
    let mut parts = proxy.clone().into_parts();
    match format!("{host}:1080").parse() {
        Ok(authority) => {
            parts.authority = Some(authority);
            Uri::from_parts(parts).unwrap_or(proxy)
        }
        Err(_) => proxy,
    }
}

fn with_default_port(dst: Uri) -> Uri {
    if dst.port().is_some() || dst.scheme_str() != Some("http") {
        return dst;
    }
    let Some(host) = dst.host() else { return dst };
    let authority = format!("{host}:80");
    let mut parts = dst.clone().into_parts();
    match authority.parse() {
        Ok(authority) => {
            parts.authority = Some(authority);
            Uri::from_parts(parts).unwrap_or(dst)
        }
        Err(_) => dst,
    }
}

#[cfg(test)]
mod tests;
