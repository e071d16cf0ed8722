//! Fault injection: deterministic rules that make chosen requests slow,
//! failed, cut off or garbled, for testing clients on bad networks; and
//! what each fault does to the request it hits.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::header::{self, HeaderValue};
use http::{Response, StatusCode};
use serde::{Deserialize, Serialize};

use crate::body::ResponseBody;
use crate::dialect::Api;
use crate::render::{self, Failure, Outcome};

/// One fault rule: which requests it hits and what it does to them.
///
/// Rules are read from JSON (`--faults FILE` holds an array of them):
///
/// ```
/// let rules: Vec<steps_emulator::FaultRule> = serde_json::from_str(r#"[
///   {"operation": "job_token.read", "when": {"first": 2}, "fault": {"kind": "status", "status": 503, "retry_after": 1}},
///   {"when": {"every": 10}, "fault": {"kind": "latency", "ms": 200}},
///   {"operation": "job_token.create", "fault": {"kind": "close"}},
///   {"operation": "job_token.delete", "when": {"first": 1}, "fault": {"kind": "close_after_handled"}},
///   {"operation": "api_key.create", "when": {"first": 1}, "fault": {"kind": "slow_handler", "ms": 1000}}
/// ]"#).unwrap();
/// assert_eq!(rules.len(), 5);
/// ```
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct FaultRule {
    /// The operation it applies to, by the protocol's name (`login`,
    /// `whoami`, `job_token.create`, `api_key.list`, `meta`, ...) or, in
    /// quandela mode, the dialect's (`quandela.token.list`,
    /// `quandela.usage.report`, ...); all when absent.
    #[serde(default)]
    pub operation: Option<String>,
    /// Which of the matching requests it hits.
    #[serde(default)]
    pub when: When,
    /// What it does.
    pub fault: Fault,
}

impl FaultRule {
    /// A rule that hits every request to `operation` (or all when `None`).
    pub fn new(operation: Option<&str>, when: When, fault: Fault) -> Self {
        FaultRule {
            operation: operation.map(str::to_owned),
            when,
            fault,
        }
    }
}

/// Which of the requests matching a rule it hits, counted from 1.
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum When {
    /// Every one.
    #[default]
    Always,
    /// The first N.
    First(u64),
    /// Every k-th (the k-th, the 2k-th, ...).
    Every(u64),
}

/// What a fault does to a request.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
#[non_exhaustive]
pub enum Fault {
    /// Waits this long, before the request is read, then handles it
    /// normally (a slow network, or a slow server).
    Latency {
        /// The delay in milliseconds.
        ms: u64,
    },
    /// Handles the request slowly: once it has passed every check (and
    /// claimed its idempotency key, if it carries one), waits this long
    /// before its handler runs. A request refused by a check is answered
    /// at once. While it waits, another request with its idempotency key
    /// is answered 409 (protocol v2): what holds a create open in tests.
    SlowHandler {
        /// The delay in milliseconds.
        ms: u64,
    },
    /// Answers this status with a JSON error, without handling the request.
    Status {
        /// The status code.
        status: u16,
        /// `Retry-After` seconds to send (429 and 503 send 1 when absent).
        #[serde(default)]
        retry_after: Option<u64>,
    },
    /// Reads the request, then closes the connection without answering:
    /// the request had no effect.
    Close,
    /// Handles the request (a create creates, a delete deletes, a login
    /// mints a token), then closes the connection without answering: the
    /// client cannot tell that it took effect.
    CloseAfterHandled,
    /// Answers 200 with a `Content-Length` larger than the body it sends,
    /// then closes the connection.
    Truncate,
    /// Answers 200 with a body that is not valid JSON.
    InvalidJson,
    /// Answers this status with an HTML page, as a proxy would.
    Html {
        /// The status code.
        status: u16,
    },
    /// Answers 200 with a valid JSON body this many bytes long, at most
    /// [`MAX_LARGE_BODY`]: a larger size in a faults file is refused when
    /// the file is read, and one built in code is sent as the maximum.
    LargeBody {
        /// The body's size.
        #[serde(deserialize_with = "large_body_size")]
        bytes: usize,
    },
    /// Panics inside the handler, once the request has passed every check
    /// (the server answers 500 and lives on; an idempotency key the
    /// request claimed is free again).
    Panic,
}

