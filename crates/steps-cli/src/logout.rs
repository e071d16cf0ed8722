//! `steps logout`: revokes the stored login token on the server where it
//! offers that (protocol v2, feature `self`), then forgets it here, and
//! says which of the two happened.
//!
//! The token is forgotten whatever the server says: a logout that cannot
//! reach the server still ends the login on this machine, and says that the
//! token stays valid until it expires (exit 1).

use serde_json::json;
use steps::{Expiry, Feature, LoginToken, Secret};

use crate::app::{from_unix, App};
use crate::credentials::{Removed, Stored};
use crate::error::CliError;
use crate::hint::Source;
use crate::output;
use crate::terminal;

/// What became of the stored token on the server.
enum Revocation {
    /// The server revoked it (or it was gone already).
    Revoked,
    /// The server does not offer revocation (protocol v1, or v2 without
    /// `self`): it stays valid until it expires.
    Unsupported,
    /// The revocation failed: it stays valid until it expires.
    Failed(CliError),
    /// It had expired: nothing to revoke, nothing sent.
    Expired,
    /// Nothing was revoked: there was no stored login, or the file was
    /// removed unread because others could read it.
    None,
}

impl Revocation {
    /// Its name in JSON output.
    fn code(&self) -> &'static str {
        match self {
            Revocation::Revoked => "revoked",
            Revocation::Unsupported => "unsupported",
            Revocation::Failed(_) => "failed",
            Revocation::Expired => "expired",
            Revocation::None => "none",
        }
    }
}

/// `steps logout`: revokes, then forgets.
///
/// # Errors
///
/// The credentials file cannot be read or written; the revocation failed
/// (exit 1, after the token is forgotten).
pub(crate) async fn run(app: &App) -> Result<(), CliError> {
    let store = app.store()?;
    if app.global.token.as_ref().is_some_and(|t| !t.is_empty()) {
        terminal::error_line(
            "note: the token in STEPS_TOKEN or --token is neither revoked nor forgotten: \
             logout acts on the stored login",
        );
    }
    // A file others could read is removed unread below, as every command
    // refuses to read it.
    let stored = if store.others_may_read() {
        None
    } else {
        store.load_entry(&app.profile, &app.api_url)?
    };
    // A token the OS credential store cannot give back (locked, removed by
    // hand, a build without the store) cannot be revoked, but the login is
    // forgotten all the same: logout never refuses to forget.
    let revocation = match stored.clone().map(|entry| store.resolve(entry, &app.api_url)) {
        Some(Ok(stored)) => revoke(app, &stored).await,
        Some(Err(unreadable)) => Revocation::Failed(unreadable),
        None => Revocation::None,
    };
    let removed = store.remove(&app.profile, &app.api_url)?;
    if let Removed::Login(Some(left)) = &removed {
        terminal::error_line(&format!(
            "warning: the login is forgotten, but its token could not be removed from the OS \
             credential store: {left}; remove that entry by hand"
        ));
    }
    if let Removed::UnsafeFile(mode) = &removed {
        terminal::error_line(&format!(
            "warning: removed {}: other users could read it (mode {mode:o}), so every login in it \
             is forgotten; the tokens in it may have been read, and were not revoked: log in again, \
             and check who could read it",
            store.path().display()
        ));
    }
    let logged_out = removed != Removed::Nothing;
    let expires_at = stored.as_ref().and_then(|s| s.expires_at);
    let valid_until = match expires_at.and_then(from_unix) {
        Some(at) => format!("until {}", output::timestamp(at)),
        None => "until it expires".to_owned(),
    };
    let where_ = format!("{}{}", app.api_url, app.profile_note());
    if let Revocation::Unsupported = revocation {
        terminal::error_line(&format!(
            "note: {} cannot revoke tokens (it does not offer protocol v2 feature \"self\"): the login \
             token is forgotten here, but stays valid on the server {valid_until}",
            app.api_url
        ));
    }
    let mut report = json!({
        "api_url": app.api_url,
        "profile": app.profile,
        "logged_out": logged_out,
        "removed_unsafe_file": matches!(removed, Removed::UnsafeFile(_)),
        "revoked": matches!(revocation, Revocation::Revoked),
        "revocation": revocation.code(),
        "expires_at": expires_at,
    });
    if let (Revocation::Failed(error), serde_json::Value::Object(map)) = (&revocation, &mut report) {
        map.insert("error".to_owned(), error.message.clone().into());
    }
    app.print(report, || {
        if !logged_out {
            return format!("Not logged in to {where_}; nothing to do.");
        }
        match &revocation {
            Revocation::Revoked => {
                format!("Logged out of {where_}: the login token is revoked on the server, and forgotten here.")
            }
            Revocation::Expired => {
                format!("Logged out of {where_}: the login token had expired, and is forgotten here.")
            }
            Revocation::Unsupported | Revocation::Failed(_) => {
                format!("Logged out of {where_}: the login token is forgotten here, but not revoked on the server.")
            }
            Revocation::None => format!("Logged out of {where_}."),
        }
    })?;
    match revocation {
        Revocation::Failed(error) => Err(CliError::api(format!(
            "could not revoke the login token for {where_} ({}): it is forgotten here, but stays valid \
             on the server {valid_until}",
            error.message
        ))),
        _ => Ok(()),
    }
}

/// Revokes `stored`'s token on the server, where it offers that.
async fn revoke(app: &App, stored: &Stored) -> Revocation {
    let mut token = LoginToken::from_secret(Secret::new(stored.token.as_str()));
    token.expires_at = stored.expires_at.and_then(from_unix);
    if app.client.expiry_of(&token) == Expiry::Expired {
        return Revocation::Expired;
    }
    app.warn_if_cleartext("login token");
    let session = app.client.session_from_token(token.token);
    match session.logout().await {
        Ok(true) => Revocation::Revoked,
        // No usable answer from the server is an error of the SDK's, not
        // a server without `self`.
        Err(error) => Revocation::Failed(app.sdk_with(error, Source::Stored)),
        // Not revoked: the server does not offer `self` (what it said is
        // remembered by the client, and not asked again), or it does and
        // the token was not taken for a login token.
        Ok(false) => match app.client.capabilities().await {
            Ok(offered) if !offered.supports(Feature::SelfToken) => Revocation::Unsupported,
            Ok(_) => Revocation::Failed(CliError::api("the server did not revoke it")),
            Err(error) => Revocation::Failed(app.sdk_with(error, Source::Stored)),
        },
    }
}
