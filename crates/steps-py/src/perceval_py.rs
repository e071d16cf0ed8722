//! `steps_cloud.perceval_token()`: the lookup of `perceval.rs` with this
//! process's environment, its warnings as Python warnings and its source
//! logged (logger `steps_cloud`, level debug), never the token.

use std::ffi::CString;
use std::path::PathBuf;

use pyo3::exceptions::PyUserWarning;
use pyo3::prelude::*;

use steps::perceval::{find, Platform};

/// perceval_token(url=None)
///
/// The token Perceval would use, or None: the environment variable
/// `PCVL_CLOUD_TOKEN` when set and not empty, else `remote.token` of
/// Perceval's `config.json` (in `$PCVL_PERSISTENT_PATH` when set, else in
/// Perceval's data directory: `$XDG_DATA_HOME/perceval-quandela` or
/// `~/.local/share/perceval-quandela` on Linux, `~/Library/Application
/// Support/perceval-quandela` on macOS,
/// `%LOCALAPPDATA%\quandela\perceval-quandela` on Windows). Perceval's
/// fallbacks (a `config.json` in the temporary directory, the deprecated
/// `token` file) are never read.
///
/// The file's token is returned only if the file is for `url` (its
/// `remote.url`, or the production cloud when it has none); `url` None is
/// the production cloud, 'https://api.cloud.quandela.com'. A UserWarning
/// says when the file is readable by group or others, cannot be read, or
/// is for another URL.
#[pyfunction]
#[pyo3(signature = (url = None))]
pub(crate) fn perceval_token(py: Python<'_>, url: Option<&str>) -> PyResult<Option<String>> {
    let production = steps::quandela::DEFAULT_URL;
    let home_var = if cfg!(windows) { "USERPROFILE" } else { "HOME" };
    let home = std::env::var_os(home_var)
        .filter(|home| !home.is_empty())
        .map(PathBuf::from);
    let found = find(
        |name| std::env::var_os(name),
        home.as_deref(),
        Platform::current(),
        url.unwrap_or(production),
        production,
    );
    let category = py.get_type::<PyUserWarning>();
    for warning in &found.warnings {
        let text = CString::new(format!("steps_cloud.perceval_token: {warning}"))
            .unwrap_or_else(|_| c"steps_cloud.perceval_token: a warning with a NUL byte".to_owned());
        PyErr::warn(py, &category, &text, 1)?;
    }
    let Some((token, source)) = found.token else {
        return Ok(None);
    };
    let logger = py
        .import("logging")?
        .call_method1("getLogger", ("steps_cloud",))?;
    logger.call_method1("debug", ("perceval_token: the token from %s", source.to_string()))?;
    Ok(Some(token.expose().to_owned()))
}
