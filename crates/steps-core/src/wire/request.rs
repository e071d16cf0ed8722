//! Assembling a request: the URI below the base URL's prefix, the headers
//! every request carries, `Authorization`, and the JSON body.

use std::borrow::Cow;

use bytes::Bytes;
use http::header::{self, HeaderValue};
use http::{Method, Request};

use crate::{BuildError, CloudContext, IdempotencyKey, Secret};

use crate::idempotency::IDEMPOTENCY_KEY_HEADER;

const APPLICATION_JSON: HeaderValue = HeaderValue::from_static("application/json");
const APPLICATION_FORM: HeaderValue = HeaderValue::from_static("application/x-www-form-urlencoded");

/// A request's body and how it is encoded. Its `Debug` shows the encoding
/// and the length only: a body may hold a password or a secret.
#[non_exhaustive]
pub enum RequestBody {
    /// Compact JSON (`application/json`).
    Json(Vec<u8>),
    /// Form fields (`application/x-www-form-urlencoded`): the Quandela
    /// cloud's revoke and reopen take the secret so.
    Form(Vec<u8>),
}

/// What one operation's request is made of, as [`Operation::parts`]
/// declares it: everything but the headers every request carries and the
/// credential, which [`Operation::build_request`] adds.
///
/// ```
/// use steps_core::RequestParts;
///
/// let parts = RequestParts::get("/api/job_token/7");
/// assert_eq!(parts.method, http::Method::GET);
/// assert_eq!(parts.path, "/api/job_token/7");
/// ```
///
/// [`Operation::parts`]: crate::Operation::parts
/// [`Operation::build_request`]: crate::Operation::build_request
#[non_exhaustive]
pub struct RequestParts<'a> {
    /// The method.
    pub method: Method,
    /// Below the base URL's prefix, starting with `/api/`.
    pub path: Cow<'a, str>,
    /// Without the `?`; empty for none.
    pub query: String,
    /// The body, for requests that have one.
    pub body: Option<RequestBody>,
    /// The `Idempotency-Key` of a v2 create or rotation.
    pub idempotency_key: Option<&'a IdempotencyKey>,
}

impl std::fmt::Debug for RequestBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (encoding, bytes) = match self {
            RequestBody::Json(bytes) => ("Json", bytes),
            RequestBody::Form(bytes) => ("Form", bytes),
        };
        write!(f, "{encoding}({} bytes)", bytes.len())
    }
}

/// The method, path, query and key, and the body by its length (a login's
/// password, a revocation's secret).
impl std::fmt::Debug for RequestParts<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RequestParts")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("query", &self.query)
            .field("body", &self.body)
            .field("idempotency_key", &self.idempotency_key)
            .finish()
    }
}

impl<'a> RequestParts<'a> {
    /// A request with this method and path, and no query or body.
    pub fn new(method: Method, path: impl Into<Cow<'a, str>>) -> Self {
        RequestParts {
            method,
            path: path.into(),
            query: String::new(),
            body: None,
            idempotency_key: None,
        }
    }

    /// `GET path`.
    pub fn get(path: impl Into<Cow<'a, str>>) -> Self {
        RequestParts::new(Method::GET, path)
    }

    /// `POST path`.
    pub fn post(path: impl Into<Cow<'a, str>>) -> Self {
        RequestParts::new(Method::POST, path)
    }

    /// `DELETE path`.
    pub fn delete(path: impl Into<Cow<'a, str>>) -> Self {
        RequestParts::new(Method::DELETE, path)
    }

    /// With this query string (without the `?`).
    pub fn query(mut self, query: String) -> Self {
        self.query = query;
        self
    }

    /// With this compact JSON body.
    pub fn json(mut self, json: Vec<u8>) -> Self {
        self.body = Some(RequestBody::Json(json));
        self
    }

    /// With a form body (`application/x-www-form-urlencoded`) of these
    /// fields, each name and value percent-encoded.
    pub fn form(mut self, fields: &[(&str, &str)]) -> Self {
        let mut form = String::new();
        for (name, value) in fields {
            if !form.is_empty() {
                form.push('&');
            }
            percent_encode(name, &mut form);
            form.push('=');
            percent_encode(value, &mut form);
        }
        self.body = Some(RequestBody::Form(form.into_bytes()));
        self
    }

    /// With this `Idempotency-Key`, if any.
    pub fn idempotency_key(mut self, key: Option<&'a IdempotencyKey>) -> Self {
        self.idempotency_key = key;
        self
    }
}

/// Builds the request of `operation` sent with `bearer`: URI below the
/// prefix, `Accept`, `User-Agent`, the context's default headers,
/// `Authorization` and the JSON body.
pub(crate) fn build(
    ctx: &CloudContext,
    operation: &'static str,
    bearer: Option<&Secret>,
    parts: RequestParts<'_>,
) -> Result<Request<Bytes>, BuildError> {
    let uri = ctx
        .uri(&parts.path, &parts.query)
        .ok_or_else(|| BuildError::InvalidInput {
            operation,
            reason: "the request URL is not valid".to_owned(),
        })?;
    let mut request = Request::new(Bytes::new());
    *request.method_mut() = parts.method;
    *request.uri_mut() = uri;
    let headers = request.headers_mut();
    for (name, value) in ctx.default_headers() {
        headers.append(name, value.clone());
    }
    headers.insert(header::ACCEPT, APPLICATION_JSON);
    headers.insert(header::USER_AGENT, ctx.user_agent().clone());
    if let Some(token) = bearer {
        headers.insert(header::AUTHORIZATION, bearer_header(operation, token)?);
    }
    if let Some(key) = parts.idempotency_key {
        headers.insert(IDEMPOTENCY_KEY_HEADER, key.header_value());
    }
    if let Some(body) = parts.body {
        let (content_type, bytes) = match body {
            RequestBody::Json(bytes) => (APPLICATION_JSON, bytes),
            RequestBody::Form(bytes) => (APPLICATION_FORM, bytes),
        };
        headers.insert(header::CONTENT_TYPE, content_type);
        headers.insert(header::CONTENT_LENGTH, HeaderValue::from(bytes.len()));
        *request.body_mut() = Bytes::from(bytes);
    }
    Ok(request)
}

/// `Bearer <token>`, marked sensitive so that HTTP/2 never indexes it.
fn bearer_header(operation: &'static str, token: &Secret) -> Result<HeaderValue, BuildError> {
    let invalid = |reason: &str| BuildError::InvalidInput {
        operation,
        reason: reason.to_owned(),
    };
    if token.is_empty() {
        return Err(invalid("the token is empty"));
    }
    let mut value = HeaderValue::try_from(format!("Bearer {}", token.expose()))
        .map_err(|_| invalid("the token has characters that cannot be sent in a header"))?;
    value.set_sensitive(true);
    Ok(value)
}

/// Serialises a request body. The protocol's bodies are plain structs of
/// strings and integers, which serialise without failing.
pub(crate) fn to_json(
    operation: &'static str,
    body: &impl serde_core::Serialize,
) -> Result<Vec<u8>, BuildError> {
    serde_json::to_vec(body).map_err(|_| BuildError::InvalidInput {
        operation,
        reason: "the request body could not be encoded".to_owned(),
    })
}

/// Appends `value` to a query string, percent-encoding every byte but the
/// unreserved characters of RFC 3986 (`A-Z a-z 0-9 - . _ ~`).
pub(crate) fn percent_encode(value: &str, out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(byte >> 4)]));
            out.push(char::from(HEX[usize::from(byte & 0x0f)]));
        }
    }
}
