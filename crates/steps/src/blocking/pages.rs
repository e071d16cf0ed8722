//! `Pages`: a list's pages as an iterator, each fetched on the blocking
//! client's runtime as the iterator is advanced.

use std::sync::Arc;

use steps_core::{ListOperation, Page};

use super::runtime::Runtime;
use crate::Result;

/// The pages of a list, fetched as the iterator is advanced; it ends after
/// the last page or the first error.
pub struct Pages<O: ListOperation> {
    inner: crate::Pages<O>,
    runtime: Arc<Runtime>,
    failed: bool,
}

impl<O: ListOperation + std::fmt::Debug> std::fmt::Debug for Pages<O> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("blocking::Pages").field(&self.inner).finish()
    }
}

impl<O: ListOperation> Iterator for Pages<O> {
    type Item = Result<Page<O::Item>>;

    fn next(&mut self) -> Option<Result<Page<O::Item>>> {
        if self.failed {
            return None;
        }
        let runtime = self.runtime.clone();
        let page = match runtime.run(async { Ok(self.inner.next().await) }) {
            Ok(page) => page,
            Err(error) => Some(Err(error)),
        };
        self.failed = matches!(page, Some(Err(_)));
        page
    }
}

impl<O: ListOperation> Pages<O> {
    pub(super) fn new(session: crate::Session, runtime: Arc<Runtime>, first: O) -> Self {
        Pages {
            inner: crate::Pages::new(session, first),
            runtime,
            failed: false,
        }
    }
}
