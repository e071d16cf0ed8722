//! Errors of the core: building a request, and reading a response.

use std::fmt;
use std::time::Duration;

use http::StatusCode;

/// Why a request was not built. Nothing was sent.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum BuildError {
    /// The operation needs a login token and the caller has none.
    NotLoggedIn {
        /// The operation's name.
        operation: &'static str,
    },
    /// The operation is for admins and the caller is known not to be one.
    AdminRequired {
        /// The operation's name.
        operation: &'static str,
    },
    /// A read or delete of a token that was never created (its id is < 0).
    NotCreated {
        /// The operation's name.
        operation: &'static str,
        /// The id given.
        id: i64,
    },
    /// An argument is outside what the protocol accepts.
    InvalidInput {
        /// The operation's name.
        operation: &'static str,
        /// What is wrong (never contains a secret).
        reason: String,
    },
}

/// Why a response did not give the operation's output.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ResponseError {
    /// The server answered a non-2xx status with the protocol's error body.
    Api(ApiError),
    /// A non-2xx status whose body is not the protocol's JSON error (a
    /// proxy's HTML page, say).
    UnexpectedBody(UnexpectedBody),
    /// A 3xx. Redirects are never followed, so that an `Authorization`
    /// header cannot be carried to another host.
    Redirect {
        /// The operation's name.
        operation: &'static str,
        /// The 3xx status.
        status: StatusCode,
        /// The `Location` header, if any and if it is text.
        location: Option<String>,
    },
    /// A 2xx whose body does not match the protocol.
    Decode(DecodeError),
}

impl ResponseError {
    /// The operation whose response this was.
    pub fn operation(&self) -> &'static str {
        match self {
            ResponseError::Api(e) => e.operation,
            ResponseError::UnexpectedBody(e) => e.operation,
            ResponseError::Redirect { operation, .. } => operation,
            ResponseError::Decode(e) => e.operation,
        }
    }

    /// The response's status.
    pub fn status(&self) -> StatusCode {
        match self {
            ResponseError::Api(e) => e.status,
            ResponseError::UnexpectedBody(e) => e.status,
            ResponseError::Redirect { status, .. } => *status,
            ResponseError::Decode(e) => e.status,
        }
    }

    /// The server's `x-request-id`, for support requests.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            ResponseError::Api(e) => e.request_id.as_deref(),
            ResponseError::UnexpectedBody(e) => e.request_id.as_deref(),
            ResponseError::Redirect { .. } | ResponseError::Decode(_) => None,
        }
    }

    /// How long the server asked the client to wait (`Retry-After` in
    /// seconds), if it did.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            ResponseError::Api(e) => e.retry_after,
            ResponseError::UnexpectedBody(e) => e.retry_after,
            ResponseError::Redirect { .. } | ResponseError::Decode(_) => None,
        }
    }

    /// What the response means, computed once here so that no layer above
    /// the core matches status codes.
    ///
    /// ```
    /// use steps_core::{ApiError, ResponseError, ResponseErrorKind};
    /// # use steps_core::http::StatusCode;
    /// # fn api(status: u16) -> ResponseError {
    /// #     let response = steps_core::http::Response::builder().status(status)
    /// #         .body(steps_core::bytes::Bytes::from_static(br#"{"error":"x"}"#)).unwrap();
    /// #     use steps_core::Operation;
    /// #     steps_core::Whoami.parse_response(response).unwrap_err()
    /// # }
    /// assert_eq!(api(401).kind(), ResponseErrorKind::Unauthorized);
    /// assert_eq!(api(503).kind(), ResponseErrorKind::Unavailable);
    /// assert_eq!(api(400).kind(), ResponseErrorKind::Rejected);
    /// ```
    pub fn kind(&self) -> ResponseErrorKind {
        match self {
            ResponseError::Redirect { .. } | ResponseError::Decode(_) => ResponseErrorKind::Protocol,
            ResponseError::Api(_) | ResponseError::UnexpectedBody(_) => match self.status() {
                StatusCode::UNAUTHORIZED => ResponseErrorKind::Unauthorized,
                StatusCode::FORBIDDEN => ResponseErrorKind::Forbidden,
                StatusCode::NOT_FOUND => ResponseErrorKind::NotFound,
                StatusCode::TOO_MANY_REQUESTS => ResponseErrorKind::RateLimited,
                StatusCode::CONFLICT => ResponseErrorKind::Conflict,
                StatusCode::BAD_REQUEST if self.is_label_taken() => ResponseErrorKind::LabelTaken,
                StatusCode::BAD_GATEWAY | StatusCode::SERVICE_UNAVAILABLE | StatusCode::GATEWAY_TIMEOUT => {
                    ResponseErrorKind::Unavailable
                }
                // Not the protocol's error body, and no status above says
                // what happened: something other than a STEPS server
                // answered (a proxy's error page, say).
                _ if matches!(self, ResponseError::UnexpectedBody(_)) => ResponseErrorKind::Protocol,
                _ => ResponseErrorKind::Rejected,
            },
        }
    }

    /// The Quandela cloud's 400 for a label its user already has: its
    /// message starts "Label already exists" (the one place this text is
    /// read).
    fn is_label_taken(&self) -> bool {
        matches!(self, ResponseError::Api(error) if error.message.starts_with("Label already exists"))
    }

    /// Whether the server may have done what was asked before this error:
    /// it answered 2xx but the body does not follow the protocol (it did),
    /// or 5xx (it may have failed partway). A 3xx or 4xx answer means it
    /// did nothing. For a request that is not idempotent, such an error is
    /// an unknown outcome.
    pub fn may_have_taken_effect(&self) -> bool {
        let status = self.status();
        status.is_success() || status.is_server_error()
    }

    /// Whether the protocol says the same request may succeed later: 409,
    /// 429, 502, 503 and 504 ([`ResponseErrorKind::is_transient`]). Whether to
    /// actually send it again is the caller's policy (and never for a
    /// non-idempotent operation).
    pub fn is_transient(&self) -> bool {
        self.kind().is_transient()
    }
}

