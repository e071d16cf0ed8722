//! Where calls run: `wait` runs a call to completion on the calling
//! Python thread, on that thread's own current-thread runtime
//! (`steps::blocking::block_on`), with the GIL released; the clients keep
//! a connection pool per thread for it. `wait_shared` runs on the one
//! multi-thread runtime of the process, for what must go on between calls
//! (an in-process emulator's server).
//!
//! Why not every call on the shared runtime: a call's connection task then
//! ran on a worker thread, and each call cost two thread hand-offs (the
//! request to the worker, the answer back) and 5 to 6 context switches;
//! about 2.2 to 2.6 times the Rust facade's CPU per call
//! (`bench/findings.md`).

use std::future::Future;
use std::sync::{Arc, Mutex};

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;

/// The runtime every in-process emulator runs on, and the process it was
/// made in: a child made by `os.fork()` has none of its threads, so it
/// makes its own.
static RUNTIME: Mutex<Option<(u32, Arc<tokio::runtime::Runtime>)>> = Mutex::new(None);

/// The process's runtime, made on first use: two worker threads for the
/// emulators.
pub(crate) fn runtime() -> PyResult<Arc<tokio::runtime::Runtime>> {
    let mut slot = RUNTIME.lock().unwrap_or_else(|p| p.into_inner());
    let pid = std::process::id();
    if let Some((owner, runtime)) = slot.as_ref() {
        if *owner == pid {
            return Ok(runtime.clone());
        }
        // The parent's runtime, copied by fork without its threads: never
        // dropped here (that would wait for threads that do not exist).
        if let Some((_, inherited)) = slot.take() {
            std::mem::forget(inherited);
        }
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("steps-cloud")
        .enable_all()
        .build()
        .map(Arc::new)
        .map_err(|e| PyRuntimeError::new_err(format!("steps_cloud: cannot start the runtime: {e}")))?;
    *slot = Some((pid, runtime.clone()));
    Ok(runtime)
}

/// Runs a call to completion on this thread's own runtime, with the GIL
/// released: other Python threads run while it waits.
pub(crate) fn wait<T, F>(py: Python<'_>, future: F) -> PyResult<T>
where
    F: Future<Output = T> + Send,
    T: Send,
{
    py.detach(move || steps::blocking::block_on(future))
        .map_err(|e| PyRuntimeError::new_err(format!("steps_cloud: {e}")))
}

/// Runs `future` to completion on the shared runtime, on this thread, with
/// the GIL released; what it spawns keeps running after it returns.
pub(crate) fn wait_shared<T, F>(py: Python<'_>, future: F) -> PyResult<T>
where
    F: Future<Output = T> + Send,
    T: Send,
{
    let runtime = runtime()?;
    Ok(py.detach(move || runtime.block_on(future)))
}
