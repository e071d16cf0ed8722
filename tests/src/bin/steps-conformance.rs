//! `steps-conformance --url URL --admin E:P --user E:P --user E:P
//! [--protocol 1|2]`: runs the conformance kit against any server that
//! claims STEPS protocol v1 or v2, with the profile it advertises unless
//! `--protocol` names one.

use std::process::ExitCode;

use steps_tests::conformance::{run_with, Accounts, Options, Profile};

const USAGE: &str = "usage: steps-conformance --url URL --admin E:P --user E:P --user E:P [--protocol 1|2]";

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

fn parse() -> Result<(String, Accounts, Option<Profile>), String> {
    let (mut url, mut admin, mut users, mut forced) = (None, None, Vec::new(), None);
    let mut args = std::env::args().skip(1);
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
    Ok((url, accounts, forced))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let (url, accounts, forced) = match parse() {
        Ok(parsed) => parsed,
        Err(message) => {
            eprintln!("steps-conformance: {message}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let mut options = Options::new();
    if let Some(profile) = forced {
        options = options.profile(profile);
    }
    let report = run_with(&url, &accounts, options).await;
    let how = if forced.is_some() {
        "as asked"
    } else {
        "as the server advertises"
    };
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
