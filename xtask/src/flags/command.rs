//! What a `cargo xtask` command line parses into: one [`Command`] with the
//! typed options of its subcommand.

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
    /// `--api steps|quandela`: one run, against the emulator in that mode
    /// with its description; `None` runs both, steps first.
    pub(crate) api: Option<Api>,
}

/// An API the emulator serves, with its OpenAPI description.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Api {
    /// STEPS protocol v2, `docs/openapi.yaml`.
    Steps,
    /// The Quandela dialect, `docs/quandela-openapi.yaml`.
    Quandela,
}

/// Options of `cargo xtask conformance`, passed on to `steps-conformance`.
pub(crate) struct Conformance {
    /// `--url URL`: the server under test.
    pub(crate) url: String,
    /// The API it speaks, with the credentials its profile takes.
    pub(crate) api: ConformanceApi,
}

/// `--api steps` (the default) or `--api quandela`, with what each takes.
pub(crate) enum ConformanceApi {
    /// STEPS protocol v1 or v2 (`docs/protocol.md`).
    Steps {
        /// `--admin EMAIL:PASSWORD`: an admin account on it.
        admin: String,
        /// `--user EMAIL:PASSWORD`, twice: two ordinary accounts on it.
        users: [String; 2],
    },
    /// The Quandela cloud's token API (`docs/quandela.md`).
    Quandela {
        /// `--token T`: a user's job token.
        token: String,
        /// `--other-token T`: another user's job token.
        other_token: Option<String>,
        /// `--admin-token T`: an admin's job token.
        admin_token: Option<String>,
        /// `--login EMAIL:PASSWORD`: the user's, for `/api/login`.
        login: Option<String>,
        /// `--control URL`: a steps-emulator control plane (`…/_steps`).
        control: Option<String>,
    },
}

/// Options of `cargo xtask python`.
pub(crate) struct Python {
    /// `--release`: build the extension with `maturin develop --release`
    /// (slower to build; the default debug build is what CI tests).
    pub(crate) release: bool,
}

/// The cargo-fuzz targets in `fuzz/fuzz_targets`, the values `TARGET` may take.
pub(crate) const FUZZ_TARGETS: [&str; 4] = [
    "parse_responses",
    "emulator_request",
    "state_import",
    "quandela_time",
];
