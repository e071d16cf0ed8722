//! The token commands: `steps job-token` and `steps api-key` (create, get,
//! list, rotate, delete), through the facade, with the one showing of a
//! new secret. `App` (what they start from) is `app.rs`; the other commands
//! that talk to an API have a file each.

use std::time::{Duration, SystemTime};

use serde_json::json;
use steps::{Resource, Secret, Tokens};

use crate::app::App;
use crate::cli::{Api, ApiKeyCommand, JobTokenCommand, TokenCommand};
use crate::duration::format_duration;
use crate::error::CliError;
use crate::output::{self, Shown, EXPIRES_COLUMN, LIST_HEADERS};
use crate::terminal;

impl App {
    /// `steps job-token ...`.
    pub(crate) async fn job_tokens(&self, command: JobTokenCommand) -> Result<(), CliError> {
        if self.api == Api::Quandela {
            return self.quandela_tokens(command).await;
        }
        let only_quandela = |what: &str| {
            Err(CliError::usage(format!(
                "{what} is for the Quandela cloud's API (--api quandela); {} speaks steps",
                self.api_url
            )))
        };
        match &command {
            JobTokenCommand::List { all: true, .. } => return only_quandela("--all"),
            JobTokenCommand::Rename { .. } => return only_quandela("job-token rename"),
            JobTokenCommand::SetPriority { .. } => return only_quandela("job-token set-priority"),
            JobTokenCommand::Revoke { .. } => return only_quandela("job-token revoke"),
            JobTokenCommand::Reopen { .. } => return only_quandela("job-token reopen"),
            JobTokenCommand::DeleteBySecret => return only_quandela("job-token delete-by-secret"),
            JobTokenCommand::Usage { .. } => return only_quandela("job-token usage"),
            _ => {}
        }
        let session = self.session().await?;
        let tokens = session.job_tokens();
        match command {
            JobTokenCommand::Common(command) => self.tokens_of(tokens, command).await,
            JobTokenCommand::List {
                label,
                user,
                expiring_within,
                ..
            } => {
                // Not refused here for a user: the SDK lists a user's own
                // where the server offers that, and the server decides.
                let mut list = tokens.list();
                if let Some(label) = label {
                    list = list.label(label);
                }
                if let Some(user) = user {
                    list = list.user_id(user);
                }
                let all = list.send().await.map_err(|e| self.sdk(e))?;
                self.list(&all, expiring_within)
            }
            // Refused above.
            _ => Ok(()),
        }
    }

    /// `steps api-key ...`.
    pub(crate) async fn api_keys(&self, command: ApiKeyCommand) -> Result<(), CliError> {
        if self.api == Api::Quandela {
            return Err(CliError::usage(format!(
                "{} speaks the Quandela cloud's API, which has no API keys here: use steps job-token",
                self.api_url
            )));
        }
        let session = self.session().await?;
        let keys = session.api_keys();
        match command {
            ApiKeyCommand::Common(command) => self.tokens_of(keys, command).await,
            ApiKeyCommand::List { expiring_within } => {
                let all = keys.list().send().await.map_err(|e| self.sdk(e))?;
                self.list(&all, expiring_within)
            }
        }
    }

