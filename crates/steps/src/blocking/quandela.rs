//! The Quandela cloud's job tokens for the blocking facade: the async
//! facade's builders (`crate::quandela`), sent with a blocking `send`.

use steps_core::quandela::{GeneratedToken, ListTokens, TokenSummary};

use super::{Pages, Session};
use crate::quandela::{family, Generate, Quandela, QuandelaListing};
use crate::Result;

impl Session {
    /// See [`crate::Session::quandela`].
    pub fn quandela(&self) -> Quandela<'_, Session> {
        Quandela::new(self, family(&self.inner.token()))
    }
}

impl Generate<'_, Session> {
    /// Sends the generate, blocking until it is done; settles a lost answer
    /// by its label, as [`crate::quandela::Generate::send`] does.
    ///
    /// # Errors
    ///
    /// As the async `send`, or
    /// [`ErrorKind::BlockingInAsync`](crate::ErrorKind::BlockingInAsync).
    pub fn send(self) -> Result<GeneratedToken> {
        let inner = self.session.inner.clone();
        let (family, op, replace_if_lost) = (self.family, self.op, self.replace_if_lost);
        self.session.runtime.run(async move {
            let generate = Generate {
                session: &inner,
                family,
                op,
                replace_if_lost,
            };
            generate.send().await
        })
    }
}

impl QuandelaListing<'_, Session> {
    /// Every page, collected.
    ///
    /// # Errors
    ///
    /// As the async `send`, or
    /// [`ErrorKind::BlockingInAsync`](crate::ErrorKind::BlockingInAsync).
    pub fn send(self) -> Result<Vec<TokenSummary>> {
        let pages = crate::Pages::new(self.session.inner.clone(), self.op);
        self.session.runtime.run(pages.collect_all())
    }

    /// The pages, fetched one at a time as the iterator is advanced.
    pub fn pages(self) -> Pages<ListTokens> {
        Pages::new(self.session.inner.clone(), self.session.runtime.clone(), self.op)
    }
}
