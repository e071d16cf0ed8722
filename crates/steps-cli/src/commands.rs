//! The commands that talk to a STEPS API: login, whoami, meta, job-token
//! and api-key (logout is `logout.rs`); and `App`, what every such command
//! starts from: the API URL, profile and login token in use, and why.

use std::cell::Cell;
use std::io::{BufRead, IsTerminal};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::json;
use steps::steps_core::{CloudContext, Credential as WireCredential, Meta};
use steps::{
    Capabilities, Client, ErrorKind, Expiry, Feature, JobToken, LoginToken, RetryPolicy, Secret, Session,
    Tokens, TransportBuilder,
};

use crate::cleartext;
use crate::cli::{ApiKeyCommand, Global, JobTokenCommand, LoginArgs, Origin, TokenCommand};
use crate::credentials::{Store, Stored, DEFAULT_PROFILE};
use crate::duration::format_duration;
use crate::error::CliError;
use crate::output::{self, Record, Shown, LIST_HEADERS};
use crate::terminal;

/// How close to its expiry a stored login token makes every command warn.
const EXPIRY_WARNING: Duration = Duration::from_secs(600);

/// What every API command needs: the options, a client, the profile, and
/// where the API URL came from.
pub(crate) struct App {
    pub(crate) global: Global,
    pub(crate) client: Client,
    pub(crate) api_url: String,
    /// Why this API URL: a flag, the environment, the profile, the default.
    pub(crate) url_origin: Origin,
    /// The profile in use (`default` unless one is named).
    pub(crate) profile: String,
    /// For a remembered API URL, the profile that remembered it.
    pub(crate) remembered_by: Option<String>,
    /// Whether the plain-`http://` warning has been printed.
    warned: Cell<bool>,
    /// Whether the expiring-login warning has been printed.
    warned_expiry: Cell<bool>,
}

