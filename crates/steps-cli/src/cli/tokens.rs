//! The arguments of `steps job-token` and `steps api-key`: the four
//! commands the two share, and each one's `list`.

use std::time::{Duration, SystemTime};

use clap::Subcommand;
use clap_complete::engine::ArgValueCompleter;
use steps::IdempotencyKey;

use crate::completion;
use crate::duration::parse_duration;

/// An `--idempotency-key`: what the protocol accepts, checked before
/// anything is sent.
fn parse_idempotency_key(value: &str) -> Result<IdempotencyKey, String> {
    IdempotencyKey::new(value).map_err(|e| e.to_string())
}

/// A `--grace`: a duration the protocol accepts, from zero to a day
/// (`MAX_ROTATION_GRACE`), checked before anything is sent.
fn parse_grace(value: &str) -> Result<Duration, String> {
    let grace = parse_duration(value)?;
    if grace > steps::steps_core::MAX_ROTATION_GRACE {
        return Err("the grace period is at most 1d".to_owned());
    }
    Ok(grace)
}

/// What `job-token` and `api-key` have in common.
#[derive(Debug, Subcommand)]
pub(crate) enum TokenCommand {
    /// Create one; its secret is printed this once.
    Create {
        /// A label.
        #[arg(long)]
        label: Option<String>,
        /// Lifetime (90s, 15m, 1h, 7d; default 99999s).
        #[arg(long, value_parser = parse_duration)]
        duration: Option<Duration>,
        /// Make the create safe to repeat: a server that offers idempotent
        /// creates (protocol v2) answers a repeat with this key with the
        /// same token instead of a new one. 1 to 255 visible ASCII
        /// characters. A v1 server is not sent the key (it would create
        /// again).
        #[arg(long, value_name = "KEY", value_parser = parse_idempotency_key)]
        idempotency_key: Option<IdempotencyKey>,
        /// Its priority, below your own (--api quandela only).
        #[arg(long, value_name = "N")]
        priority: Option<i64>,
    },
    /// Show one (without its secret).
    Get {
        /// Its id.
        #[arg(add = ArgValueCompleter::new(completion::token_ids))]
        id: i64,
    },
    /// Delete (revoke) one (--api quandela: one or more).
    Delete {
        /// Its id (--api quandela: their ids).
        #[arg(required = true, num_args = 1.., value_name = "ID",
              add = ArgValueCompleter::new(completion::token_ids))]
        ids: Vec<i64>,
    },
    /// Give one a new secret, printed this once; its id, label and
    /// lifetime stay. The old secret keeps working for --grace, then is
    /// refused. Protocol v2, feature "rotation".
    Rotate {
        /// Its id.
        #[arg(add = ArgValueCompleter::new(completion::token_ids))]
        id: i64,
        /// How long the old secret keeps working, so that what uses it can
        /// be switched over (0s to 1d; default 0: refused at once).
        #[arg(long, value_parser = parse_grace)]
        grace: Option<Duration>,
        /// Make the rotation safe to repeat: a server that offers
        /// idempotent requests answers a repeat with this key with the
        /// same new secret instead of rotating again. 1 to 255 visible
        /// ASCII characters. A server without them is not sent the key.
        #[arg(long, value_name = "KEY", value_parser = parse_idempotency_key)]
        idempotency_key: Option<IdempotencyKey>,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum JobTokenCommand {
    #[command(flatten)]
    Common(TokenCommand),
    /// List job tokens, following every page: an admin sees everyone's; a
    /// user sees their own where the server offers that (protocol v2,
    /// feature "own_tokens"; a v1 server lists for admins only).
    List {
        /// Only the job tokens with exactly this label (protocol v2,
        /// feature "own_tokens").
        #[arg(long)]
        label: Option<String>,
        /// Only this user's job tokens: anyone's for an admin, your own id
        /// otherwise (protocol v2, feature "own_tokens").
        #[arg(long, value_name = "ID", value_parser = clap::value_parser!(i64).range(0..))]
        user: Option<i64>,
        /// With --api quandela: list revoked and expired ones too (hidden
        /// by default).
        #[arg(long)]
        all: bool,
        /// Only those still valid that expire within this (7d, 24h, 90m).
        #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
        expiring_within: Option<Duration>,
    },
    /// Give one a new label (--api quandela).
    Rename {
        /// Its id.
        #[arg(add = ArgValueCompleter::new(completion::token_ids))]
        id: i64,
        /// The new label (unique among your tokens).
        label: String,
    },
    /// Change one's priority (--api quandela).
    #[command(name = "set-priority")]
    SetPriority {
        /// Its id.
        #[arg(add = ArgValueCompleter::new(completion::token_ids))]
        id: i64,
        /// The new priority, below your own.
        priority: i64,
    },
    /// Revoke one, which can be reopened (--api quandela; the cloud
    /// addresses it by its secret, read by id where the server returns it).
    Revoke {
        /// Its id.
        #[arg(add = ArgValueCompleter::new(completion::token_ids))]
        id: i64,
        /// Read its secret from standard input, for a server that does
        /// not return it by id.
        #[arg(long)]
        secret_stdin: bool,
    },
    /// Reopen a revoked one (--api quandela; by its secret, as revoke).
    Reopen {
        /// Its id.
        #[arg(add = ArgValueCompleter::new(completion::token_ids))]
        id: i64,
        /// Read its secret from standard input, for a server that does
        /// not return it by id.
        #[arg(long)]
        secret_stdin: bool,
    },
    /// Delete the token whose secret is read from standard input (--api
    /// quandela; the cloud's delete by secret, for a token whose id you do
    /// not know). Never sent twice: prefer `delete ID` where you can.
    DeleteBySecret,
    /// Show the jobs and credits of your tokens, or of these, over a
    /// period (--api quandela).
    Usage {
        /// The tokens' ids (default: all).
        ids: Vec<i64>,
        /// From this time (RFC 3339: 2026-12-01T00:00:00Z).
        #[arg(long, value_name = "TIME", value_parser = parse_time)]
        since: Option<SystemTime>,
        /// Up to this time (RFC 3339).
        #[arg(long, value_name = "TIME", value_parser = parse_time)]
        until: Option<SystemTime>,
    },
}

/// A `--since` or `--until`: an RFC 3339 time.
fn parse_time(value: &str) -> Result<SystemTime, String> {
    steps::steps_core::quandela::parse_time(value)
        .ok_or_else(|| "not an RFC 3339 time (as 2026-12-01T00:00:00Z)".to_owned())
}

#[derive(Debug, Subcommand)]
pub(crate) enum ApiKeyCommand {
    #[command(flatten)]
    Common(TokenCommand),
    /// List all, following every page.
    List {
        /// Only those still valid that expire within this (7d, 24h, 90m).
        #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
        expiring_within: Option<Duration>,
    },
}

#[cfg(test)]
mod tests {
    #[test]
    fn idempotency_keys_are_checked() {
        assert!(super::parse_idempotency_key("deploy-42").is_ok());
        assert!(super::parse_idempotency_key("has space").is_err());
        assert!(super::parse_idempotency_key("").is_err());
    }

    #[test]
    fn a_grace_is_at_most_a_day() {
        assert_eq!(super::parse_grace("0"), Ok(std::time::Duration::ZERO));
        assert_eq!(super::parse_grace("10m"), Ok(std::time::Duration::from_secs(600)));
        assert_eq!(
            super::parse_grace("1d"),
            Ok(std::time::Duration::from_secs(86_400))
        );
        for bad in ["1d1s", "2d", "-1s", "x", "", "30500568904943w"] {
            assert!(super::parse_grace(bad).is_err(), "{bad}");
        }
    }
}
