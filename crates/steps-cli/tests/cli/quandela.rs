//! `--api quandela`: the binary against an emulator serving the Quandela
//! cloud's token API. No secret may reach stderr, nor the stdout of a
//! command other than create.

use std::path::PathBuf;
use std::process::Command;

use steps_emulator::{Api, Config, Emulator};

use super::{run_command, steps_command, Run, USER};
use steps::steps_core::{quandela, Operation};

struct Quandela {
    emulator: Emulator,
    _runtime: tokio::runtime::Runtime,
    dir: PathBuf,
    /// The minted job token of the user: a secret.
    minted: String,
    minted_id: i64,
}

impl Quandela {
    fn new(name: &str) -> Quandela {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let emulator = runtime
            .block_on(Emulator::start(
                Config::new().api(Api::Quandela).user(USER.0, USER.1),
            ))
            .expect("emulator");
        let minted = emulator
            .minted_tokens()
            .into_iter()
            .find(|m| m.email == USER.0)
            .expect("a minted token");
        let dir = std::env::temp_dir().join(format!("steps-cli-quandela-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Quandela {
            emulator,
            _runtime: runtime,
            dir,
            minted: minted.token,
            minted_id: minted.token_id,
        }
    }

    fn command(&self) -> Command {
        let mut command = steps_command();
        command
            .env("XDG_CONFIG_HOME", &self.dir)
            .env("STEPS_API_URL", self.emulator.base_url())
            .env_remove("STEPS_API")
            .env_remove("PCVL_CLOUD_TOKEN");
        command
    }

    /// Runs `steps ARGS` with `stdin`; checks that no secret leaked.
    fn run(&self, args: &[&str], stdin: &str) -> Run {
        let mut command = self.command();
        command.args(args);
        let run = run_command(command, stdin);
        assert!(
            !run.stderr.contains(&self.minted),
            "a secret on stderr: {}",
            run.stderr
        );
        if !args.contains(&"create") {
            assert!(
                !run.stdout.contains(&self.minted),
                "a secret on stdout: {}",
                run.stdout
            );
        }
        run
    }

    fn ok(&self, args: &[&str]) -> Run {
        let run = self.run(args, "");
        assert_eq!(run.code, 0, "steps {args:?} failed: {}", run.stderr);
        run
    }

    fn login(&self) {
        let run = self.run(
            &["login", "--api", "quandela", "--with-token"],
            &format!("{}\n", self.minted),
        );
        assert_eq!(run.code, 0, "login: {}", run.stderr);
    }

    fn credentials(&self) -> serde_json::Value {
        let text = std::fs::read_to_string(self.dir.join("steps").join("credentials.json")).unwrap();
        serde_json::from_str(&text).unwrap()
    }
}

impl Drop for Quandela {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[test]
fn login_with_a_token_remembers_the_api_and_checks_the_token() {
    let q = Quandela::new("login");
    let bad = q.run(
        &["login", "--api", "quandela", "--with-token"],
        "_T_not-a-token\n",
    );
    assert_eq!(bad.code, 3, "{bad:?}");
    q.login();
    let stored = q.credentials();
    assert_eq!(stored["profiles"]["default"]["api"], "quandela", "{stored}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(q.dir.join("steps").join("credentials.json"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // Later commands speak quandela without --api.
    let list = q.ok(&["job-token", "list", "--json"]).stdout;
    let list: serde_json::Value = serde_json::from_str(&list).unwrap();
    assert!(
        list.as_array().unwrap().iter().any(|t| t["id"] == q.minted_id),
        "{list}"
    );
    // An old file (no API) reads as steps: the quandela paths are then
    // not what the server serves.
    let steps_meta = q.run(&["--api", "steps", "job-token", "list"], "");
    assert_ne!(steps_meta.code, 0);
}

#[test]
fn login_with_an_email_uses_the_login_path() {
    let q = Quandela::new("email");
    let run = q.run(
        &[
            "login",
            "--api",
            "quandela",
            "--email",
            USER.0,
            "--password-stdin",
        ],
        &format!("{}\n", USER.1),
    );
    assert_eq!(run.code, 0, "{run:?}");
    // The stored login token is a user's: its calls go to the logged-in
    // family, which takes it.
    let list = q.run(&["job-token", "list", "--json"], "");
    assert_eq!(list.code, 0, "{list:?}");
    let wrong = q.run(
        &[
            "login",
            "--api",
            "quandela",
            "--email",
            USER.0,
            "--password-stdin",
        ],
        "wrong\n",
    );
    assert_eq!(wrong.code, 3, "{wrong:?}");
    // A server without a login path (production, it seems) says so.
    q.emulator.set_faults(vec![steps_emulator::FaultRule::new(
        Some("quandela.login"),
        steps_emulator::When::Always,
        steps_emulator::Fault::Status {
            status: 404,
            retry_after: None,
        },
    )]);
    let none = q.run(
        &[
            "login",
            "--api",
            "quandela",
            "--email",
            USER.0,
            "--password-stdin",
        ],
        &format!("{}\n", USER.1),
    );
    assert_eq!(none.code, 1, "{none:?}");
    assert!(
        none.stderr.contains("does not offer a login with an email") && none.stderr.contains("--with-token"),
        "{none:?}"
    );
}

#[test]
fn the_job_token_commands_work_on_the_quandela_api() {
    let q = Quandela::new("tokens");
    q.login();
    let created = q.ok(&[
        "job-token",
        "create",
        "--label",
        "ci",
        "--duration",
        "1h",
        "--priority",
        "0",
        "--json",
    ]);
    let created: serde_json::Value = serde_json::from_str(&created.stdout).unwrap();
    let id = created["id"].as_i64().expect("an id");
    let secret = created["secret"].as_str().expect("a secret").to_owned();
    let id_text = id.to_string();
    let taken = q.run(&["job-token", "create", "--label", "ci"], "");
    assert_eq!(taken.code, 2, "{taken:?}");

    let got = q.ok(&["job-token", "get", &id_text, "--json"]).stdout;
    assert!(!got.contains(&secret), "{got}");
    let got: serde_json::Value = serde_json::from_str(&got).unwrap();
    assert_eq!(got["label"], "ci");

    q.ok(&["job-token", "rename", &id_text, "ci-2"]);
    q.ok(&["job-token", "set-priority", &id_text, "0"]);
    let text = q.ok(&["job-token", "list"]).stdout;
    assert!(text.contains("ci-2") && text.contains("active"), "{text}");
    assert!(!text.contains(&secret), "{text}");

    let revoked = q.run(&["job-token", "revoke", &id_text], "");
    // The emulator returns the secret by id, or says it cannot.
    if revoked.code == 0 {
        let listed = q.ok(&["job-token", "list", "--json"]).stdout;
        assert!(
            !listed.contains("\"ci-2\""),
            "a revoked token is hidden: {listed}"
        );
        let all = q.ok(&["job-token", "list", "--all"]).stdout;
        assert!(all.contains("revoked"), "{all}");
        q.ok(&["job-token", "reopen", &id_text]);
    } else {
        assert!(revoked.stderr.contains("secret"), "{revoked:?}");
    }
    let usage = q.ok(&[
        "job-token",
        "usage",
        &id_text,
        "--since",
        "2020-01-01T00:00:00Z",
        "--json",
    ]);
    assert!(usage.stdout.starts_with('['), "{usage:?}");
    let bad_time = q.run(&["job-token", "usage", "--since", "yesterday"], "");
    assert_eq!(bad_time.code, 2);

    q.ok(&["job-token", "delete", &id_text]);
    let all = q.ok(&["job-token", "list", "--all", "--json"]).stdout;
    assert!(!all.contains("\"ci-2\""), "{all}");
    assert!(!all.contains(&secret));
}

#[test]
fn exec_hands_a_fresh_token_to_the_child_and_deletes_it() {
    let q = Quandela::new("exec");
    q.login();
    // The child lists the tokens with the one it was given, and prints
    // the labels it sees (never the secret).
    let script = "import json, os, sys, urllib.request as u\n\
                  r = u.Request(sys.argv[1] + '/api/tokens', headers={'Authorization': \
                  'Bearer ' + os.environ['PCVL_CLOUD_TOKEN']})\n\
                  print(sorted(t['label'] or '' for t in json.load(u.urlopen(r))))\n\
                  sys.exit(7)";
    let url = q.emulator.base_url().to_owned();
    let run = q.run(
        &[
            "exec",
            "--env",
            "PCVL_CLOUD_TOKEN",
            "--duration",
            "10m",
            "--",
            "python3",
            "-c",
            script,
            &url,
        ],
        "",
    );
    assert_eq!(run.code, 7, "the child's status: {run:?}");
    assert!(run.stdout.contains("steps exec python3 on "), "{run:?}");
    let after = q.ok(&["job-token", "list", "--all", "--json"]).stdout;
    assert!(!after.contains("steps exec"), "the token is gone: {after}");
}

#[test]
fn auth_status_and_meta_say_which_api() {
    let q = Quandela::new("status");
    let meta = q.ok(&["--api", "quandela", "meta"]).stdout;
    assert!(
        meta.contains("quandela") && meta.contains("no /api/meta"),
        "{meta}"
    );
    let meta = q.ok(&["--api", "quandela", "meta", "--json"]).stdout;
    let meta: serde_json::Value = serde_json::from_str(&meta).unwrap();
    assert_eq!(meta["api"], "quandela");
    let out = q.run(&["--api", "quandela", "auth", "status"], "");
    assert_eq!(out.code, 3, "not logged in: {out:?}");
    q.login();
    let status = q.ok(&["auth", "status", "--json"]).stdout;
    let status: serde_json::Value = serde_json::from_str(&status).unwrap();
    assert_eq!(status["api"], "quandela", "{status}");
    assert_eq!(status["api_source"], "profile", "{status}");
    assert_eq!(status["usable"], true, "{status}");
    let text = q.ok(&["auth", "status"]).stdout;
    assert!(text.contains("quandela (remembered"), "{text}");
}

#[test]
fn auth_import_takes_perceval_s_token_without_printing_it() {
    let q = Quandela::new("import");
    // From the environment first.
    let mut command = q.command();
    command
        .args(["auth", "import", "--from", "perceval"])
        .env("PCVL_CLOUD_TOKEN", &q.minted)
        .env("PCVL_PERSISTENT_PATH", q.dir.join("nowhere"));
    let run = run_command(command, "");
    assert_eq!(run.code, 0, "{run:?}");
    assert!(!run.stdout.contains(&q.minted) && !run.stderr.contains(&q.minted));
    assert!(run.stderr.contains("PCVL_CLOUD_TOKEN"), "{run:?}");
    let stored = q.credentials();
    assert_eq!(stored["profiles"]["default"]["api"], "quandela", "{stored}");
    q.ok(&["job-token", "list"]);

    // Then Perceval's config.json, readable by others: used, with a warning.
    let pcvl = q.dir.join("pcvl");
    std::fs::create_dir_all(&pcvl).unwrap();
    let config = pcvl.join("config.json");
    let body = serde_json::json!({ "remote": { "token": q.minted, "url": q.emulator.base_url() } });
    std::fs::write(&config, body.to_string()).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o644)).unwrap();
    let mut command = q.command();
    command
        .args(["--profile", "pcvl", "auth", "import", "--from", "perceval"])
        .env("PCVL_PERSISTENT_PATH", &pcvl);
    let run = run_command(command, "");
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stderr.contains("chmod 600"), "{run:?}");
    assert!(!run.stdout.contains(&q.minted) && !run.stderr.contains(&q.minted));

