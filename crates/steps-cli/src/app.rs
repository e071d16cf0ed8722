//! `App`: what every command that talks to a STEPS API starts from, and
//! why. It resolves the API URL (`--api-url`, `STEPS_API_URL`, the
//! profile's remembered URL, the default), the profile, and the login token
//! (`--token`, `STEPS_TOKEN`, the profile's stored login for that URL), and
//! says, once, when the token would cross a network in clear or is about to
//! expire. What TLS trusts is `trust.rs`'s; the commands a message
//! suggests are rendered by `hint.rs`, from the [`Hints`] made here. The
//! commands are in their own files, and what they print is rendered by
//! `output.rs`: [`App::print`] only chooses between JSON and text, as
//! `--json` says. `probe.rs` adds what becomes of an `--idempotency-key`,
//! from what the server offers.

use std::cell::Cell;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use steps::{Client, Expiry, LoginToken, Secret, Session};

use crate::cleartext;
use crate::cli::{Api, Global, Origin};
use crate::credentials::{Store, Stored, DEFAULT_PROFILE};
use crate::duration::format_duration;
use crate::error::CliError;
use crate::hint::{self, Hints, Source};
use crate::terminal;
use crate::trust::Trust;

/// How close to its expiry a stored login token makes every command warn.
const EXPIRY_WARNING: Duration = Duration::from_secs(600);

/// What every API command needs: the options, a client, the profile, and
/// where the API URL came from.
pub(crate) struct App {
    pub(crate) global: Global,
    /// The API the server speaks.
    pub(crate) api: Api,
    /// Why this API: a flag, the environment, the profile, the URL's host.
    pub(crate) api_origin: Origin,
    pub(crate) client: Client,
    pub(crate) api_url: String,
    /// Why this API URL: a flag, the environment, the profile, the default.
    pub(crate) url_origin: Origin,
    /// The profile in use (`default` unless one is named).
    pub(crate) profile: String,
    /// For a remembered API URL, the profile that remembered it.
    pub(crate) remembered_by: Option<String>,
    /// What messages need to suggest commands that run where this one did.
    pub(crate) hints: Hints,
    /// Whether the plain-`http://` warning has been printed.
    warned: Cell<bool>,
    /// Whether the expiring-login warning has been printed.
    warned_expiry: Cell<bool>,
}

/// The login token a command uses, and where it comes from.
pub(crate) enum Credential {
    /// `--token` or `STEPS_TOKEN` (the origin says which).
    Given { token: Secret, origin: Origin },
    /// The profile's login for the API URL, from the credentials file.
    Stored(Stored),
}

/// What to do with a credentials file that others can read while looking
/// for the profile's API URL.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Exposed {
    /// Refuse it, as every command does.
    Refuse,
    /// Pass over it: `logout` removes it whole, whatever the URL.
    PassOver,
}

impl App {
    /// The app for `global`'s options.
    ///
    /// # Errors
    ///
    /// An invalid API URL (exit 2); an unsafe or invalid credentials file
    /// when the API URL is to be read from it.
    pub(crate) fn new(global: Global) -> Result<App, CliError> {
        App::build(global, Exposed::Refuse)
    }

    /// [`App::new`] for `logout`, which a credentials file that others can
    /// read must not stop: it removes such a file.
    pub(crate) fn for_logout(global: Global) -> Result<App, CliError> {
        App::build(global, Exposed::PassOver)
    }

    fn build(global: Global, exposed: Exposed) -> Result<App, CliError> {
        let profile = global
            .profile
            .clone()
            .unwrap_or_else(|| DEFAULT_PROFILE.to_owned());
        let mut remembered_by = None;
        let given_url = global.api_url.clone().filter(|url| !url.is_empty());
        let remembered = match (&given_url, global.api) {
            (None, _) => remembered_url(&global, &profile, exposed)?,
            // Only the API remembered with this URL is looked up: a file
            // that cannot be read is refused where a login is read.
            (Some(_), None) => remembered_url(&global, &profile, exposed).unwrap_or(None),
            (Some(_), Some(_)) => None,
        };
        let (url, url_origin) = match given_url {
            Some(url) => (url, global.origins.api_url),
            None => match remembered.clone() {
                // `--api quandela` alone means the Quandela cloud, unless
                // the profile remembered a URL of that API.
                Some((_, _, api)) if global.api.is_some_and(|given| given != api) => default_url(global.api),
                Some((url, by, _)) => {
                    remembered_by = Some(by);
                    (url, Origin::Remembered)
                }
                None => default_url(global.api),
            },
        };
        let (api, api_origin) = match global.api {
            Some(api) => (api, global.origins.api),
            None => match remembered.filter(|(remembered, _, _)| same_url(remembered, &url)) {
                Some((_, _, api)) => (api, Origin::Remembered),
                None => (Api::of_url(&url), Origin::Default),
            },
        };
        let bad_url = |e: &dyn std::fmt::Display| {
            let which = match url_origin {
                Origin::Remembered => format!(
                    "the API URL remembered for profile {}",
                    remembered_by.as_deref().unwrap_or(DEFAULT_PROFILE)
                ),
                Origin::Env => "STEPS_API_URL".to_owned(),
                _ => "--api-url".to_owned(),
            };
            CliError::usage(format!("{which} {url:?}: {e}"))
        };
        // The URL first, so that a bad CA file is not blamed on it.
        steps::steps_core::CloudContext::new(&url).map_err(|e| bad_url(&e))?;
        // What TLS trusts matters to https:// only: a CA file named for
        // other programs (SSL_CERT_FILE) is not read for a local emulator.
        let https = url.get(..8).is_some_and(|s| s.eq_ignore_ascii_case("https://"));
        let trust = Trust::of(&global);
        let pem = if https { trust.read()? } else { None };
        let client = Client::builder()
            .dialect(api.dialect())
            .base_url(&url)
            .transport(|t| {
                let t = t.request_timeout(global.timeout);
                if https {
                    trust.configure(t, pem)
                } else {
                    // No TLS to trust anything for: without this the
                    // `native-roots` feature's default read the whole OS
                    // store (146 files) on every run (`bench/findings.md`).
                    t.native_roots(false)
                }
            })
            .build()
            .map_err(|e| match trust.file().filter(|_| https) {
                Some(file) => CliError::usage(format!("the CA certificate file {file}: {e}")),
                None => bad_url(&e),
            })?;
        let api_url = client.base_url();
        if https {
            tracing::debug!("TLS trusts {}", trust.describe());
        }
        let mut hints = Hints::new(
            &api_url,
            matches!(url_origin, Origin::Flag | Origin::Env),
            Some(profile.as_str()).filter(|p| *p != DEFAULT_PROFILE),
            global.config_dir.as_deref(),
            trust.explain(),
        );
        if api == Api::Quandela {
            hints.login = "login --api quandela --with-token";
        }
        if matches!(api_origin, Origin::Flag | Origin::Env) {
            hints.repeat_api(api.name());
        }
        Ok(App {
            global,
            api,
            api_origin,
            client,
            api_url,
            url_origin,
            profile,
            remembered_by,
            hints,
            warned: Cell::new(false),
            warned_expiry: Cell::new(false),
        })
    }

