//! `Pages`: a list's pages as an iterator, each fetched on the blocking
//! client's runtime as the iterator is advanced.

use std::sync::Arc;

use steps_core::{ListOperation, Page};

use super::runtime::Runtime;
use crate::Result;

/// The pages of a list, fetched as the iterator is advanced; it ends after
/// the last page or the first error.
pub struct Pages<O: ListOperation> {
    /// Moved into the task that fetches a page, and back.
    inner: Option<crate::Pages<O>>,
    runtime: Arc<Runtime>,
    failed: bool,
}

impl<O: ListOperation + std::fmt::Debug> std::fmt::Debug for Pages<O> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("blocking::Pages").field(&self.inner).finish()
    }
}

impl<O> Iterator for Pages<O>
where
    O: ListOperation + Send + Sync + 'static,
    O::Item: Send + 'static,
{
    type Item = Result<Page<O::Item>>;

    fn next(&mut self) -> Option<Result<Page<O::Item>>> {
        if self.failed {
            return None;
        }
        let mut inner = self.inner.take()?;
        let page = match self.runtime.run(async move {
            let page = inner.next().await;
            Ok((inner, page))
        }) {
            Ok((inner, page)) => {
                self.inner = Some(inner);
                page
            }
            // Refused before it started (`BlockingInAsync`) or the runtime
            // stopped: the pages are lost with the task.
            Err(error) => Some(Err(error)),
        };
        self.failed = matches!(page, Some(Err(_)));
        page
    }
}

impl<O: ListOperation> Pages<O> {
    pub(super) fn new(session: crate::Session, runtime: Arc<Runtime>, first: O) -> Self {
        Pages {
            inner: Some(crate::Pages::new(session, first)),
            runtime,
            failed: false,
        }
    }
}
