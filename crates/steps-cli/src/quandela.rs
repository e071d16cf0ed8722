//! `steps job-token ...` against the Quandela cloud's token API
//! (`--api quandela`, `docs/quandela.md`), through the facade's
//! `session.quandela()`: create (its secret shown this once), list, get,
//! rename, set-priority, revoke, reopen, delete and usage. The cloud
//! revokes and reopens by secret: the secret is read by id, used, and
//! never shown.

use std::time::SystemTime;

use serde_json::{json, Value};
use steps::quandela::{GeneratedToken, TokenDetails, TokenSummary, TokenUsage};
use steps::{ErrorKind, Secret};

use crate::app::App;
use crate::cli::{JobTokenCommand, TokenCommand};
use crate::colour;
use crate::commands::secret_only;
use crate::duration::format_duration;
use crate::error::CliError;
use crate::login;
use crate::output;
use crate::terminal;

/// What a token's state is, from what the cloud says of it.
fn state(revoked: Option<bool>, expires_at: Option<SystemTime>) -> &'static str {
    if revoked == Some(true) {
        "revoked"
    } else if expires_at.is_some_and(|at| at <= SystemTime::now()) {
        "expired"
    } else {
        "active"
    }
}

/// A time as RFC 3339, or `-`.
fn when(at: Option<SystemTime>) -> String {
    at.map_or_else(|| "-".to_owned(), output::timestamp)
}

/// A value as text, or `-`.
fn or_dash<T: ToString>(value: Option<T>) -> String {
    value.map_or_else(|| "-".to_owned(), |v| v.to_string())
}

fn summary_json(token: &TokenSummary) -> Value {
    json!({ "id": token.id, "label": token.label, "priority": token.priority,
            "user_id": token.user_id, "count": token.count,
            "created_at": token.created_at.map(output::timestamp),
            "expires_at": token.expires_at.map(output::timestamp),
            "last_used_at": token.last_used_at.map(output::timestamp),
            "state": state(token.is_revoked, token.expires_at) })
}

fn details_json(token: &TokenDetails) -> Value {
    let revoked = token.valid.map(|valid| !valid);
    let state = match (
        revoked,
        token.expires_at.is_some_and(|at| at <= SystemTime::now()),
    ) {
        (_, true) => "expired",
        (Some(true), _) => "revoked",
        _ => "active",
    };
    json!({ "id": token.id, "label": token.label, "priority": token.priority,
            "user_id": token.user_id, "email": token.email, "count": token.count,
            "created_at": token.created_at.map(output::timestamp),
            "expires_at": token.expires_at.map(output::timestamp),
            "last_used_at": token.last_used_at.map(output::timestamp),
            "valid": token.valid, "state": state })
}

/// The fields of a JSON object as `name: value` lines (nulls as `-`).
fn json_fields(value: &Value) -> String {
    let pairs: Vec<(&str, String)> = value
        .as_object()
        .map(|map| {
            map.iter()
                .map(|(k, v)| {
                    let text = match v {
                        Value::Null => "-".to_owned(),
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    };
                    (k.as_str(), text)
                })
                .collect()
        })
        .unwrap_or_default();
    output::fields(&pairs)
}

