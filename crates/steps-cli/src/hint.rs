//! The commands that messages suggest, written to run where this one ran:
//! [`command`] renders each, repeating the options that chose the server
//! and the identity (`--api-url`, `--profile`, `--config-dir`, whether
//! they came from a flag or its environment variable), never a token.
//! [`Hints`] also holds what else a message needs to be worded for the
//! situation: the API URL, the profile, what TLS trusts; and [`Source`]
//! says where the credential of a failed call came from.

use std::borrow::Cow;
use std::path::Path;

/// Where the credential of a call came from, so that its refusal is
/// worded by it: a bad `--token` is not fixed by logging in again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Source {
    /// `--token`.
    Flag,
    /// `STEPS_TOKEN`.
    Env,
    /// The profile's stored login.
    Stored,
    /// `steps login`'s email and password.
    Password,
    /// `steps login --with-token`'s standard input.
    Stdin,
}

/// What a message needs to suggest a command that runs where this one
/// ran, and to say where it ran.
#[derive(Debug, Clone)]
pub(crate) struct Hints {
    /// The API URL in use.
    pub(crate) api_url: String,
    /// ` (profile NAME)` when the profile is not the default.
    pub(crate) profile_note: String,
    /// What TLS trusts and what else could be, in words (`trust.rs`).
    pub(crate) trust: String,
    /// The options to repeat (see [`options`]).
    options: String,
    /// How to log in again, as `steps` arguments (`login --email ...`;
    /// `login --api quandela --with-token` for the Quandela cloud).
    pub(crate) login: &'static str,
}

impl Hints {
    /// The hints for a command against `api_url` as `profile`; `api_url_given`
    /// when a flag or the environment chose the URL (a remembered one or
    /// the default is chosen again by itself), `profile_given` when the
    /// profile is not the default.
    pub(crate) fn new(
        api_url: &str,
        api_url_given: bool,
        profile: Option<&str>,
        config_dir: Option<&Path>,
        trust: String,
    ) -> Hints {
        Hints {
            api_url: api_url.to_owned(),
            profile_note: profile.map(|p| format!(" (profile {p})")).unwrap_or_default(),
            trust,
            options: options(api_url_given.then_some(api_url), profile, config_dir),
            login: "login --email ...",
        }
    }

    /// Repeats `--api NAME` too: for an API a flag or the environment chose.
    pub(crate) fn repeat_api(&mut self, name: &str) {
        self.options = format!(" --api {name}{}", self.options);
    }

    /// `steps OPTIONS ARGS` in backticks: see [`command`].
    pub(crate) fn command(&self, args: &str) -> String {
        command(&self.options, args)
    }
}

/// The options a suggested command repeats: ` --api-url URL`, ` --profile
/// NAME`, ` --config-dir DIR` for those given, each value quoted for a
/// shell where it needs to be.
pub(crate) fn options(api_url: Option<&str>, profile: Option<&str>, config_dir: Option<&Path>) -> String {
    let mut out = String::new();
    if let Some(url) = api_url {
        out.push_str(&format!(" --api-url {}", quoted(url)));
    }
    if let Some(profile) = profile {
        out.push_str(&format!(" --profile {}", quoted(profile)));
    }
    if let Some(dir) = config_dir.filter(|d| !d.as_os_str().is_empty()) {
        out.push_str(&format!(" --config-dir {}", quoted(&dir.to_string_lossy())));
    }
    out
}

/// The command to run, as every hint prints it: `` `steps OPTIONS ARGS` ``,
/// with the `options` of this command line (from [`options`]) before the
/// subcommand, where every global option may stand.
pub(crate) fn command(options: &str, args: &str) -> String {
    format!("`steps{options} {args}`")
}

/// `value` as one shell word: as it is when it holds only characters no
/// shell treats specially, else in single quotes.
pub(crate) fn quoted(value: &str) -> Cow<'_, str> {
    let plain = !value.is_empty()
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:@%+=,".contains(c));
    if plain {
        Cow::Borrowed(value)
    } else {
        Cow::Owned(format!("'{}'", value.replace('\'', r"'\''")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_suggested_command_repeats_the_options_that_chose_server_and_identity() {
        let hints = Hints::new(
            "https://steps.example.com",
            true,
            Some("ci"),
            Some(Path::new("/tmp/my steps")),
            String::new(),
        );
        assert_eq!(
            hints.command("job-token delete 1"),
            "`steps --api-url https://steps.example.com --profile ci --config-dir '/tmp/my steps' \
             job-token delete 1`"
        );
        // A remembered or default URL and the default profile are chosen
        // again by themselves.
        let plain = Hints::new("http://127.0.0.1:8787", false, None, None, String::new());
        assert_eq!(plain.command("meta"), "`steps meta`");
        assert_eq!(plain.profile_note, "");
    }

    #[test]
    fn values_are_quoted_for_a_shell() {
        assert_eq!(quoted("http://127.0.0.1:8787/v1"), "http://127.0.0.1:8787/v1");
        assert_eq!(quoted("a b"), "'a b'");
        assert_eq!(quoted("it's"), r"'it'\''s'");
        assert_eq!(quoted("$HOME"), "'$HOME'");
        assert_eq!(quoted(""), "''");
    }
}