/// What a [`ResponseError`] means, whatever its exact status or body.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ResponseErrorKind {
    /// 401: the token (or email and password) was refused. Nothing was done.
    Unauthorized,
    /// 403: authenticated, but not allowed.
    Forbidden,
    /// 404: no such token, or not the caller's.
    NotFound,
    /// 429: too many requests; `retry_after` may say how long to wait.
    RateLimited,
    /// 409: the request conflicts with one still being handled (protocol
    /// v2: a create whose idempotency key is in use by a request that has
    /// not finished). The same request may succeed later.
    Conflict,
    /// 502, 503 or 504: the server or a gateway in front of it is
    /// temporarily unable to answer.
    Unavailable,
    /// The answer does not follow the protocol: a redirect, a 2xx body that
    /// does not decode, or an error status with a body that is not the
    /// protocol's (an HTML error page).
    Protocol,
    /// Any other error status with the protocol's error body (400, 422,
    /// 500, ...): the server refused or failed the request.
    Rejected,
    /// 400 "Label already exists" (the Quandela cloud): the user has a
    /// token with this label. Read from the message's text, since the
    /// cloud gives no code for it (`docs/quandela.md`): a heuristic, made
    /// here only ([`ResponseError::kind`]).
    LabelTaken,
}

impl ResponseErrorKind {
    /// Whether the same request may succeed later: rate limited,
    /// unavailable, or in conflict with one still being handled.
    pub fn is_transient(self) -> bool {
        matches!(
            self,
            ResponseErrorKind::RateLimited | ResponseErrorKind::Unavailable | ResponseErrorKind::Conflict
        )
    }
}

/// A non-2xx response with the protocol's `{"error": "..."}` body.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ApiError {
    /// The operation's name.
    pub operation: &'static str,
    /// The response's status.
    pub status: StatusCode,
    /// The server's `error` message.
    pub message: String,
    /// The `x-request-id` header, when present.
    pub request_id: Option<String>,
    /// `Retry-After` in seconds, when present.
    pub retry_after: Option<Duration>,
    /// The body's `detail`, when present and not `null`: the Quandela
    /// cloud's validation errors (422) say there which field was wrong
    /// (`{"body": {"duration": ["..."]}}`). Secret-shaped text in it is
    /// scrubbed.
    pub detail: Option<serde_json::Value>,
}

