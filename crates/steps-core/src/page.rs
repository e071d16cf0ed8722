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
    /// The cursor for the next page (`after`), or `None` on the last page.
    pub next_after: Option<i64>,
}

impl<T> Page<T> {
    /// Whether this is the last page.
    pub fn is_last(&self) -> bool {
        self.next_after.is_none()
    }
}

/// The longest page a server returns; a larger `limit` is clamped to it.
pub const MAX_PAGE_LIMIT: u32 = 1000;
