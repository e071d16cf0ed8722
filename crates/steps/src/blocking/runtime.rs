//! Where a blocking client runs its calls, and the check that refuses to
//! block a thread that is running async code.
//!
//! On a plain thread (the common case), a call runs to completion on the
//! calling thread, on a current-thread runtime of that thread: the call,
//! its connection's task and the wait for the socket, with no hand-off to
//! another thread (two hand-offs and several context switches a call
//! cost the blocking facade 1.7 to 2.3 times hyper-util's CPU;
//! `bench/findings.md`). The transport keeps a connection pool per thread
//! for it (`steps-transport`'s `pool_per_thread`). On a thread inside a
//! runtime where blocking is allowed (`spawn_blocking`, `block_in_place`),
//! where a second runtime cannot be started, the call runs on the
//! client's own one-worker runtime and the caller waits on a channel, as
//! `reqwest::blocking` does.

use std::cell::RefCell;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use crate::{Error, Result};

/// The client's own runtime, for calls made where a runtime is already
/// current: one worker thread, which runs the call while the calling
/// thread waits for its answer on a channel; and the process it was made
/// in.
pub(crate) struct Runtime(Option<tokio::runtime::Runtime>, u32);

thread_local! {
    /// This thread's current-thread runtime, made on its first call.
    static LOCAL: RefCell<Option<Local>> = const { RefCell::new(None) };
}

/// A thread's own runtime and the process it was made in; shut down
/// without waiting when the thread ends, and leaked in a child process
/// made by `fork`: its I/O driver's epoll instance is the parent's too,
/// and shutting it down would deregister the parent's sockets from it.
struct Local {
    pid: u32,
    runtime: Option<tokio::runtime::Runtime>,
}

impl Drop for Local {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            if self.pid == std::process::id() {
                runtime.shutdown_background();
            } else {
                std::mem::forget(runtime);
            }
        }
    }
}

/// Runs `future` to completion on this thread, on a current-thread tokio
/// runtime that the thread keeps for its calls (made on its first call,
/// dropped when the thread ends, made anew in a child process after
/// `fork`): what every call of a [`Client`](super::Client) does on a plain
/// thread, for a binding that drives the async facade itself (the Python
/// package does).
///
/// A client whose calls run here must keep a connection pool per thread
/// (`TransportBuilder::pool_per_thread`, which the blocking client sets):
/// a connection made on this thread makes progress only while this thread
/// is inside `block_on`: a client with one shared pool, driven here from
/// several threads, would hand a thread a connection it cannot drive, and
/// that call would wait until its deadline. A task `future` spawns and
/// leaves behind runs only during the thread's later calls.
///
/// # Errors
///
/// [`ErrorKind::BlockingInAsync`](crate::ErrorKind::BlockingInAsync) where
/// a tokio runtime is current (a task, a `block_on`, `spawn_blocking`),
/// which cannot start another; or the runtime cannot be made.
pub fn block_on<F: Future>(future: F) -> Result<F::Output> {
    on_this_thread(future).unwrap_or_else(|_| Err(Error::blocking_in_async()))
}

/// Runs `future` to completion on this thread's own runtime, or gives it
/// back when this thread is inside a runtime already.
fn on_this_thread<F: Future>(future: F) -> std::result::Result<Result<F::Output>, F> {
    if tokio::runtime::Handle::try_current().is_ok() {
        return Err(future);
    }
    let ran = LOCAL.try_with(|local| {
        // A call inside a call cannot happen: the runtime is current during
        // `block_on`, so a nested call takes the other path.
        let Ok(mut local) = local.try_borrow_mut() else {
            return Err(Error::blocking_in_async());
        };
        let pid = std::process::id();
        if local.as_ref().is_some_and(|l| l.pid != pid) {
            // Inherited across fork: leaked as it is dropped.
            *local = None;
        }
        if local.is_none() {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| Error::config(format!("cannot start the blocking client's runtime: {e}")))?;
            *local = Some(Local {
                pid,
                runtime: Some(runtime),
            });
        }
        let Some(runtime) = local.as_ref().and_then(|l| l.runtime.as_ref()) else {
            return Err(Error::config("the blocking client's runtime has shut down"));
        };
        // The connection goes back to the thread's pool as the answer's
        // body is read, inside the call (`tests/tests/blocking_threads.rs`
        // counts one connection per thread).
        Ok(runtime.block_on(future))
    });
    // During the thread's teardown its runtime is gone.
    Ok(ran.unwrap_or_else(|_| Err(Error::config("a blocking call while its thread is ending"))))
}

impl Runtime {
    pub(crate) fn new() -> Result<Runtime> {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("steps-blocking")
            .enable_all()
            .build()
            .map(|runtime| Runtime(Some(runtime), std::process::id()))
            .map_err(|e| Error::config(format!("cannot start the blocking client's runtime: {e}")))
    }

    /// Runs `future` to completion from any thread that is not running
    /// async code: on a plain thread, on that thread ([`on_this_thread`]);
    /// inside `tokio::task::spawn_blocking` or `block_in_place`, as a task
    /// of this runtime whose result it waits for on a std channel (as
    /// `reqwest::blocking` does). On a thread that is polling async code it
    /// fails at once with
    /// [`ErrorKind::BlockingInAsync`](crate::ErrorKind::BlockingInAsync)
    /// (see [`in_async_code`]). A panic in the call is resumed on the
    /// calling thread.
    pub(crate) fn run<T: Send + 'static>(
        &self,
        future: impl Future<Output = Result<T>> + Send + 'static,
    ) -> Result<T> {
        // Boxed once here: the call's future is large, and each move on the
        // way into `block_on` copied it whole (a sixth of a GET's
        // instructions went to memcpy; `bench/findings.md`).
        let future = match on_this_thread(Box::pin(future)) {
            Ok(result) => return result?,
            Err(future) => future,
        };
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
            if self.1 == std::process::id() {
                runtime.shutdown_background();
            } else {
                // In a child made by `fork`: its worker does not exist, and
                // shutting down takes locks a parent thread may have held at
                // the fork, and writes to an eventfd shared with the parent.
                std::mem::forget(runtime);
            }
        }
    }
}
