//! What Rust tests get from, and give to, an emulator serving the quandela
//! dialect (`docs/quandela.md`): the job tokens it minted at start
//! ([`MintedToken`]) and the usage it reports ([`JobUsage`]).

use std::fmt;

/// A job token an emulator in quandela mode minted for an account at
/// start (label `steps-emulator`, ten years, priority 0), as its banner
/// prints it: usable at once on `/api/tokens*`.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct MintedToken {
    /// The account's email.
    pub email: String,
    /// The account's user id.
    pub user_id: i64,
    /// The token's id.
    pub token_id: i64,
    /// The token itself (`_T_...`): a secret.
    pub token: String,
}

impl fmt::Debug for MintedToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MintedToken")
            .field("email", &self.email)
            .field("user_id", &self.user_id)
            .field("token_id", &self.token_id)
            .field("token", &"<redacted>")
            .finish()
    }
}

/// Jobs run with a quandela job token on one platform: what
/// `quandela.usage.report` sums (`docs/quandela.md`, the control plane's
/// `POST /_steps/usage`), given to
/// [`Emulator::record_usage`](crate::Emulator::record_usage).
///
/// ```
/// use steps_emulator::JobUsage;
///
/// let usage = JobUsage::new(1, "sim:slos", 3).duration_seconds(42).credits(1.5, 0.0).at(1_800_000_000);
/// assert_eq!((usage.nb_jobs, usage.at), (3, Some(1_800_000_000)));
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct JobUsage {
    /// The token's id.
    pub token_id: i64,
    /// The platform, such as `qpu:belenos` or `sim:slos`; not empty.
    pub platform_name: String,
    /// How many jobs.
    pub nb_jobs: u64,
    /// How long they ran, in seconds.
    pub duration_seconds: u64,
    /// Credits spent: a finite number, at least 0.
    pub credits: f64,
    /// Free credits spent: a finite number, at least 0.
    pub free_credits: f64,
    /// When, in Unix seconds of the emulator's clock; `None`: now.
    pub at: Option<u64>,
}

impl JobUsage {
    /// `nb_jobs` jobs on `platform_name` with token `token_id`, now, for
    /// no time and no credits.
    pub fn new(token_id: i64, platform_name: impl Into<String>, nb_jobs: u64) -> Self {
        JobUsage {
            token_id,
            platform_name: platform_name.into(),
            nb_jobs,
            duration_seconds: 0,
            credits: 0.0,
            free_credits: 0.0,
            at: None,
        }
    }

    /// Sets [`JobUsage::duration_seconds`].
    pub fn duration_seconds(mut self, seconds: u64) -> Self {
        self.duration_seconds = seconds;
        self
    }

    /// Sets [`JobUsage::credits`] and [`JobUsage::free_credits`].
    pub fn credits(mut self, credits: f64, free_credits: f64) -> Self {
        self.credits = credits;
        self.free_credits = free_credits;
        self
    }

    /// Sets [`JobUsage::at`].
    pub fn at(mut self, unix_seconds: u64) -> Self {
        self.at = Some(unix_seconds);
        self
    }
}
