//! A connection pool per thread ([`TransportBuilder::pool_per_thread`]),
//! for callers that run each call to completion on their own thread, on a
//! current-thread runtime of that thread: the blocking facade and the
//! Python package.
//!
//! Why: a call on a runtime's worker thread costs the caller two thread
//! hand-offs (the request to the worker, the answer back), several context
//! switches a call (`bench/findings.md`). Driven on the calling thread, the
//! call, its connection's task and the wait for the socket all run there:
//! the model of a blocking client such as ureq or curl.
//!
//! Why a pool per thread: hyper-util spawns a connection's task on the
//! runtime that is current when the connection is made, and a
//! current-thread runtime polls its tasks only inside its own `block_on`.
//! A connection made on thread A and taken from a shared pool by thread B
//! would wait for A's next call. So each thread keeps its own pool, made on
//! its first call. Between calls nothing polls a thread's idle
//! connections, as with any blocking client: a connection the server has
//! closed is seen when it is next taken (hyper reads the end of the stream
//! before it writes, and hyper-util retries a request that was never sent
//! on a fresh connection).
//!
//! Pools are kept per thread *and* per runtime: a thread that drives two
//! runtimes in turn (a blocking call, then the same client's `as_async()`
//! inside a runtime of the caller's) gets a pool for each, never a
//! connection whose task waits on the runtime that is not running.
//!
//! A child process made by `fork` inherits the parent thread's pools, whose
//! connections' tasks belong to a runtime it does not run, and whose
//! sockets are registered with an epoll instance it shares with the parent:
//! the pools are kept with the process id, and a child leaks the inherited
//! ones rather than drop them (which would deregister the parent's sockets
//! from the shared epoll instance), whether it makes a call or only exits.
//!
//! [`TransportBuilder::pool_per_thread`]: crate::TransportBuilder::pool_per_thread

use std::cell::RefCell;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use tokio::runtime::{Handle, Id};

use crate::connector::{pooled_client, HttpsConnector, HyperClient};

/// Each transport's pools, told apart by a number of their own.
static NEXT_ID: AtomicU64 = AtomicU64::new(0);

thread_local! {
    /// This thread's pools, one per transport that has sent from it.
    static POOLS: RefCell<Vec<ThreadPool>> = const { RefCell::new(Vec::new()) };
}

/// One transport's pool on one thread.
struct ThreadPool {
    /// Its transport's number.
    id: u64,
    /// Whether its transport is still alive (its pools are dropped once it
    /// is not, at the thread's next new pool).
    alive: Weak<()>,
    /// The runtime its connections' tasks run on.
    runtime: Option<Id>,
    /// The process it was made in.
    pid: u32,
    /// Taken (and leaked) when dropped in another process.
    client: Option<HyperClient>,
}

impl Drop for ThreadPool {
    fn drop(&mut self) {
        if self.pid != std::process::id() {
            // Inherited across fork: see the module's docs.
            std::mem::forget(self.client.take());
        }
    }
}

/// A transport's pools, one per thread it sends from.
pub(crate) struct PerThread {
    connector: HttpsConnector,
    id: u64,
    alive: Arc<()>,
}

impl PerThread {
    /// Pools over `connector`, made as threads first send.
    pub(crate) fn new(connector: HttpsConnector) -> PerThread {
        PerThread {
            connector,
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            alive: Arc::new(()),
        }
    }

    /// This thread's pool for the current runtime (a handle to it), made
    /// on its first call. During the thread's teardown, when its pools are
    /// gone, a pool of the call's own.
    pub(crate) fn client(&self) -> HyperClient {
        let pid = std::process::id();
        let runtime = Handle::try_current().ok().map(|h| h.id());
        POOLS
            .try_with(|pools| {
                let mut pools = pools.borrow_mut();
                let found = pools
                    .iter()
                    .find(|p| p.id == self.id && p.runtime == runtime && p.pid == pid)
                    .and_then(|p| p.client.clone());
                if let Some(client) = found {
                    return client;
                }
                // Pools of transports that are gone, and any inherited
                // across fork (leaked as they are dropped).
                pools.retain(|p| p.alive.strong_count() > 0 && p.pid == pid);
                let client = pooled_client(self.connector.clone());
                pools.push(ThreadPool {
                    id: self.id,
                    alive: Arc::downgrade(&self.alive),
                    runtime,
                    pid,
                    client: Some(client.clone()),
                });
                client
            })
            .unwrap_or_else(|_| pooled_client(self.connector.clone()))
    }
}
