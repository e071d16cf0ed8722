//! `steps-conformance --url URL --admin E:P --user E:P --user E:P
//! [--protocol 1|2]`: runs the conformance kit against any server that
//! claims STEPS protocol v1 or v2, with the profile it advertises unless
//! `--protocol` names one.
//!
//! `steps-conformance --api quandela --url URL --token T [--other-token T]
//! [--admin-token T] [--login E:P] [--control URL]`: runs the quandela
//! profile (`docs/quandela.md`) with a user's job token, another user's,
//! an admin's, the user's email and password for `/api/login`, and a
//! steps-emulator control plane (`…/_steps`) to record usage and move the
//! clock; what needs one not given is skipped.

use std::process::ExitCode;

use steps_tests::conformance::{
    run_quandela, run_with, Accounts, Options, Profile, QuandelaCredentials, Report,
};

const USAGE: &str = "usage: steps-conformance --url URL --admin E:P --user E:P --user E:P [--protocol 1|2]
       steps-conformance --api quandela --url URL --token T [--other-token T] [--admin-token T] [--login E:P] [--control URL]";

/// What to run.
enum Run {
    /// A STEPS profile, forced or advertised.
    Steps(String, Accounts, Option<Profile>),
    /// The quandela profile.
    Quandela(String, QuandelaCredentials),
}

fn account(value: Option<String>, flag: &str) -> Result<(String, String), String> {
    let value = value.ok_or_else(|| format!("{flag} EMAIL:PASSWORD is required"))?;
    value
        .split_once(':')
        .map(|(e, p)| (e.to_owned(), p.to_owned()))
        .ok_or_else(|| format!("{flag} takes EMAIL:PASSWORD"))
}

fn profile(value: Option<String>) -> Result<Profile, String> {
    match value.as_deref() {
        Some("1") => Ok(Profile::V1),
        Some("2") => Ok(Profile::V2),
        _ => Err("--protocol takes 1 or 2".to_owned()),
    }
}

fn parse() -> Result<Run, String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.iter().position(|a| a == "--api") {
        Some(at) => match args.get(at + 1).map(String::as_str) {
            Some("quandela") => {
                let rest = args[..at].iter().chain(&args[at + 2..]).cloned();
                parse_quandela(rest)
            }
            Some("steps") => parse_steps(args[..at].iter().chain(&args[at + 2..]).cloned()),
            _ => Err("--api takes steps or quandela".to_owned()),
        },
        None => parse_steps(args.into_iter()),
    }
}

fn parse_quandela(mut args: impl Iterator<Item = String>) -> Result<Run, String> {
    let (mut url, mut credentials) = (None, QuandelaCredentials::default());
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(format!("{arg} takes a value"));
        match arg.as_str() {
            "--url" => url = Some(value()?),
            "--token" => credentials.user = value()?,
            "--other-token" => credentials.other = Some(value()?),
            "--admin-token" => credentials.admin = Some(value()?),
            "--login" => credentials.login = Some(account(Some(value()?), "--login")?),
            "--control" => credentials.control = Some(value()?),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if credentials.user.is_empty() {
        return Err("--token T (a user's job token) is required".to_owned());
    }
    Ok(Run::Quandela(url.ok_or("--url URL is required")?, credentials))
}

fn parse_steps(mut args: impl Iterator<Item = String>) -> Result<Run, String> {
    let (mut url, mut admin, mut users, mut forced) = (None, None, Vec::new(), None);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--url" => url = args.next(),
            "--admin" => admin = args.next(),
            "--user" => users.extend(args.next()),
            "--protocol" => forced = Some(profile(args.next())?),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    let url = url.ok_or("--url URL is required")?;
    let mut users = users.into_iter();
    let accounts = Accounts {
        admin: account(admin, "--admin")?,
        user: account(users.next(), "--user")?,
        other: account(users.next(), "a second --user")?,
    };
    Ok(Run::Steps(url, accounts, forced))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let (url, report, how) = match parse() {
        Ok(Run::Steps(url, accounts, forced)) => {
            let mut options = Options::new();
            if let Some(profile) = forced {
                options = options.profile(profile);
            }
            let how = match forced {
                Some(_) => "as asked",
                None => "as the server advertises",
            };
            (url.clone(), run_with(&url, &accounts, options).await, how)
        }
        Ok(Run::Quandela(url, credentials)) => {
            let report = run_quandela(&url, &credentials, Options::new()).await;
            (url, report, "as asked")
        }
        Err(message) => {
            eprintln!("steps-conformance: {message}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    print(&url, &report, how)
}

/// Prints each check's outcome and the totals; fails when a check failed.
fn print(url: &str, report: &Report, how: &str) -> ExitCode {
    println!("profile {:?} ({how})", report.profile);
    for check in &report.checks {
        match (&check.failure, &check.skipped) {
            (Some(why), _) => println!("FAIL  {}: {why}", check.name),
            (None, Some(why)) => println!("skip  {}: {why}", check.name),
            (None, None) => println!("ok    {}", check.name),
        }
    }
    let failed = report.failures().len();
    let skipped = report.skipped().len();
    println!(
        "conformance against {url}: {} passed, {failed} failed, {skipped} skipped",
        report.checks.len() - failed - skipped
    );
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
