//! Issued tokens: creating, reading, deleting and listing the job tokens
//! and API keys of a collection, and counting the live ones.

use crate::secret;
use crate::store::collection::Collection;
use crate::store::entries::{Entries, Holder, TokenEntry};
use crate::store::Store;

/// Which records a list keeps (protocol v2, feature `own_tokens`): all of
/// them by default.
#[derive(Debug, Default)]
pub(crate) struct ListFilter {
    /// Only this user's.
    pub(crate) user_id: Option<i64>,
    /// Only those with exactly this label.
    pub(crate) label: Option<String>,
}

impl ListFilter {
    fn keeps(&self, record: &TokenEntry) -> bool {
        self.user_id.is_none_or(|user_id| record.user_id == user_id)
            && self
                .label
                .as_deref()
                .is_none_or(|label| record.label.as_deref() == Some(label))
    }
}

impl Store {
    /// Issues a job token or API key; returns it and its secret.
    pub(crate) fn create(
        &mut self,
        collection: Collection,
        user_id: i64,
        label: Option<String>,
        duration: u64,
        now: u64,
    ) -> std::io::Result<(TokenEntry, String)> {
        let id = self
            .records(collection)
            .last_id
            .checked_add(1)
            .ok_or_else(|| std::io::Error::other("no id is left in the collection"))?;
        let token = secret::mint(collection.token_kind())?;
        let expires_at = now.saturating_add(duration);
        let secret = self.insert_secret(&token, Holder::Issued { collection, id }, expires_at);
        let record = TokenEntry {
            id,
            user_id,
            label,
            duration,
            created_at: now,
            expires_at,
            rotated_at: None,
            secret,
            retiring: Vec::new(),
        };
        let records = self.records_mut(collection);
        records.last_id = id;
        records.records.insert(id, record.clone());
        Ok((record, token))
    }

    /// A live (unexpired, undeleted) record.
    pub(crate) fn get(&self, collection: Collection, id: i64, now: u64) -> Option<&TokenEntry> {
        self.records(collection)
            .records
            .get(&id)
            .filter(|r| now < r.expires_at)
    }

    /// Deletes a record and revokes its secrets, those in a grace period
    /// included. Returns whether it existed.
    pub(crate) fn delete(&mut self, collection: Collection, id: i64) -> bool {
        self.drop_record(collection, id)
    }

    /// One page of the live records after `after` that `filter` keeps, and
    /// the cursor to the next.
    pub(crate) fn list(
        &self,
        collection: Collection,
        after: i64,
        limit: usize,
        filter: &ListFilter,
        now: u64,
    ) -> (Vec<TokenEntry>, Option<i64>) {
        let mut live = self
            .records(collection)
            .records
            .range(after.saturating_add(1)..)
            .map(|(_, r)| r)
            .filter(|r| now < r.expires_at && filter.keeps(r));
        let page: Vec<TokenEntry> = live.by_ref().take(limit).cloned().collect();
        let more = live.next().is_some();
        let next_after = if more { page.last().map(|r| r.id) } else { None };
        (page, next_after)
    }

    /// How many live (unexpired, undeleted) job tokens and API keys there
    /// are at `now` (for tests that check nothing changed).
    pub(crate) fn counts(&self, now: u64) -> (usize, usize) {
        let live = |records: &Entries| records.records.values().filter(|r| now < r.expires_at).count();
        (live(&self.job_tokens), live(&self.api_keys))
    }
}
