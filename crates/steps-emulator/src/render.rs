//! What the emulator answers, as the spec spells it: the JSON bodies of
//! successful operations, the protocol's JSON error for a refusal, and
//! [`Outcome`], how a request ends.

use http::header::{self, HeaderName, HeaderValue};
use http::{Response, StatusCode};
use serde_json::{json, Value};

use crate::body::ResponseBody;
use crate::dialect::Api;
use crate::protocol::ProtocolVersion;
use crate::store::accounts::LoginGrant;
use crate::store::collection::Collection;
use crate::store::entries::{Replay, TokenEntry};
use crate::store::identity::Identity;

/// How a request ends.
pub(crate) enum Outcome {
    /// With this answer: the handler's, a refusal, or a fault's.
    Respond(Response<ResponseBody>),
    /// With the connection closed and no answer: a `close` or
    /// `close_after_handled` fault, or a request body that broke off or did
    /// not arrive within the body-read deadline.
    Close,
}

impl From<Failure> for Outcome {
    fn from(failure: Failure) -> Outcome {
        Outcome::Respond(failure.into_response())
    }
}

/// What a handler, or a check before it, answers.
pub(crate) type Handled = Result<Response<ResponseBody>, Failure>;

/// A refusal: status, message, extra headers. Rendered as
/// `{"error": message}`; in the quandela dialect as `{"error": message,
/// "detail": {...}}`, or for its validation errors (422) as `{"message":
/// message, "detail": {location: {field: [message]}}}`.
#[derive(Debug)]
pub(crate) struct Failure {
    status: StatusCode,
    message: String,
    headers: Vec<(HeaderName, HeaderValue)>,
    /// The quandela dialect's `detail`.
    detail: Option<Value>,
    /// Whether the message is the quandela dialect's `message` (422)
    /// rather than `error`.
    validation: bool,
}

impl Failure {
    /// A refusal with this status and message.
    pub(crate) fn new(status: StatusCode, message: impl Into<String>) -> Failure {
        Failure {
            status,
            message: message.into(),
            headers: Vec::new(),
            detail: None,
            validation: false,
        }
    }

    /// The quandela dialect's 422: `{"message": "Validation error",
    /// "detail": detail}`, `detail` mapping a location (`json`, `form`,
    /// `query`) to fields to messages.
    pub(crate) fn validation(detail: Value) -> Failure {
        Failure {
            detail: Some(detail),
            validation: true,
            ..Failure::new(StatusCode::UNPROCESSABLE_ENTITY, "Validation error")
        }
    }

    /// The refusal as `api` spells it: in the quandela dialect every error
    /// body has a `detail` (`{}` unless it says more).
    pub(crate) fn in_dialect(mut self, api: Api) -> Failure {
        if api == Api::Quandela && self.detail.is_none() {
            self.detail = Some(json!({}));
        }
        self
    }

    /// 400, for input the spec does not allow.
    pub(crate) fn bad_request(message: impl Into<String>) -> Failure {
        Failure::new(StatusCode::BAD_REQUEST, message)
    }

