//! Reading a response's status: success, a redirect (never followed), or
//! the typed error for the protocol's error body or any other body.

use std::marker::PhantomData;
use std::time::Duration;

use bytes::Bytes;
use http::header;
use http::Response;
use serde_core::de::{DeserializeOwned, DeserializeSeed};

use super::shape::{explain, FieldType, Shaped};
use crate::error::{ApiError, DecodeError, UnexpectedBody};
use crate::ResponseError;

/// The header servers use to name a request in their logs.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// The header a v2 server adds to a create it answers from its idempotency
/// store instead of creating again.
pub const IDEMPOTENT_REPLAYED_HEADER: &str = "idempotent-replayed";

/// [`IDEMPOTENT_REPLAYED_HEADER`] as a header name: looking a `&str` up
/// parses it again on every call, which every create paid.
const IDEMPOTENT_REPLAYED: header::HeaderName = header::HeaderName::from_static(IDEMPOTENT_REPLAYED_HEADER);

/// Whether `response` is a v2 server's replay of an earlier answer.
pub(crate) fn is_replay(response: &Response<Bytes>) -> bool {
    response
        .headers()
        .get(&IDEMPOTENT_REPLAYED)
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"true"))
}

/// The most characters of an unexpected body or a header kept in an error.
const EXCERPT_CHARS: usize = 200;

/// Reads a 2xx JSON body into `T`, or turns any other response into its
/// error. A body that fails to decode is explained by field from `T`'s
/// shape, without quoting what the field held.
pub(crate) fn json_body<T: DeserializeOwned + Shaped>(
    operation: &'static str,
    response: &Response<Bytes>,
) -> Result<T, ResponseError> {
    json_body_with(operation, response, FieldType::Object(T::SHAPE), PhantomData::<T>)
}

/// Reads a 2xx body that is a bare JSON array of `T` (the Quandela cloud's
/// lists), or turns any other response into its error.
pub(crate) fn json_array<T: DeserializeOwned + Shaped>(
    operation: &'static str,
    response: &Response<Bytes>,
) -> Result<Vec<T>, ResponseError> {
    json_body_with(
        operation,
        response,
        FieldType::Objects(T::SHAPE),
        PhantomData::<Vec<T>>,
    )
}

