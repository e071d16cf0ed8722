//! The kit's report: each check's outcome, in the order run, and how
//! checks are recorded as passed, failed or skipped.

use crate::conformance::harness::options::Profile;

/// One check's outcome.
#[derive(Clone, Debug)]
pub struct Check {
    /// What was checked.
    pub name: String,
    /// `None` when it passed (or was skipped), else what went wrong.
    pub failure: Option<String>,
    /// `Some(why)` when it was not run.
    pub skipped: Option<String>,
}

/// The suite's outcome.
#[derive(Debug)]
pub struct Report {
    /// The profile that ran.
    pub profile: Profile,
    /// Every check, in order.
    pub checks: Vec<Check>,
}

impl Report {
    /// The checks that failed.
    pub fn failures(&self) -> Vec<&Check> {
        self.checks.iter().filter(|c| c.failure.is_some()).collect()
    }

    /// The checks that were not run.
    pub fn skipped(&self) -> Vec<&Check> {
        self.checks.iter().filter(|c| c.skipped.is_some()).collect()
    }

    /// Records the check `name`: passed if `ok`, else failed with
    /// `detail`.
    pub(crate) fn check(&mut self, name: impl Into<String>, ok: bool, detail: impl FnOnce() -> String) {
        self.checks.push(Check {
            name: name.into(),
            failure: (!ok).then(detail),
            skipped: None,
        });
    }

    /// Records the check `name` as not run, and why.
    pub(crate) fn skip(&mut self, name: impl Into<String>, why: impl Into<String>) {
        self.checks.push(Check {
            name: name.into(),
            failure: None,
            skipped: Some(why.into()),
        });
    }
}
