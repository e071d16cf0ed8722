//! `steps exec`: runs a command with a new job token in its environment,
//! forwards the signals that would stop it (not a Ctrl-C the terminal sent
//! it already: see `signals`), deletes the token when it ends (whatever way
//! it ends), and exits with its status, or 128 + N if it exits 0 after
//! `steps` was sent signal N.
//!
//! The token lives at most `--duration` (1 h by default): if its delete
//! fails, or `steps` itself is killed with SIGKILL, it expires on its own.

use std::process::ExitStatus;
use std::time::SystemTime;

use steps::{ErrorKind, Feature, Resource, Secret, Session};

use crate::app::App;
use crate::cli::{Api, ExecArgs, EXEC_DURATION, EXEC_LABEL};
use crate::duration::relative;
use crate::error::CliError;
use crate::output;
use crate::terminal;

/// The label of a job token made for `steps exec` on the Quandela cloud,
/// where labels are unique: the command, the host, the time and the
/// process, so that two runs never share one.
fn quandela_label(args: &ExecArgs) -> String {
    let command = args
        .command
        .first()
        .map(|c| {
            let path = std::path::Path::new(c);
            path.file_name().unwrap_or(c).to_string_lossy().into_owned()
        })
        .unwrap_or_default();
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".to_owned());
    format!(
        "{EXEC_LABEL} {command} on {host} at {} ({})",
        output::timestamp(SystemTime::now()),
        std::process::id()
    )
}

/// How a command ended, as an exit code: its own, or 128 + N for a
/// command killed by signal N (as shells report it).
type Status = u8;

/// The exit code of a command that could not be found (as shells say).
const NOT_FOUND: Status = 127;
/// The exit code of a command that could not be run (as shells say).
const CANNOT_RUN: Status = 126;

/// Runs `args.command` with a job token in `args.env`.
///
/// # Errors
///
/// The token cannot be made (not logged in, the API fails): nothing runs.
/// Otherwise an error carries the command's status, with no message (the
/// command spoke for itself), or exit 1 when the command succeeded but the
/// token could not be deleted.
pub(crate) async fn run(app: &App, args: ExecArgs) -> Result<(), CliError> {
    // Before anything is made: a signal from now on is handled, so that a
    // token made is always deleted.
    let mut signals = signals::Signals::install()?;
    let session = app.session().await?;
    let duration = args.duration.unwrap_or(EXEC_DURATION);
    warn_if_login_ends_first(app, duration).await?;
    let (token_id, secret, expires_at) = if app.api == Api::Quandela {
        let label = args.label.clone().unwrap_or_else(|| quandela_label(&args));
        let job = session
            .quandela()
            .generate()
            .label(label)
            .duration(duration)
            // The label is this run's own: a lost answer is replaced.
            .replace_if_lost()
            .send()
            .await
            .map_err(|e| app.generate_failed(e))?;
        let expires_at = SystemTime::now() + job.duration.unwrap_or(duration);
        (job.token_id, job.token, expires_at)
    } else {
        let label = args.label.as_deref().unwrap_or(EXEC_LABEL);
        let job = session
            .job_tokens()
            .create()
            .label(label)
            .duration(duration)
            .send()
            .await
            .map_err(|e| app.sdk(e))?;
        let Some(secret) = job.secret().cloned() else {
            // The core refuses a create answer without its secret; this is
            // only a guard.
            return Err(CliError::api("the server's answer has no token"));
        };
        (job.id(), secret, job.expires_at())
    };

    let status = match signals.pending() {
        // Asked to stop while the token was being made: the command never
        // starts.
        Some(signal) => Ok(128u8.saturating_add(signals::number(signal))),
        None => run_command(&args, &secret, &mut signals).await,
    };

    let deleted = delete(app, &session, token_id, &secret).await;
    let mut status = match status {
        Ok(status) => status,
        Err((status, message)) => {
            terminal::error_line(&message);
            status
        }
    };
    if let Err(error) = deleted {
        terminal::error_line(&format!(
            "could not delete job token {token_id} ({}): it stays valid until {}; delete it with {}",
            error.message,
            output::timestamp(expires_at),
            app.hints.command(&format!("job-token delete {token_id}"))
        ));
        if status == 0 {
            status = 1;
        }
    }
    match status {
        0 => Ok(()),
        code => Err(CliError::exit_status(code)),
    }
}