    async fn tokens_of<R: Resource>(
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
                priority,
            } => {
                if priority.is_some() {
                    return Err(CliError::usage(
                        "--priority is for the Quandela cloud's API (--api quandela)",
                    ));
                }
                let mut create = tokens.create();
                if let Some(label) = label {
                    create = create.label(label);
                }
                if let Some(duration) = duration {
                    create = create.duration(duration);
                }
                let key = self
                    .key_to_send(create.operation(), idempotency_key, R::NOUN)
                    .await;
                if let Some(key) = key {
                    create = create.idempotency_key(key);
                }
                self.created(&create.send().await.map_err(sdk)?)
            }
            TokenCommand::Get { id } => self.one(&tokens.get(id).send().await.map_err(sdk)?),
            TokenCommand::Delete { ids } => {
                let [id] = ids[..] else {
                    return Err(CliError::usage(
                        "one id at a time (several are for --api quandela)",
                    ));
                };
                tokens.delete(id).send().await.map_err(sdk)?;
                self.print(json!({ R::ID_FIELD: id, "deleted": true }), || {
                    format!("Deleted {} {id}.", R::NOUN)
                })
            }
            TokenCommand::Rotate {
                id,
                grace,
                idempotency_key,
            } => {
                let mut rotate = tokens.rotate(id);
                if let Some(grace) = grace {
                    rotate = rotate.grace(grace);
                }
                let key = self
                    .key_to_send(rotate.operation(), idempotency_key, R::NOUN)
                    .await;
                if let Some(key) = key {
                    rotate = rotate.idempotency_key(key);
                }
                let rotated = rotate.send().await.map_err(sdk)?;
                self.rotated(&rotated, grace.unwrap_or_default())
            }
        }
    }

    /// The one place a secret is printed: right after its creation.
    /// A replay (protocol v2: the same idempotency key again) shows the
    /// same token, and says that it is not a new one.
    fn created<R: Resource>(&self, token: &R) -> Result<(), CliError> {
        if terminal::quiet() {
            return secret_only(token.secret(), &format!("{} {}", R::NOUN, token.id()));
        }
        let shown = Shown(token);
        let mut json = shown.json_with_secret();
        if let serde_json::Value::Object(map) = &mut json {
            map.insert("replayed".to_owned(), token.replayed().into());
        }
        self.print(json, || {
            let mut fields = shown.fields();
            if let Some(secret) = token.secret() {
                fields.push(("secret", secret.expose().to_owned()));
            }
            let headline = if token.replayed() {
                format!(
                    "{} {} was created earlier with this idempotency key: the server replayed its \
                     answer, and no new one was made. Its secret:",
                    capitalized(R::NOUN),
                    token.id()
                )
            } else {
                format!(
                    "Created {} {}. Its secret is shown this once: store it now.",
                    R::NOUN,
                    token.id()
                )
            };
            format!("{headline}\n{}", output::fields(&fields))
        })
    }

    /// The other place a secret is printed: right after a rotation gave
    /// it, in the shape of [`Self::created`] with `rotated_at`, and when
    /// the old secret stops working.
    fn rotated<R: Resource>(&self, token: &R, grace: Duration) -> Result<(), CliError> {
        if terminal::quiet() {
            return secret_only(token.secret(), &format!("{} {}", R::NOUN, token.id()));
        }
        let shown = Shown(token);
        let old_until = token.rotated_at().and_then(|at| at.checked_add(grace));
        let mut json = shown.json_with_secret();
        if let serde_json::Value::Object(map) = &mut json {
            map.insert("replayed".to_owned(), token.replayed().into());
            map.insert(
                "rotated_at".to_owned(),
                token.rotated_at().map(output::unix).into(),
            );
            map.insert("grace".to_owned(), grace.as_secs().into());
            map.insert(
                "old_secret_valid_until".to_owned(),
                old_until.map(output::unix).into(),
            );
        }
        self.print(json, || {
            // `fields()` already shows when it was rotated.
            let mut fields = shown.fields();
            if let Some(secret) = token.secret() {
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
            let headline = if token.replayed() {
                format!(
                    "{} {} was rotated earlier with this idempotency key: the server replayed its \
                     answer, and it was not rotated again. {old} Its new secret:",
                    capitalized(R::NOUN),
                    token.id()
                )
            } else {
                format!(
                    "Rotated {} {}. Its new secret is shown this once: store it now. {old}",
                    R::NOUN,
                    token.id()
                )
            };
            format!("{headline}\n{}", output::fields(&fields))
        })
    }

    fn one<R: Resource>(&self, token: &R) -> Result<(), CliError> {
        let shown = Shown(token);
        self.print(shown.json(), || {
            format!("{} {}\n{}", R::NOUN, token.id(), output::fields(&shown.fields()))
        })
    }

    /// The table or JSON on stdout, of those that expire `within` the
    /// window if one is given; the count on stderr, so that stdout holds
    /// only the table.
    fn list<R: Resource>(&self, all: &[R], within: Option<Duration>) -> Result<(), CliError> {
        let now = SystemTime::now();
        let shown: Vec<&R> = all
            .iter()
            .filter(|token| {
                within.is_none_or(|window| output::expires_within(token.expires_at(), window, now))
            })
            .collect();
        let json = shown.iter().map(|token| Shown(*token).json()).collect();
        self.print_painted(serde_json::Value::Array(json), || {
            let rows: Vec<Vec<String>> = shown.iter().map(|token| Shown(*token).row()).collect();
            let expiries: Vec<SystemTime> = shown.iter().map(|token| token.expires_at()).collect();
            let window = self.global.expiry_warning;
            output::painted_table(&LIST_HEADERS, &rows, |row, column, _| {
                (column == EXPIRES_COLUMN).then(|| output::expiry_style(expiries[row], window))?
            })
        })?;
        if !self.global.json {
            let window = within.map_or_else(String::new, |w| {
                format!(" expiring within {}", format_duration(w))
            });
            terminal::note(&format!("{} {}(s){window}", shown.len(), R::NOUN));
        }
        Ok(())
    }
}

/// `--quiet`'s create and rotate: the new secret alone on stdout, so that
/// `TOKEN=$(steps job-token create -q)` holds it and nothing else (with
/// `--json` too: `-q` wins).
pub(crate) fn secret_only(secret: Option<&Secret>, made: &str) -> Result<(), CliError> {
    match secret {
        // Written as it is (a script reads it), so only a secret a
        // terminal would not act on: a server's escape sequence is refused.
        Some(secret) if terminal::printable(secret.expose()) != secret.expose() => {
            Err(CliError::api(format!(
                "the server's new secret of {made} holds control characters, so -q does not print it: \
             {made} exists on the server (delete it, or rotate it again without -q to see the \
             new secret escaped)"
            )))
        }
        Some(secret) => terminal::line(secret.expose()),
        // The core refuses a create or rotate answer without its secret;
        // this is only a guard.
        None => Err(CliError::api("the server's answer has no secret")),
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

#[cfg(test)]
mod tests {
    use steps::Secret;

    #[test]
    fn quiet_refuses_a_secret_a_terminal_would_act_on() {
        let hostile = Secret::new("stj_TEST\u{1b}]52;c;Zm9v\u{7}");
        let error = super::secret_only(Some(&hostile), "job token 5").unwrap_err();
        assert_eq!(error.code, 1);
        assert!(error.message.contains("job token 5 exists"), "{}", error.message);
        assert!(!error.message.contains("stj_TEST"), "{}", error.message);
        assert_eq!(super::secret_only(None, "job token 5").unwrap_err().code, 1);
    }
}
