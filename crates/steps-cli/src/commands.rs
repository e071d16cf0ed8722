//! The token commands: `steps job-token` and `steps api-key` (create, get,
//! list, rotate, delete), through the facade, with the one showing of a
//! new secret. `App` (what they start from) is `app.rs`; the other commands
//! that talk to an API have a file each.

use std::time::Duration;

use serde_json::json;
use steps::{Feature, JobToken, Tokens};

use crate::app::App;
use crate::cli::{ApiKeyCommand, JobTokenCommand, TokenCommand};
use crate::duration::format_duration;
use crate::error::CliError;
use crate::output::{self, Record, Shown, LIST_HEADERS};
use crate::terminal;

impl App {
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