impl App {
    /// `steps job-token ...` with `--api quandela`.
    pub(crate) async fn quandela_tokens(&self, command: JobTokenCommand) -> Result<(), CliError> {
        let session = self.session().await?;
        let tokens = session.quandela();
        let sdk = |e| self.sdk(e);
        match command {
            JobTokenCommand::Common(TokenCommand::Create {
                label,
                duration,
                idempotency_key,
                priority,
            }) => {
                if idempotency_key.is_some() {
                    return Err(CliError::usage(
                        "the Quandela cloud takes no idempotency key: leave --idempotency-key out \
                         (a labelled create whose answer is lost is settled by its label)",
                    ));
                }
                let mut generate = tokens.generate();
                if let Some(label) = label {
                    generate = generate.label(label);
                }
                if let Some(duration) = duration {
                    generate = generate.duration(duration);
                }
                if let Some(priority) = priority {
                    generate = generate.priority(priority);
                }
                match generate.send().await {
                    Ok(token) => self.generated(&token),
                    Err(error) => Err(self.generate_failed(error)),
                }
            }
            JobTokenCommand::Common(TokenCommand::Get { id }) => {
                let token = tokens.get(id).send().await.map_err(sdk)?;
                let value = details_json(&token);
                self.print(value.clone(), || json_fields(&value))
            }
            JobTokenCommand::Common(TokenCommand::Delete { ids }) => {
                tokens.delete_many(ids.clone()).send().await.map_err(sdk)?;
                self.print(json!({ "ids": ids, "deleted": true }), || {
                    let list: Vec<String> = ids.iter().map(i64::to_string).collect();
                    format!("Deleted job token {}.", list.join(", "))
                })
            }
            JobTokenCommand::Common(TokenCommand::Rotate { .. }) => Err(CliError::usage(
                "the Quandela cloud cannot rotate a token: create another and delete this one",
            )),
            JobTokenCommand::List {
                label,
                user,
                all,
                expiring_within,
            } => {
                if label.is_some() {
                    return Err(CliError::usage(
                        "--label is not a filter of the Quandela cloud: list them all and look",
                    ));
                }
                let mut list = tokens.list();
                if let Some(user) = user {
                    list = list.user_id(user);
                }
                if !all {
                    list = list.include_revoked(false).include_expired(false);
                }
                let found = list.send().await.map_err(sdk)?;
                let now = SystemTime::now();
                let shown: Vec<&TokenSummary> = found
                    .iter()
                    .filter(|t| all || state(t.is_revoked, t.expires_at) == "active")
                    .filter(|t| {
                        expiring_within.is_none_or(|window| {
                            t.is_revoked != Some(true)
                                && t.expires_at
                                    .is_some_and(|at| output::expires_within(at, window, now))
                        })
                    })
                    .collect();
                self.print_painted(
                    Value::Array(shown.iter().map(|t| summary_json(t)).collect()),
                    || {
                        let rows: Vec<Vec<String>> = shown
                            .iter()
                            .map(|t| {
                                vec![
                                    t.id.to_string(),
                                    or_dash(t.label.as_deref()),
                                    when(t.last_used_at),
                                    or_dash(t.count),
                                    or_dash(t.priority),
                                    state(t.is_revoked, t.expires_at).to_owned(),
                                    t.expires_at.map_or_else(|| "-".to_owned(), output::expiry),
                                ]
                            })
                            .collect();
                        let window = self.global.expiry_warning;
                        output::painted_table(
                            &["ID", "LABEL", "LAST USED", "USES", "PRIORITY", "STATE", "EXPIRES"],
                            &rows,
                            |row, column, cell| match column {
                                5 if cell == "active" => Some(colour::ACTIVE),
                                5 => Some(colour::ENDED),
                                6 => shown[row]
                                    .expires_at
                                    .and_then(|at| output::expiry_style(at, window)),
                                _ => None,
                            },
                        )
                    },
                )
            }
            JobTokenCommand::Rename { id, label } => {
                tokens.update(id).label(label.clone()).send().await.map_err(sdk)?;
                self.print(json!({ "id": id, "label": label }), || {
                    format!("Renamed job token {id} to {label:?}.")
                })
            }
            JobTokenCommand::SetPriority { id, priority } => {
                tokens.update(id).priority(priority).send().await.map_err(sdk)?;
                self.print(json!({ "id": id, "priority": priority }), || {
                    format!("Job token {id} now has priority {priority}.")
                })
            }
            JobTokenCommand::Revoke { id, secret_stdin } => {
                let secret = self.secret_of(&tokens, id, secret_stdin).await?;
                tokens.revoke(secret).send().await.map_err(sdk)?;
                self.print(json!({ "id": id, "revoked": true }), || {
                    format!(
                        "Revoked job token {id} ({} reopens it).",
                        self.hints.command(&format!("job-token reopen {id}"))
                    )
                })
            }
            JobTokenCommand::Reopen { id, secret_stdin } => {
                let secret = self.secret_of(&tokens, id, secret_stdin).await?;
                tokens.reopen(secret).send().await.map_err(sdk)?;
                self.print(json!({ "id": id, "revoked": false }), || {
                    format!("Reopened job token {id}.")
                })
            }
            JobTokenCommand::DeleteBySecret => {
                let secret = Secret::new(login::read_stdin_line("secret")?);
                tokens.delete_by_secrets(vec![secret]).send().await.map_err(sdk)?;
                self.print(json!({ "deleted": true }), || {
                    "Deleted the job token with that secret.".to_owned()
                })
            }
            JobTokenCommand::Usage { ids, since, until } => {
                let mut usage = tokens.usage(ids);
                if let Some(since) = since {
                    usage = usage.since(since);
                }
                if let Some(until) = until {
                    usage = usage.until(until);
                }
                let report = usage.send().await.map_err(sdk)?;
                self.usage(&report)
            }
        }
    }

