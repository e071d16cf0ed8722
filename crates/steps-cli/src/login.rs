//! `steps login`: logs in with an email and password (prompted for, or
//! from stdin) or takes a login token from stdin, and stores the login for
//! the API URL and profile in use; a URL given for it becomes the
//! profile's default.

use std::io::{BufRead, IsTerminal};

use serde_json::json;
use steps::{ErrorKind, LoginToken, Secret};

use crate::app::App;
use crate::cli::{Api, LoginArgs, Origin};
use crate::credentials::{Kept, Store, Stored};
use crate::error::CliError;
use crate::hint::Source;
use crate::output;
use crate::perceval_token as perceval;
use crate::terminal;

/// `steps login`.
///
/// # Errors
///
/// An unsafe credentials file (refused before a password is sent), no
/// password or token to read, a failed login, or a failed update of the
/// file.
pub(crate) async fn run(app: &App, args: LoginArgs) -> Result<(), CliError> {
    let store = app.store()?;
    // Refuses an unsafe directory or file before a password is sent.
    store.load_all()?;
    let (session, email) = if args.with_token {
        let token = read_stdin_line("token")?;
        app.warn_if_cleartext("login token");
        let session = app.client.session_from_token(token.as_str());
        if app.api == Api::Quandela {
            check_quandela_token(app, &session).await?;
            return store_login(app, &store, session, None, remembers(app), args.insecure_storage).await;
        }
        let me = session
            .whoami()
            .await
            .map_err(|e| app.sdk_with(e, Source::Stdin))?;
        if me.token_type != Some(steps::TokenType::Login) {
            return Err(CliError::usage(
                "that token is not a login token (job tokens and API keys cannot log in)",
            ));
        }
        (session, None)
    } else {
        let email = args.email.clone().unwrap_or_default();
        let password = if args.password_stdin {
            read_stdin_line("password")?
        } else {
            prompt_password()?
        };
        app.warn_if_cleartext("password");
        let session = app
            .client
            .login(&email, Secret::new(password))
            .await
            .map_err(|e| match e.kind() {
                ErrorKind::NotFound if app.api == Api::Quandela => CliError::api(format!(
                    "{} does not offer a login with an email and password (it answered 404 Not \
                     Found): log in with a token instead, as {}",
                    app.api_url,
                    app.hints.command("login --api quandela --with-token")
                )),
                _ => app.sdk_with(e, Source::Password),
            })?;
        (session, Some(email))
    };
    store_login(app, &store, session, email, remembers(app), args.insecure_storage).await
}

/// Whether a login remembers the URL and API in use: when the user chose
/// either, as gh remembers its host.
fn remembers(app: &App) -> bool {
    matches!(app.url_origin, Origin::Flag | Origin::Env)
        || matches!(app.api_origin, Origin::Flag | Origin::Env)
}

/// `steps auth import --from perceval`: the token Perceval would use,
/// checked and stored as the profile's login (its URL and API
/// remembered), never printed.
///
/// # Errors
///
/// Perceval has no token for the URL (exit 3), the token is refused, or the
/// credentials file cannot be updated.
pub(crate) async fn import_perceval(app: &App, insecure_storage: bool) -> Result<(), CliError> {
    let store = app.store()?;
    store.load_all()?;
    let home = std::env::var_os("HOME").or_else(|| std::env::var_os("USERPROFILE"));
    let found = perceval::find(
        |name| std::env::var_os(name),
        home.as_deref().map(std::path::Path::new),
        perceval::Platform::current(),
        &app.api_url,
        steps::quandela::DEFAULT_URL,
    );
    for warning in &found.warnings {
        terminal::error_line(&format!("warning: {warning}"));
    }
    let Some((token, source)) = found.token else {
        return Err(CliError::auth(format!(
            "Perceval has no token for {}: set {} or save one in Perceval's config.json \
             (remote.token)",
            app.api_url,
            perceval::TOKEN_VAR
        )));
    };
    terminal::error_line(&format!(
        "note: importing the token Perceval uses, from {source}."
    ));
    let production = app.api_url.trim_end_matches('/') == steps::quandela::DEFAULT_URL;
    if matches!(source, steps::perceval::Source::Environment) && !production {
        // Perceval sends PCVL_CLOUD_TOKEN to the production cloud; this
        // sends it to another server (an emulator, a staging cloud).
        terminal::error_line(&format!(
            "warning: {} is Perceval's token for the production cloud, and goes to {} here: \
             make sure it is meant for that server",
            perceval::TOKEN_VAR,
            app.api_url
        ));
    }
    app.warn_if_cleartext("token");
    let session = app.client.session_from_token(token);
    check_quandela_token(app, &session).await?;
    store_login(app, &store, session, None, true, insecure_storage).await
}

