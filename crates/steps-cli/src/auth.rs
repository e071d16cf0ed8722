//! `steps auth status` (the login in use: where it comes from, whose it
//! is, how long it has left, and the stored profiles) and `steps auth
//! token` (the login token, for scripts).

use std::time::SystemTime;

use serde_json::{json, Value};
use steps::{ErrorKind, Identity};

use crate::app::{from_unix, App};
use crate::cli::{Api, Global, Origin};
use crate::credentials::{Credentials, Store, Stored, DEFAULT_PROFILE};
use crate::error::CliError;
use crate::hint;
use crate::login_in_use::Credential;
use crate::output;
use crate::terminal;

/// Where the login stands.
enum State {
    /// The server accepted it.
    Usable,
    /// No token at all.
    NotLoggedIn,
    /// The stored login has expired (not sent).
    Expired,
    /// The server refused it.
    Refused,
    /// The server could not be reached.
    Unreachable,
    /// Another failure.
    Failed,
}

impl State {
    fn code(&self) -> &'static str {
        match self {
            State::Usable => "usable",
            State::NotLoggedIn => "not_logged_in",
            State::Expired => "expired",
            State::Refused => "refused",
            State::Unreachable => "unreachable",
            State::Failed => "error",
        }
    }
}

/// `steps auth status`: prints the report, then fails with exit 3 (not
/// logged in, expired, refused, or a token the OS credential store cannot
/// give back) or 1 (the server cannot be reached, or another failure) when
/// the login is not usable.
pub(crate) async fn status(app: &App) -> Result<(), CliError> {
    let store = app.store();
    let stored_all = match &store {
        Ok(store) => store.load_all()?,
        Err(_) => Credentials::default(),
    };
    let path = store.as_ref().ok().map(|s| s.path().to_owned());
    let credential = app.credential();
    // A login whose token the OS credential store cannot give back is
    // reported as such (with where it is), not a failure of the command.
    let mut unreadable = None;
    let credential = match credential {
        Ok(credential) => credential,
        // No config directory and no token: nothing is logged in.
        Err(_) if store.is_err() => None,
        Err(error) => {
            unreadable = Some(error);
            None
        }
    };

    let mut stored_login: Option<Stored> = None;
    let (source, token) = match credential {
        None if unreadable.is_some() => ("os_store".into(), None),
        None => (Value::Null, None),
        Some(Credential::Given { token, origin }) => (origin.code().into(), Some(Ok(token))),
        Some(Credential::Stored(stored)) => {
            let token = app.check_stored(&stored);
            let source = if stored.keyring.is_some() {
                "os_store"
            } else {
                "credentials_file"
            };
            stored_login = Some(stored);
            (source.into(), Some(token))
        }
    };
    if unreadable.is_some() {
        stored_login = store
            .as_ref()
            .ok()
            .and_then(|store| store.load_entry(&app.profile, &app.api_url).ok().flatten());
    }
    let (state, identity, failure) = match token {
        None if unreadable.is_some() => (State::Failed, None, unreadable),
        None => (State::NotLoggedIn, None, Some(app.not_logged_in())),
        Some(Err(expired)) => (State::Expired, None, Some(expired)),
        Some(Ok(token)) => {
            app.warn_if_cleartext("login token");
            let session = app.session_with(token)?;
            let checked = if app.api == Api::Quandela {
                // The Quandela cloud has no whoami: the cheapest call that
                // needs the token is a list of one.
                let mut pages = session.quandela().list().limit(1).pages();
                match pages.next().await {
                    Some(Err(error)) => Err(error),
                    _ => Ok(None),
                }
            } else {
                session.whoami().await.map(Some)
            };
            match checked {
                Ok(me) => (State::Usable, me, None),
                Err(error) => {
                    let state = match error.kind() {
                        ErrorKind::NotLoggedIn | ErrorKind::Unauthorized | ErrorKind::Forbidden => {
                            State::Refused
                        }
                        ErrorKind::Connect | ErrorKind::Timeout | ErrorKind::Tls => State::Unreachable,
                        _ => State::Failed,
                    };
                    (state, None, Some(app.sdk(error)))
                }
            }
        }
    };

    let expires_at = identity.as_ref().and_then(|me| me.expires_at).or_else(|| {
        stored_login
            .as_ref()
            .and_then(|s| s.expires_at)
            .and_then(from_unix)
    });
    let expires_in = expires_at.map(|at| match at.duration_since(SystemTime::now()) {
        Ok(left) => left.as_secs() as i64,
        Err(past) => -(past.duration().as_secs() as i64),
    });
    let email = stored_login.as_ref().and_then(|s| s.email.clone());
    let os_store = store
        .as_ref()
        .map_or("the OS credential store", Store::os_store_name);
    let token_in = stored_login.as_ref().map(|s| match &s.keyring {
        Some(account) => format!("{os_store} (entry steps-cli / {account})"),
        None => format!(
            "the credentials file {}",
            path.as_deref()
                .map_or_else(String::new, |p| p.display().to_string())
        ),
    });
    let profiles = profiles(app, &stored_all);
    let report = json!({
        "api_url": app.api_url,
        "api_url_source": app.url_origin.code(),
        "api": app.api.name(),
        "api_source": app.api_origin.code(),
        "profile": app.profile,
        "profile_source": if app.profile_switched { "switch" } else { app.global.origins.profile.code() },
        "credential_source": source,
        "credentials_file": path,
        "os_store": os_store,
        "status": state.code(),
        "usable": matches!(state, State::Usable),
        "error": failure.as_ref().map(|f| f.message.clone()),
        "identity": identity.as_ref().map(output::identity_json),
        "email": email,
        "expires_at": expires_at.map(output::unix),
        "expires_in": expires_in,
        "profiles": profiles,
    });
    app.print(report, || {
        human(
            app,
            &state,
            identity.as_ref(),
            email.as_deref(),
            expires_at,
            &profiles,
            TokenPlace {
                file: path.as_deref(),
                token_in: token_in.as_deref(),
            },
        )
    })?;
    match failure {
        Some(error) => Err(error),
        None => Ok(()),
    }
}

