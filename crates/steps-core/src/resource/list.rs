//! `GET {path}?limit=L&after=A`: one page of either resource.

use std::fmt::Write as _;
use std::marker::PhantomData;

use bytes::Bytes;
use http::Response;

use super::token::Resource;
use crate::limits::{check_label, check_page_limit};
use crate::wire;
use crate::{
    error::DecodeError, Access, BuildError, Capabilities, Effect, Feature, ListOperation, Operation, Page,
    RequestParts, ResponseError,
};

/// `GET {path}?limit=L&after=A`: one page of every token of resource `R`,
/// without secrets. Admin only in v1; on a v2 server that offers
/// `own_tokens`, a user lists their own job tokens ([`List::own`]), and
/// anyone may filter by label, admins by owner.
pub struct List<R> {
    limit: Option<u32>,
    after: Option<i64>,
    user_id: Option<i64>,
    label: Option<String>,
    own: bool,
    resource: PhantomData<fn() -> R>,
}

impl<R> Clone for List<R> {
    fn clone(&self) -> Self {
        List {
            limit: self.limit,
            after: self.after,
            user_id: self.user_id,
            label: self.label.clone(),
            own: self.own,
            resource: PhantomData,
        }
    }
}

impl<R: Resource> Default for List<R> {
    fn default() -> Self {
        Self::new()
    }
}

impl<R: Resource> List<R> {
    /// The first page, of the server's default size (100).
    pub fn new() -> Self {
        List {
            limit: None,
            after: None,
            user_id: None,
            label: None,
            own: false,
            resource: PhantomData,
        }
    }

    /// Asks for at most `limit` items (1 to 1000).
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit);
        self
    }

    /// Starts after the id `after` (exclusive).
    pub fn after(mut self, after: i64) -> Self {
        self.after = Some(after);
        self
    }

    /// Only tokens with exactly this label (protocol v2, feature
    /// `own_tokens`; a v1 server ignores the parameter).
    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    /// Only tokens of this user (protocol v2, feature `own_tokens`; for
    /// admins, or a user's own id).
    pub fn user_id(mut self, user_id: i64) -> Self {
        self.user_id = Some(user_id);
        self
    }

    /// The caller's own tokens (protocol v2, feature `own_tokens`): the
    /// same request, sent with a login token that need not be an admin's,
    /// so a known non-admin is not refused before sending. The server
    /// answers an admin with everyone's tokens (filter with
    /// [`Self::user_id`]).
    pub fn own(mut self) -> Self {
        self.own = true;
        self
    }
}

impl<R: Resource> ListOperation for List<R> {
    type Item = R;

    fn next_page(&self, page: &Page<R>) -> Option<Self> {
        let after = page.next_after?;
        Some(List {
            after: Some(after),
            ..self.clone()
        })
    }
}

impl<R: Resource> Operation for List<R> {
    type Output = Page<R>;
    const NAME: &'static str = R::LIST;
    const EFFECT: Effect = Effect::Read;
    const ACCESS: Access = Access::Admin;
    const NEGOTIATES: bool = R::OWN_LISTS;

    fn access(&self) -> Access {
        if self.own {
            Access::LoginToken
        } else {
            Access::Admin
        }
    }

    /// An own list and filters need `own_tokens`: a v1 server would
    /// ignore them and list every token.
    fn feature(&self) -> Option<Feature> {
        (self.own || self.label.is_some() || self.user_id.is_some()).then_some(Feature::OwnTokens)
    }

    /// A resource whose users may list their own ([`Resource::OWN_LISTS`])
    /// is listed as the caller's own where the server offers `own_tokens`.
    fn negotiate(&mut self, capabilities: &Capabilities) {
        if R::OWN_LISTS && capabilities.supports(Feature::OwnTokens) {
            self.own = true;
        }
    }

    fn parts(&self) -> Result<RequestParts<'_>, BuildError> {
        let mut query = String::new();
        if let Some(limit) = self.limit {
            let _ = write!(query, "limit={}", check_page_limit(Self::NAME, limit)?);
        }
        if let Some(after) = self.after {
            if after < 0 {
                return Err(BuildError::InvalidInput {
                    operation: Self::NAME,
                    reason: "`after` is an id, and ids are never negative".to_owned(),
                });
            }
            if !query.is_empty() {
                query.push('&');
            }
            let _ = write!(query, "after={after}");
        }
        if let Some(user_id) = self.user_id {
            if user_id < 0 {
                return Err(BuildError::InvalidInput {
                    operation: Self::NAME,
                    reason: "`user_id` is an id, and ids are never negative".to_owned(),
                });
            }
            if !query.is_empty() {
                query.push('&');
            }
            let _ = write!(query, "user_id={user_id}");
        }
        if let Some(label) = &self.label {
            check_label(Self::NAME, Some(label))?;
            if !query.is_empty() {
                query.push('&');
            }
            query.push_str("label=");
            wire::percent_encode(label, &mut query);
        }
        Ok(RequestParts::get(R::PATH).query(query))
    }

    /// A page that holds a token its filters exclude is a protocol error:
    /// the server ignored them (a v1 backend behind a v2 front), and its
    /// unfiltered list must not be taken for the filtered one (a "list by
    /// label, then delete" would delete them all).
    fn parse_response(&self, response: Response<Bytes>) -> Result<Page<R>, ResponseError> {
        let page = R::parse_page(Self::NAME, &response, self.after, self.limit)?;
        let filtered = page.items.iter().all(|token| {
            self.label.as_deref().is_none_or(|l| token.label() == Some(l))
                && self.user_id.is_none_or(|u| token.user_id() == u)
        });
        if !filtered {
            return Err(ResponseError::Decode(DecodeError {
                operation: Self::NAME,
                status: response.status(),
                detail: "the server ignored the list's filters".to_owned(),
            }));
        }
        Ok(page)
    }
}

impl<R: Resource> std::fmt::Debug for List<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // By operation name rather than the derived `Create<JobToken>`
        // with its module path, which moves when modules do.
        let mut out = f.debug_struct(<Self as Operation>::NAME);
        out.field("limit", &self.limit).field("after", &self.after);
        // The v2 filters only when set, so a v1 list prints as it did.
        if let Some(user_id) = self.user_id {
            out.field("user_id", &user_id);
        }
        if let Some(label) = &self.label {
            out.field("label", label);
        }
        if self.own {
            out.field("own", &self.own);
        }
        out.finish()
    }
}
