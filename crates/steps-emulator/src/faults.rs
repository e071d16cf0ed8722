//! Fault injection: deterministic rules that make chosen requests slow,
//! failed, cut off or garbled, for testing clients on bad networks.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use serde::Deserialize;

/// One fault rule: which requests it hits and what it does to them.
///
/// Rules are read from JSON (`--faults FILE` holds an array of them):
///
/// ```
/// let rules: Vec<steps_emulator::FaultRule> = serde_json::from_str(r#"[
///   {"operation": "job_token.read", "when": {"first": 2}, "fault": {"kind": "status", "status": 503, "retry_after": 1}},
///   {"when": {"every": 10}, "fault": {"kind": "latency", "ms": 200}},
///   {"operation": "job_token.create", "fault": {"kind": "close"}}
/// ]"#).unwrap();
/// assert_eq!(rules.len(), 3);
/// ```
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultRule {
    /// The operation it applies to, by the protocol's name (`login`,
    /// `whoami`, `job_token.create`, `api_key.list`, ...); all when absent.
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
#[derive(Clone, Copy, Debug, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
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
#[derive(Clone, Debug, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Fault {
    /// Waits this long, then handles the request normally.
    Latency {
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
    /// Reads the request, then closes the connection without answering.
    Close,
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
    /// Answers 200 with a valid JSON body this many bytes long.
    LargeBody {
        /// The body's size.
        bytes: usize,
    },
    /// Panics inside the handler (the server answers 500 and lives on).
    Panic,
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
}
