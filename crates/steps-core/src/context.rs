//! `CloudContext`: where requests go and what every request carries.

use http::header::{self, HeaderMap, HeaderName, HeaderValue};
use http::uri::{Authority, Scheme, Uri};

/// The default `User-Agent`: `steps-rs/<crate version>`.
pub const DEFAULT_USER_AGENT: &str = concat!("steps-rs/", env!("CARGO_PKG_VERSION"));

/// Headers the protocol sets itself, which [`CloudContext::with_header`]
/// refuses so that a default header can never replace them.
const RESERVED_HEADERS: [HeaderName; 8] = [
    header::ACCEPT,
    header::AUTHORIZATION,
    header::CONTENT_LENGTH,
    header::CONTENT_TYPE,
    header::HOST,
    header::USER_AGENT,
    header::PROXY_AUTHORIZATION,
    // One fixed key on every create would make the server replay or
    // refuse creates the transport takes for new ones.
    crate::idempotency::IDEMPOTENCY_KEY_HEADER,
];

/// The base URL, user agent and default headers of one STEPS cloud.
///
/// Validated once, at construction, so that building a request later can
/// only fail for reasons of the operation itself.
///
/// ```
/// use steps_core::CloudContext;
///
/// let ctx = CloudContext::new("https://api.steps.invalid/v1/").unwrap();
/// assert_eq!(ctx.base_url(), "https://api.steps.invalid/v1");
/// assert!(CloudContext::new("ftp://example.com").is_err());
/// ```
#[derive(Clone)]
pub struct CloudContext {
    scheme: Scheme,
    authority: Authority,
    /// The base URL's path without a trailing slash ("" or "/v1").
    prefix: String,
    user_agent: HeaderValue,
    default_headers: HeaderMap,
}

/// Prints the base URL, the user agent and the default headers' names: a
/// default header's value may be a credential (an API gateway's key, say).
impl std::fmt::Debug for CloudContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.default_headers.keys().map(HeaderName::as_str).collect();
        f.debug_struct("CloudContext")
            .field("base_url", &self.base_url())
            .field("user_agent", &self.user_agent)
            .field("default_headers", &names)
            .finish()
    }
}

/// Why a [`CloudContext`] could not be made.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ContextError {
    /// The base URL is not an absolute `http://` or `https://` URL.
    InvalidBaseUrl {
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The user agent is not a valid header value.
    InvalidUserAgent,
    /// A default header has an invalid name or value.
    InvalidHeader {
        /// The header's name as given.
        name: String,
    },
    /// A default header would replace one the protocol sets itself.
    ReservedHeader {
        /// The header's name.
        name: String,
    },
}

impl std::fmt::Display for ContextError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ContextError::InvalidBaseUrl { reason } => write!(f, "invalid base URL: {reason}"),
            ContextError::InvalidUserAgent => f.write_str("invalid user agent: it must be visible ASCII"),
            ContextError::InvalidHeader { name } => write!(f, "invalid default header {name:?}"),
            ContextError::ReservedHeader { name } => {
                write!(
                    f,
                    "header {name:?} is set by the protocol and cannot be a default header"
                )
            }
        }
    }
}

impl std::error::Error for ContextError {}

impl CloudContext {
    /// Makes a context for the cloud at `base_url`, such as
    /// `https://api.steps.example` or `http://127.0.0.1:8787/v1`.
    ///
    /// # Errors
    ///
    /// [`ContextError::InvalidBaseUrl`] unless the URL is absolute, its
    /// scheme is `http` or `https`, it has a host, and it has no user
    /// information (credentials in URLs end up in logs), query or fragment.
    pub fn new(base_url: &str) -> Result<Self, ContextError> {
        let invalid = |reason| ContextError::InvalidBaseUrl { reason };
        if base_url.contains('#') {
            return Err(invalid("it must not have a fragment"));
        }
        let uri: Uri = base_url.parse().map_err(|_| invalid("it is not a valid URL"))?;
        let parts = uri.into_parts();
        let scheme = parts
            .scheme
            .ok_or(invalid("it must start with http:// or https://"))?;
        if scheme != Scheme::HTTP && scheme != Scheme::HTTPS {
            return Err(invalid("its scheme must be http or https"));
        }
        let authority = parts.authority.ok_or(invalid("it must have a host"))?;
        if authority.as_str().contains('@') {
            return Err(invalid("it must not contain user information"));
        }
        if authority.host().is_empty() {
            return Err(invalid("it must have a host"));
        }
        let (prefix, query) = match &parts.path_and_query {
            Some(pq) => (pq.path().trim_end_matches('/').to_owned(), pq.query()),
            None => (String::new(), None),
        };
        if query.is_some() {
            return Err(invalid("it must not have a query"));
        }
        Ok(CloudContext {
            scheme,
            authority,
            prefix,
            user_agent: HeaderValue::from_static(DEFAULT_USER_AGENT),
            default_headers: HeaderMap::new(),
        })
    }

    /// Replaces the `User-Agent` sent with every request.
    ///
    /// # Errors
    ///
    /// [`ContextError::InvalidUserAgent`] if it is not a valid header value.
    pub fn with_user_agent(mut self, user_agent: &str) -> Result<Self, ContextError> {
        self.user_agent = HeaderValue::from_str(user_agent).map_err(|_| ContextError::InvalidUserAgent)?;
        Ok(self)
    }

    /// Adds a header sent with every request (a tenant or tracing header).
    ///
    /// # Errors
    ///
    /// [`ContextError::InvalidHeader`] for an invalid name or value, and
    /// [`ContextError::ReservedHeader`] for a header the protocol sets.
    pub fn with_header(mut self, name: &str, value: &str) -> Result<Self, ContextError> {
        let invalid = || ContextError::InvalidHeader {
            name: name.to_owned(),
        };
        let header_name = HeaderName::from_bytes(name.as_bytes()).map_err(|_| invalid())?;
        if RESERVED_HEADERS.contains(&header_name) {
            return Err(ContextError::ReservedHeader {
                name: name.to_owned(),
            });
        }
        let header_value = HeaderValue::from_str(value).map_err(|_| invalid())?;
        self.default_headers.append(header_name, header_value);
        Ok(self)
    }

    /// The base URL, normalised (no trailing slash).
    pub fn base_url(&self) -> String {
        format!("{}://{}{}", self.scheme, self.authority, self.prefix)
    }

    /// The URL scheme (`http` or `https`).
    pub fn scheme(&self) -> &Scheme {
        &self.scheme
    }

    /// The host and port requests go to.
    pub fn authority(&self) -> &Authority {
        &self.authority
    }

    /// The `User-Agent` sent with every request.
    pub fn user_agent(&self) -> &HeaderValue {
        &self.user_agent
    }

    /// The extra headers sent with every request.
    pub fn default_headers(&self) -> &HeaderMap {
        &self.default_headers
    }

    /// The full URI of `path` (which starts with `/api/`) and an optional
    /// query string, below the base URL's path prefix.
    pub(crate) fn uri(&self, path: &str, query: &str) -> Option<Uri> {
        let mut pq = String::with_capacity(self.prefix.len() + path.len() + query.len() + 1);
        pq.push_str(&self.prefix);
        pq.push_str(path);
        if !query.is_empty() {
            pq.push('?');
            pq.push_str(query);
        }
        // The scheme and authority were validated at construction and the
        // path is built from fixed segments and integers, so this fails for
        // no context; the caller still turns `None` into a typed error.
        Uri::builder()
            .scheme(self.scheme.clone())
            .authority(self.authority.clone())
            .path_and_query(pq)
            .build()
            .ok()
    }
}