/// A non-2xx response whose body is not the protocol's JSON error.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct UnexpectedBody {
    /// The operation's name.
    pub operation: &'static str,
    /// The response's status.
    pub status: StatusCode,
    /// The `Content-Type` header, when present and text.
    pub content_type: Option<String>,
    /// The start of the body: at most 200 characters, control characters
    /// replaced and white space folded.
    pub excerpt: String,
    /// The `x-request-id` header, when present.
    pub request_id: Option<String>,
    /// `Retry-After` in seconds, when present.
    pub retry_after: Option<Duration>,
}

/// A 2xx response whose body does not match the protocol.
///
/// `detail` names the field and what was wrong with it, never the value
/// found there (which could be a secret).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DecodeError {
    /// The operation's name.
    pub operation: &'static str,
    /// The response's status.
    pub status: StatusCode,
    /// What failed, e.g. "field `token_id`: expected an integer, found a string".
    pub detail: String,
}

impl DecodeError {
    /// A 200 answer that breaks the protocol in a way its caller found
    /// (a list that ignored its filters, say): `detail` names what, never a
    /// value.
    pub fn new(operation: &'static str, detail: impl Into<String>) -> Self {
        DecodeError {
            operation,
            status: StatusCode::OK,
            detail: detail.into(),
        }
    }
}

// The messages, written out rather than derived (the core builds no
// proc-macro); each says which operation failed and never a secret.

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BuildError::NotLoggedIn { operation } => {
                write!(
                    f,
                    "{operation}: not logged in (log in first to get a login token)"
                )
            }
            BuildError::AdminRequired { operation } => {
                write!(f, "{operation}: this operation needs an admin account")
            }
            BuildError::NotCreated { operation, id } => {
                write!(f, "{operation}: id {id} was never created (create it first)")
            }
            BuildError::InvalidInput { operation, reason } => {
                write!(f, "{operation}: invalid input: {reason}")
            }
        }
    }
}

impl std::error::Error for BuildError {}

impl fmt::Display for ResponseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ResponseError::Api(error) => fmt::Display::fmt(error, f),
            ResponseError::UnexpectedBody(error) => fmt::Display::fmt(error, f),
            ResponseError::Redirect {
                operation,
                status,
                location,
            } => write!(
                f,
                "{operation}: the server redirected ({status}) to {location:?}; redirects are not followed"
            ),
            ResponseError::Decode(error) => fmt::Display::fmt(error, f),
        }
    }
}

/// The wrapped errors' own sources (they have none): the variants that
/// wrap one are transparent.
impl std::error::Error for ResponseError {}

impl From<ApiError> for ResponseError {
    fn from(error: ApiError) -> Self {
        ResponseError::Api(error)
    }
}

impl From<UnexpectedBody> for ResponseError {
    fn from(error: UnexpectedBody) -> Self {
        ResponseError::UnexpectedBody(error)
    }
}

impl From<DecodeError> for ResponseError {
    fn from(error: DecodeError) -> Self {
        ResponseError::Decode(error)
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ApiError {
            operation,
            status,
            message,
            ..
        } = self;
        write!(f, "{operation}: the server answered {status}: {message}")
    }
}

impl std::error::Error for ApiError {}

impl fmt::Display for UnexpectedBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let UnexpectedBody {
            operation,
            status,
            excerpt,
            ..
        } = self;
        write!(
            f,
            "{operation}: the server answered {status} with an unexpected body: {excerpt:?}"
        )
    }
}

impl std::error::Error for UnexpectedBody {}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let DecodeError {
            operation,
            status,
            detail,
        } = self;
        write!(f, "{operation}: could not read the {status} response: {detail}")
    }
}

impl std::error::Error for DecodeError {}
