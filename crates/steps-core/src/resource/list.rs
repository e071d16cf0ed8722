//! `GET {path}?limit=L&after=A`: one page of either resource.

use std::fmt::Write as _;
use std::marker::PhantomData;

use bytes::Bytes;
use http::{Method, Request, Response};

use super::Resource;
use crate::limits::check_page_limit;
use crate::wire::{self, RequestParts};
use crate::{
    Access, BuildError, CloudContext, Credential, Idempotency, ListOperation, Operation, Page, ResponseError,
};

/// `GET {path}?limit=L&after=A`: one page of every token of resource `R`,
/// without secrets. Admin only.
pub struct List<R> {
    limit: Option<u32>,
    after: Option<i64>,
    resource: PhantomData<fn() -> R>,
}

impl<R> Clone for List<R> {
    fn clone(&self) -> Self {
        List {
            limit: self.limit,
            after: self.after,
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
    const IDEMPOTENCY: Idempotency = Idempotency::Idempotent;
    const ACCESS: Access = Access::Admin;

    fn build_request(
        &self,
        ctx: &CloudContext,
        credential: &Credential,
    ) -> Result<Request<Bytes>, BuildError> {
        let bearer = credential.authorize(Self::NAME, Self::ACCESS)?;
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
        wire::build(
            ctx,
            RequestParts {
                operation: Self::NAME,
                method: Method::GET,
                path: R::PATH,
                query: &query,
                bearer,
                json: None,
                idempotency_key: None,
            },
        )
    }

    fn parse_response(&self, response: Response<Bytes>) -> Result<Page<R>, ResponseError> {
        R::parse_page(Self::NAME, &response, self.after)
    }
}

impl<R: Resource> std::fmt::Debug for List<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // By operation name rather than the derived `Create<JobToken>`
        // with its module path, which moves when modules do.
        f.debug_struct(<Self as Operation>::NAME)
            .field("limit", &self.limit)
            .field("after", &self.after)
            .finish()
    }
}
