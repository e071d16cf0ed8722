//! `Page<T>`: one page of a list, and the cursor to the next.

/// One page of a list operation's results.
///
/// Ids ascend across pages. When `next_after` is `Some`, more items remain:
/// the list operation's `next_page` gives the operation for the next page.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Page<T> {
    /// The items on this page, in ascending id order.
    pub items: Vec<T>,
    /// The cursor for the next page, or `None` on the last page: the id to
    /// list after (our protocol's `after`), or the offset to start at (the
    /// Quandela cloud's `offset`).
    pub next_after: Option<i64>,
}

impl<T> Page<T> {
    /// Whether this is the last page.
    pub fn is_last(&self) -> bool {
        self.next_after.is_none()
    }
}

/// A list operation: its output is a [`Page`], and it can make the
/// operation for the page after one it returned. Runtimes walk every page
/// with one loop over this trait, sending each page with the credential of
/// the moment.
pub trait ListOperation: crate::Operation<Output = Page<Self::Item>> + Clone {
    /// The listed item.
    type Item;

    /// The operation for the page after `page`, or `None` if it was the last.
    fn next_page(&self, page: &Page<Self::Item>) -> Option<Self>;
}
