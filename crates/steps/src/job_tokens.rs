//! `session.job_tokens()`: create, get, delete and list job tokens.

use std::time::Duration;

use steps_core::{CreateJobToken, DeleteJobToken, JobToken, ListJobTokens, ReadJobToken, DEFAULT_DURATION};

use crate::{Pages, Result, Session};

/// Job tokens, as seen by one session. From [`Session::job_tokens`].
#[derive(Clone, Copy, Debug)]
pub struct JobTokens<'a> {
    pub(crate) session: &'a Session,
}

impl JobTokens<'_> {
    /// Creates a job token; the result carries its secret, this once.
    /// `duration` defaults to 99,999 s.
    ///
    /// Never retried once sent: if it fails after its bytes may have left,
    /// the error's kind is
    /// [`OutcomeUnknown`](crate::ErrorKind::OutcomeUnknown).
    ///
    /// # Errors
    ///
    /// Invalid label or duration, not logged in, or a network error.
    pub async fn create(&self, label: Option<&str>, duration: Option<Duration>) -> Result<JobToken> {
        let duration = duration.unwrap_or(DEFAULT_DURATION);
        self.session
            .call(|credential| {
                let op = CreateJobToken::new(credential).duration(duration);
                match label {
                    Some(label) => op.label(label),
                    None => op,
                }
            })
            .await
    }

    /// Reads a job token (without its secret): the user's own, or any for
    /// an admin.
    ///
    /// # Errors
    ///
    /// [`NotFound`](crate::ErrorKind::NotFound) for an unknown id or another
    /// user's token.
    pub async fn get(&self, token_id: i64) -> Result<JobToken> {
        self.session
            .call(|credential| ReadJobToken::new(credential, token_id))
            .await
    }

    /// Deletes (revokes) a job token.
    ///
    /// # Errors
    ///
    /// [`NotFound`](crate::ErrorKind::NotFound) for an unknown id or another
    /// user's token.
    pub async fn delete(&self, token_id: i64) -> Result<()> {
        self.session
            .call(|credential| DeleteJobToken::new(credential, token_id))
            .await
    }

    /// Every job token of every user (admin only), following every page.
    ///
    /// # Errors
    ///
    /// [`Forbidden`](crate::ErrorKind::Forbidden) for a non-admin.
    pub async fn list(&self) -> Result<Vec<JobToken>> {
        self.session.collect_all(self.first_page(None)).await
    }

    /// The pages of [`Self::list`], fetched lazily, `limit` per page.
    pub fn pages(&self, limit: Option<u32>) -> Pages<ListJobTokens> {
        Pages::new(self.session.clone(), self.first_page(limit))
    }

    fn first_page(&self, limit: Option<u32>) -> ListJobTokens {
        let op = ListJobTokens::new(steps_core::Credential::none());
        match limit {
            Some(limit) => op.limit(limit),
            None => op,
        }
    }
}
