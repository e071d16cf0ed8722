//! `Pages`: the pages of a list, fetched one at a time as they are asked
//! for, each sent with the session's credential of the moment.

use steps_core::{ListOperation, Page};

use crate::{Result, Session};

/// The pages of a list, fetched one at a time as they are asked for.
pub struct Pages<O: ListOperation> {
    session: Session,
    next: Option<O>,
    /// Whether the first page was adapted to what the server offers.
    prepared: bool,
}

impl<O: ListOperation + std::fmt::Debug> std::fmt::Debug for Pages<O> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pages")
            .field("session", &self.session)
            .field("next", &self.next)
            .finish_non_exhaustive()
    }
}

impl<O: ListOperation> Pages<O> {
    pub(crate) fn new(session: Session, first: O) -> Self {
        Pages {
            session,
            next: Some(first),
            prepared: false,
        }
    }

    /// The next page, or `None` after the last.
    ///
    /// # Errors
    ///
    /// As for the list call; the walk stops after an error.
    pub async fn next(&mut self) -> Option<Result<Page<O::Item>>> {
        let mut op = self.next.take()?;
        if !self.prepared {
            // The first page learns what the server offers; the pages
            // after it are made from it, and so already adapted.
            if let Err(error) = self.session.prepare(&mut op).await {
                return Some(Err(error));
            }
            self.prepared = true;
        }
        let result = self.session.call(&op).await;
        if let Ok(page) = &result {
            self.next = op.next_page(page);
        }
        Some(result)
    }

    /// Every remaining page's items, in order, collected.
    ///
    /// # Errors
    ///
    /// As for the list call.
    pub async fn collect_all(mut self) -> Result<Vec<O::Item>> {
        let mut items = Vec::new();
        while let Some(page) = self.next().await {
            items.extend(page?.items);
        }
        Ok(items)
    }
}