    // Nothing to import.
    let mut command = q.command();
    command
        .args(["--profile", "none", "auth", "import", "--from", "perceval"])
        .env("PCVL_PERSISTENT_PATH", q.dir.join("nowhere"));
    let run = run_command(command, "");
    assert_eq!(run.code, 3, "{run:?}");
}

#[test]
fn a_create_whose_answer_is_lost_says_what_was_settled() {
    use steps_emulator::{Fault, FaultRule, When};
    let q = Quandela::new("lost");
    q.login();
    q.emulator.set_faults(vec![FaultRule::new(
        Some(quandela::GenerateToken::NAME),
        When::First(1),
        Fault::CloseAfterHandled,
    )]);
    let lost = q.run(&["job-token", "create", "--label", "lost"], "");
    assert_eq!(lost.code, 1, "{lost:?}");
    assert!(lost.stderr.contains("secret lost: delete it"), "{lost:?}");
    let list = q.ok(&["job-token", "list", "--json"]).stdout;
    let list: serde_json::Value = serde_json::from_str(&list).unwrap();
    let made = list
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["label"] == "lost")
        .expect("the token exists");
    assert!(
        lost.stderr.contains(&format!("exists as {}", made["id"])),
        "{lost:?}"
    );

    q.emulator.set_faults(vec![FaultRule::new(
        Some(quandela::GenerateToken::NAME),
        When::First(1),
        Fault::Close,
    )]);
    let not = q.run(&["job-token", "create", "--label", "never"], "");
    assert_eq!(not.code, 1, "{not:?}");
    assert!(not.stderr.contains("not created"), "{not:?}");
    q.emulator.set_faults(Vec::new());
}

