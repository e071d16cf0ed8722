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
pub(crate) const FUZZ_TARGETS: [&str; 3] = ["parse_responses", "emulator_request", "quandela_time"];
