//! `steps-conformance --url URL --admin E:P --user E:P --user E:P`: runs the
//! conformance kit against any server that claims STEPS protocol v1.

use std::process::ExitCode;

use steps_tests::conformance::{run, Accounts};

fn account(value: Option<String>, flag: &str) -> Result<(String, String), String> {
    let value = value.ok_or_else(|| format!("{flag} EMAIL:PASSWORD is required"))?;
    value
        .split_once(':')
        .map(|(e, p)| (e.to_owned(), p.to_owned()))
        .ok_or_else(|| format!("{flag} takes EMAIL:PASSWORD"))
}

fn parse() -> Result<(String, Accounts), String> {
    let (mut url, mut admin, mut users) = (None, None, Vec::new());
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--url" => url = args.next(),
            "--admin" => admin = args.next(),
            "--user" => users.extend(args.next()),
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
    Ok((url, accounts))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let (url, accounts) = match parse() {
        Ok(parsed) => parsed,
        Err(message) => {
            eprintln!("steps-conformance: {message}\nusage: steps-conformance --url URL --admin E:P --user E:P --user E:P");
            return ExitCode::from(2);
        }
    };
    let report = run(&url, &accounts).await;
    for check in &report.checks {
        match &check.failure {
            None => println!("ok    {}", check.name),
            Some(why) => println!("FAIL  {}: {why}", check.name),
        }
    }
    let failed = report.failures().len();
    println!(
        "conformance against {url}: {} passed, {failed} failed",
        report.checks.len() - failed
    );
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
