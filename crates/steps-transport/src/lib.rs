//! steps-transport executes [`steps_core`] operations over hyper-util's
//! pooled client on tokio: HTTPS for `https://` URLs (rustls with the ring provider),
//! proxies from the environment, connect and request timeouts, a response
//! body limit, and retries only where they are safe.
//!
//! It knows hyper but not the protocol: paths, headers and JSON stay in
//! `steps-core`, and it speaks of requests that may have taken effect, not
//! of tokens. hyper and rustls errors appear only as `source()`.
//!
//! Modules: `transport` (the one generic execute loop), `retry` (the
//! policy and the pure retry decision), `send` (the `SendRequest` seam),
//! `hyper_client` (hyper-util behind the seam), `proxy`, `tls`, `error`.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use steps_core::{CloudContext, Credential, Secret, Whoami};
//! use steps_transport::Transport;
//!
//! let transport = Transport::builder().build(CloudContext::new("https://api.steps.example")?)?;
//! let credential = Credential::bearer(Secret::new("stl_..."));
//! let me = transport.execute(&Whoami, &credential).await?;
//! println!("user {}", me.user_id);
//! # Ok(()) }
//! ```

#![forbid(unsafe_code)]

mod builder;
mod cause;
mod connector;
mod error;
mod handoff;
mod hyper_client;
mod per_thread;
mod proxy;
mod retry;
mod send;
mod tls;
mod transport;

pub use builder::{TransportBuilder, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_BODY, DEFAULT_REQUEST_TIMEOUT};
pub use error::{BoxError, TransportError};
pub use proxy::{Proxy, ProxyError};
pub use retry::RetryPolicy;
pub use send::{BoxFuture, SendError, SendRequest};
pub use tls::TlsConfigError;
pub use transport::{Attempts, Transport};