/// `steps auth switch PROFILE`: makes `profile` the one used when neither
/// `--profile` nor `STEPS_PROFILE` names one, as `gh auth switch` does. A
/// profile with nothing stored is refused (a typo would otherwise log the
/// next command out).
pub(crate) fn switch(global: &Global, profile: &str) -> Result<(), CliError> {
    let store = Store::locate(global.config_dir.as_deref())?;
    let known = store.load_all()?.profiles.contains_key(profile);
    if !known && profile != DEFAULT_PROFILE {
        return Err(CliError::usage(format!(
            "no profile {profile} in {}: log in to it first with {}",
            store.path().display(),
            hint::command(
                &hint::options(None, Some(profile), global.config_dir.as_deref()),
                "login --email EMAIL"
            )
        )));
    }
    store.update(|credentials| {
        credentials.switched_to = (profile != DEFAULT_PROFILE).then(|| profile.to_owned());
    })?;
    let overridden = global.origins.profile == Origin::Env;
    if overridden {
        terminal::error_line("note: STEPS_PROFILE is set, and wins over the switched profile while it is");
    }
    let report = json!({ "profile": profile, "credentials_file": store.path() });
    if global.json {
        terminal::json_line(&report)
    } else {
        terminal::human(&format!(
            "Switched to profile {profile}: commands use it when no --profile or STEPS_PROFILE is given."
        ))
    }
}

/// `steps auth token`: the login token in use, alone on stdout.
pub(crate) fn token(app: &App) -> Result<(), CliError> {
    let token = app.login_token()?;
    // Shown to its owner, who asked for it: as `gh auth token`.
    if app.global.json {
        terminal::json_line(&json!({ "token": token.expose() }))
    } else {
        terminal::human(token.expose())
    }
}

/// Every stored profile, and the one in use if it has nothing stored: the
/// API URL it uses when none is given (its remembered one, else the
/// default) and its login there. The row this command uses is `in_use`:
/// the active profile's at its URL, or, when `--api-url` or
/// `STEPS_API_URL` chose another URL, a row of its own before it.
fn profiles(app: &App, stored: &Credentials) -> Vec<Value> {
    let mut names: Vec<&str> = stored.profiles.keys().map(String::as_str).collect();
    if !names.contains(&app.profile.as_str()) {
        names.push(&app.profile);
        names.sort_unstable();
    }
    let row = |name: &str, url: &str, origin: Origin, in_use: bool| {
        let login = stored.login(name, url);
        json!({
            "name": name,
            "active": name == app.profile,
            "in_use": in_use,
            "api_url": url,
            "api_url_source": origin.code(),
            "logged_in": login.is_some(),
            "email": login.and_then(|l| l.email.clone()),
            "expires_at": login.and_then(|l| l.expires_at),
            "token_storage": login.map(|l| if l.keyring.is_some() { "os_store" } else { "file" }),
        })
    };
    let mut rows = Vec::new();
    for name in names {
        let (url, origin) = match stored.remembered_url(name) {
            Some((url, _)) => (url.to_owned(), Origin::Remembered),
            None => (steps::DEFAULT_API_URL.to_owned(), Origin::Default),
        };
        let active = name == app.profile;
        if active && url != app.api_url {
            rows.push(row(name, &app.api_url, app.url_origin, true));
        }
        rows.push(row(name, &url, origin, active && url == app.api_url));
    }
    rows
}