    /// The credentials file of `--config-dir` or the default directory.
    pub(crate) fn store(&self) -> Result<Store, CliError> {
        Store::locate(self.global.config_dir.as_deref())
    }

    /// Warns, once, when `what` is about to cross the network in clear.
    pub(crate) fn warn_if_cleartext(&self, what: &str) {
        if self.warned.get() {
            return;
        }
        if let Some(warning) = cleartext::warning(&self.api_url, what) {
            terminal::error_line(&warning);
            self.warned.set(true);
        }
    }

    /// The error of an SDK call made with the credential in use (see
    /// [`App::credential`]), with what to do.
    pub(crate) fn sdk(&self, error: steps::Error) -> CliError {
        let source = match (&self.global.token, self.global.origins.token) {
            (Some(token), Origin::Flag) if !token.is_empty() => Source::Flag,
            (Some(token), _) if !token.is_empty() => Source::Env,
            _ => Source::Stored,
        };
        self.sdk_with(error, source)
    }

    /// The error of an SDK call made with the credential from `source`,
    /// with what to do.
    pub(crate) fn sdk_with(&self, error: steps::Error, source: Source) -> CliError {
        CliError::from_sdk(error, &self.hints, source)
    }

    /// Prints `value` as JSON, or `human` as text, made inert either way.
    pub(crate) fn print(
        &self,
        value: serde_json::Value,
        human: impl FnOnce() -> String,
    ) -> Result<(), CliError> {
        if self.global.json {
            terminal::json_line(&value)
        } else {
            terminal::human(&human())
        }
    }

    /// ` (profile NAME)` when the profile is not the default.
    pub(crate) fn profile_note(&self) -> String {
        self.hints.profile_note.clone()
    }

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
        Ok(self
            .store()?
            .load(&self.profile, &self.api_url)?
            .map(Credential::Stored))
    }

    /// The token of a stored login, unless it has expired; warns, once,
    /// when it expires within [`EXPIRY_WARNING`].
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
        if let Some(left) = token
            .expires_at
            .and_then(|at| at.duration_since(SystemTime::now()).ok())
        {
            if left < EXPIRY_WARNING && !self.warned_expiry.replace(true) {
                terminal::error_line(&format!(
                    "warning: the login for {}{} expires in {}: run {} to renew it",
                    self.api_url,
                    self.profile_note(),
                    format_duration(Duration::from_secs(left.as_secs())),
                    self.hints.command(&self.login_args(stored))
                ));
            }
        }
        Ok(token.token)
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

/// A Unix time as a `SystemTime`, when it is one.
pub(crate) fn from_unix(seconds: u64) -> Option<SystemTime> {
    UNIX_EPOCH.checked_add(Duration::from_secs(seconds))
}

/// The URL an API is at when none is given, and why.
fn default_url(api: Option<Api>) -> (String, Origin) {
    match api {
        Some(Api::Quandela) => (steps::quandela::DEFAULT_URL.to_owned(), Origin::Default),
        _ => (steps::DEFAULT_API_URL.to_owned(), Origin::Default),
    }
}

/// Whether two API URLs are the same, but for a trailing slash.
fn same_url(a: &str, b: &str) -> bool {
    a.trim_end_matches('/') == b.trim_end_matches('/')
}

/// The API URL `profile` uses when none is given, the profile that
/// remembered it (see `Credentials::remembered_url`), and the API
/// remembered with it, if the credentials file can be found and has one.
fn remembered_url(
    global: &Global,
    profile: &str,
    exposed: Exposed,
) -> Result<Option<(String, String, Api)>, CliError> {
    let Ok(store) = Store::locate(global.config_dir.as_deref()) else {
        // No config directory: nothing was remembered.
        return Ok(None);
    };
    if exposed == Exposed::PassOver && store.others_may_read() {
        return Ok(None);
    }
    let credentials = store.load_all()?;
    Ok(credentials.remembered_url(profile).map(|(url, by)| {
        let api = credentials
            .remembered_api(profile)
            .map_or_else(|| Api::of_url(url), Api::from_name);
        (url.to_owned(), by.to_owned(), api)
    }))
}