#[test]
fn the_quandela_api_alone_means_the_production_url_and_its_host_means_the_api() {
    let q = Quandela::new("defaults");
    let status = |args: &[&str]| {
        let mut command = q.command();
        command.env_remove("STEPS_API_URL").args(args);
        let run = run_command(command, "");
        assert_eq!(run.code, 3, "not logged in: {run:?}");
        assert!(run.stderr.contains("--with-token"), "{run:?}");
        serde_json::from_str::<serde_json::Value>(&run.stdout).unwrap()
    };
    let given = status(&["--api", "quandela", "auth", "status", "--json"]);
    assert_eq!(given["api_url"], "https://api.cloud.quandela.com", "{given}");
    assert_eq!(given["api_source"], "flag");
    let by_host = status(&[
        "--api-url",
        "https://api.cloud.quandela.com",
        "auth",
        "status",
        "--json",
    ]);
    assert_eq!(by_host["api"], "quandela", "{by_host}");
    assert_eq!(by_host["api_source"], "default");
    let mut command = q.command();
    command
        .env_remove("STEPS_API_URL")
        .env("STEPS_API", "quandela")
        .args(["auth", "status", "--json"]);
    let by_env = run_command(command, "");
    let by_env: serde_json::Value = serde_json::from_str(&by_env.stdout).unwrap();
    assert_eq!(by_env["api_source"], "env", "{by_env}");
}

#[test]
fn delete_by_secret_deletes_the_token_of_a_secret_read_from_stdin() {
    let q = Quandela::new("by-secret");
    q.login();
    let created = q.ok(&["job-token", "create", "--label", "throwaway", "--json"]);
    let created: serde_json::Value = serde_json::from_str(&created.stdout).unwrap();
    let id = created["id"].as_i64().expect("an id");
    let secret = created["secret"].as_str().expect("a secret").to_owned();
    let run = q.run(&["job-token", "delete-by-secret"], &format!("{secret}\n"));
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        !run.stdout.contains(&secret) && !run.stderr.contains(&secret),
        "{run:?}"
    );
    let listed = q.ok(&["job-token", "list", "--all", "--json"]).stdout;
    let listed: serde_json::Value = serde_json::from_str(&listed).unwrap();
    let ids: Vec<i64> = listed
        .as_array()
        .expect("a list")
        .iter()
        .filter_map(|t| t["id"].as_i64())
        .collect();
    assert!(!ids.contains(&id), "{ids:?}");
    // Our protocol has no such call.
    let steps = q.run(
        &["--api", "steps", "job-token", "delete-by-secret"],
        &format!("{secret}\n"),
    );
    assert_eq!(steps.code, 2, "{steps:?}");
}
