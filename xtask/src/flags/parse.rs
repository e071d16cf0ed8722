//! The parser: the arguments after `cargo xtask` into a [`Command`], with a
//! usage error (the subcommand's usage included) for anything it does not
//! take.

use super::command::{
    Api, Bench, Ci, Command, Conformance, ConformanceApi, Fuzz, Python, Schemathesis, FUZZ_TARGETS,
};
use super::usage::{usage, Subcommand, SUBCOMMANDS};

/// Parses the arguments after `cargo xtask`. An error is the message for a
/// usage error (exit code 2), usage text included.
pub(crate) fn parse(args: impl IntoIterator<Item = String>) -> Result<Command, String> {
    let mut args = args.into_iter();
    let name = match args.next() {
        None => return Err(usage()),
        Some(name) if matches!(name.as_str(), "-h" | "--help" | "help") => return Ok(Command::Help(usage())),
        Some(name) => name,
    };
    let sub = SUBCOMMANDS
        .iter()
        .find(|sub| sub.name == name)
        .ok_or_else(|| format!("unknown subcommand {name:?}\n\n{}", usage()))?;
    let rest: Vec<String> = args.collect();
    if rest.iter().any(|arg| arg == "-h" || arg == "--help") {
        return Ok(Command::Help(sub.help()));
    }
    let mut args = Args {
        sub,
        rest: rest.into_iter(),
    };
    match sub.name {
        "ci" => ci(&mut args).map(Command::Ci),
        "bench" => bench(&mut args).map(Command::Bench),
        "load" => args.none().map(|()| Command::Load),
        "fuzz" => fuzz(&mut args).map(Command::Fuzz),
        "schemathesis" => schemathesis(&mut args).map(Command::Schemathesis),
        "conformance" => conformance(&mut args).map(Command::Conformance),
        "python" => python(&mut args).map(Command::Python),
        "man" => args.none().map(|()| Command::Man),
        other => unreachable!("subcommand {other} is declared but not parsed"),
    }
}

/// `cargo xtask ci [--list]`.
fn ci(args: &mut Args) -> Result<Ci, String> {
    let mut list = false;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--list" => list = true,
            _ => return Err(args.unexpected(&arg)),
        }
    }
    Ok(Ci { list })
}

/// `cargo xtask bench [--quick] [--build-cost]`.
fn bench(args: &mut Args) -> Result<Bench, String> {
    let (mut quick, mut build_cost) = (false, false);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--quick" => quick = true,
            "--build-cost" => build_cost = true,
            _ => return Err(args.unexpected(&arg)),
        }
    }
    Ok(Bench { quick, build_cost })
}

/// `cargo xtask fuzz [--seconds N] [TARGET...]`.
fn fuzz(args: &mut Args) -> Result<Fuzz, String> {
    let mut seconds = 60;
    let mut targets = Vec::new();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--seconds" => seconds = args.number("--seconds")?,
            _ => match FUZZ_TARGETS.iter().find(|target| **target == arg) {
                Some(target) => targets.push(*target),
                None => return Err(args.unexpected(&arg)),
            },
        }
    }
    if targets.is_empty() {
        targets.extend(FUZZ_TARGETS);
    }
    Ok(Fuzz { seconds, targets })
}

/// `cargo xtask schemathesis [--seed N] [--api steps|quandela]`.
fn schemathesis(args: &mut Args) -> Result<Schemathesis, String> {
    let (mut seed, mut api) = (None, None);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--seed" => seed = Some(args.number("--seed")?),
            "--api" => api = Some(args.api()?),
            _ => return Err(args.unexpected(&arg)),
        }
    }
    Ok(Schemathesis { seed, api })
}

/// `cargo xtask python [--release]`.
fn python(args: &mut Args) -> Result<Python, String> {
    let mut release = false;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--release" => release = true,
            _ => return Err(args.unexpected(&arg)),
        }
    }
    Ok(Python { release })
}

