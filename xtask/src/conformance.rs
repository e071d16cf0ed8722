//! `cargo xtask conformance --url URL --admin E:P --user E:P --user E:P`:
//! the conformance kit (`tests/src/conformance/`) against any server,
//! through the `steps-conformance` binary.

use crate::flags;
use crate::shell::cargo;

/// Builds and runs `steps-conformance` with the given server and accounts.
pub(crate) fn run(flags: flags::Conformance) -> Result<(), String> {
    let flags::Conformance {
        url,
        admin,
        users: [user, other],
    } = &flags;
    cargo(&[
        "run",
        "--quiet",
        "--locked",
        "-p",
        "steps-tests",
        "--bin",
        "steps-conformance",
        "--",
        "--url",
        url,
        "--admin",
        admin,
        "--user",
        user,
        "--user",
        other,
    ])
}
