//! The commands that talk to a STEPS API: login, logout, whoami, job-token
//! and api-key.

use std::cell::Cell;
use std::io::{BufRead, IsTerminal};
use std::time::{Duration, UNIX_EPOCH};

use serde_json::json;
use steps::{Client, Expiry, LoginToken, Secret, Session, Tokens};

use crate::cleartext;
use crate::cli::{Global, LoginArgs, TokenCommand};
use crate::credentials::{Removed, Store, Stored};
use crate::error::CliError;
use crate::output::{self, Record, Shown, LIST_HEADERS};
use crate::terminal;

/// What every API command needs: the options, a client, where credentials live.
pub(crate) struct App {
    pub(crate) global: Global,
    pub(crate) client: Client,
    pub(crate) api_url: String,
    /// Whether the plain-`http://` warning has been printed.
    warned: Cell<bool>,
}

/// Which collection a token command works on.
#[derive(Clone, Copy)]
pub(crate) enum Kind {
    JobToken,
    ApiKey,
}

impl App {
    pub(crate) fn new(global: Global) -> Result<App, CliError> {
        let client = Client::builder()
            .base_url(&global.api_url)
            .transport(|t| t.request_timeout(global.timeout))
            .build()
            .map_err(|e| CliError::usage(format!("--api-url {:?}: {e}", global.api_url)))?;
        let api_url = client.base_url();
        Ok(App {
            global,
            client,
            api_url,
            warned: Cell::new(false),
        })
    }

    /// The credentials file of `--config-dir` or the default directory.
    fn store(&self) -> Result<Store, CliError> {
        Store::locate(self.global.config_dir.as_deref())
    }

    /// Warns, once, when `what` is about to cross the network in clear.
    fn warn_if_cleartext(&self, what: &str) {
        if self.warned.get() {
            return;
        }
        if let Some(warning) = cleartext::warning(&self.api_url, what) {
            terminal::error_line(&warning);
            self.warned.set(true);
        }
    }

    fn sdk(&self, error: steps::Error) -> CliError {
        CliError::from_sdk(error, &self.api_url)
    }

    /// Prints `value` as JSON, or `human` as text, made inert either way.
    fn print(&self, value: serde_json::Value, human: impl FnOnce() -> String) -> Result<(), CliError> {
        if self.global.json {
            terminal::json_line(&value)
        } else {
            terminal::human(&human())
        }
    }

    /// A session from `--token` / `STEPS_TOKEN`, else from the stored login.
    async fn session(&self) -> Result<Session, CliError> {
        if let Some(token) = self.global.token.clone().filter(|t| !t.is_empty()) {
            self.warn_if_cleartext("login token");
            return Ok(self.client.session_from_token(token));
        }
        let stored = self.store()?.load(&self.api_url)?.ok_or_else(|| {
            CliError::auth(format!(
                "not logged in to {}: run `steps login --email ...`",
                self.api_url
            ))
        })?;
        let mut token = LoginToken::from_secret(Secret::new(stored.token));
        token.expires_at = stored
            .expires_at
            .and_then(|at| UNIX_EPOCH.checked_add(Duration::from_secs(at)));
        if self.client.expiry_of(&token) == Expiry::Expired {
            return Err(CliError::auth(format!(
                "the stored login for {} has expired: run `steps login --email ...`",
                self.api_url
            )));
        }
        self.warn_if_cleartext("login token");
        Ok(self.client.session_from_token(token.token))
    }

    pub(crate) async fn login(&self, args: LoginArgs) -> Result<(), CliError> {
        let store = self.store()?;
        // Refuses an unsafe directory or file before a password is sent.
        store.load(&self.api_url)?;
        let (session, email) = if args.with_token {
            let token = read_stdin_line("token")?;
            self.warn_if_cleartext("login token");
            let session = self.client.session_from_token(token.as_str());
            let me = session.whoami().await.map_err(|e| self.sdk(e))?;
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
            self.warn_if_cleartext("password");
            let session = self
                .client
                .login(&email, Secret::new(password))
                .await
                .map_err(|e| self.sdk(e))?;
            (session, Some(email))
        };
        let token = session.login_token().await;
        let stored = Stored {
            token: token.token.expose().to_owned(),
            email: email.clone(),
            expires_at: token.expires_at.map(output::unix),
        };
        store.store(&self.api_url, stored)?;
        let path = store.path();
        let who = email.clone().unwrap_or_else(|| "the given token".to_owned());
        let admin = if token.is_admin == Some(true) {
            " (admin)"
        } else {
            ""
        };
        self.print(
            json!({ "api_url": self.api_url, "email": email, "user_id": token.user_id, "is_admin": token.is_admin,
                    "expires_at": token.expires_at.map(output::unix), "credentials_file": path }),
            || format!("Logged in to {} as {who}{admin}. Token stored in {}.", self.api_url, path.display()),
        )
    }

