//! What the foreground run prints at start: the banner, for people, or
//! with `--json` one JSON line, for test harnesses; and `--dev`'s warning.
//!
//! Both show a password only where the person who started the emulator
//! knows it already (`--dev`'s well-known ones, and those typed on the
//! command line with `--admin` and `--user`) or where the banner has
//! always printed it (accounts seeded with new passwords at each start).
//! A state file's and an `--accounts` file's passwords are never shown:
//! stdout ends up in CI logs, and those files are kept for their secrets.

use std::fmt::Write as _;

use serde_json::{json, Value};

use crate::account::Account;
use crate::args::DEV_ACCOUNTS;
use crate::dialect::Api;
use crate::emulator::Emulator;
use crate::protocol::ProtocolVersion;
use crate::quandela::MintedToken;

/// Which accounts the banner lists, and how.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Listing {
    /// None: they were given on the command line or in a file, so the
    /// person who started it knows them.
    Given,
    /// Every account, without its password: a state file's, which holds
    /// them.
    Saved,
    /// Every account, with its password: the seeded ones, new each start.
    Seeded,
    /// `--dev`'s accounts, with their well-known passwords (the given ones
    /// beside them are not listed, as without `--dev`).
    Dev,
}

/// What the banner and the JSON line say of a running emulator.
pub(crate) struct Started<'a> {
    pub(crate) url: &'a str,
    pub(crate) api: Api,
    pub(crate) protocol: ProtocolVersion,
    pub(crate) control_url: Option<String>,
    /// In user id order.
    pub(crate) accounts: &'a [Account],
    pub(crate) minted: Vec<MintedToken>,
}

impl<'a> Started<'a> {
    /// What `emulator` serves, and whom.
    pub(crate) fn of(emulator: &'a Emulator) -> Self {
        Started {
            url: emulator.base_url(),
            api: emulator.api(),
            protocol: emulator.protocol(),
            control_url: emulator.control_url(),
            accounts: emulator.accounts(),
            minted: emulator.minted_tokens(),
        }
    }
}

/// `--dev`'s warning, one line for stderr.
pub(crate) fn dev_warning() -> String {
    let accounts: Vec<String> = DEV_ACCOUNTS
        .iter()
        .map(|(email, password, _)| format!("{email} / {password}"))
        .collect();
    format!(
        "warning: --dev: {} are well-known passwords, for local development only",
        accounts.join(" and ")
    )
}

/// The banner: the base URL (the first line ends with it, for scripts
/// that read it), the API (or protocol) served, the control plane's URL,
/// the accounts as `listing` says, and in quandela mode the job tokens
/// minted at start.
pub(crate) fn text(started: &Started<'_>, listing: Listing) -> String {
    let features: Vec<&str> = started.protocol.features().iter().map(|f| f.name()).collect();
    let served = match started.api {
        Api::Steps if features.is_empty() => format!("protocol {}", started.protocol),
        Api::Steps => format!("protocol {}, features: {}", started.protocol, features.join(", ")),
        api => format!("api {api}"),
    };
    let mut text = format!("steps-emulator listening on {}\n{served}\n", started.url);
    if let Some(control) = &started.control_url {
        let _ = writeln!(text, "control plane at {control}/ (loopback only)");
    }
    let (heading, with_passwords) = match listing {
        Listing::Given => ("", false),
        Listing::Saved => ("accounts (from the state file; passwords not shown):", false),
        Listing::Seeded => ("seeded accounts (passwords are new each start):", true),
        Listing::Dev => (
            "--dev accounts (well-known passwords, for local development only):",
            true,
        ),
    };
    if !heading.is_empty() {
        text.push_str(heading);
        text.push('\n');
        let dev = |a: &&Account| DEV_ACCOUNTS.iter().any(|(email, _, _)| a.email == *email);
        let listed = started
            .accounts
            .iter()
            .filter(|a| listing != Listing::Dev || dev(a));
        for account in listed {
            let role = if account.is_admin { "admin" } else { "user" };
            if with_passwords {
                let _ = writeln!(text, "  {role:<5}  {}  {}", account.email, account.password);
            } else {
                let _ = writeln!(text, "  {role:<5}  {}", account.email);
            }
        }
    }
    if !started.minted.is_empty() {
        text.push_str("job tokens (minted at start; secrets, for /api/tokens):\n");
        for token in &started.minted {
            let _ = writeln!(text, "  {}  {}  {}", token.token_id, token.email, token.token);
        }
    }
    text
}

