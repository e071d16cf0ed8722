//! The runtime a blocking client runs its calls on, and the check that
//! refuses to block a thread that is running async code.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use crate::{Error, Result};

/// The runtime a blocking client runs its calls on: one worker thread,
/// which runs every call (and the connection pool's background tasks);
/// the calling thread waits for the answer on a channel.
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

    /// Runs `future` as a task of this runtime and waits for its result on
    /// a std channel (as `reqwest::blocking` does), from any thread that
    /// is not running async code: a plain thread, a thread inside
    /// `tokio::task::spawn_blocking` or `block_in_place`. On a thread that
    /// is polling async code it fails at once with
    /// [`ErrorKind::BlockingInAsync`](crate::ErrorKind::BlockingInAsync)
    /// (see [`in_async_code`]). A panic in the call is resumed on the
    /// calling thread.
    pub(crate) fn run<T: Send + 'static>(
        &self,
        future: impl Future<Output = Result<T>> + Send + 'static,
    ) -> Result<T> {
        if in_async_code() {
            return Err(Error::blocking_in_async());
        }
        let Some(runtime) = &self.0 else {
            return Err(Error::config("the blocking client's runtime has shut down"));
        };
        let (sender, receiver) = std::sync::mpsc::sync_channel(1);
        runtime.spawn(async move {
            let mut future = pin!(future);
            let result = std::future::poll_fn(|cx| {
                match std::panic::catch_unwind(AssertUnwindSafe(|| future.as_mut().poll(cx))) {
                    Ok(Poll::Pending) => Poll::Pending,
                    Ok(Poll::Ready(result)) => Poll::Ready(Ok(result)),
                    Err(panic) => Poll::Ready(Err(panic)),
                }
            })
            .await;
            // The caller waits until this is sent; nobody else receives.
            let _ = sender.send(result);
        });
        match receiver.recv() {
            Ok(Ok(result)) => result,
            Ok(Err(panic)) => std::panic::resume_unwind(panic),
            // The task was dropped unfinished: the runtime is shutting down.
            Err(_) => Err(Error::config(
                "the blocking client's runtime shut down during the call",
            )),
        }
    }
}

/// Whether this thread is polling async code on a tokio runtime (a task
/// on a worker thread, or the future of a `block_on`), where blocking
/// would stall the runtime.
///
/// Tokio tells it only through its cooperative budget: async code is
/// polled with a budget of 128 units, while a thread outside a runtime, a
/// `spawn_blocking` closure and a `block_in_place` closure have none (they
/// may block). A thread with no runtime context is not async code for
/// tokio; if it is another executor's, the call blocks that thread. The
/// check takes up to 256 units of the budget (a no-op without one): async
/// code that was refused yields at its next tokio resource, as it would
/// have after 128 operations. Async code inside
/// `tokio::task::coop::unconstrained` has no budget either: there the call
/// is not refused but blocks that worker thread until it is done; it
/// cannot deadlock, since the call runs on the client's own runtime.
fn in_async_code() -> bool {
    if tokio::runtime::Handle::try_current().is_err() {
        return false;
    }
    let mut cx = Context::from_waker(Waker::noop());
    (0..=u8::MAX).any(|_| {
        pin!(tokio::task::coop::consume_budget())
            .poll(&mut cx)
            .is_pending()
    })
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