    /// The secret of token `id`, read by id (or from standard input), to
    /// revoke or reopen it by.
    async fn secret_of(
        &self,
        tokens: &steps::quandela::Quandela<'_>,
        id: i64,
        from_stdin: bool,
    ) -> Result<Secret, CliError> {
        if from_stdin {
            return Ok(Secret::new(login::read_stdin_line("secret")?));
        }
        let token = tokens.get(id).send().await.map_err(|e| self.sdk(e))?;
        token.token.ok_or_else(|| {
            CliError::api(format!(
                "{} did not return the secret of job token {id}, and it revokes and reopens a token \
                 by its secret only: pipe the secret in with --secret-stdin, or delete the token \
                 ({})",
                self.api_url,
                self.hints.command(&format!("job-token delete {id}"))
            ))
        })
    }

    /// The one place a new secret is printed: right after its creation.
    fn generated(&self, token: &GeneratedToken) -> Result<(), CliError> {
        if terminal::quiet() {
            return secret_only(Some(&token.token), &format!("job token {}", token.token_id));
        }
        let secret = token.token.expose().to_owned();
        let duration = token.duration.map(format_duration);
        self.print(
            json!({ "id": token.token_id, "secret": secret, "duration": token.duration.map(|d| d.as_secs()) }),
            || {
                let mut fields = vec![("id", token.token_id.to_string())];
                if let Some(duration) = duration.clone() {
                    fields.push(("duration", duration));
                }
                fields.push(("secret", secret.clone()));
                format!(
                    "Created job token {}. Its secret is shown this once: store it now.\n{}",
                    token.token_id,
                    output::fields(&fields)
                )
            },
        )
    }

    /// A failed generate, with what the facade settled of a lost answer.
    pub(crate) fn generate_failed(&self, error: steps::Error) -> CliError {
        match (error.kind(), error.token_id()) {
            (ErrorKind::SecretLost, Some(id)) => CliError::api(format!(
                "the answer to the create was lost: the job token exists as {id}, secret lost: \
                 delete it ({})",
                self.hints.command(&format!("job-token delete {id}"))
            )),
            (ErrorKind::NotApplied, _) => CliError::api(
                "the answer to the create was lost: the job token was not created; create it again",
            ),
            (ErrorKind::LabelTaken, _) => CliError::usage(format!(
                "{error}: choose another label, or rename or delete the token that has it"
            )),
            _ => self.sdk(error),
        }
    }

    /// `steps job-token usage`: a row per token and platform.
    fn usage(&self, report: &[TokenUsage]) -> Result<(), CliError> {
        let value: Vec<Value> = report
            .iter()
            .map(|token| {
                let platforms: Vec<Value> = token
                    .usage
                    .iter()
                    .map(|p| {
                        json!({ "platform": p.platform_name, "jobs": p.nb_jobs,
                                "duration_seconds": p.duration_seconds, "credits": p.credits,
                                "free_credits": p.free_credits })
                    })
                    .collect();
                json!({ "id": token.token_id, "total_jobs": token.total_jobs, "usage": platforms })
            })
            .collect();
        self.print(Value::Array(value), || {
            let mut rows = Vec::new();
            for token in report {
                for p in &token.usage {
                    rows.push(vec![
                        token.token_id.to_string(),
                        or_dash(p.platform_name.as_deref()),
                        or_dash(p.nb_jobs),
                        or_dash(p.duration_seconds),
                        or_dash(p.credits),
                        or_dash(p.free_credits),
                    ]);
                }
                if token.usage.is_empty() {
                    let jobs = or_dash(token.total_jobs);
                    rows.push(vec![
                        token.token_id.to_string(),
                        "-".into(),
                        jobs,
                        "-".into(),
                        "-".into(),
                        "-".into(),
                    ]);
                }
            }
            output::table(
                &["ID", "PLATFORM", "JOBS", "SECONDS", "CREDITS", "FREE CREDITS"],
                &rows,
            )
        })
    }
}
