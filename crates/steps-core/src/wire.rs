//! What every operation shares on the wire: building a request, reading a
//! status, decoding a JSON body, and naming what a bad body got wrong.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http::header::{self, HeaderValue};
use http::{Method, Request, Response, StatusCode};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::error::{ApiError, DecodeError, UnexpectedBody};
use crate::{BuildError, CloudContext, ResponseError, Secret};

/// The header servers use to name a request in their logs.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

const APPLICATION_JSON: HeaderValue = HeaderValue::from_static("application/json");

/// The most characters of an unexpected body kept in an error.
const EXCERPT_CHARS: usize = 200;

/// Everything one operation's request is made of.
pub(crate) struct RequestParts<'a> {
    pub(crate) operation: &'static str,
    pub(crate) method: Method,
    /// Below the base URL's prefix, starting with `/api/`.
    pub(crate) path: &'a str,
    /// Without the `?`; empty for none.
    pub(crate) query: &'a str,
    pub(crate) bearer: Option<&'a Secret>,
    /// Compact JSON, for requests that have a body.
    pub(crate) json: Option<Vec<u8>>,
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
pub(crate) fn to_json(operation: &'static str, body: &impl serde::Serialize) -> Result<Vec<u8>, BuildError> {
    serde_json::to_vec(body).map_err(|_| BuildError::InvalidInput {
        operation,
        reason: "the request body could not be encoded".to_owned(),
    })
}

/// Reads a 2xx JSON body into `T`, or turns any other response into its
/// error. `shape` describes `T`, so that a body that fails to decode can be
/// explained by field without quoting what the field held.
pub(crate) fn json_body<T: DeserializeOwned>(
    operation: &'static str,
    response: &Response<Bytes>,
    shape: &'static [Field],
) -> Result<T, ResponseError> {
    check_status(operation, response)?;
    let status = response.status();
    serde_json::from_slice(response.body()).map_err(|error| {
        let detail = explain(response.body(), shape, &error);
        ResponseError::Decode(DecodeError {
            operation,
            status,
            detail,
        })
    })
}

/// Accepts any 2xx and ignores its body (servers vary: 204 empty, or 200
/// with a body), or turns any other response into its error.
pub(crate) fn empty_body(operation: &'static str, response: &Response<Bytes>) -> Result<(), ResponseError> {
    check_status(operation, response)
}

fn check_status(operation: &'static str, response: &Response<Bytes>) -> Result<(), ResponseError> {
    let status = response.status();
    if status.is_success() {
        return Ok(());
    }
    if status.is_redirection() {
        let location = header_text(response, header::LOCATION.as_str());
        return Err(ResponseError::Redirect {
            operation,
            status,
            location,
        });
    }
    Err(status_error(operation, response))
}

/// The error for a non-2xx, non-3xx response (also for 1xx, which a
/// complete response should never have).
fn status_error(operation: &'static str, response: &Response<Bytes>) -> ResponseError {
    #[derive(Deserialize)]
    struct ErrorBody {
        error: String,
    }
    let status = response.status();
    let request_id = header_text(response, REQUEST_ID_HEADER);
    let retry_after = retry_after(response);
    match serde_json::from_slice::<ErrorBody>(response.body()) {
        Ok(body) => ResponseError::Api(ApiError {
            operation,
            status,
            message: body.error,
            request_id,
            retry_after,
        }),
        Err(_) => ResponseError::UnexpectedBody(UnexpectedBody {
            operation,
            status,
            content_type: header_text(response, header::CONTENT_TYPE.as_str()),
            excerpt: excerpt(response.body()),
            request_id,
            retry_after,
        }),
    }
}

fn header_text(response: &Response<Bytes>, name: &str) -> Option<String> {
    let value = response.headers().get(name)?.to_str().ok()?;
    Some(value.chars().take(EXCERPT_CHARS).collect())
}

/// `Retry-After` as delta-seconds. The HTTP-date form needs a clock, which
/// this crate does not read, so it is ignored.
fn retry_after(response: &Response<Bytes>) -> Option<Duration> {
    let value = response.headers().get(header::RETRY_AFTER)?.to_str().ok()?;
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}

/// The start of a body as one line of text.
fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(EXCERPT_CHARS * 4)]);
    let mut out = String::new();
    let mut last_space = true;
    for c in text.chars() {
        if out.chars().count() >= EXCERPT_CHARS {
            break;
        }
        let c = if c.is_control() || c.is_whitespace() {
            ' '
        } else {
            c
        };
        if c == ' ' && last_space {
            continue;
        }
        last_space = c == ' ';
        out.push(c);
    }
    out.trim_end().to_owned()
}

