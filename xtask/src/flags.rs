//! Every subcommand and flag of `cargo xtask`, declared once: the usage text
//! (`cargo xtask --help`, `cargo xtask SUBCOMMAND --help`, and every usage
//! error) and the parser that turns the command line into a typed
//! [`Command`]. No other module reads the command line.

/// A parsed command line: one subcommand with its options.
pub(crate) enum Command {
    /// `--help` anywhere: print this text and succeed.
    Help(String),
    /// `cargo xtask ci`.
    Ci(Ci),
    /// `cargo xtask bench`.
    Bench(Bench),
    /// `cargo xtask load`.
    Load,
    /// `cargo xtask fuzz`.
    Fuzz(Fuzz),
    /// `cargo xtask schemathesis`.
    Schemathesis(Schemathesis),
    /// `cargo xtask conformance`.
    Conformance(Conformance),
    /// `cargo xtask man`.
    Man,
    /// `cargo xtask python`.
    Python(Python),
}

/// Options of `cargo xtask ci`.
pub(crate) struct Ci {
    /// `--list`: print the checks, one command line each, without running them.
    pub(crate) list: bool,
}

/// Options of `cargo xtask bench`.
pub(crate) struct Bench {
    /// `--quick`: the short run, printed only (docs/benchmarks.md is left alone).
    pub(crate) quick: bool,
    /// `--build-cost`: only the clean builds, printed only.
    pub(crate) build_cost: bool,
}

/// Options of `cargo xtask fuzz`.
pub(crate) struct Fuzz {
    /// `--seconds N`: how long each target runs (default 60).
    pub(crate) seconds: u64,
    /// The named targets, in order; all of [`FUZZ_TARGETS`] when none is named.
    pub(crate) targets: Vec<&'static str>,
}

/// Options of `cargo xtask schemathesis`.
pub(crate) struct Schemathesis {
    /// `--seed N`: schemathesis's seed, so that a run can be replayed.
    pub(crate) seed: Option<u64>,
}

/// Options of `cargo xtask conformance`, passed on to `steps-conformance`.
pub(crate) struct Conformance {
    /// `--url URL`: the server under test.
    pub(crate) url: String,
    /// `--admin EMAIL:PASSWORD`: an admin account on it.
    pub(crate) admin: String,
    /// `--user EMAIL:PASSWORD`, twice: two ordinary accounts on it.
    pub(crate) users: [String; 2],
}

/// Options of `cargo xtask python`.
pub(crate) struct Python {
    /// `--release`: build the extension with `maturin develop --release`
    /// (slower to build; the default debug build is what CI tests).
    pub(crate) release: bool,
}

/// The cargo-fuzz targets in `fuzz/fuzz_targets`, the values `TARGET` may take.
pub(crate) const FUZZ_TARGETS: [&str; 2] = ["parse_responses", "emulator_request"];

/// One subcommand as `--help` shows it.
struct Subcommand {
    /// Its name on the command line.
    name: &'static str,
    /// Its arguments, in usage notation.
    args: &'static str,
    /// What it does.
    about: &'static str,
}

