//! Assembling a request: the URI below the base URL's prefix, the headers
//! every request carries, `Authorization`, and the JSON body.

use bytes::Bytes;
use http::header::{self, HeaderValue};
use http::{Method, Request};

use crate::{BuildError, CloudContext, IdempotencyKey, Secret};

use crate::idempotency::IDEMPOTENCY_KEY_HEADER;

const APPLICATION_JSON: HeaderValue = HeaderValue::from_static("application/json");

/// Everything one operation's request is made of.
pub(crate) struct RequestParts<'a> {
    pub(crate) operation: &'static str,
    pub(crate) method: Method,
    /// Below the base URL's prefix, starting with `/api/`.
    pub(crate) path: &'a str,
    /// Without the `?`; empty for none.
    pub(crate) query: &'a str,
    /// The token to send, from [`Credential::authorize`](crate::Credential).
    pub(crate) bearer: Option<&'a Secret>,
    /// Compact JSON, for requests that have a body.
    pub(crate) json: Option<Vec<u8>>,
    /// The `Idempotency-Key` of a v2 create.
    pub(crate) idempotency_key: Option<&'a IdempotencyKey>,
}

/// Builds the request: URI below the prefix, `Accept`, `User-Agent`, the
/// context's default headers, `Authorization` and the JSON body.
pub(crate) fn build(ctx: &CloudContext, parts: RequestParts<'_>) -> Result<Request<Bytes>, BuildError> {
    let uri = ctx
        .uri(parts.path, parts.query)
        .ok_or_else(|| BuildError::InvalidInput {
            operation: parts.operation,
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
    if let Some(token) = parts.bearer {
        headers.insert(header::AUTHORIZATION, bearer_header(parts.operation, token)?);
    }
    if let Some(key) = parts.idempotency_key {
        headers.insert(IDEMPOTENCY_KEY_HEADER, key.header_value());
    }
    if let Some(json) = parts.json {
        headers.insert(header::CONTENT_TYPE, APPLICATION_JSON);
        headers.insert(header::CONTENT_LENGTH, HeaderValue::from(json.len()));
        *request.body_mut() = Bytes::from(json);
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
