//! Proxies: `HTTPS_PROXY`, `HTTP_PROXY` and `NO_PROXY` from the
//! environment, or one explicit proxy, reached with HTTP `CONNECT`.

use std::sync::Arc;
use std::task::{Context, Poll};

use http::Uri;
use hyper_util::client::legacy::connect::proxy::Tunnel;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::proxy::matcher::Matcher;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tower_service::Service;

use crate::error::BoxError;
use crate::send::BoxFuture;

/// Where requests go through a proxy.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub enum Proxy {
    /// `HTTPS_PROXY` / `HTTP_PROXY` / `ALL_PROXY` and `NO_PROXY`, as curl
    /// reads them (the default).
    #[default]
    FromEnv,
    /// Never use a proxy.
    None,
    /// Every request goes through this proxy (`http://host:port`).
    Url(Uri),
}

/// Connects directly, or through a `CONNECT` tunnel when the proxy rules
/// say so. Both plain and TLS destinations are tunnelled, so the proxy
/// never sees a request line or an `Authorization` header.
#[derive(Clone)]
pub(crate) struct ProxyConnector {
    direct: HttpConnector,
    matcher: Option<Arc<Matcher>>,
}

impl ProxyConnector {
    pub(crate) fn new(direct: HttpConnector, proxy: &Proxy) -> Self {
        let matcher = match proxy {
            Proxy::FromEnv => Some(Matcher::from_env()),
            Proxy::None => None,
            Proxy::Url(uri) => Some(Matcher::builder().all(uri.to_string()).build()),
        };
        ProxyConnector {
            direct,
            matcher: matcher.map(Arc::new),
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
        let intercept = self.matcher.as_ref().and_then(|m| m.intercept(&dst));
        let mut direct = self.direct.clone();
        Box::pin(async move {
            match intercept {
                None => direct.call(dst).await.map_err(Into::into),
                Some(intercept) => {
                    let mut tunnel = Tunnel::new(intercept.uri().clone(), direct);
                    if let Some(auth) = intercept.basic_auth() {
                        tunnel = tunnel.with_auth(auth.clone());
                    }
                    // Tunnel assumes 443 for a destination without a port.
                    let dst = with_default_port(dst);
                    tunnel.call(dst).await.map_err(Into::into)
                }
            }
        })
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