/// [`json_body`] through a seed: for a decoder that needs more than the
/// body (a list page checks ids against its cursor as it reads them). A
/// body that fails to decode is explained from `shape`.
pub(crate) fn json_body_with<'de, S: DeserializeSeed<'de>>(
    operation: &'static str,
    response: &'de Response<Bytes>,
    shape: FieldType,
    seed: S,
) -> Result<S::Value, ResponseError> {
    check_status(operation, response)?;
    let status = response.status();
    // What `serde_json::from_slice` does: the value, then nothing but
    // whitespace after it.
    let mut deserializer = serde_json::Deserializer::from_slice(response.body());
    seed.deserialize(&mut deserializer)
        .and_then(|value| deserializer.end().map(|()| value))
        .map_err(|error| {
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
    // `{"error": "..."}` (both dialects; the Quandela cloud adds
    // `detail`), or a validation error's `{"message": "...", "detail":
    // {...}}` (the Quandela cloud's 422).
    super::plain_object! {
        struct ErrorBody {
            error: Option<String>,
            message: Option<String>,
            detail: Option<serde_json::Value>,
        }
    }
    let status = response.status();
    let request_id = header_text(response, REQUEST_ID_HEADER);
    let retry_after = retry_after(response);
    let body = serde_json::from_slice::<ErrorBody>(response.body()).ok();
    match body.and_then(|b| Some((b.error.or(b.message)?, b.detail))) {
        Some((message, detail)) => ResponseError::Api(ApiError {
            operation,
            status,
            message: scrub(&message),
            request_id,
            retry_after,
            detail: detail.filter(|d| !d.is_null()).map(scrub_value),
        }),
        None => ResponseError::UnexpectedBody(UnexpectedBody {
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
    let value: String = value.chars().take(EXCERPT_CHARS).collect();
    Some(scrub(&value))
}

/// `text` with anything shaped like a secret replaced: the protocol's
/// token shapes (`stl_…`, `stj_…`, `stk_…`), the Quandela cloud's
/// (`_T_…`) and `Bearer …` credentials.
/// A server's message or error page is shown to users and logged, and a
/// careless server may echo the token it was sent.
pub(crate) fn scrub(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some((at, len, keep)) = next_secret(rest) {
        out.push_str(&rest[..at + keep]);
        out.push_str("<redacted>");
        rest = &rest[at + len..];
    }
    out.push_str(rest);
    out
}

/// `value` with every string in it scrubbed (keys too): a validation
/// error's `detail` may quote what was sent.
fn scrub_value(value: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::String(text) => Value::String(scrub(&text)),
        Value::Array(items) => Value::Array(items.into_iter().map(scrub_value).collect()),
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| (scrub(&k), scrub_value(v)))
                .collect(),
        ),
        other => other,
    }
}

/// The next secret-shaped run in `text`: where it starts, how long it is,
/// and how much of its start to keep (`stl_`, `Bearer `).
fn next_secret(text: &str) -> Option<(usize, usize, usize)> {
    let bytes = text.as_bytes();
    let is_token_byte = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.';
    let run = |from: usize| bytes[from..].iter().take_while(|b| is_token_byte(**b)).count();
    (0..bytes.len()).find_map(|i| {
        let boundary = i == 0 || !is_token_byte(bytes[i - 1]);
        if !boundary {
            return None;
        }
        let tail = &bytes[i..];
        if tail.len() > 4
            && tail[0] == b's'
            && tail[1] == b't'
            && matches!(tail[2], b'l' | b'j' | b'k')
            && tail[3] == b'_'
        {
            let len = 4 + run(i + 4);
            return (len > 4).then_some((i, len, 4));
        }
        // The Quandela cloud's secrets: `_T_eyJ…`.
        if tail.len() > 3 && tail.starts_with(b"_T_") {
            let len = 3 + run(i + 3);
            return (len > 3).then_some((i, len, 3));
        }
        if tail.len() > 7 && tail[..7].eq_ignore_ascii_case(b"bearer ") {
            let len = 7 + run(i + 7);
            return (len > 7).then_some((i, len, 7));
        }
        None
    })
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
    scrub(out.trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_shapes_are_scrubbed_from_what_servers_say() {
        assert_eq!(
            scrub("token stl_abc-DEF.1 refused; Bearer eyJhbGciOi.x sent"),
            "token stl_<redacted> refused; Bearer <redacted> sent"
        );
        assert_eq!(scrub("stj_x and stk_y"), "stj_<redacted> and stk_<redacted>");
        assert_eq!(
            scrub("Invalid token: _T_eyJhbGc.eyJzdWIi.sig-_x"),
            "Invalid token: _T_<redacted>"
        );
        assert_eq!(
            scrub("a_T_x _T_"),
            "a_T_x _T_",
            "inside a word, or the prefix alone"
        );
        // Not token shapes: inside a word, or a prefix alone.
        assert_eq!(
            scrub("first_stl_x cost stl_ bearer"),
            "first_stl_x cost stl_ bearer"
        );
        assert_eq!(scrub("é stl_é"), "é stl_é");
    }

    #[test]
    fn excerpt_folds_white_space_and_stops_at_200_characters() {
        assert_eq!(
            excerpt(b"<html>\n  <b>Bad\tGateway</b>\r\n</html>"),
            "<html> <b>Bad Gateway</b> </html>"
        );
        assert_eq!(excerpt("é".repeat(500).as_bytes()).chars().count(), 200);
        assert_eq!(excerpt(&[0xff, 0xfe, b'x']), "\u{fffd}\u{fffd}x");
    }
}
