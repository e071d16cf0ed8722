//! `session.api_keys()`: create, get, delete and list API keys (admin only).

use std::time::Duration;

use steps_core::{ApiKey, CreateApiKey, DeleteApiKey, ListApiKeys, ReadApiKey, DEFAULT_DURATION};

use crate::{Pages, Result, Session};

/// API keys, as seen by one (admin) session. From [`Session::api_keys`].
#[derive(Clone, Copy, Debug)]
pub struct ApiKeys<'a> {
    pub(crate) session: &'a Session,
}

impl ApiKeys<'_> {
    /// Creates an API key (admin only); the result carries its secret, this once.
    /// `duration` defaults to 99,999 s.
    ///
    /// Never retried once sent: if it fails after its bytes may have left,
    /// the error's kind is
    /// [`OutcomeUnknown`](crate::ErrorKind::OutcomeUnknown).
    ///
    /// # Errors
    ///
    /// Invalid label or duration, not logged in, or a network error.
    pub async fn create(&self, label: Option<&str>, duration: Option<Duration>) -> Result<ApiKey> {
        let duration = duration.unwrap_or(DEFAULT_DURATION);
        self.session
            .call(|credential| {
                let op = CreateApiKey::new(credential).duration(duration);
                match label {
                    Some(label) => op.label(label),
                    None => op,
                }
            })
            .await
    }

    /// Reads an API key (without its secret; admin only).
    ///
    /// # Errors
    ///
    /// [`NotFound`](crate::ErrorKind::NotFound) for an unknown id.
    pub async fn get(&self, api_key_id: i64) -> Result<ApiKey> {
        self.session
            .call(|credential| ReadApiKey::new(credential, api_key_id))
            .await
    }

    /// Deletes (revokes) an API key (admin only).
    ///
    /// # Errors
    ///
    /// [`NotFound`](crate::ErrorKind::NotFound) for an unknown id.
    pub async fn delete(&self, api_key_id: i64) -> Result<()> {
        self.session
            .call(|credential| DeleteApiKey::new(credential, api_key_id))
            .await
    }

    /// Every API key (admin only), following every page.
    ///
    /// # Errors
    ///
    /// [`Forbidden`](crate::ErrorKind::Forbidden) for a non-admin.
    pub async fn list(&self) -> Result<Vec<ApiKey>> {
        self.session.collect_all(self.first_page(None)).await
    }

    /// The pages of [`Self::list`], fetched lazily, `limit` per page.
    pub fn pages(&self, limit: Option<u32>) -> Pages<ListApiKeys> {
        Pages::new(self.session.clone(), self.first_page(limit))
    }

    fn first_page(&self, limit: Option<u32>) -> ListApiKeys {
        let op = ListApiKeys::new(steps_core::Credential::none());
        match limit {
            Some(limit) => op.limit(limit),
            None => op,
        }
    }
}
