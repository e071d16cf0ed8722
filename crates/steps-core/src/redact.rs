//! Taking the exact secrets a request carried out of what its server
//! answered. Messages are already scrubbed of secret-shaped text
//! (`wire::response::scrub`); a secret of no known shape (a password, a
//! token of another form) that a careless server echoes is caught here,
//! by value, by whoever knows what was sent (the transport does, for the
//! credential and [`Operation::for_each_secret`](crate::Operation::for_each_secret)).

use crate::ResponseError;

/// What a secret found in an answer becomes.
const REDACTED: &str = "<redacted>";

/// Secrets shorter than this are not looked for: a two-letter password
/// would redact half of every message, and says nothing by itself.
const SHORTEST: usize = 4;

impl ResponseError {
    /// Replaces every occurrence of `secret` in the error's texts (the
    /// server's message and `detail`, a body excerpt, a `Location`, a
    /// request id) with `<redacted>`.
    pub fn redact(&mut self, secret: &str) {
        if secret.len() < SHORTEST {
            return;
        }
        let text = |value: &mut String| {
            if value.contains(secret) {
                *value = value.replace(secret, REDACTED);
            }
        };
        match self {
            ResponseError::Api(error) => {
                text(&mut error.message);
                error.request_id.as_mut().map(text);
                if let Some(detail) = &mut error.detail {
                    redact_value(detail, secret);
                }
            }
            ResponseError::UnexpectedBody(error) => {
                text(&mut error.excerpt);
                error.request_id.as_mut().map(text);
                error.content_type.as_mut().map(text);
            }
            ResponseError::Redirect { location, .. } => {
                location.as_mut().map(text);
            }
            ResponseError::Decode(error) => text(&mut error.detail),
        }
    }
}

fn redact_value(value: &mut serde_json::Value, secret: &str) {
    use serde_json::Value;
    match value {
        Value::String(text) if text.contains(secret) => *text = text.replace(secret, REDACTED),
        Value::Array(items) => items.iter_mut().for_each(|item| redact_value(item, secret)),
        Value::Object(map) => {
            let keys: Vec<String> = map.keys().filter(|k| k.contains(secret)).cloned().collect();
            for key in keys {
                if let Some(v) = map.remove(&key) {
                    map.insert(key.replace(secret, REDACTED), v);
                }
            }
            map.values_mut().for_each(|item| redact_value(item, secret));
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;

    use crate::{Operation, Whoami};

    #[test]
    fn a_secret_of_no_known_shape_is_taken_out_of_every_text() {
        let response = http::Response::builder()
            .status(403)
            .header("x-request-id", "req-hunter22")
            .body(Bytes::from_static(
                br#"{"error":"password hunter22 is wrong","detail":{"hunter22":["was hunter22"]}}"#,
            ))
            .expect("a response");
        let mut error = Whoami.parse_response(response).expect_err("403");
        error.redact("hunter22");
        let shown = format!("{error} {error:?}");
        assert!(!shown.contains("hunter22"), "{shown}");
        assert!(shown.contains("password <redacted> is wrong"), "{shown}");
        let mut short = Whoami
            .parse_response(
                http::Response::builder()
                    .status(403)
                    .body(Bytes::from_static(br#"{"error":"no pw"}"#))
                    .expect("a response"),
            )
            .expect_err("403");
        short.redact("pw");
        assert!(short.to_string().contains("no pw"), "too short to look for");
    }
}
