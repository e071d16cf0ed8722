//! What a run is given: the accounts it logs in with, the profile, and
//! the hooks that hold a create open or move the server's clock; and how
//! the kit waits out expiry and grace periods with or without them.

use std::time::Duration;

/// The accounts the kit logs in with: one admin, two users.
#[derive(Clone, Debug)]
pub struct Accounts {
    /// An admin's email and password.
    pub admin: (String, String),
    /// A user's email and password.
    pub user: (String, String),
    /// Another user's email and password.
    pub other: (String, String),
}

/// Which checks the kit runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Profile {
    /// Protocol v1.
    V1,
    /// Protocol v1, then v2's discovery and the features offered.
    V2,
    /// The Quandela cloud's token API as our SDK speaks it
    /// (`docs/quandela.md`), run by `run_quandela` with job tokens.
    Quandela,
}

/// How the kit runs: [`Options::default`] picks the profile by what the
/// server advertises and skips the check it cannot make portably.
#[derive(Default)]
#[non_exhaustive]
pub struct Options<'a> {
    /// The profile to run; `None` asks the server (`GET /api/meta`): v2
    /// when it answers protocol 2 or later, else v1.
    pub profile: Option<Profile>,
    /// Makes the server hold its next `job_token.create` open for at least
    /// [`HOLD`] once it has passed its checks, so that the kit can send a
    /// second request while the first is in progress (409). Without it
    /// that check is skipped.
    pub hold_next_create: Option<Box<dyn Fn() + Send + Sync + 'a>>,
    /// Moves the server's clock forward by the duration given (whole
    /// seconds), so that expiry and grace periods end without waiting.
    /// Without it the kit sleeps through short ones in real time.
    pub advance_clock: Option<Box<dyn Fn(Duration) + Send + Sync + 'a>>,
}

impl std::fmt::Debug for Options<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Options")
            .field("profile", &self.profile)
            .field("hold_next_create", &self.hold_next_create.is_some())
            .field("advance_clock", &self.advance_clock.is_some())
            .finish()
    }
}

impl<'a> Options<'a> {
    /// The defaults.
    pub fn new() -> Self {
        Options::default()
    }

    /// Runs `profile`, whatever the server advertises.
    pub fn profile(mut self, profile: Profile) -> Self {
        self.profile = Some(profile);
        self
    }

    /// Sets [`Options::hold_next_create`].
    pub fn hold_next_create(mut self, hold: impl Fn() + Send + Sync + 'a) -> Self {
        self.hold_next_create = Some(Box::new(hold));
        self
    }

    /// Sets [`Options::advance_clock`].
    pub fn advance_clock(mut self, advance: impl Fn(Duration) + Send + Sync + 'a) -> Self {
        self.advance_clock = Some(Box::new(advance));
        self
    }
}

/// How long [`Options::hold_next_create`] must hold a create open.
pub const HOLD: Duration = Duration::from_millis(1_500);

/// Lets `seconds` pass on the server's clock since `since` (taken once
/// the server had answered what starts the wait): moved by
/// [`Options::advance_clock`], else slept through, with a margin. Callers
/// ask for a second more than the expiry or grace they wait out, since
/// servers count whole seconds.
pub(crate) async fn pass(options: &Options<'_>, since: tokio::time::Instant, seconds: u64) {
    match &options.advance_clock {
        Some(advance) => advance(Duration::from_secs(seconds)),
        None => {
            let margin = Duration::from_millis(150);
            tokio::time::sleep_until(since + Duration::from_secs(seconds) + margin).await;
        }
    }
}

/// The grace period the rotation checks give: 30 s when the kit can move
/// the server's clock, else 2 s of real time (the kit checks an old secret
/// within the first second of its grace, and sleeps past its end).
pub(crate) fn grace_seconds(options: &Options<'_>) -> u64 {
    if options.advance_clock.is_some() {
        30
    } else {
        2
    }
}
