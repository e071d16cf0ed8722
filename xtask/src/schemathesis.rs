//! `cargo xtask schemathesis [--seed N] [--api steps|quandela]`:
//! schemathesis, in a Python virtual environment of its own, against a
//! fresh emulator in each mode with that mode's description: protocol v2
//! and `docs/openapi.yaml`, then quandela mode and
//! `docs/quandela-openapi.yaml` (`--api` runs one).

use std::process::Command;

use crate::flags::{self, Api};
use crate::shell::{cargo, root, run as run_command, target_dir, Server};

/// A schemathesis hook that gives every request its own idempotency key,
/// just before it is sent (in every phase).
/// Hypothesis repeats the values it draws, so generated keys would be
/// reused across unrelated requests; the protocol answers a reused key with
/// 422 (another body or path) or with a replay (of a token that may since
/// have been deleted), which schemathesis, knowing nothing of idempotency,
/// reports as a valid request refused, or a created resource not found. In
/// a positive case, a valid key keeps up to 200 of its characters and gets
/// a unique suffix; an invalid one is left as it is, to be refused. Replays, 422 and 409 are
/// the conformance kit's to check (`tests/src/conformance/`).
const STEPS_HOOKS: &str = r#"import uuid

import schemathesis


@schemathesis.hook
def before_call(context, case, kwargs):
    # A negative case is left alone: changing it would make schemathesis
    # revalidate it as positive (and send a header it meant to leave out).
    if case.meta is not None and case.meta.generation.mode.is_negative:
        return
    headers = case.headers or {}
    for name, key in list(headers.items()):
        valid = isinstance(key, str) and 1 <= len(key) <= 255 and all("!" <= c <= "~" for c in key)
        if name.lower() == "idempotency-key" and valid:
            headers[name] = f"{key[:200]}-{uuid.uuid4().hex}"
"#;

/// A schemathesis hook that makes every label of a positive case unique
/// and at most 256 bytes of UTF-8, just before it is sent (in every
/// phase). Labels are unique per user (docs/quandela.md E4), so labels
/// Hypothesis repeats would be refused as taken (400); and a label is
/// limited to 256 bytes, which a schema's `maxLength` (characters) cannot
/// say, so a valid long non-ASCII one would be refused (422). A label keeps
/// the first characters that fit in 223 bytes and gets a unique suffix. A
/// negative case is left alone, as in the steps run's hook. Taken labels
/// are the conformance kit's to check (`tests/src/conformance/quandela/`).
const QUANDELA_HOOKS: &str = r#"import uuid

import schemathesis


@schemathesis.hook
def before_call(context, case, kwargs):
    if case.meta is not None and case.meta.generation.mode.is_negative:
        return
    body = case.body
    if isinstance(body, dict) and isinstance(body.get("label"), str):
        kept = body["label"].encode("utf-8")[:223].decode("utf-8", errors="ignore")
        body["label"] = f"{kept}-{uuid.uuid4().hex}"
"#;

/// schemathesis's configuration for the quandela run: a positive case
/// (one the description says is well formed) may be refused 400 by the
/// operations whose 400s are refusals on the server's state, not on the
/// input (docs/quandela.md): a priority at or above the owner's (E8) on
/// generate and update; the id 0, which names no token, on read and
/// update (400 "Invalid token: 0", E11); a secret naming no token on
/// reopen (E12), which a generated secret never names; and an id naming no
/// token in the usage report (E14). Every other status schemathesis expects of a positive
/// case is as it would be by default.
const QUANDELA_CONFIG: &str = r#"[[operations]]
include-operation-id-regex = '^quandela\.(token\.(generate|read|update|reopen)\.(job|auth)|usage\.report)$'
checks.positive_data_acceptance.expected-statuses = ["2xx", "3xx", "400", "401", "403", "404", "409", "429", "5xx"]
"#;

/// One run: the emulator's mode, its description, and how schemathesis is
/// set up for it.
struct Target {
    /// The API.
    api: Api,
    /// The description, under `docs/`.
    description: &'static str,
    /// The emulator's options for its mode.
    mode: &'static [&'static str],
    /// The hooks, as a Python module.
    hooks: &'static str,
    /// schemathesis's configuration file, if any.
    config: Option<&'static str>,
    /// schemathesis's options that leave operations out.
    exclude: &'static [&'static str],
}

/// The steps run: protocol v2, `docs/openapi.yaml`.
const STEPS: Target = Target {
    api: Api::Steps,
    description: "docs/openapi.yaml",
    // docs/openapi.yaml describes v2 (a superset of v1): meta,
    // idempotency, self, own_tokens and rotation.
    mode: &["--protocol", "2"],
    hooks: STEPS_HOOKS,
    config: None,
    // Not the emulator's control plane (off here, and not the protocol),
    // nor what a token does to itself: revoking the run's one admin token
    // would turn every later case into a 401. The conformance kit checks
    // /api/token/self, caller by caller.
    exclude: &[
        "--exclude-tag",
        "control",
        "--exclude-operation-id",
        "token.revoke_self",
        "--exclude-operation-id",
        "token.rotate_self",
    ],
};