/// Every subcommand, in the order `--help` lists them.
const SUBCOMMANDS: [Subcommand; 8] = [
    Subcommand {
        name: "ci",
        args: "[--list]",
        about: "the checks CI runs (.ci/run runs this), in order: format check, clippy and rustdoc \
                with -D warnings, the tests with --locked, cargo package, schemathesis with seed 1, the Python \
                package (xtask python); --list prints them without running them",
    },
    Subcommand {
        name: "bench",
        args: "[--quick] [--build-cost]",
        about: "the core against a baseline, the stack against hyper-util, reqwest and Python \
                requests (throughput and CPU per request), the CLI against curl, and clean build \
                times; the full run writes docs/benchmarks.md, --quick (under 3 minutes) only \
                prints, --build-cost runs only the clean builds and prints them",
    },
    Subcommand {
        name: "load",
        args: "",
        about: "1,000 tasks make 100,000 mixed requests through the facade against one emulator",
    },
    Subcommand {
        name: "fuzz",
        args: "[--seconds N] [TARGET...]",
        about: "each cargo-fuzz target (or the named ones) for N seconds (default 60), from its \
                seeds and its growing corpus",
    },
    Subcommand {
        name: "schemathesis",
        args: "[--seed N]",
        about: "schemathesis, in a virtual environment of its own, against a fresh emulator and \
                docs/openapi.yaml",
    },
    Subcommand {
        name: "conformance",
        args: "--url URL --admin E:P --user E:P --user E:P",
        about: "the conformance kit (tests/src/conformance.rs) against any server",
    },
    Subcommand {
        name: "man",
        args: "",
        about: "the `steps` man pages, one per command, into target/man (read one with `man -l target/man/steps.1`)",
    },
    Subcommand {
        name: "python",
        args: "[--release]",
        about: "the Python package steps-cloud (crates/steps-py): a virtual environment under the \
                target directory with maturin and pytest, fmt and clippy of the crate, maturin \
                develop (debug unless --release), its pytest suite against the emulator, then the \
                standard-library example in examples/python",
    },
];

impl Subcommand {
    /// `usage: cargo xtask NAME ARGS`.
    fn usage(&self) -> String {
        let usage = format!("usage: cargo xtask {} {}", self.name, self.args);
        let usage = usage.trim_end().to_owned();
        if self.name == "fuzz" {
            format!("{usage}\nTARGET: {}", FUZZ_TARGETS.join(", "))
        } else {
            usage
        }
    }

    /// The usage line and what it does.
    fn help(&self) -> String {
        format!("{}\n\n{}", self.usage(), self.about)
    }
}

/// The whole `cargo xtask --help` text.
fn usage() -> String {
    let mut text = String::from("usage: cargo xtask SUBCOMMAND [OPTIONS]\n\nsubcommands:\n");
    for sub in &SUBCOMMANDS {
        text.push_str(&format!(
            "  {}\n      {}\n",
            format!("{} {}", sub.name, sub.args).trim_end(),
            sub.about
        ));
    }
    text.push_str(&format!("\nfuzz TARGET: {}", FUZZ_TARGETS.join(", ")));
    text
}

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

/// `cargo xtask schemathesis [--seed N]`.
fn schemathesis(args: &mut Args) -> Result<Schemathesis, String> {
    let mut seed = None;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--seed" => seed = Some(args.number("--seed")?),
            _ => return Err(args.unexpected(&arg)),
        }
    }
    Ok(Schemathesis { seed })
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

/// `cargo xtask conformance --url URL --admin E:P --user E:P --user E:P`.
fn conformance(args: &mut Args) -> Result<Conformance, String> {
    let (mut url, mut admin, mut users) = (None, None, Vec::new());
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--url" => url = Some(args.value("--url")?),
            "--admin" => admin = Some(args.value("--admin")?),
            "--user" => users.push(args.value("--user")?),
            _ => return Err(args.unexpected(&arg)),
        }
    }
    let url = url.ok_or_else(|| args.error("--url URL is required"))?;
    let admin = admin.ok_or_else(|| args.error("--admin E:P is required"))?;
    let users: [String; 2] = users
        .try_into()
        .map_err(|_| args.error("--user E:P is required exactly twice"))?;
    Ok(Conformance { url, admin, users })
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
    use super::{parse, Command, FUZZ_TARGETS, SUBCOMMANDS};

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
            matches!(parse_line("schemathesis --seed 7"), Ok(Command::Schemathesis(s)) if s.seed == Some(7))
        );
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
            Ok(Command::Conformance(c)) => {
                assert_eq!(
                    (&c.url[..], &c.admin[..], &c.users),
                    ("http://h", "a:1", &["u:2".to_owned(), "o:3".to_owned()])
                )
            }
            _ => panic!("conformance"),
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
        ] {
            let error = parse_line(line)
                .err()
                .unwrap_or_else(|| panic!("{line:?} parsed"));
            assert!(error.contains("usage: cargo xtask"), "{line:?}: {error}");
        }
    }
}