/// What a direct ask of `GET /api/meta` learned ([`App::ask_meta`]).
pub(crate) enum Asked {
    /// The server answered: what it offers (nothing, for a v1 server's
    /// 404 or any other answer that is not the meta object).
    Answered(Capabilities),
    /// No answer: the network failed, or the server took too long.
    NoAnswer(steps::Error),
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
        let (url, url_origin) = match global.api_url.clone().filter(|url| !url.is_empty()) {
            Some(url) => (url, global.origins.api_url),
            None => match remembered_url(&global, &profile, exposed)? {
                Some((url, by)) => {
                    remembered_by = Some(by);
                    (url, Origin::Remembered)
                }
                None => (steps::DEFAULT_API_URL.to_owned(), Origin::Default),
            },
        };
        let client = Client::builder()
            .base_url(&url)
            .transport(|t| t.request_timeout(global.timeout))
            .build()
            .map_err(|e| {
                let which = match url_origin {
                    Origin::Remembered => format!(
                        "the API URL remembered for profile {}",
                        remembered_by.as_deref().unwrap_or(DEFAULT_PROFILE)
                    ),
                    Origin::Env => "STEPS_API_URL".to_owned(),
                    _ => "--api-url".to_owned(),
                };
                CliError::usage(format!("{which} {url:?}: {e}"))
            })?;
        let api_url = client.base_url();
        Ok(App {
            global,
            client,
            api_url,
            url_origin,
            profile,
            remembered_by,
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

    pub(crate) fn sdk(&self, error: steps::Error) -> CliError {
        CliError::from_sdk(error, &self.api_url)
    }

    /// [`App::sdk`], but a call refused for a feature the server does not
    /// offer is checked first: the SDK takes a server it could not ask for
    /// v1, so when a direct ask gets no answer either, the error says that
    /// the server cannot be reached rather than that it lacks the feature.
    pub(crate) async fn sdk_checked(&self, error: steps::Error) -> CliError {
        if error.kind() == ErrorKind::Unsupported {
            if let Ok(Asked::NoAnswer(unreachable)) = self.ask_meta().await {
                return self.sdk(unreachable);
            }
        }
        self.sdk(error)
    }

    /// What the server offers, asked directly (one attempt, never
    /// retried), so that a server that cannot be reached is told apart
    /// from the v1 server `Client::capabilities` takes it for.
    ///
    /// # Errors
    ///
    /// No transport can be made for the API URL (exit 2).
    pub(crate) async fn ask_meta(&self) -> Result<Asked, CliError> {
        let ctx = CloudContext::new(&self.api_url).map_err(|e| CliError::usage(e.to_string()))?;
        let transport = TransportBuilder::default()
            .request_timeout(self.global.timeout)
            .build(ctx)
            .map_err(|e| CliError::usage(e.to_string()))?;
        Ok(
            match transport
                .execute_with(&Meta, &WireCredential::none(), &RetryPolicy::never())
                .await
            {
                Ok(capabilities) => Asked::Answered(capabilities),
                Err(error) => Asked::NoAnswer(steps::Error::from(error)),
            },
        )
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

    /// `--profile NAME ` when the profile is not the default, for the
    /// commands a message suggests.
    pub(crate) fn profile_flag(&self) -> String {
        if self.profile == DEFAULT_PROFILE {
            String::new()
        } else {
            format!("--profile {} ", self.profile)
        }
    }

    /// ` (profile NAME)` when the profile is not the default.
    pub(crate) fn profile_note(&self) -> String {
        if self.profile == DEFAULT_PROFILE {
            String::new()
        } else {
            format!(" (profile {})", self.profile)
        }
    }

    /// The error for a command that needs a login and has none.
    pub(crate) fn not_logged_in(&self) -> CliError {
        CliError::auth(format!(
            "not logged in to {}{}: run `steps login {}--email ...`",
            self.api_url,
            self.profile_note(),
            self.profile_flag()
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
                "the stored login for {}{} has expired: run `steps login {}--email ...`",
                self.api_url,
                self.profile_note(),
                self.profile_flag()
            )));
        }
        if let Some(left) = token
            .expires_at
            .and_then(|at| at.duration_since(SystemTime::now()).ok())
        {
            if left < EXPIRY_WARNING && !self.warned_expiry.replace(true) {
                terminal::error_line(&format!(
                    "warning: the login for {}{} expires in {}: run `steps login {}--email ...` to renew it",
                    self.api_url,
                    self.profile_note(),
                    format_duration(Duration::from_secs(left.as_secs())),
                    self.profile_flag()
                ));
            }
        }
        Ok(token.token)
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
        Ok(self.client.session_from_token(token))
    }

    pub(crate) async fn login(&self, args: LoginArgs) -> Result<(), CliError> {
        let store = self.store()?;
        // Refuses an unsafe directory or file before a password is sent.
        store.load_all()?;
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
        // A URL the user chose for this login becomes the profile's
        // default, as gh remembers its host.
        let remember = matches!(self.url_origin, Origin::Flag | Origin::Env);
        store.update(|credentials| {
            let profile = credentials.profiles.entry(self.profile.clone()).or_default();
            profile.logins.insert(self.api_url.clone(), stored);
            if remember {
                profile.api_url = Some(self.api_url.clone());
            }
        })?;
        let path = store.path();
        let who = email.clone().unwrap_or_else(|| "the given token".to_owned());
        let admin = if token.is_admin == Some(true) {
            " (admin)"
        } else {
            ""
        };
        self.print(
            json!({ "api_url": self.api_url, "profile": self.profile, "api_url_remembered": remember,
                    "email": email, "user_id": token.user_id, "is_admin": token.is_admin,
                    "expires_at": token.expires_at.map(output::unix), "credentials_file": path }),
            || {
                let mut text = format!(
                    "Logged in to {} as {who}{admin}{}. Token stored in {}.",
                    self.api_url,
                    self.profile_note(),
                    path.display()
                );
                if remember {
                    text.push_str(&format!(
                        "\nLater commands{} use {} when no --api-url or STEPS_API_URL is given.",
                        self.profile_note(),
                        self.api_url
                    ));
                }
                text
            },
        )
    }

    /// `steps meta`: what the server offers; a server that cannot be
    /// reached is an error (see [`App::ask_meta`]).
    pub(crate) async fn meta(&self) -> Result<(), CliError> {
        let capabilities = match self.ask_meta().await? {
            Asked::Answered(capabilities) => capabilities,
            Asked::NoAnswer(error) => return Err(self.sdk(error)),
        };
        let features: Vec<&str> = capabilities.features.iter().map(|f| f.name()).collect();
        self.print(
            json!({ "api_url": self.api_url, "protocol": capabilities.protocol, "features": features }),
            || {
                let protocol = if capabilities.protocol == 1 {
                    "1 (no /api/meta: a v1 server)".to_owned()
                } else {
                    capabilities.protocol.to_string()
                };
                let features = if features.is_empty() {
                    "-".to_owned()
                } else {
                    features.join(", ")
                };
                format!(
                    "{}\n{}",
                    self.api_url,
                    output::fields(&[("protocol", protocol), ("features", features)])
                )
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

    /// `steps job-token ...`.
    pub(crate) async fn job_tokens(&self, command: JobTokenCommand) -> Result<(), CliError> {
        let session = self.session().await?;
        let tokens = session.job_tokens();
        match command {
            JobTokenCommand::Common(command) => self.tokens_of(tokens, command).await,
            JobTokenCommand::List { label, user } => {
                // Not refused here for a user: the SDK lists a user's own
                // where the server offers that, and the server decides.
                let listed = match (&label, user) {
                    (None, None) => tokens.list().await,
                    _ => tokens.list_filtered(label.as_deref(), user).await,
                };
                let all = match listed {
                    Ok(all) => all,
                    Err(error) => return Err(self.sdk_checked(error).await),
                };
                self.list(JobToken::NOUN, all.iter().map(Shown::record).collect())
            }
        }
    }

    /// `steps api-key ...`.
    pub(crate) async fn api_keys(&self, command: ApiKeyCommand) -> Result<(), CliError> {
        let session = self.session().await?;
        let keys = session.api_keys();
        match command {
            ApiKeyCommand::Common(command) => self.tokens_of(keys, command).await,
            ApiKeyCommand::List => {
                let all = keys.list().await.map_err(|e| self.sdk(e))?;
                self.list(steps::ApiKey::NOUN, all.iter().map(Shown::record).collect())
            }
        }
    }

    async fn tokens_of<R: Shown>(
        &self,
        tokens: Tokens<'_, R>,
        command: TokenCommand,
    ) -> Result<(), CliError> {
        let sdk = |e| self.sdk(e);
        match command {
            TokenCommand::Create {
                label,
                duration,
                idempotency_key,
            } => {
                let offered = match &idempotency_key {
                    Some(_) => self.client.capabilities().await.supports(Feature::Idempotency),
                    None => false,
                };
                let created = match idempotency_key {
                    Some(key) if offered => tokens.create_with_key(label.as_deref(), duration, key).await,
                    Some(_) => {
                        // As --help says: a v1 server is not sent the key
                        // (the SDK would refuse it), and the user is told
                        // that the promise is not kept.
                        terminal::error_line(&format!(
                            "warning: {} does not offer idempotent creates (protocol v1): the key is not \
                             sent, and running this again would create another {}",
                            self.api_url,
                            R::NOUN
                        ));
                        tokens.create(label.as_deref(), duration).await
                    }
                    None => tokens.create(label.as_deref(), duration).await,
                };
                self.created(created.map_err(sdk)?.record())
            }
            TokenCommand::Get { id } => self.one(tokens.get(id).await.map_err(sdk)?.record()),
            TokenCommand::Delete { id } => {
                tokens.delete(id).await.map_err(sdk)?;
                self.print(json!({ R::ID_FIELD: id, "deleted": true }), || {
                    format!("Deleted {} {id}.", R::NOUN)
                })
            }
            TokenCommand::Rotate {
                id,
                grace,
                idempotency_key,
            } => {
                let rotated = match idempotency_key {
                    Some(key) => {
                        let offered = self.client.capabilities().await;
                        if offered.supports(Feature::Rotation) && !offered.supports(Feature::Idempotency) {
                            // As for a create: the key is not sent (the SDK
                            // would refuse it), and the user is told.
                            terminal::error_line(&format!(
                                "warning: {} does not offer idempotent requests: the key is not sent, and \
                                 running this again would rotate the {} again",
                                self.api_url,
                                R::NOUN
                            ));
                            tokens.rotate(id, grace).await
                        } else {
                            // Without rotation, this is refused unsent.
                            tokens.rotate_with_key(id, grace, key).await
                        }
                    }
                    None => tokens.rotate(id, grace).await,
                };
                match rotated {
                    Ok(rotated) => self.rotated(rotated.record(), grace.unwrap_or_default()),
                    Err(error) => Err(self.sdk_checked(error).await),
                }
            }
        }
    }

    /// The one place a secret is printed: right after its creation.
    /// A replay (protocol v2: the same idempotency key again) shows the
    /// same token, and says that it is not a new one.
    fn created(&self, record: Record<'_>) -> Result<(), CliError> {
        let mut json = record.json(true);
        if let serde_json::Value::Object(map) = &mut json {
            map.insert("replayed".to_owned(), record.replayed.into());
        }
        self.print(json, || {
            let mut fields = record.fields();
            if let Some(secret) = record.secret {
                fields.push(("secret", secret.expose().to_owned()));
            }
            let headline = if record.replayed {
                format!(
                    "{} {} was created earlier with this idempotency key: the server replayed its \
                     answer, and no new one was made. Its secret:",
                    capitalized(record.kind),
                    record.id
                )
            } else {
                format!(
                    "Created {} {}. Its secret is shown this once: store it now.",
                    record.kind, record.id
                )
            };
            format!("{headline}\n{}", output::fields(&fields))
        })
    }

    /// The other place a secret is printed: right after a rotation gave
    /// it, in the shape of [`Self::created`] with `rotated_at`, and when
    /// the old secret stops working.
    fn rotated(&self, record: Record<'_>, grace: Duration) -> Result<(), CliError> {
        let old_until = record.rotated_at.and_then(|at| at.checked_add(grace));
        let mut json = record.json(true);
        if let serde_json::Value::Object(map) = &mut json {
            map.insert("replayed".to_owned(), record.replayed.into());
            map.insert(
                "rotated_at".to_owned(),
                record.rotated_at.map(output::unix).into(),
            );
            map.insert("grace".to_owned(), grace.as_secs().into());
            map.insert(
                "old_secret_valid_until".to_owned(),
                old_until.map(output::unix).into(),
            );
        }
        self.print(json, || {
            let mut fields = record.fields();
            if let Some(at) = record.rotated_at {
                fields.push(("rotated", output::timestamp(at)));
            }
            if let Some(secret) = record.secret {
                fields.push(("secret", secret.expose().to_owned()));
            }
            let old = match (grace.is_zero(), old_until) {
                (true, _) => "The old secret is refused from now on.".to_owned(),
                (false, Some(until)) => format!(
                    "The old secret works until {} ({} of grace).",
                    output::timestamp(until),
                    format_duration(grace)
                ),
                (false, None) => format!("The old secret works for {} more.", format_duration(grace)),
            };
            let headline = if record.replayed {
                format!(
                    "{} {} was rotated earlier with this idempotency key: the server replayed its \
                     answer, and it was not rotated again. {old} Its new secret:",
                    capitalized(record.kind),
                    record.id
                )
            } else {
                format!(
                    "Rotated {} {}. Its new secret is shown this once: store it now. {old}",
                    record.kind, record.id
                )
            };
            format!("{headline}\n{}", output::fields(&fields))
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

    /// The table or JSON on stdout; the count on stderr, so that stdout
    /// holds only the table.
    fn list(&self, noun: &str, records: Vec<Record<'_>>) -> Result<(), CliError> {
        let json = records.iter().map(|r| r.json(false)).collect();
        self.print(serde_json::Value::Array(json), || {
            let rows: Vec<Vec<String>> = records.iter().map(Record::row).collect();
            output::table(&LIST_HEADERS, &rows)
        })?;
        if !self.global.json {
            terminal::note(&format!("{} {noun}(s)", records.len()));
        }
        Ok(())
    }
}

/// "job token" → "Job token".
fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// A Unix time as a `SystemTime`, when it is one.
pub(crate) fn from_unix(seconds: u64) -> Option<SystemTime> {
    UNIX_EPOCH.checked_add(Duration::from_secs(seconds))
}

/// The API URL `profile` uses when none is given, and the profile that
/// remembered it (see `Credentials::remembered_url`), if the credentials
/// file can be found and has one.
fn remembered_url(
    global: &Global,
    profile: &str,
    exposed: Exposed,
) -> Result<Option<(String, String)>, CliError> {
    let Ok(store) = Store::locate(global.config_dir.as_deref()) else {
        // No config directory: nothing was remembered.
        return Ok(None);
    };
    if exposed == Exposed::PassOver && store.others_may_read() {
        return Ok(None);
    }
    Ok(store
        .load_all()?
        .remembered_url(profile)
        .map(|(url, by)| (url.to_owned(), by.to_owned())))
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