/// The largest body a [`Fault::LargeBody`] sends: 64 MiB, far past any
/// client's response limit, and small enough that no faults file can make
/// the emulator allocate what it cannot.
pub const MAX_LARGE_BODY: usize = 64 << 20;

/// `LargeBody`'s size as a faults file gives it: at most [`MAX_LARGE_BODY`].
fn large_body_size<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<usize, D::Error> {
    let bytes = u64::deserialize(deserializer)?;
    match usize::try_from(bytes) {
        Ok(bytes) if bytes <= MAX_LARGE_BODY => Ok(bytes),
        _ => Err(serde::de::Error::custom(format_args!(
            "a large_body fault sends at most {MAX_LARGE_BODY} bytes (64 MiB), not {bytes}"
        ))),
    }
}

impl Fault {
    /// What the fault does before the request is read: waits.
    async fn act(&self) {
        if let Fault::Latency { ms } = self {
            tokio::time::sleep(Duration::from_millis(*ms)).await;
        }
    }

    /// Whether the fault lets the handler run and then closes the
    /// connection instead of sending its answer.
    fn closes_after_handling(&self) -> bool {
        matches!(self, Fault::CloseAfterHandled)
    }

    /// How long the fault holds the request just before its handler runs.
    fn handler_delay(&self) -> Duration {
        match self {
            Fault::SlowHandler { ms } => Duration::from_millis(*ms),
            _ => Duration::ZERO,
        }
    }

    /// The answer the fault gives instead of the handler's, if it replaces
    /// it; a JSON error as `api` spells it.
    fn answer(&self, api: Api) -> Option<Outcome> {
        let status_of = |code: u16| StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let response = match *self {
            Fault::Latency { .. } | Fault::SlowHandler { .. } | Fault::Panic | Fault::CloseAfterHandled => {
                return None
            }
            Fault::Close => return Some(Outcome::Close),
            Fault::Status { status, retry_after } => {
                let status = status_of(status);
                let mut response = Failure::new(status, "injected fault")
                    .in_dialect(api)
                    .into_response();
                let retry_after = retry_after.or(matches!(
                    status,
                    StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE
                )
                .then_some(1));
                if let Some(seconds) = retry_after {
                    response
                        .headers_mut()
                        .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
                }
                response
            }
            Fault::Truncate => {
                let body = br#"{"token_id":1,"user_id":1,"label":null,"duration":99999,"created_at":1,"expires_at":100000}"#;
                let mut response =
                    Response::new(ResponseBody::Truncated(Some(Bytes::from_static(&body[..20]))));
                response
                    .headers_mut()
                    .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
                response
                    .headers_mut()
                    .insert(header::CONTENT_LENGTH, HeaderValue::from(body.len()));
                response
            }
            Fault::InvalidJson => render::json_bytes(&br#"{"token_id": 1, "user_id": "#[..]),
            Fault::Html { status } => {
                let mut response = Response::new(ResponseBody::whole(
                    &b"<html><head><title>Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>\n"[..],
                ));
                *response.status_mut() = status_of(status);
                response
                    .headers_mut()
                    .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html"));
                response
            }
            Fault::LargeBody { bytes } => {
                let mut body = vec![b' '; bytes.clamp(2, MAX_LARGE_BODY)];
                body[0] = b'{';
                let last = body.len() - 1;
                body[last] = b'}';
                render::json_bytes(body)
            }
        };
        Some(Outcome::Respond(response))
    }
}

/// What the faults that hit a request do once its body is read.
#[derive(Default)]
pub(crate) struct Struck {
    /// The answer of the first fault that replaces the handler's: the
    /// handler does not run.
    pub(crate) replacement: Option<Outcome>,
    /// Whether the handler runs and its answer is then dropped with the
    /// connection.
    pub(crate) close_after_handling: bool,
    /// How long the request waits just before its handler runs.
    handler_delay: Duration,
    /// Whether the handler panics.
    panics: bool,
}

impl Struck {
    /// What the faults do inside the handler, once the request has passed
    /// every check: wait, then panic.
    pub(crate) async fn in_handler(&self, operation: &str) {
        if !self.handler_delay.is_zero() {
            tokio::time::sleep(self.handler_delay).await;
        }
        if self.panics {
            panic!("a fault rule asked {operation} to panic");
        }
    }
}

/// Runs the faults that hit one request, in rule order: delays before the
/// request is read at once; says what the rest do once the request body is
/// read (so that the client has finished sending) and inside the handler.
/// An error they answer is spelt as `api` spells errors.
pub(crate) async fn strike(hits: &[Fault], api: Api) -> Struck {
    let mut struck = Struck::default();
    for fault in hits {
        fault.act().await;
        if struck.replacement.is_none() {
            struck.replacement = fault.answer(api);
        }
        struck.close_after_handling |= fault.closes_after_handling();
        struck.handler_delay = struck.handler_delay.saturating_add(fault.handler_delay());
        struck.panics |= matches!(fault, Fault::Panic);
    }
    struck
}

/// The rules in force, each with its count of matching requests.
#[derive(Default)]
pub(crate) struct FaultSet {
    rules: Vec<(FaultRule, Arc<AtomicU64>)>,
}

impl FaultSet {
    pub(crate) fn new(rules: Vec<FaultRule>) -> FaultSet {
        FaultSet {
            rules: rules.into_iter().map(|r| (r, Arc::default())).collect(),
        }
    }