/// Converts wire seconds to a time, rejecting values past what
/// `SystemTime` holds instead of panicking.
pub(crate) fn unix_time(
    operation: &'static str,
    status: StatusCode,
    field: &str,
    seconds: u64,
) -> Result<SystemTime, ResponseError> {
    UNIX_EPOCH
        .checked_add(Duration::from_secs(seconds))
        .ok_or_else(|| {
            ResponseError::Decode(DecodeError {
                operation,
                status,
                detail: format!("field `{field}`: the time is out of range"),
            })
        })
}

/// Declares a response object's wire struct and its `Deserialize`: the
/// named fields by type, every other field into `extra: Extra`.
///
/// Why not `#[serde(flatten)]`: flatten buffers the whole object before
/// reading it, which made a page of ten job tokens 20% slower to parse than
/// hand-written serde (see docs/benchmarks.md). A missing field is `None`
/// for an `Option` and an error otherwise, as with serde's derive.
macro_rules! wire_object {
    ($(#[$meta:meta])* struct $name:ident { $($field:ident : $ty:ty),* $(,)? }) => {
        $(#[$meta])*
        struct $name {
            $($field: $ty,)*
            extra: $crate::Extra,
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct Fields;
                impl<'de> serde::de::Visitor<'de> for Fields {
                    type Value = $name;

                    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        f.write_str(concat!("a ", stringify!($name), " object"))
                    }

                    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<$name, A::Error> {
                        $(let mut $field: Option<$ty> = None;)*
                        let mut extra = serde_json::Map::new();
                        while let Some($crate::wire::Key(key)) = map.next_key()? {
                            match key.as_ref() {
                                $(stringify!($field) => {
                                    if $field.is_some() {
                                        return Err(<A::Error as serde::de::Error>::duplicate_field(stringify!($field)));
                                    }
                                    $field = Some(map.next_value()?);
                                })*
                                _ => {
                                    extra.insert(key.into_owned(), map.next_value()?);
                                }
                            }
                        }
                        Ok($name {
                            $($field: match $field {
                                Some(value) => value,
                                None => $crate::wire::absent::<$ty, A::Error>(stringify!($field))?,
                            },)*
                            extra: $crate::Extra::from_map(extra),
                        })
                    }
                }
                deserializer.deserialize_map(Fields)
            }
        }
    };
}

pub(crate) use wire_object;

/// An object key, borrowed from the input when it has no escapes (serde's
/// own `Cow<str>` always allocates).
pub(crate) struct Key<'de>(pub(crate) std::borrow::Cow<'de, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> serde::de::Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object key")
            }

            fn visit_borrowed_str<E>(self, key: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(std::borrow::Cow::Borrowed(key)))
            }

            fn visit_str<E>(self, key: &str) -> Result<Key<'de>, E> {
                Ok(Key(std::borrow::Cow::Owned(key.to_owned())))
            }

            fn visit_string<E>(self, key: String) -> Result<Key<'de>, E> {
                Ok(Key(std::borrow::Cow::Owned(key)))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

/// The value of a field that was not sent: `None` for an `Option`, else the
/// "missing field" error.
pub(crate) fn absent<'de, T: Deserialize<'de>, E: serde::de::Error>(field: &'static str) -> Result<T, E> {
    T::deserialize(serde::de::value::UnitDeserializer::<E>::new()).map_err(|_: E| E::missing_field(field))
}

/// Unknown fields of a response object, kept as they came (the Python
/// client's `**kwargs`).
///
/// `Debug` lists only the field names: an unknown field may well hold a
/// secret this version does not know to redact.
#[derive(Clone, Default, PartialEq)]
pub struct Extra(Map<String, Value>);

impl Extra {
    pub(crate) fn from_map(map: Map<String, Value>) -> Extra {
        Extra(map)
    }

    /// The value of an unknown field.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.0.get(name)
    }

    /// The names of the unknown fields.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.0.keys().map(String::as_str)
    }

    /// How many unknown fields there are.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the server sent no unknown fields.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Extra {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.0.keys()).finish()
    }
}