/// Checks a token read for `--api quandela --with-token` with the cheapest
/// authenticated call: a list of at most one job token.
async fn check_quandela_token(app: &App, session: &steps::Session) -> Result<(), CliError> {
    let mut pages = session.quandela().list().limit(1).pages();
    match pages.next().await {
        Some(Err(e)) => Err(app.sdk_with(e, Source::Stdin)),
        _ => Ok(()),
    }
}

/// Stores the login of `session` for the API URL and profile in use (its
/// token in the OS credential store, unless `insecure_storage` or none
/// works), and says so, and where.
async fn store_login(
    app: &App,
    store: &Store,
    session: steps::Session,
    email: Option<String>,
    remember: bool,
    insecure_storage: bool,
) -> Result<(), CliError> {
    // A token given with --with-token is stored as it is: what the server
    // said of it at login is not known.
    let token = session
        .login_token()
        .unwrap_or_else(|| LoginToken::from_secret(session.token().secret().clone()));
    let stored = Stored {
        token: token.token.expose().to_owned(),
        keyring: None,
        keyring_timed_out: None,
        email: email.clone(),
        expires_at: token.expires_at.map(output::unix),
        logged_in_at: Some(output::unix(std::time::SystemTime::now())),
    };
    // A URL the user chose for this login becomes the profile's
    // default, as gh remembers its host.
    let saved = store.save_login(&app.profile, &app.api_url, stored, insecure_storage, |profile| {
        if remember {
            profile.api_url = Some(app.api_url.clone());
            profile.api = Some(app.api.name().to_owned());
        }
    });
    let (kept, old_left) = match saved {
        Ok(saved) => saved,
        Err(error) => {
            if email.is_some() {
                // The login token this login just made is stored nowhere:
                // revoked where the server can, so that it does not stay
                // valid unknown to anyone. A token given with --with-token
                // was the user's before, and is left alone.
                let _ = session.logout().await;
            }
            return Err(error);
        }
    };
    let path = store.path();
    if let Some(left) = old_left {
        terminal::error_line(&format!(
            "warning: the previous login's token could not be removed from the OS credential store: \
             {left}; remove that entry by hand"
        ));
    }
    if let Kept::FellBack(why) = &kept {
        terminal::error_line(&format!(
            "warning: no OS credential store is usable here ({why}): the login token is kept in {} \
             instead, readable only by you (mode 0600); --insecure-storage chooses this without trying",
            path.display()
        ));
    }
    let (storage, kept_in) = match &kept {
        Kept::OsStore(name) => ("os_store", (*name).to_owned()),
        Kept::File | Kept::FellBack(_) => ("file", path.display().to_string()),
    };
    let who = email.clone().unwrap_or_else(|| "the given token".to_owned());
    let admin = if token.is_admin == Some(true) {
        " (admin)"
    } else {
        ""
    };
    app.print(
        json!({ "api_url": app.api_url, "api": app.api.name(), "profile": app.profile, "api_url_remembered": remember,
                "email": email, "user_id": token.user_id, "is_admin": token.is_admin,
                "expires_at": token.expires_at.map(output::unix), "credentials_file": path,
                "token_storage": storage }),
        || {
            let mut text = format!(
                "Logged in to {} as {who}{admin}{}. Token stored in {kept_in}.",
                app.api_url,
                app.profile_note(),
            );
            if remember {
                text.push_str(&format!(
                    "\nLater commands{} use {} when no --api-url or STEPS_API_URL is given.",
                    app.profile_note(),
                    app.api_url
                ));
            }
            text
        },
    )
}

/// One line from standard input, without its line ending.
pub(crate) fn read_stdin_line(what: &str) -> Result<String, CliError> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| CliError::usage(format!("cannot read the {what} from standard input: {e}")))?;
    let line = line.trim_end_matches(['\r', '\n']).to_owned();
    if line.is_empty() {
        return Err(CliError::usage(format!("no {what} on standard input")));
    }
    Ok(line)
}

/// The password, prompted for on the terminal without echo.
fn prompt_password() -> Result<String, CliError> {
    if !std::io::stdin().is_terminal() {
        return Err(CliError::usage(
            "no terminal to prompt for the password: pipe it with --password-stdin",
        ));
    }
    rpassword::prompt_password("Password: ")
        .map_err(|e| CliError::usage(format!("cannot read the password: {e}")))
        .and_then(|p| {
            if p.is_empty() {
                Err(CliError::usage("the password is empty"))
            } else {
                Ok(p)
            }
        })
}