    /// The rules, as they were given.
    pub(crate) fn rules(&self) -> Vec<FaultRule> {
        self.rules.iter().map(|(rule, _)| rule.clone()).collect()
    }

    /// The faults that hit this request to `operation`, counting it against
    /// every rule that matches its operation.
    pub(crate) fn hits(&self, operation: &str) -> Vec<Fault> {
        let mut hits = Vec::new();
        for (rule, count) in &self.rules {
            if rule.operation.as_deref().is_some_and(|op| op != operation) {
                continue;
            }
            let n = count.fetch_add(1, Ordering::Relaxed) + 1;
            let hit = match rule.when {
                When::Always => true,
                When::First(first) => n <= first,
                When::Every(k) => k > 0 && n % k == 0,
            };
            if hit {
                hits.push(rule.fault.clone());
            }
        }
        hits
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_count_their_own_matching_requests() {
        let set = FaultSet::new(vec![
            FaultRule::new(Some("whoami"), When::First(2), Fault::Close),
            FaultRule::new(None, When::Every(3), Fault::Panic),
        ]);
        let hits: Vec<usize> = (0..4).map(|_| set.hits("whoami").len()).collect();
        assert_eq!(hits, [1, 1, 1, 0]);
        assert_eq!(set.hits("login").len(), 0); // 5th overall, not a multiple of 3
        assert_eq!(set.hits("login").len(), 1); // 6th overall
    }

    #[test]
    fn a_large_body_is_at_most_64_mib_from_a_file_or_from_code() {
        let parse = |bytes: &str| {
            serde_json::from_str::<Fault>(&format!(r#"{{"kind":"large_body","bytes":{bytes}}}"#))
                .map_err(|e| e.to_string())
        };
        assert!(matches!(
            parse("67108864"),
            Ok(Fault::LargeBody { bytes: 67_108_864 })
        ));
        for too_large in ["67108865", "18446744073709551615", "1099511627776"] {
            let error = parse(too_large).expect_err(too_large);
            assert!(error.contains("at most 67108864 bytes"), "{error}");
        }
        assert!(parse("-1").is_err());
        // Built in code, a size past the cap is sent as the cap.
        let Some(Outcome::Respond(response)) = (Fault::LargeBody { bytes: usize::MAX }).answer(Api::Steps)
        else {
            panic!("a large body is an answer");
        };
        use http_body::Body;
        assert_eq!(response.body().size_hint().exact(), Some(MAX_LARGE_BODY as u64));
    }
}
