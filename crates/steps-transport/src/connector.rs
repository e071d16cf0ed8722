//! The connector and the pooled client built on it, shared by the one
//! shared pool (`hyper_client.rs`) and the pools per thread
//! (`per_thread.rs`).

use std::task::{Context, Poll};
use std::time::Duration;

use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioTimer};

use crate::error::BoxError;
use crate::handoff::SendBody;
use crate::proxy::ProxyConnector;
use crate::send::BoxFuture;

/// How long an idle pooled connection is kept: shorter than the servers'
/// keep-alive timeouts (the emulator's 30 s, a load balancer's 60 s,
/// nginx's 75 s), so an idle connection is dropped here before the server
/// closes it under a request just sent on it.
const POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(20);

pub(crate) type HttpsConnector = ConnectDeadline<hyper_rustls::HttpsConnector<ProxyConnector>>;

/// hyper-util's pooled client, as built here.
pub(crate) type HyperClient = Client<HttpsConnector, SendBody>;

/// A pooled client over `connector`; its connections' tasks go to the
/// runtime that is current when they are made.
pub(crate) fn pooled_client(connector: HttpsConnector) -> HyperClient {
    Client::builder(TokioExecutor::new())
        .timer(TokioTimer::new())
        .pool_timer(TokioTimer::new())
        .pool_idle_timeout(POOL_IDLE_TIMEOUT)
        .build(connector)
}

/// One deadline for everything connecting takes: DNS, TCP, the proxy's
/// `CONNECT` or SOCKS handshake, and TLS. (hyper-util's own connect timeout
/// covers TCP alone, so a server that accepts and never finishes a TLS
/// handshake held an attempt until the whole call timed out.) A connection
/// that times out here sent nothing, so even a create is tried again.
#[derive(Clone)]
pub(crate) struct ConnectDeadline<C> {
    pub(crate) inner: C,
    pub(crate) timeout: Duration,
}

impl<C> tower_service::Service<http::Uri> for ConnectDeadline<C>
where
    C: tower_service::Service<http::Uri>,
    C::Future: Send + 'static,
    C::Error: Into<BoxError>,
{
    type Response = C::Response;
    type Error = BoxError;
    type Future = BoxFuture<'static, Result<C::Response, BoxError>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, dst: http::Uri) -> Self::Future {
        let connecting = self.inner.call(dst);
        let timeout = self.timeout;
        Box::pin(async move {
            match tokio::time::timeout(timeout, connecting).await {
                Ok(result) => result.map_err(Into::into),
                Err(_) => Err(Box::new(std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    format!("connecting took longer than the connect timeout ({timeout:?})"),
                )) as BoxError),
            }
        })
    }
}
