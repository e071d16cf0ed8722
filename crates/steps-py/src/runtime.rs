//! The one tokio runtime of the process, and `wait`: run a future on it
//! with the GIL released.

use std::future::Future;
use std::sync::{Arc, Mutex};

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;

/// The runtime every call and every in-process emulator runs on, and the
/// process it was made in: a child made by `os.fork()` has none of its
/// threads, so it makes its own.
static RUNTIME: Mutex<Option<(u32, Arc<tokio::runtime::Runtime>)>> = Mutex::new(None);

/// The process's runtime, made on first use: two worker threads for the
/// connection pools' background tasks and the emulators; each call itself
/// runs on the thread that makes it.
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

/// Runs `future` to completion on the shared runtime, on this thread, with
/// the GIL released: other Python threads run while it waits.
pub(crate) fn wait<T, F>(py: Python<'_>, future: F) -> PyResult<T>
where
    F: Future<Output = T> + Send,
    T: Send,
{
    let runtime = runtime()?;
    Ok(py.detach(move || runtime.block_on(future)))
}
