//! The Python package `steps-cloud`, imported as `steps_cloud`: the Python
//! client's API (`CloudContext`, `User`, `TokenType`, `LoginToken`,
//! `JobToken`, `ApiKey`), each call made by the Rust SDK (`steps`) with
//! the GIL released, on one runtime per process; `CloudError` for what
//! fails; `perceval_token()`; and `Emulator`, the Rust emulator
//! in-process, for tests. A `CloudContext` speaks the STEPS protocol or,
//! with `api='quandela'`, the Quandela cloud's token API.
//!
//! This crate is the native module `steps_cloud.steps_cloud`; the package
//! around it is Python, in `python/steps_cloud/`: `__init__.py` re-exports
//! every name the module adds (its `__all__`), `__init__.pyi` is the type
//! stubs, and `pytest_plugin.py` the pytest fixtures (`steps_emulator`,
//! `steps_context`), registered through the `pytest11` entry point.
//!
//! Built by maturin only (`cargo xtask python`); outside the main
//! workspace, so that no workspace build links pyo3. `docs/python.md`
//! describes the package.

mod attributes;
mod bound;
mod calls;
mod context;
mod emulator;
mod errors;
mod fields;
mod identity;
mod json;
mod lock;
mod perceval_py;
mod preconditions;
mod quandela;
mod quandela_fields;
mod redact;
mod runtime;
mod session;
mod token_class;
mod tokens;
mod user;

use pyo3::prelude::*;

/// The native part of steps_cloud: every class, function and exception,
/// which the package `steps_cloud` re-exports.
#[pymodule]
fn steps_cloud(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    // Which build this is: `cargo xtask python` builds a debug one for the
    // tests, a wheel is a release one, and `cargo xtask bench` measures
    // only the latter.
    m.add(
        "__build__",
        if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        },
    )?;
    m.add_class::<context::CloudContext>()?;
    m.add_class::<context::Api>()?;
    m.add_class::<user::User>()?;
    m.add_class::<user::LoginToken>()?;
    identity::add_token_type(m)?;
    m.add_class::<tokens::JobToken>()?;
    m.add_class::<tokens::ApiKey>()?;
    m.add_class::<emulator::Emulator>()?;
    m.add_function(wrap_pyfunction!(perceval_py::perceval_token, m)?)?;
    errors::add_exceptions(m)?;
    Ok(())
}