/// The `--json` line, newline included: `{"url", "api", "protocol",
/// "control_url", "accounts", "tokens"}`. An account's `password` is
/// there when the banner lists it with its password (`listing` is
/// [`Listing::Seeded`]), or when the account has one of the (email,
/// password) pairs in `known` (`--dev`'s well-known ones): compared with
/// the password the emulator holds, since an account a state file already
/// had keeps its saved password. Those of `--admin` and `--user` are never
/// printed: whoever typed them knows them.
pub(crate) fn json_line(started: &Started<'_>, listing: Listing, known: &[(&str, &str)]) -> String {
    let accounts: Vec<Value> = started
        .accounts
        .iter()
        .map(|account| {
            let mut entry = json!({ "email": account.email, "is_admin": account.is_admin });
            let typed = known
                .iter()
                .any(|(email, password)| account.email == *email && account.password == *password);
            if listing == Listing::Seeded || typed {
                entry["password"] = json!(account.password);
            }
            entry
        })
        .collect();
    let tokens: Vec<Value> = started
        .minted
        .iter()
        .map(|token| {
            json!({
                "email": token.email,
                "user_id": token.user_id,
                "token_id": token.token_id,
                "token": token.token,
            })
        })
        .collect();
    let protocol = match started.api {
        Api::Steps => json!(started.protocol.number()),
        _ => Value::Null,
    };
    let line = json!({
        "url": started.url,
        "api": started.api.name(),
        "protocol": protocol,
        "control_url": started.control_url,
        "accounts": accounts,
        "tokens": tokens,
    });
    // `Value`'s `Display` is compact JSON: one line, whatever the emails.
    format!("{line}\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn started(accounts: &[Account], api: Api, minted: Vec<MintedToken>) -> Started<'_> {
        Started {
            url: "http://127.0.0.1:40123",
            api,
            protocol: ProtocolVersion::V2,
            control_url: None,
            accounts,
            minted,
        }
    }

    fn parsed(line: &str) -> Value {
        assert!(
            line.ends_with('\n') && line.matches('\n').count() == 1,
            "{line:?}"
        );
        serde_json::from_str(line).expect("one JSON object")
    }

    /// Passwords are shown for `--dev`'s and typed accounts as the emulator
    /// holds them, and for seeded ones; never for others, nor for a typed
    /// one whose saved password is another.
    #[test]
    fn the_json_line_shows_only_the_passwords_the_user_knows() {
        let accounts = [
            Account::admin("admin@steps.local", "admin-password"),
            Account::new("user@steps.local", "user-password"),
            Account::new("typed@x", "typed-pw"),
            Account::new("from-file@x", "file-pw"),
            Account::new("saved@x", "saved-pw"),
        ];
        let known = [
            ("admin@steps.local", "admin-password"),
            ("user@steps.local", "user-password"),
            ("typed@x", "typed-pw"),
            ("saved@x", "typed-again-pw"),
        ];
        let line = json_line(&started(&accounts, Api::Steps, Vec::new()), Listing::Dev, &known);
        let value = parsed(&line);
        assert_eq!(value["url"], "http://127.0.0.1:40123");
        assert_eq!(value["api"], "steps");
        assert_eq!(value["protocol"], 2);
        assert_eq!(value["control_url"], Value::Null);
        assert_eq!(value["tokens"], json!([]));
        let shown: Vec<(&str, Option<&str>)> = value["accounts"]
            .as_array()
            .expect("accounts")
            .iter()
            .map(|a| (a["email"].as_str().unwrap_or(""), a["password"].as_str()))
            .collect();
        assert_eq!(
            shown,
            [
                ("admin@steps.local", Some("admin-password")),
                ("user@steps.local", Some("user-password")),
                ("typed@x", Some("typed-pw")),
                ("from-file@x", None),
                ("saved@x", None),
            ]
        );
        assert_eq!(value["accounts"][0]["is_admin"], true);
        for secret in ["file-pw", "saved-pw", "typed-again-pw"] {
            assert!(!line.contains(secret), "{secret} in {line}");
        }

        let seeded = [Account::admin("admin@steps.local", "RANDOM-1")];
        let value = parsed(&json_line(
            &started(&seeded, Api::Steps, Vec::new()),
            Listing::Seeded,
            &[],
        ));
        assert_eq!(
            value["accounts"][0]["password"], "RANDOM-1",
            "printed by the banner too"
        );
        let value = parsed(&json_line(
            &started(&seeded, Api::Steps, Vec::new()),
            Listing::Saved,
            &[],
        ));
        assert_eq!(value["accounts"][0].get("password"), None, "a state file's");
    }

    /// In quandela mode the minted tokens are there, and no protocol.
    #[test]
    fn the_json_line_has_the_minted_tokens() {
        let accounts = [Account::new("user@steps.local", "user-password")];
        let minted = vec![MintedToken {
            email: "user@steps.local".to_owned(),
            user_id: 1,
            token_id: 7,
            token: "_T_TEST_secret".to_owned(),
        }];
        let value = parsed(&json_line(
            &started(&accounts, Api::Quandela, minted),
            Listing::Given,
            &[],
        ));
        assert_eq!(value["api"], "quandela");
        assert_eq!(value["protocol"], Value::Null);
        assert_eq!(
            value["tokens"],
            json!([{ "email": "user@steps.local", "user_id": 1, "token_id": 7, "token": "_T_TEST_secret" }])
        );
        assert_eq!(
            value["accounts"][0].get("password"),
            None,
            "not typed, not seeded"
        );
    }

    /// With `--dev` the banner lists its accounts with their passwords,
    /// and not the given ones; the warning names both.
    #[test]
    fn the_dev_banner_lists_the_well_known_accounts_only() {
        let accounts = [
            Account::admin("admin@steps.local", "admin-password"),
            Account::new("user@steps.local", "user-password"),
            Account::new("typed@x", "typed-pw"),
        ];
        let text = text(&started(&accounts, Api::Steps, Vec::new()), Listing::Dev);
        assert!(
            text.starts_with("steps-emulator listening on http://127.0.0.1:40123\n"),
            "{text}"
        );
        assert!(
            text.contains("  admin  admin@steps.local  admin-password\n"),
            "{text}"
        );
        assert!(
            text.contains("  user   user@steps.local  user-password\n"),
            "{text}"
        );
        assert!(!text.contains("typed"), "{text}");
        let warning = dev_warning();
        assert!(!warning.contains('\n'));
        for (email, password, _) in DEV_ACCOUNTS {
            assert!(warning.contains(email) && warning.contains(password), "{warning}");
        }
    }
}