/// Where the logins are kept: the credentials file, and the token in use
/// (the file, or the OS credential store's entry), when there is one.
struct TokenPlace<'a> {
    file: Option<&'a std::path::Path>,
    token_in: Option<&'a str>,
}

/// The human form of the report.
fn human(
    app: &App,
    state: &State,
    me: Option<&Identity>,
    email: Option<&str>,
    expires_at: Option<SystemTime>,
    profiles: &[Value],
    place: TokenPlace<'_>,
) -> String {
    let TokenPlace { file: path, token_in } = place;
    let file = path.map_or_else(|| "(no config directory)".to_owned(), |p| p.display().to_string());
    let url_why = match app.url_origin {
        Origin::Flag => "from --api-url".to_owned(),
        Origin::Env => "from STEPS_API_URL".to_owned(),
        Origin::Remembered => format!(
            "remembered for profile {} by `steps login --api-url`",
            app.remembered_by.as_deref().unwrap_or(DEFAULT_PROFILE)
        ),
        Origin::Default => "the default".to_owned(),
    };
    let profile_why = match app.global.origins.profile {
        Origin::Flag => "from --profile",
        Origin::Env => "from STEPS_PROFILE",
        _ if app.profile_switched => "chosen by `steps auth switch`",
        _ if app.profile == DEFAULT_PROFILE => "the default",
        _ => "",
    };
    let token_from = match (&app.global.token, app.global.origins.token) {
        (Some(t), Origin::Flag) if !t.is_empty() => "--token".to_owned(),
        (Some(t), _) if !t.is_empty() => "STEPS_TOKEN".to_owned(),
        _ if matches!(state, State::NotLoggedIn) => "none".to_owned(),
        _ => token_in.map_or_else(|| format!("the credentials file {file}"), str::to_owned),
    };
    let status = match state {
        State::Usable => "usable".to_owned(),
        State::NotLoggedIn => "not logged in".to_owned(),
        State::Expired => "expired".to_owned(),
        State::Refused => "refused by the server".to_owned(),
        State::Unreachable => "the server cannot be reached".to_owned(),
        State::Failed => "the check failed".to_owned(),
    };
    let mut fields = vec![
        ("API URL", format!("{} ({url_why})", app.api_url)),
        ("API", api_why(app)),
        (
            "profile",
            format!("{} ({profile_why})", app.profile).replace(" ()", ""),
        ),
        ("credential", token_from),
        ("status", status),
    ];
    if let Some(me) = me {
        let user = match email {
            Some(email) => format!("{} ({email})", me.user_id),
            None => me.user_id.to_string(),
        };
        let mut identity = output::identity_fields(me);
        identity.retain(|(name, _)| *name != "expires" && *name != "user");
        fields.push(("user", user));
        fields.extend(identity);
    }
    if let Some(at) = expires_at {
        fields.push(("expires", output::expiry(at)));
    }
    let mut text = output::fields(&fields);
    let rows: Vec<Vec<String>> = profiles
        .iter()
        .map(|p| {
            let text = |key: &str| p[key].as_str().unwrap_or("-").to_owned();
            vec![
                if p["in_use"] == true { "*" } else { "" }.to_owned(),
                text("name"),
                text("api_url"),
                match (p["logged_in"] == true, p["email"].as_str()) {
                    (true, Some(email)) => email.to_owned(),
                    // Logged in with --with-token: no email is known.
                    (true, None) => "(a login token)".to_owned(),
                    (false, _) => "-".to_owned(),
                },
                p["expires_at"]
                    .as_u64()
                    .and_then(from_unix)
                    .map_or_else(|| "-".to_owned(), output::expiry),
                match p["token_storage"].as_str() {
                    Some("os_store") => "os store".to_owned(),
                    Some(other) => other.to_owned(),
                    None => "-".to_owned(),
                },
            ]
        })
        .collect();
    text.push_str(&format!("\n\nProfiles in {file} (* the one in use):\n"));
    text.push_str(&output::table(
        &["", "PROFILE", "API URL", "LOGIN", "EXPIRES", "TOKEN IN"],
        &rows,
    ));
    text
}

/// The API in use, and why.
fn api_why(app: &App) -> String {
    let why = match app.api_origin {
        Origin::Flag => "from --api",
        Origin::Env => "from STEPS_API",
        Origin::Remembered => "remembered by the profile's login",
        Origin::Default if app.api == Api::Quandela => "the Quandela cloud's host",
        Origin::Default => "the default",
    };
    format!("{} ({why})", app.api.name())
}
