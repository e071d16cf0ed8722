//! Reading a response's status: success, a redirect (never followed), or
//! the typed error for the protocol's error body or any other body.

use std::time::Duration;

use bytes::Bytes;
use http::header;
use http::Response;
use serde::de::DeserializeOwned;
use serde::Deserialize;

use super::shape::{explain, Shaped};
use crate::error::{ApiError, DecodeError, UnexpectedBody};
use crate::ResponseError;

/// The header servers use to name a request in their logs.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// The most characters of an unexpected body or a header kept in an error.
const EXCERPT_CHARS: usize = 200;

/// Reads a 2xx JSON body into `T`, or turns any other response into its
/// error. A body that fails to decode is explained by field from `T`'s
/// shape, without quoting what the field held.
pub(crate) fn json_body<T: DeserializeOwned + Shaped>(
    operation: &'static str,
    response: &Response<Bytes>,
) -> Result<T, ResponseError> {
    check_status(operation, response)?;
    let status = response.status();
    serde_json::from_slice(response.body()).map_err(|error| {
        let detail = explain(response.body(), T::SHAPE, &error);
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
}
