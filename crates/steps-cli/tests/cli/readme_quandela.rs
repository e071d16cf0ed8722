//! README's "Using the Quandela cloud", run as a new user would: each line
//! of its `sh` block, in order, through `sh -c`, against the emulator in
//! quandela mode (`STEPS_API_URL` pointing at it, one of its minted tokens
//! as `PCVL_CLOUD_TOKEN`), with the id and secret the create printed in
//! place of the README's `42` and `$SECRET`. Every line must succeed, and
//! the token `steps exec` made for its child is gone afterwards.

use std::path::{Path, PathBuf};
use std::process::Command;

use steps_emulator::{Api, Config, Emulator};

use super::{run_command, steps_command, USER};

/// The lines of the `sh` block under README's "Using the Quandela cloud",
/// comments taken off.
fn readme_lines() -> Vec<String> {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../README.md"))
        .expect("the workspace README");
    let section = readme
        .split("## Using the Quandela cloud")
        .nth(1)
        .expect("the section");
    let block = section
        .split("```sh\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("its sh block");
    block
        .lines()
        .map(|line| match line.find("  #") {
            Some(at) => line[..at].trim_end().to_owned(),
            None => line.trim_end().to_owned(),
        })
        .filter(|line| !line.is_empty())
        .collect()
}

/// A child that calls the cloud with the token it was handed, as a
/// Perceval job would.
const RUN_JOB: &str = r#"import os, sys, urllib.request
request = urllib.request.Request(os.environ["STEPS_API_URL"] + "/api/tokens?limit=1",
                                 headers={"Authorization": "Bearer " + os.environ["PCVL_CLOUD_TOKEN"]})
with urllib.request.urlopen(request) as answer:
    sys.exit(0 if answer.status == 200 else 1)
"#;

#[test]
fn the_readme_walkthrough_runs_against_the_emulator() {
    let lines = readme_lines();
    assert!(lines.len() >= 10, "{lines:?}");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("a runtime");
    let emulator = runtime
        .block_on(Emulator::start(
            Config::new().api(Api::Quandela).user(USER.0, USER.1),
        ))
        .expect("the emulator");
    let minted = emulator
        .minted_tokens()
        .into_iter()
        .find(|m| m.email == USER.0)
        .expect("a minted token");
    let dir: PathBuf = std::env::temp_dir().join(format!("steps-cli-readme-quandela-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a work dir");
    std::fs::write(dir.join("run_job.py"), RUN_JOB).expect("the job script");
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_steps"))
        .parent()
        .expect("the binary's folder")
        .to_owned();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );

    let (mut id, mut secret) = (None::<String>, None::<String>);
    let tokens_before_exec = || runtime.block_on(count_tokens(&emulator, &minted.token));
    let mut before_exec = None;
    for line in &lines {
        let mut line = line.clone();
        if let Some(id) = &id {
            line = line.replace(" 42", &format!(" {id}"));
        }
        if line.contains("steps exec") {
            before_exec = Some(tokens_before_exec());
        }
        let mut command: Command = steps_command();
        command
            .current_dir(&dir)
            .env("PATH", &path)
            .env("XDG_CONFIG_HOME", &dir)
            .env("STEPS_API_URL", emulator.base_url())
            .env("PCVL_CLOUD_TOKEN", &minted.token)
            .env("SECRET", secret.as_deref().unwrap_or(""))
            .args(["-c", &line]);
        let mut sh = Command::new("sh");
        sh.current_dir(&dir);
        for (name, value) in command.get_envs() {
            match value {
                Some(value) => sh.env(name, value),
                None => sh.env_remove(name),
            };
        }
        sh.args(["-c", &line]);
        let run = run_command(sh, "");
        assert_eq!(run.code, 0, "{line}\n{run:?}");
        assert!(!run.stderr.contains(&minted.token), "a secret on stderr: {line}");
        if line.contains("job-token create") {
            id = run
                .stdout
                .split("Created job token ")
                .nth(1)
                .and_then(|rest| rest.split('.').next())
                .map(str::to_owned);
            secret = run
                .stdout
                .lines()
                .find_map(|l| l.trim_start().strip_prefix("secret"))
                .map(|rest| rest.trim().to_owned());
            assert!(id.is_some() && secret.is_some(), "{}", run.stdout);
        } else {
            assert!(!run.stdout.contains(&minted.token), "a secret on stdout: {line}");
        }
        if line.contains("steps exec") {
            assert_eq!(
                Some(tokens_before_exec()),
                before_exec,
                "the token made for the child is deleted after it"
            );
        }
    }
    assert!(
        before_exec.is_some(),
        "the walkthrough runs a job with steps exec"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// How many job tokens the user holds, by the emulator's list.
async fn count_tokens(emulator: &Emulator, token: &str) -> usize {
    let client = steps::Client::builder()
        .dialect(steps::Dialect::Quandela)
        .base_url(emulator.base_url())
        .transport(|t| t.proxy(steps::Proxy::None))
        .build()
        .expect("a client");
    let tokens = client
        .session_from_token(token.to_owned())
        .quandela()
        .list()
        .send()
        .await;
    tokens.expect("the list").len()
}