/// Warns, before anything is made, when the stored login token that must
/// delete the job token at the end expires before the job token's
/// `duration` is up, and the server offers nothing to fall back on: a job
/// token on a protocol v2 server with feature "self" revokes itself, and
/// the Quandela cloud lets a job token delete itself, but on a v1 server
/// the job token would then outlive the command until its own expiry.
async fn warn_if_login_ends_first(app: &App, duration: std::time::Duration) -> Result<(), CliError> {
    if app.api == Api::Quandela {
        return Ok(());
    }
    let Some(ends) = SystemTime::now().checked_add(duration) else {
        return Ok(());
    };
    let Some(login_expires) = app.login_expires_before(ends)? else {
        return Ok(());
    };
    let can_revoke_itself = app
        .client
        .capabilities()
        .await
        .is_ok_and(|offered| offered.supports(Feature::SelfToken));
    if !can_revoke_itself {
        terminal::error_line(&format!(
            "warning: your login token expires {} (at {}), before the job token's --duration is up, \
             and {} offers no revoke-self to fall back on: if the command runs past then, the job \
             token cannot be deleted and stays valid until {}; run {} first, or give a shorter \
             --duration",
            relative(login_expires, SystemTime::now()),
            output::timestamp(login_expires),
            app.api_url,
            output::timestamp(ends),
            app.hints.command(app.hints.login)
        ));
    }
    Ok(())
}

/// Starts the command, forwards signals to it until it ends, and gives
/// its status; or the status and message of a command that could not be
/// started.
async fn run_command(
    args: &ExecArgs,
    secret: &Secret,
    signals: &mut signals::Signals,
) -> Result<Status, (Status, String)> {
    let (program, rest) = args
        .command
        .split_first()
        .ok_or((CANNOT_RUN, "no command to run".to_owned()))?;
    let mut command = tokio::process::Command::new(program);
    command.args(rest);
    // The login token stays with `steps`: the command gets the job token
    // (and not the long-lived one Perceval reads, unless that is where the
    // job token goes).
    command.env_remove("STEPS_TOKEN");
    command.env_remove(crate::perceval_token::TOKEN_VAR);
    // Handed to the command it was made for: the one place a job token
    // leaves `steps` other than a create's output.
    command.env(&args.env, secret.expose());
    let mut child = command.spawn().map_err(|e| {
        let status = if e.kind() == std::io::ErrorKind::NotFound {
            NOT_FOUND
        } else {
            CANNOT_RUN
        };
        (status, format!("cannot run {}: {e}", program.to_string_lossy()))
    })?;
    // The first signal caught: a command that then exits 0 (it caught the
    // signal and cleaned up) still ends `steps` with 128 + N, as a run
    // that was interrupted.
    let mut interrupted = None;
    loop {
        tokio::select! {
            status = child.wait() => {
                // A signal that came with the command's end counts too.
                let interrupted = interrupted.or_else(|| signals.pending());
                return match (status.map(exit_code), interrupted) {
                    (Ok(0), Some(signal)) => Ok(128u8.saturating_add(signals::number(signal))),
                    (status, _) => status
                        .map_err(|e| (1, format!("cannot wait for {}: {e}", program.to_string_lossy()))),
                };
            }
            signal = signals.recv() => {
                interrupted.get_or_insert(signal);
                signals::forward(&child, signal);
            }
        }
    }
}

/// A finished command's exit code: its own, or 128 + N when signal N
/// killed it.
fn exit_code(status: ExitStatus) -> Status {
    if let Some(code) = status.code() {
        // Exit codes are 0 to 255 on Unix; elsewhere, keep what fits.
        return u8::try_from(code).unwrap_or(1);
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            return u8::try_from(128 + signal).unwrap_or(255);
        }
    }
    1
}

/// Deletes the job token with the login; if that fails (the login expired
/// while the command ran, say), the token revokes itself where the server
/// offers it (protocol v2, feature `self`). A token already gone counts as
/// deleted.
async fn delete(app: &App, session: &Session, token_id: i64, secret: &Secret) -> Result<(), CliError> {
    if app.api == Api::Quandela {
        let error = match session.quandela().delete(token_id).send().await {
            Err(error) if error.kind() != ErrorKind::NotFound => error,
            _ => return Ok(()),
        };
        // The login expired while the command ran, say: the job token
        // deletes itself (the cloud takes a job token on its own paths).
        let itself = app.client.session_from_token(secret.clone());
        return match itself.quandela().delete(token_id).send().await {
            Err(again) if again.kind() != ErrorKind::NotFound => {
                tracing::debug!(error = %again, "the job token could not delete itself either");
                Err(app.sdk(error))
            }
            _ => Ok(()),
        };
    }
    let error = match session.job_tokens().delete(token_id).send().await {
        Ok(()) => return Ok(()),
        Err(error) if error.kind() == ErrorKind::NotFound => return Ok(()),
        Err(error) => error,
    };
    let itself = app.client.session_from_token(secret.clone());
    match itself.revoke_self().await {
        Ok(()) => Ok(()),
        Err(_) => Err(app.sdk(error)),
    }
}

#[cfg(unix)]
mod signals;

#[cfg(not(unix))]
#[path = "exec/signals_other.rs"]
mod signals;
