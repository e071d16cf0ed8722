//! The login a command uses: `--token` / `STEPS_TOKEN`, else the
//! profile's stored login for the API URL ([`App::credential`]), checked
//! for expiry, with the one warning when it expires within the window
//! (`--expiry-warning`, `STEPS_EXPIRY_WARNING`), and the session made with
//! it.

use std::time::SystemTime;

use steps::{Expiry, LoginToken, Secret, Session};

use crate::app::{from_unix, App};
use crate::cli::{Api, Origin};
use crate::credentials::Stored;
use crate::duration::{relative, timestamp};
use crate::error::CliError;
use crate::hint;
use crate::terminal;

/// The login token a command uses, and where it comes from.
pub(crate) enum Credential {
    /// `--token` or `STEPS_TOKEN` (the origin says which).
    Given { token: Secret, origin: Origin },
    /// The profile's login for the API URL, from the credentials file.
    Stored(Stored),
}

impl App {
    /// The error for a command that needs a login and has none.
    pub(crate) fn not_logged_in(&self) -> CliError {
        CliError::auth(format!(
            "not logged in to {}{}: run {}",
            self.api_url,
            self.profile_note(),
            self.hints.command(self.hints.login)
        ))
    }

    /// The login token in use: `--token` / `STEPS_TOKEN`, else the
    /// profile's stored login for the API URL; `None` when there is none.
    ///
    /// # Errors
    ///
    /// No config directory, an unsafe or invalid credentials file.
    pub(crate) fn credential(&self) -> Result<Option<Credential>, CliError> {
        if let Some(token) = self.global.token.clone().filter(|t| !t.is_empty()) {
            return Ok(Some(Credential::Given {
                token,
                origin: self.global.origins.token,
            }));
        }
        // Read once a command: a token in the OS credential store is a
        // round trip to it (and, on macOS, maybe a prompt).
        if let Some(stored) = self.stored_login.get() {
            return Ok(stored.clone().map(Credential::Stored));
        }
        let stored = self.store()?.load(&self.profile, &self.api_url)?;
        let _ = self.stored_login.set(stored.clone());
        Ok(stored.map(Credential::Stored))
    }

    /// The token of a stored login, unless it has expired; warns, once,
    /// when it expires within the warning window (`--expiry-warning`,
    /// `STEPS_EXPIRY_WARNING`; 24 hours unless set, 0 for no warning).
    ///
    /// # Errors
    ///
    /// The login has expired (exit 3).
    pub(crate) fn check_stored(&self, stored: &Stored) -> Result<Secret, CliError> {
        let mut token = LoginToken::from_secret(Secret::new(stored.token.as_str()));
        token.expires_at = stored.expires_at.and_then(from_unix);
        if self.client.expiry_of(&token) == Expiry::Expired {
            return Err(CliError::auth(format!(
                "the stored login for {}{} has expired: run {}",
                self.api_url,
                self.profile_note(),
                self.hints.command(&self.login_args(stored))
            )));
        }
        if let Some(at) = token.expires_at {
            self.warn_if_expiring(at, stored);
        }
        Ok(token.token)
    }

    /// Warns, once, when the login token `stored` expires at `at`, within
    /// the warning window: "your login token expires in 3h 12m (at ...)".
    ///
    /// The window is at most half the token's lifetime, where the login
    /// time is known (as the SDK's renewal margin is): a token that lives
    /// a day would otherwise be warned about from its first minute, and a
    /// warning on every command is one people learn to ignore.
    fn warn_if_expiring(&self, at: SystemTime, stored: &Stored) {
        let now = SystemTime::now();
        let Ok(left) = at.duration_since(now) else {
            return;
        };
        let lifetime = stored
            .logged_in_at
            .and_then(from_unix)
            .and_then(|logged_in| at.duration_since(logged_in).ok());
        let window = match lifetime {
            Some(lifetime) => self.global.expiry_warning.min(lifetime / 2),
            None => self.global.expiry_warning,
        };
        if left >= window || self.warned_expiry.replace(true) {
            return;
        }
        terminal::error_line(&format!(
            "warning: your login token for {}{} expires {} (at {}); run {} to renew it",
            self.api_url,
            self.profile_note(),
            relative(at, now),
            timestamp(at),
            self.hints.command(&self.login_args(stored))
        ));
    }

    /// Whether the stored login in use expires before `at`: `Some(its
    /// expiry)` when it does (a token given in `STEPS_TOKEN` or `--token`
    /// has no expiry known here).
    pub(crate) fn login_expires_before(&self, at: SystemTime) -> Result<Option<SystemTime>, CliError> {
        Ok(match self.credential()? {
            Some(Credential::Stored(stored)) => stored
                .expires_at
                .and_then(from_unix)
                .filter(|expires| *expires < at),
            _ => None,
        })
    }

    /// How `stored` was logged in, to do it again: `login --email EMAIL`,
    /// or `login --with-token` for a login made from a token.
    fn login_args(&self, stored: &Stored) -> String {
        match &stored.email {
            Some(email) => format!("login --email {}", hint::quoted(email)),
            None => "login --with-token".to_owned(),
        }
    }

    /// The login token in use, checked: see [`App::credential`] and
    /// [`App::check_stored`].
    ///
    /// # Errors
    ///
    /// Not logged in or expired (exit 3), and as [`App::credential`].
    pub(crate) fn login_token(&self) -> Result<Secret, CliError> {
        match self.credential()? {
            None => Err(self.not_logged_in()),
            Some(Credential::Given { token, .. }) => Ok(token),
            Some(Credential::Stored(stored)) => self.check_stored(&stored),
        }
    }

    /// A session with the login token in use.
    pub(crate) async fn session(&self) -> Result<Session, CliError> {
        let token = self.login_token()?;
        self.warn_if_cleartext("login token");
        self.session_with(token)
    }

    /// A session with `token`, the login in use: a login stored by `steps
    /// login --email` holds a user's login token, whose calls on the
    /// Quandela cloud go to the logged-in family (where a job token's
    /// would be refused).
    pub(crate) fn session_with(&self, token: Secret) -> Result<Session, CliError> {
        let from_email =
            matches!(self.credential()?, Some(Credential::Stored(ref stored)) if stored.email.is_some());
        Ok(if from_email && self.api == Api::Quandela {
            self.client.session_from_login_token(token)
        } else {
            self.client.session_from_token(token)
        })
    }
}