/// `cargo xtask conformance [--api steps] --url URL --admin E:P --user E:P
/// --user E:P`, or `--api quandela --url URL --token T [--other-token T]
/// [--admin-token T] [--login E:P] [--control URL]`.
fn conformance(args: &mut Args) -> Result<Conformance, String> {
    let (mut url, mut api, mut admin, mut users) = (None, Api::Steps, None, Vec::new());
    let (mut token, mut other, mut admin_token, mut login, mut control) = (None, None, None, None, None);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--url" => url = Some(args.value("--url")?),
            "--api" => api = args.api()?,
            "--admin" => admin = Some(args.value("--admin")?),
            "--user" => users.push(args.value("--user")?),
            "--token" => token = Some(args.value("--token")?),
            "--other-token" => other = Some(args.value("--other-token")?),
            "--admin-token" => admin_token = Some(args.value("--admin-token")?),
            "--login" => login = Some(args.value("--login")?),
            "--control" => control = Some(args.value("--control")?),
            _ => return Err(args.unexpected(&arg)),
        }
    }
    let url = url.ok_or_else(|| args.error("--url URL is required"))?;
    let quandela_only = [&token, &other, &admin_token, &login, &control];
    let api = match api {
        Api::Steps if quandela_only.iter().any(|flag| flag.is_some()) => {
            return Err(args
                .error("--token, --other-token, --admin-token, --login and --control need --api quandela"))
        }
        Api::Steps => ConformanceApi::Steps {
            admin: admin.ok_or_else(|| args.error("--admin E:P is required"))?,
            users: users
                .try_into()
                .map_err(|_| args.error("--user E:P is required exactly twice"))?,
        },
        Api::Quandela if admin.is_some() || !users.is_empty() => {
            return Err(args.error("--api quandela takes job tokens, not --admin or --user"))
        }
        Api::Quandela => ConformanceApi::Quandela {
            token: token.ok_or_else(|| args.error("--token T (a user's job token) is required"))?,
            other_token: other,
            admin_token,
            login,
            control,
        },
    };
    Ok(Conformance { url, api })
}

/// The arguments after a subcommand's name, with errors that carry its usage.
struct Args {
    /// The subcommand being parsed.
    sub: &'static Subcommand,
    /// What is left of its arguments.
    rest: std::vec::IntoIter<String>,
}

impl Args {
    /// The next argument.
    fn next(&mut self) -> Option<String> {
        self.rest.next()
    }

    /// The value after `flag`.
    fn value(&mut self, flag: &str) -> Result<String, String> {
        self.next()
            .ok_or_else(|| self.error(&format!("{flag} takes a value")))
    }

    /// The whole number after `flag`.
    fn number<T: std::str::FromStr>(&mut self, flag: &str) -> Result<T, String> {
        let value = self.value(flag)?;
        value
            .parse()
            .map_err(|_| self.error(&format!("{flag} takes a whole number, not {value:?}")))
    }

    /// The API named after `--api`.
    fn api(&mut self) -> Result<Api, String> {
        match self.value("--api")?.as_str() {
            "steps" => Ok(Api::Steps),
            "quandela" => Ok(Api::Quandela),
            other => Err(self.error(&format!("--api takes steps or quandela, not {other:?}"))),
        }
    }

    /// Succeeds when there are no arguments.
    fn none(&mut self) -> Result<(), String> {
        match self.next() {
            None => Ok(()),
            Some(arg) => Err(self.unexpected(&arg)),
        }
    }

    /// The error for an argument the subcommand does not take.
    fn unexpected(&self, arg: &str) -> String {
        self.error(&format!("unexpected argument {arg:?}"))
    }

    /// `problem`, then the subcommand's usage.
    fn error(&self, problem: &str) -> String {
        format!("{problem}\n{}", self.sub.usage())
    }
}

#[cfg(test)]
mod tests {
    use super::{parse, Api, Command, ConformanceApi, FUZZ_TARGETS, SUBCOMMANDS};