/// The quandela run: `docs/quandela-openapi.yaml`.
const QUANDELA: Target = Target {
    api: Api::Quandela,
    description: "docs/quandela-openapi.yaml",
    mode: &["--api", "quandela"],
    hooks: QUANDELA_HOOKS,
    config: Some(QUANDELA_CONFIG),
    // Not the control plane, nor the operations marked x-destructive:
    // revoking or deleting tokens by their secrets or ids can revoke or
    // delete the run's one job token, and every later case would be a 401.
    // The conformance kit checks them, caller by caller.
    exclude: &[
        "--exclude-tag",
        "control",
        "--exclude-by",
        "/x-destructive == true",
    ],
};

/// Makes a virtual environment under `target/` with schemathesis, builds
/// the emulator, and runs schemathesis against each mode asked for. Fails
/// on any schemathesis failure (after running every mode).
pub(crate) fn run(flags: flags::Schemathesis) -> Result<(), String> {
    let venv = target_dir().join("schemathesis-venv");
    let st = venv.join("bin/st");
    if !st.exists() {
        run_command(Command::new("python3").arg("-m").arg("venv").arg(&venv))?;
        run_command(Command::new(venv.join("bin/pip")).args(["install", "--quiet", "schemathesis"]))?;
    }
    cargo(&["build", "--locked", "-p", "steps-emulator"])?;
    let targets = match flags.api {
        Some(Api::Steps) => vec![STEPS],
        Some(Api::Quandela) => vec![QUANDELA],
        None => vec![STEPS, QUANDELA],
    };
    let mut failed = Vec::new();
    for target in &targets {
        eprintln!(
            "\nxtask schemathesis: {} against the emulator",
            target.description
        );
        if let Err(e) = run_one(&venv, target, flags.seed) {
            eprintln!("xtask schemathesis: {}: {e}", target.description);
            failed.push(format!("{}: {e}", target.description));
        }
    }
    if failed.is_empty() {
        Ok(())
    } else {
        Err(failed.join("; "))
    }
}

/// Starts an emulator in `target`'s mode, gets a token, and runs
/// schemathesis with it against `target`'s description.
fn run_one(venv: &std::path::Path, target: &Target, seed: Option<u64>) -> Result<(), String> {
    let mut emulator = Command::new(target_dir().join("debug/steps-emulator"));
    emulator.args([
        "--listen",
        "127.0.0.1:0",
        "--admin",
        "st-admin@example.com:st-admin-pw",
        "--user",
        "st-user@example.com:st-user-pw",
        // Nothing expires because the run is slow: schemathesis may
        // create a one-second token and read it back seconds later,
        // which the protocol answers 404 once it has expired.
        "--frozen-clock",
    ]);
    emulator.args(target.mode);
    let emulator = Server::start(emulator).map_err(|e| format!("cannot start the emulator: {e}"))?;
    let token = token(&emulator.url, target.api)?;
    let name = match target.api {
        Api::Steps => "steps",
        Api::Quandela => "quandela",
    };
    let hooks = venv.join(format!("{name}_hooks.py"));
    std::fs::write(&hooks, target.hooks).map_err(|e| format!("cannot write {}: {e}", hooks.display()))?;
    let mut st_run = Command::new(venv.join("bin/st"));
    st_run.env("SCHEMATHESIS_HOOKS", &hooks);
    if let Some(config) = target.config {
        let path = venv.join(format!("{name}.toml"));
        std::fs::write(&path, config).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        st_run.arg("--config-file").arg(path);
    }
    st_run.arg("run");
    if let Some(seed) = seed {
        st_run.args(["--seed", &seed.to_string()]);
    }
    // Not `run_command`: its error would print the command, token and all.
    let status = st_run
        .arg(root().join(target.description))
        .args(["--url", &emulator.url, "--max-examples", "100"])
        .args(target.exclude)
        .arg("--header")
        .arg(format!("Authorization: Bearer {token}"))
        .status()
        .map_err(|e| format!("cannot run schemathesis: {e}"))?;
    drop(emulator);
    if status.success() {
        Ok(())
    } else {
        Err(format!("schemathesis found failures (above; {status})"))
    }
}

/// The token the run uses: the steps admin's login token; or a job token
/// of the quandela user, generated with their logged-in token on the
/// logged-in family (docs/quandela.md P4), which every operation takes
/// (E1).
fn token(url: &str, api: Api) -> Result<String, String> {
    let script = match api {
        Api::Steps => format!(
            "import json,urllib.request as u;r=u.urlopen(u.Request('{url}/api/login',data=json.dumps({{'email':'st-admin@example.com','password':'st-admin-pw'}}).encode(),headers={{'content-type':'application/json'}}));print(json.load(r)['token'])"
        ),
        Api::Quandela => format!(
            "import json,urllib.request as u
def call(path, body, token=None):
    headers = {{'content-type': 'application/json'}}
    if token:
        headers['authorization'] = 'Bearer ' + token
    return json.load(u.urlopen(u.Request('{url}' + path, data=json.dumps(body).encode(), headers=headers)))
login = call('/api/login', {{'email': 'st-user@example.com', 'password': 'st-user-pw'}})['token']
print(call('/api/auth/tokens', {{'label': 'schemathesis'}}, login)['token'])"
        ),
    };
    let output = Command::new("python3")
        .args(["-c", &script])
        .output()
        .map_err(|e| e.to_string())?;
    let token = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    if token.is_empty() {
        return Err("could not get a token from the emulator".to_owned());
    }
    Ok(token)
}
