//! The usage recorded for the quandela dialect's job tokens (the control
//! plane's `POST /_steps/usage`, `Emulator::record_usage`), and the sums
//! `quandela.usage.report` gives of it (`docs/quandela.md` E14).

use std::collections::BTreeMap;

use crate::store::entries::UsageEntry;
use crate::store::Store;

/// The usage of one token on one platform within a window.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct PlatformUsage {
    pub(crate) nb_jobs: u64,
    pub(crate) duration_seconds: u64,
    pub(crate) credits: f64,
    pub(crate) free_credits: f64,
}

impl Store {
    /// Entries jobs run with a token: `token_id` must name an existing
    /// token, `platform_name` must not be empty, the credits must be
    /// finite and not negative. Otherwise nothing changes, and the answer
    /// says why.
    pub(crate) fn record_usage(&mut self, record: UsageEntry) -> Result<(), &'static str> {
        if !self.quandela.tokens.contains_key(&record.token_id) {
            return Err("field `token_id` names no token");
        }
        if record.platform_name.is_empty() {
            return Err("field `platform_name` must not be empty");
        }
        let credit = |c: f64| c.is_finite() && c >= 0.0;
        if !credit(record.credits) || !credit(record.free_credits) {
            return Err("fields `credits` and `free_credits` must be numbers, at least 0");
        }
        self.quandela.usage.push(record);
        Ok(())
    }

    /// The usage of token `id` recorded at a time in `[start, end)` (a
    /// bound that is `None` is no bound), summed by platform, by platform
    /// name.
    pub(crate) fn usage_of(
        &self,
        id: i64,
        start: Option<i64>,
        end: Option<i64>,
    ) -> BTreeMap<String, PlatformUsage> {
        let mut sums: BTreeMap<String, PlatformUsage> = BTreeMap::new();
        let within = |at: u64| {
            let at = i128::from(at);
            start.is_none_or(|start| at >= i128::from(start)) && end.is_none_or(|end| at < i128::from(end))
        };
        for record in &self.quandela.usage {
            if record.token_id != id || !within(record.at) {
                continue;
            }
            let sum = sums.entry(record.platform_name.clone()).or_default();
            sum.nb_jobs = sum.nb_jobs.saturating_add(record.nb_jobs);
            sum.duration_seconds = sum.duration_seconds.saturating_add(record.duration_seconds);
            sum.credits += record.credits;
            sum.free_credits += record.free_credits;
        }
        sums
    }
}
