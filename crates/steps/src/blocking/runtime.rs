//! The runtime a blocking client runs its calls on, and the one check that
//! refuses to block inside an async runtime.

use std::future::Future;

use crate::{Error, Result};

/// The runtime a blocking client runs its calls on: one worker thread for
/// the connection pool's background tasks; each call runs on the calling
/// thread.
pub(crate) struct Runtime(Option<tokio::runtime::Runtime>);

impl Runtime {
    pub(crate) fn new() -> Result<Runtime> {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("steps-blocking")
            .enable_all()
            .build()
            .map(|runtime| Runtime(Some(runtime)))
            .map_err(|e| Error::config(format!("cannot start the blocking client's runtime: {e}")))
    }

    /// Runs `future` to completion on this thread, unless this thread is
    /// already inside an async runtime.
    pub(crate) fn run<T>(&self, future: impl Future<Output = Result<T>>) -> Result<T> {
        if tokio::runtime::Handle::try_current().is_ok() {
            return Err(Error::blocking_in_async());
        }
        match &self.0 {
            Some(runtime) => runtime.block_on(future),
            None => Err(Error::config("the blocking client's runtime has shut down")),
        }
    }
}

impl Runtime {
    /// Runs `f` inside this runtime's context (what hyper-util's pool needs
    /// to be built), or plainly once the runtime has shut down.
    pub(crate) fn entered<T>(&self, f: impl FnOnce() -> T) -> T {
        match &self.0 {
            Some(runtime) => {
                let _entered = runtime.enter();
                f()
            }
            None => f(),
        }
    }
}

impl Drop for Runtime {
    /// Shuts down without waiting, which is safe anywhere, even when the
    /// last clone is dropped inside an async task (dropping a runtime there
    /// the ordinary way panics).
    fn drop(&mut self) {
        if let Some(runtime) = self.0.take() {
            runtime.shutdown_background();
        }
    }
}