    /// Parses a command line written as one string.
    fn parse_line(line: &str) -> Result<Command, String> {
        parse(line.split_whitespace().map(str::to_owned))
    }

    #[test]
    fn every_subcommand_has_help() {
        for sub in &SUBCOMMANDS {
            match parse_line(&format!("{} --help", sub.name)) {
                Ok(Command::Help(text)) => assert!(text.contains(sub.args), "{text}"),
                _ => panic!("{} --help", sub.name),
            }
        }
    }

    #[test]
    fn options_are_typed() {
        assert!(matches!(parse_line("ci --list"), Ok(Command::Ci(ci)) if ci.list));
        assert!(matches!(parse_line("bench"), Ok(Command::Bench(b)) if !b.quick && !b.build_cost));
        assert!(matches!(parse_line("bench --build-cost"), Ok(Command::Bench(b)) if b.build_cost));
        assert!(matches!(parse_line("python"), Ok(Command::Python(p)) if !p.release));
        assert!(matches!(parse_line("python --release"), Ok(Command::Python(p)) if p.release));
        assert!(
            matches!(parse_line("schemathesis --seed 7"), Ok(Command::Schemathesis(s)) if s.seed == Some(7) && s.api.is_none())
        );
        assert!(matches!(
            parse_line("schemathesis --api quandela"),
            Ok(Command::Schemathesis(s)) if s.api == Some(Api::Quandela)
        ));
        match parse_line("fuzz") {
            Ok(Command::Fuzz(fuzz)) => {
                assert_eq!((fuzz.seconds, &fuzz.targets[..]), (60, &FUZZ_TARGETS[..]))
            }
            _ => panic!("fuzz"),
        }
        match parse_line("fuzz --seconds 5 emulator_request") {
            Ok(Command::Fuzz(fuzz)) => {
                assert_eq!((fuzz.seconds, &fuzz.targets[..]), (5, &["emulator_request"][..]))
            }
            _ => panic!("fuzz --seconds 5 emulator_request"),
        }
        match parse_line("conformance --url http://h --admin a:1 --user u:2 --user o:3") {
            Ok(Command::Conformance(c)) => match c.api {
                ConformanceApi::Steps { admin, users } => assert_eq!(
                    (&c.url[..], &admin[..], &users),
                    ("http://h", "a:1", &["u:2".to_owned(), "o:3".to_owned()])
                ),
                ConformanceApi::Quandela { .. } => panic!("conformance: not steps"),
            },
            _ => panic!("conformance"),
        }
        match parse_line("conformance --api quandela --url http://h --token t --admin-token a --login u:2") {
            Ok(Command::Conformance(c)) => match c.api {
                ConformanceApi::Quandela {
                    token,
                    other_token,
                    admin_token,
                    login,
                    control,
                } => assert_eq!(
                    (
                        &token[..],
                        other_token,
                        admin_token.as_deref(),
                        login.as_deref(),
                        control
                    ),
                    ("t", None, Some("a"), Some("u:2"), None)
                ),
                ConformanceApi::Steps { .. } => panic!("conformance --api quandela: not quandela"),
            },
            _ => panic!("conformance --api quandela"),
        }
    }

    #[test]
    fn mistakes_are_usage_errors() {
        for line in [
            "",
            "nope",
            "ci --quick",
            "bench --build",
            "load now",
            "python --quick",
            "fuzz --seconds",
            "fuzz --seconds ten",
            "fuzz no_such_target",
            "schemathesis --seed",
            "conformance --url http://h --admin a:1 --user u:2",
            "conformance --api quandela --url http://h",
            "conformance --api quandela --url http://h --token t --admin a:1",
            "conformance --url http://h --admin a:1 --user u:2 --user o:3 --token t",
            "conformance --api other --url http://h",
            "schemathesis --api other",
        ] {
            let error = parse_line(line)
                .err()
                .unwrap_or_else(|| panic!("{line:?} parsed"));
            assert!(error.contains("usage: cargo xtask"), "{line:?}: {error}");
        }
    }
}