    pub(crate) fn logout(&self) -> Result<(), CliError> {
        let store = self.store()?;
        let removed = store.remove(&self.api_url)?;
        if let Removed::UnsafeFile(mode) = removed {
            terminal::error_line(&format!(
                "warning: removed {}: other users could read it (mode {mode:o}), so every login in it \
                 is forgotten; the tokens in it may have been read: log in again, and check who could read it",
                store.path().display()
            ));
        }
        let logged_out = removed != Removed::Nothing;
        self.print(
            json!({ "api_url": self.api_url, "logged_out": logged_out,
                    "removed_unsafe_file": matches!(removed, Removed::UnsafeFile(_)) }),
            || {
                if logged_out {
                    format!("Logged out of {}.", self.api_url)
                } else {
                    format!("Not logged in to {}; nothing to do.", self.api_url)
                }
            },
        )
    }

    pub(crate) async fn whoami(&self) -> Result<(), CliError> {
        let me = self.session().await?.whoami().await.map_err(|e| self.sdk(e))?;
        self.print(output::identity_json(&me), || {
            format!(
                "{}\n{}",
                self.api_url,
                output::fields(&output::identity_fields(&me))
            )
        })
    }

    pub(crate) async fn tokens(&self, kind: Kind, command: TokenCommand) -> Result<(), CliError> {
        let session = self.session().await?;
        match kind {
            Kind::JobToken => self.tokens_of(session.job_tokens(), command).await,
            Kind::ApiKey => self.tokens_of(session.api_keys(), command).await,
        }
    }

    async fn tokens_of<R: Shown>(
        &self,
        tokens: Tokens<'_, R>,
        command: TokenCommand,
    ) -> Result<(), CliError> {
        let sdk = |e| self.sdk(e);
        match command {
            TokenCommand::Create { label, duration } => self.created(
                tokens
                    .create(label.as_deref(), duration)
                    .await
                    .map_err(sdk)?
                    .record(),
            ),
            TokenCommand::Get { id } => self.one(tokens.get(id).await.map_err(sdk)?.record()),
            TokenCommand::Delete { id } => {
                tokens.delete(id).await.map_err(sdk)?;
                self.print(json!({ R::ID_FIELD: id, "deleted": true }), || {
                    format!("Deleted {} {id}.", R::NOUN)
                })
            }
            TokenCommand::List => {
                let all = tokens.list().await.map_err(sdk)?;
                let records: Vec<Record<'_>> = all.iter().map(Shown::record).collect();
                self.list(R::NOUN, records)
            }
        }
    }

    /// The one place a secret is printed: right after its creation.
    fn created(&self, record: Record<'_>) -> Result<(), CliError> {
        self.print(record.json(true), || {
            let mut fields = record.fields();
            if let Some(secret) = record.secret {
                fields.push(("secret", secret.expose().to_owned()));
            }
            format!(
                "Created {} {}. Its secret is shown this once: store it now.\n{}",
                record.kind,
                record.id,
                output::fields(&fields)
            )
        })
    }

    fn one(&self, record: Record<'_>) -> Result<(), CliError> {
        self.print(record.json(false), || {
            format!(
                "{} {}\n{}",
                record.kind,
                record.id,
                output::fields(&record.fields())
            )
        })
    }

    fn list(&self, noun: &str, records: Vec<Record<'_>>) -> Result<(), CliError> {
        let json = records.iter().map(|r| r.json(false)).collect();
        self.print(serde_json::Value::Array(json), || {
            let rows: Vec<Vec<String>> = records.iter().map(Record::row).collect();
            format!(
                "{}\n{} {noun}(s)",
                output::table(&LIST_HEADERS, &rows),
                rows.len()
            )
        })
    }
}

/// One line from standard input, without its line ending.
fn read_stdin_line(what: &str) -> Result<String, CliError> {
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