/// The JSON kind a field of a response must have.
#[derive(Clone, Copy)]
pub(crate) enum Kind {
    /// A whole number (`i64` or `u64` as the field needs).
    Integer,
    /// A non-negative whole number.
    Unsigned,
    String,
    Bool,
    /// An array of objects of the given shape.
    Objects(&'static [Field]),
}

/// One field of a response object, as the protocol describes it.
pub(crate) struct Field {
    pub(crate) name: &'static str,
    pub(crate) kind: Kind,
    pub(crate) required: bool,
}

impl Field {
    pub(crate) const fn required(name: &'static str, kind: Kind) -> Field {
        Field {
            name,
            kind,
            required: true,
        }
    }

    /// May be missing or `null`.
    pub(crate) const fn optional(name: &'static str, kind: Kind) -> Field {
        Field {
            name,
            kind,
            required: false,
        }
    }
}

/// Explains why `body` did not decode, naming the field and the kind found,
/// never the value (serde_json's own messages quote values, and a value may
/// be a secret).
fn explain(body: &[u8], shape: &[Field], error: &serde_json::Error) -> String {
    if error.is_syntax() || error.is_eof() {
        let what = if body.is_empty() {
            "the body is empty, expected JSON"
        } else {
            "malformed JSON"
        };
        return format!("{what} (line {}, column {})", error.line(), error.column());
    }
    let value: Value = match serde_json::from_slice(body) {
        Ok(value) => value,
        Err(_) => return "malformed JSON".to_owned(),
    };
    check_object(&value, shape, "").unwrap_or_else(|| {
        format!(
            "a value does not match the protocol (line {}, column {})",
            error.line(),
            error.column()
        )
    })
}

fn check_object(value: &Value, shape: &[Field], path: &str) -> Option<String> {
    let Value::Object(map) = value else {
        let at = if path.is_empty() {
            "the body".to_owned()
        } else {
            format!("`{path}`")
        };
        return Some(format!("{at}: expected an object, found {}", kind_name(value)));
    };
    for field in shape {
        let path = if path.is_empty() {
            field.name.to_owned()
        } else {
            format!("{path}.{}", field.name)
        };
        match map.get(field.name) {
            None | Some(Value::Null) if !field.required => {}
            None => return Some(format!("missing field `{path}`")),
            Some(value) => {
                if let Some(problem) = check_value(value, field.kind, &path) {
                    return Some(problem);
                }
            }
        }
    }
    None
}

fn check_value(value: &Value, kind: Kind, path: &str) -> Option<String> {
    let fits = match kind {
        Kind::Integer => value.as_i64().is_some(),
        Kind::Unsigned => value.as_u64().is_some(),
        Kind::String => value.is_string(),
        Kind::Bool => value.is_boolean(),
        Kind::Objects(shape) => {
            let Value::Array(items) = value else {
                return Some(format!(
                    "field `{path}`: expected an array, found {}",
                    kind_name(value)
                ));
            };
            return items
                .iter()
                .enumerate()
                .find_map(|(i, item)| check_object(item, shape, &format!("{path}[{i}]")));
        }
    };
    if fits {
        return None;
    }
    let expected = match kind {
        Kind::Integer => "an integer",
        Kind::Unsigned => "a non-negative integer",
        Kind::String => "a string",
        Kind::Bool => "a boolean",
        Kind::Objects(_) => "an array",
    };
    Some(format!(
        "field `{path}`: expected {expected}, found {}",
        kind_name(value)
    ))
}

fn kind_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if n.is_f64() => "a fractional number",
        Value::Number(n) if n.is_i64() && n.as_i64() < Some(0) => "a negative integer",
        Value::Number(_) => "an integer out of range",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpt_folds_white_space_and_stops_at_200_characters() {
        assert_eq!(
            excerpt(b"<html>\n  <b>Bad\tGateway</b>\r\n</html>"),
            "<html> <b>Bad Gateway</b> </html>"
        );
        assert_eq!(excerpt("é".repeat(500).as_bytes()).chars().count(), 200);
        assert_eq!(excerpt(&[0xff, 0xfe, b'x']), "\u{fffd}\u{fffd}x");
    }

    #[test]
    fn explanations_name_fields_but_never_values() {
        const SHAPE: &[Field] = &[
            Field::required("id", Kind::Integer),
            Field::optional("label", Kind::String),
        ];
        let body = br#"{"id":"sk_live_value","label":7}"#;
        let error = serde_json::from_slice::<u64>(br#""x""#).unwrap_err();
        let detail = explain(body, SHAPE, &error);
        assert_eq!(detail, "field `id`: expected an integer, found a string");
        assert!(!detail.contains("sk_live_value"));
    }
}
