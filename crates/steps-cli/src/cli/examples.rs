//! The examples each subcommand's `--help` ends with, declared once here
//! by the subcommand's path, so that the definitions stay readable and a
//! test can check that no subcommand lacks them.

/// Examples for each subcommand's `--help`, by its path (`"job-token
/// create"`): added by [`add`].
const EXAMPLES: &[(&str, &str)] = &[
    (
        "login",
        "steps login --email ada@example.com\n\
         printf '%s\\n' \"$PASSWORD\" | steps login --email ada@example.com --password-stdin\n\
         steps login --api-url https://steps.example.com --email ada@example.com  # remembers the URL\n\
         steps login --profile admin --email root@example.com\n\
         printf '%s\\n' \"$PCVL_CLOUD_TOKEN\" | steps login --api quandela --with-token",
    ),
    (
        "logout",
        "steps logout\nsteps logout --profile admin\nsteps logout --json | jq .revoked",
    ),
    (
        "whoami",
        "steps whoami\nsteps --json whoami\nSTEPS_TOKEN=\"$STEPS_JOB_TOKEN\" steps whoami  # a job token's id and label",
    ),
    ("auth", "steps auth status\nsteps auth token\nsteps auth switch admin"),
    (
        "auth switch",
        "steps auth switch admin\nsteps auth switch default  # back to the default profile",
    ),
    (
        "auth status",
        "steps auth status\nsteps auth status --json | jq .expires_in\nsteps --profile admin auth status",
    ),
    (
        "auth import",
        "steps auth import --from perceval\n\
         PCVL_CLOUD_TOKEN=... steps --profile cloud auth import --from perceval",
    ),
    (
        "auth token",
        "steps auth token\n\
         steps --profile admin auth token | docker secret create steps_token -\n\
         curl -H \"Authorization: Bearer $(steps auth token)\" https://steps.example.com/api/whoami",
    ),
    (
        "exec",
        "steps exec -- ./deploy.sh --fast\n\
         steps exec --duration 4h --label nightly -- make release\n\
         steps exec --env PCVL_CLOUD_TOKEN -- python run_job.py\n\
         steps exec --api quandela --env PCVL_CLOUD_TOKEN --duration 2h -- python run_job.py",
    ),
    (
        "job-token",
        "steps job-token create --label nightly --duration 1h\n\
         steps job-token rotate 42 --grace 10m\n\
         steps job-token list --json",
    ),
    (
        "job-token create",
        "steps job-token create --label nightly --duration 1h\n\
         TOKEN=$(steps job-token create -q --duration 2h)\n\
         steps job-token create --idempotency-key \"deploy-$BUILD_ID\" --json",
    ),
    (
        "job-token get",
        "steps job-token get 42\nsteps job-token get 42 --json",
    ),
    (
        "job-token delete",
        "steps job-token delete 42\nsteps --api quandela job-token delete 42 43",
    ),
    (
        "job-token rename",
        "steps --api quandela job-token rename 42 nightly-2",
    ),
    (
        "job-token set-priority",
        "steps --api quandela job-token set-priority 42 1",
    ),
    (
        "job-token revoke",
        "steps --api quandela job-token revoke 42",
    ),
    (
        "job-token reopen",
        "steps --api quandela job-token reopen 42",
    ),
    (
        "job-token delete-by-secret",
        "printf '%s\\n' \"$SECRET\" | steps --api quandela job-token delete-by-secret",
    ),
    (
        "job-token usage",
        "steps --api quandela job-token usage\n\
         steps --api quandela job-token usage 42 43 --since 2026-12-01T00:00:00Z --json",
    ),
    (
        "job-token rotate",
        "steps job-token rotate 42\n\
         steps job-token rotate 42 --grace 10m --json\n\
         steps job-token rotate 42 --grace 1h --idempotency-key \"rotate-42-$BUILD_ID\"",
    ),
    (
        "job-token list",
        "steps job-token list\n\
         steps job-token list --json | jq '.[].token_id'\n\
         steps job-token list --label nightly\n\
         steps job-token list --user 2 --json\n\
         steps job-token list --expiring-within 7d\n\
         steps --api quandela job-token list --all",
    ),
    (
        "api-key",
        "steps api-key create --label worker --duration 7d\n\
         steps api-key rotate 7 --grace 1h\n\
         steps api-key list",
    ),
    (
        "api-key create",
        "steps api-key create --label worker --duration 7d\n\
         steps api-key create --label worker --idempotency-key worker-2026-11 --json",
    ),
    ("api-key get", "steps api-key get 7\nsteps api-key get 7 --json"),
    ("api-key delete", "steps api-key delete 7"),
    (
        "api-key rotate",
        "steps api-key rotate 7 --grace 1h\nsteps api-key rotate 7 --grace 1h --idempotency-key rotate-7-2026-11 --json",
    ),
    (
        "api-key list",
        "steps api-key list\nsteps api-key list --json\nsteps api-key list --expiring-within 24h",
    ),
    ("meta", "steps meta\nsteps meta --json"),
    (
        "emulator",
        "steps emulator --dev\n\
         steps emulator --dev --json\n\
         steps emulator --listen 127.0.0.1:9000 --admin root@example.com:TEST-password",
    ),
    (
        "emulator ctl",
        "steps emulator ctl reset\n\
         steps emulator ctl clock 2h\n\
         steps --api-url http://127.0.0.1:9000 emulator ctl journal --limit 10",
    ),
    ("emulator ctl reset", "steps emulator ctl reset"),
    (
        "emulator ctl clock",
        "steps emulator ctl clock\nsteps emulator ctl clock 25h  # every day-long token expires",
    ),
    (
        "emulator ctl faults",
        "steps emulator ctl faults faults.json\necho '[]' > none.json && steps emulator ctl faults none.json",
    ),
    (
        "emulator ctl journal",
        "steps emulator ctl journal\nsteps emulator ctl journal --limit 5 | jq '.requests[].path'",
    ),
    (
        "emulator ctl state",
        "steps emulator ctl state export saved.json\nsteps emulator ctl state import saved.json",
    ),
    ("emulator ctl state export", "steps emulator ctl state export saved.json"),
    ("emulator ctl state import", "steps emulator ctl state import saved.json"),
    ("demo", "steps demo\nsteps demo --json"),
    (
        "man",
        "steps man --out-dir ~/.local/share/man/man1 && man steps-exec\n\
         steps man --out-dir target/man && man -l target/man/steps.1",
    ),
    (
        "completions",
        "steps completions bash > ~/.local/share/bash-completion/completions/steps\n\
         steps completions zsh > \"${fpath[1]}/_steps\"",
    ),
];

/// `command` with the [`EXAMPLES`] in each subcommand's `--help`.
pub(crate) fn add(mut command: clap::Command) -> clap::Command {
    for (path, examples) in EXAMPLES {
        let text: String = examples.lines().map(|l| format!("\n  {l}")).collect();
        command = with_subcommand(command, &path.split(' ').collect::<Vec<_>>(), |c| {
            c.after_help(format!("Examples:{text}"))
        });
    }
    command
}

/// `command` with the subcommand at `path` changed by `change`.
fn with_subcommand(
    command: clap::Command,
    path: &[&str],
    change: impl FnOnce(clap::Command) -> clap::Command,
) -> clap::Command {
    match path {
        [] => change(command),
        [first, rest @ ..] => {
            let first = first.to_string();
            command.mut_subcommand(first, |sub| with_subcommand(sub, rest, change))
        }
    }
}