    /// 401, with `WWW-Authenticate: Bearer`.
    pub(crate) fn unauthorized(message: &str) -> Failure {
        Failure::new(StatusCode::UNAUTHORIZED, message)
            .with_header(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"))
    }

    /// 401 for a missing or unusable token.
    pub(crate) fn no_valid_token() -> Failure {
        Failure::unauthorized("missing, unknown, expired or revoked token")
    }

    /// 500 when the OS's random source fails.
    pub(crate) fn could_not_mint() -> Failure {
        Failure::new(StatusCode::INTERNAL_SERVER_ERROR, "could not mint a token")
    }

    /// Adds a header to the answer.
    pub(crate) fn with_header(mut self, name: HeaderName, value: HeaderValue) -> Failure {
        self.headers.push((name, value));
        self
    }

    /// The JSON error: the protocol's, or the quandela dialect's once
    /// [`Failure::in_dialect`] gave it a `detail`.
    pub(crate) fn into_response(self) -> Response<ResponseBody> {
        let body = match (self.detail, self.validation) {
            (None, _) => json!({ "error": self.message }),
            (Some(detail), false) => json!({ "error": self.message, "detail": detail }),
            (Some(detail), true) => json!({ "message": self.message, "detail": detail }),
        };
        let mut response = json(self.status, &body);
        for (name, value) in self.headers {
            response.headers_mut().insert(name, value);
        }
        response
    }
}

/// A JSON answer.
pub(crate) fn json(status: StatusCode, value: &Value) -> Response<ResponseBody> {
    let mut response = json_bytes(value.to_string());
    *response.status_mut() = status;
    response
}

/// A 200 with these bytes as an `application/json` body, whatever they
/// hold (faults send bodies that are not JSON, or not the right JSON).
pub(crate) fn json_bytes(body: impl Into<bytes::Bytes>) -> Response<ResponseBody> {
    let mut response = Response::new(ResponseBody::whole(body));
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

/// 204, empty.
pub(crate) fn no_content() -> Response<ResponseBody> {
    let mut response = Response::new(ResponseBody::empty());
    *response.status_mut() = StatusCode::NO_CONTENT;
    response
}

/// The answer to a request whose handler panicked, as `api` spells it.
pub(crate) fn panic_response(api: Api) -> Response<ResponseBody> {
    Failure::new(StatusCode::INTERNAL_SERVER_ERROR, "internal error")
        .in_dialect(api)
        .into_response()
}

/// A kept answer to a request with an idempotency key, sent again: the
/// same status and body, and `Idempotent-Replayed: true`.
pub(crate) fn replayed(replay: Replay) -> Response<ResponseBody> {
    let mut response = json_bytes(replay.body);
    *response.status_mut() = StatusCode::from_u16(replay.status).unwrap_or(StatusCode::OK);
    response.headers_mut().insert(
        HeaderName::from_static("idempotent-replayed"),
        HeaderValue::from_static("true"),
    );
    response
}

/// The `GET /api/meta` response: the protocol served and its features.
pub(crate) fn meta(protocol: ProtocolVersion) -> Value {
    let features: Vec<&str> = protocol.features().iter().map(|f| f.name()).collect();
    json!({ "protocol": protocol.number(), "features": features })
}

/// The login response.
pub(crate) fn login(grant: &LoginGrant) -> Value {
    json!({
        "token": grant.token,
        "user_id": grant.user_id,
        "is_admin": grant.is_admin,
        "expires_at": grant.expires_at,
    })
}

/// The whoami response; with `token`, the job token or API key presented
/// (protocol v2, feature `self`).
pub(crate) fn whoami(identity: &Identity, token: Option<(Collection, &TokenEntry)>) -> Value {
    let mut value = json!({
        "user_id": identity.user_id,
        "token_type": identity.kind as u8,
        "is_admin": identity.is_admin,
        "expires_at": identity.expires_at,
    });
    if let (Some((collection, record)), Value::Object(map)) = (token, &mut value) {
        map.insert(names(collection).id.to_owned(), json!(record.id));
        map.insert("label".to_owned(), json!(record.label));
    }
    value
}

/// The JSON names of a collection's fields.
struct Names {
    /// The list response's array.
    list: &'static str,
    /// The record's id.
    id: &'static str,
    /// The secret, in the create response only.
    secret: &'static str,
}

fn names(collection: Collection) -> Names {
    match collection {
        Collection::JobTokens => Names {
            list: "job_tokens",
            id: "token_id",
            secret: "token",
        },
        Collection::ApiKeys => Names {
            list: "api_keys",
            id: "api_key_id",
            secret: "api_key",
        },
    }
}

/// A JobToken or ApiKey object; with its secret only in the create and
/// rotate responses, and `rotated_at` (protocol v2) once it was rotated.
pub(crate) fn record(collection: Collection, record: &TokenEntry, secret: Option<String>) -> Value {
    let names = names(collection);
    let mut value = json!({
        names.id: record.id,
        "user_id": record.user_id,
        "label": record.label,
        "duration": record.duration,
        "created_at": record.created_at,
        "expires_at": record.expires_at,
    });
    let Value::Object(map) = &mut value else {
        return value;
    };
    if let Some(rotated_at) = record.rotated_at {
        map.insert("rotated_at".to_owned(), json!(rotated_at));
    }
    if let Some(secret) = secret {
        map.insert(names.secret.to_owned(), Value::String(secret));
    }
    value
}

/// One page of a list response.
pub(crate) fn page(collection: Collection, records: &[TokenEntry], next_after: Option<i64>) -> Value {
    let items: Vec<Value> = records.iter().map(|r| record(collection, r, None)).collect();
    json!({ names(collection).list: items, "next_after": next_after })
}
