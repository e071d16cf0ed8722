//! `App`: what every command that talks to a STEPS API starts from, and
//! why. It resolves the API URL (`--api-url`, `STEPS_API_URL`, the
//! profile's remembered URL, the default), the profile, and the login token
//! (`--token`, `STEPS_TOKEN`, the profile's stored login for that URL), and
//! says, once, when the token would cross a network in clear (the login in
//! use, and its expiry warning, are `login_in_use.rs`'s). What TLS trusts is `trust.rs`'s; the commands a message
//! suggests are rendered by `hint.rs`, from the [`Hints`] made here. The
//! commands are in their own files, and what they print is rendered by
//! `output.rs`: [`App::print`] only chooses between JSON and text, as
//! `--json` says. `probe.rs` adds what becomes of an `--idempotency-key`,
//! from what the server offers.

use std::cell::{Cell, OnceCell};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use steps::Client;

use crate::cleartext;
use crate::cli::{Api, Global, Origin};
use crate::colour::Painted;
use crate::credentials::{Store, Stored, DEFAULT_PROFILE};
use crate::error::CliError;
use crate::hint::{Hints, Source};
use crate::terminal;
use crate::trust::Trust;

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
    /// The profile in use (`default` unless one is named, or `steps auth
    /// switch` chose another).
    pub(crate) profile: String,
    /// Whether the profile is the one `steps auth switch` chose.
    pub(crate) profile_switched: bool,
    /// For a remembered API URL, the profile that remembered it.
    pub(crate) remembered_by: Option<String>,
    /// What messages need to suggest commands that run where this one did.
    pub(crate) hints: Hints,
    /// Whether the plain-`http://` warning has been printed.
    warned: Cell<bool>,
    /// Whether the expiring-login warning has been printed
    /// (`login_in_use.rs`).
    pub(crate) warned_expiry: Cell<bool>,
    /// The stored login, once read (`login_in_use.rs`).
    pub(crate) stored_login: OnceCell<Option<Stored>>,
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
        // `--profile` and `STEPS_PROFILE` win over `steps auth switch`.
        let (profile, profile_switched) = match &global.profile {
            Some(profile) => (profile.clone(), false),
            None => match switched_profile(&global, exposed) {
                Some(profile) => (profile, true),
                None => (DEFAULT_PROFILE.to_owned(), false),
            },
        };
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
            profile_switched,
            remembered_by,
            hints,
            warned: Cell::new(false),
            warned_expiry: Cell::new(false),
            stored_login: OnceCell::new(),
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
        self.print_painted(value, || terminal::inert(&human()))
    }

    /// [`App::print`] for a table in colour (`colour.rs`).
    pub(crate) fn print_painted(
        &self,
        value: serde_json::Value,
        human: impl FnOnce() -> Painted,
    ) -> Result<(), CliError> {
        if self.global.json {
            terminal::json_line(&value)
        } else {
            terminal::painted(&human())
        }
    }

    /// ` (profile NAME)` when the profile is not the default.
    pub(crate) fn profile_note(&self) -> String {
        self.hints.profile_note.clone()
    }
}

/// A Unix time as a `SystemTime`, when it is one.
pub(crate) fn from_unix(seconds: u64) -> Option<SystemTime> {
    UNIX_EPOCH.checked_add(Duration::from_secs(seconds))
}

/// The profile `steps auth switch` chose, if the credentials file can be
/// found, read, and names one (a file that cannot be read is refused where
/// a login is read).
fn switched_profile(global: &Global, exposed: Exposed) -> Option<String> {
    let store = Store::locate(global.config_dir.as_deref()).ok()?;
    if exposed == Exposed::PassOver && store.others_may_read() {
        return None;
    }
    // Checked as --profile is: a hand-edited file cannot smuggle a name
    // that reads as a flag or a path into messages.
    store
        .load_all()
        .ok()?
        .switched_to
        .filter(|name| crate::cli::is_profile_name(name))
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
