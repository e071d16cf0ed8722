//! `lock`: a mutex's guard, whatever a thread that panicked holding it
//! left; every object's state sits behind one.

use std::sync::{Mutex, MutexGuard};

/// Locks `mutex`, whatever a thread that panicked holding it left.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}
