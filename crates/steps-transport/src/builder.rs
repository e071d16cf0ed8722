//! `TransportBuilder`: a transport's settings and their defaults, and the
//! transport they build (hyper-util's pooled client behind the seam, or a
//! sender of the caller's).

use std::sync::Arc;
use std::time::Duration;

use steps_core::CloudContext;

use crate::hyper_client::{HyperSend, HyperSettings};
use crate::proxy::Proxy;
use crate::retry::RetryPolicy;
use crate::send::SendRequest;
use crate::tls::TlsConfigError;
use crate::transport::{Inner, Sender, Transport};

/// The default connect timeout: 10 s.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// The default timeout of a whole call, retries and waits included: 30 s.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// The default response body limit: 4 MiB, the bound `docs/protocol.md`
/// sets on any response. The largest legitimate response, a page of 1,000
/// job tokens with 256-byte labels that a server escapes as `\\uXXXX`, is
/// under 2 MiB; 1 MiB, the old default, refused some of them.
pub const DEFAULT_MAX_BODY: usize = 4 << 20;

/// Settings of a [`Transport`].
///
/// Made without a cloud (`TransportBuilder::default()` or
/// [`Transport::builder`]), so that a facade can hold one and pass every
/// setting through; [`TransportBuilder::build`] takes the cloud.
#[must_use]
#[derive(Clone)]
pub struct TransportBuilder {
    connect_timeout: Duration,
    request_timeout: Duration,
    retry: RetryPolicy,
    max_body: usize,
    extra_ca_pem: Vec<Vec<u8>>,
    webpki_roots: bool,
    native_roots: bool,
    proxy: Proxy,
    pool_per_thread: bool,
    sender: Option<Arc<dyn SendRequest>>,
}

impl TransportBuilder {
    /// The connect timeout (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// The timeout of a whole call, retries and waits included (default 30 s).
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// The retry policy (default: 3 attempts for idempotent operations).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// The largest response body accepted (default 4 MiB).
    pub fn max_response_body(mut self, bytes: usize) -> Self {
        self.max_body = bytes;
        self
    }

    /// Trusts the CA certificate(s) in this PEM as well, for private clouds.
    pub fn add_root_certificate_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.extra_ca_pem.push(pem.into());
        self
    }

    /// Trusts only the CAs added with [`Self::add_root_certificate_pem`]
    /// (and the OS store with the `native-roots` feature), not the bundled
    /// webpki roots.
    pub fn without_webpki_roots(mut self) -> Self {
        self.webpki_roots = false;
        self
    }

    /// Whether to trust the operating system's certificate store
    /// (feature `native-roots`, which turns it on by default): `false`
    /// leaves it out, for a program that offers it as an opt-in. With
    /// [`Self::without_webpki_roots`], the OS store is trusted alone.
    #[cfg(feature = "native-roots")]
    pub fn native_roots(mut self, trust: bool) -> Self {
        self.native_roots = trust;
        self
    }

    /// Where to find a proxy (default: the environment).
    pub fn proxy(mut self, proxy: Proxy) -> Self {
        self.proxy = proxy;
        self
    }

    /// Keeps one connection pool per thread instead of one shared (default
    /// `false`): for a caller that runs each call to completion on its own
    /// thread with a current-thread runtime of that thread, where a
    /// connection made on one thread can only make progress on that
    /// thread (the blocking facade and the Python package do so; see
    /// `per_thread.rs` for why and what it changes). On a multi-thread
    /// runtime it works too, with a pool per worker thread.
    pub fn pool_per_thread(mut self, per_thread: bool) -> Self {
        self.pool_per_thread = per_thread;
        self
    }

    /// Sends through `sender` instead of hyper-util: for another HTTP client
    /// under this transport's timeouts and retries, or a script in tests.
    pub fn sender(mut self, sender: Arc<dyn SendRequest>) -> Self {
        self.sender = Some(sender);
        self
    }

    /// Makes the transport to the cloud `ctx` describes.
    ///
    /// # Errors
    ///
    /// An extra CA certificate is invalid.
    pub fn build(self, ctx: CloudContext) -> Result<Transport, TlsConfigError> {
        let sender = match self.sender {
            Some(sender) => Sender::Custom(sender),
            None => Sender::Hyper(HyperSend::new(HyperSettings {
                connect_timeout: self.connect_timeout,
                extra_ca_pem: &self.extra_ca_pem,
                webpki_roots: self.webpki_roots,
                native_roots: self.native_roots,
                proxy: &self.proxy,
                pool_per_thread: self.pool_per_thread,
            })?),
        };
        Ok(Transport {
            inner: Arc::new(Inner {
                ctx,
                sender,
                request_timeout: self.request_timeout,
                retry: self.retry,
                max_body: self.max_body,
            }),
        })
    }
}

impl std::fmt::Debug for TransportBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TransportBuilder")
            .field("connect_timeout", &self.connect_timeout)
            .field("request_timeout", &self.request_timeout)
            .field("retry", &self.retry)
            .field("max_body", &self.max_body)
            .field("extra_ca_certificates", &self.extra_ca_pem.len())
            .field("webpki_roots", &self.webpki_roots)
            .field("native_roots", &self.native_roots)
            .field("proxy", &self.proxy)
            .field("pool_per_thread", &self.pool_per_thread)
            .field("custom_sender", &self.sender.is_some())
            .finish()
    }
}

impl Default for TransportBuilder {
    fn default() -> Self {
        TransportBuilder {
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            retry: RetryPolicy::default(),
            max_body: DEFAULT_MAX_BODY,
            extra_ca_pem: Vec::new(),
            webpki_roots: true,
            native_roots: cfg!(feature = "native-roots"),
            proxy: Proxy::default(),
            pool_per_thread: false,
            sender: None,
        }
    }
}

impl Transport {
    /// Settings for a transport, all at their defaults.
    pub fn builder() -> TransportBuilder {
        TransportBuilder::default()
    }
}
