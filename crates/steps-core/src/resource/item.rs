//! `GET` and `DELETE {path}/{id}`: one token of either resource.

use std::marker::PhantomData;

use bytes::Bytes;
use http::{Method, Response};

use super::token::Resource;
use crate::wire;
use crate::{Access, BuildError, Effect, Operation, RequestParts, ResponseError};

/// The parts of a request for item `id` of the collection at `path`,
/// after checking that it was ever created.
fn item_parts(
    operation: &'static str,
    method: Method,
    path: &str,
    id: i64,
) -> Result<RequestParts<'static>, BuildError> {
    if id < 0 {
        return Err(BuildError::NotCreated { operation, id });
    }
    Ok(RequestParts::new(method, format!("{path}/{id}")))
}

/// `GET {path}/{id}`: reads a token of resource `R`, without its secret.
pub struct Read<R> {
    id: i64,
    resource: PhantomData<fn() -> R>,
}

/// `DELETE {path}/{id}`: deletes (revokes) a token of resource `R`.
pub struct Delete<R> {
    id: i64,
    resource: PhantomData<fn() -> R>,
}

impl<R> Clone for Read<R> {
    fn clone(&self) -> Self {
        Read::at(self.id)
    }
}

impl<R> Clone for Delete<R> {
    fn clone(&self) -> Self {
        Delete::at(self.id)
    }
}

impl<R> Read<R> {
    const fn at(id: i64) -> Self {
        Read {
            id,
            resource: PhantomData,
        }
    }
}

impl<R> Delete<R> {
    const fn at(id: i64) -> Self {
        Delete {
            id,
            resource: PhantomData,
        }
    }
}

impl<R: Resource> Read<R> {
    /// Reads the token with this id.
    pub fn new(id: i64) -> Self {
        Read::at(id)
    }
}

impl<R: Resource> Delete<R> {
    /// Deletes the token with this id.
    pub fn new(id: i64) -> Self {
        Delete::at(id)
    }
}

impl<R: Resource> Operation for Read<R> {
    type Output = R;
    const NAME: &'static str = R::READ;
    const EFFECT: Effect = Effect::Read;
    const ACCESS: Access = R::ACCESS;

    fn parts(&self) -> Result<RequestParts<'_>, BuildError> {
        item_parts(Self::NAME, Method::GET, R::PATH, self.id)
    }

    fn parse_response(&self, response: Response<Bytes>) -> Result<R, ResponseError> {
        R::parse_read(Self::NAME, &response)
    }
}

impl<R: Resource> Operation for Delete<R> {
    type Output = ();
    const NAME: &'static str = R::DELETE;
    const EFFECT: Effect = Effect::Delete;
    const ACCESS: Access = R::ACCESS;

    fn parts(&self) -> Result<RequestParts<'_>, BuildError> {
        item_parts(Self::NAME, Method::DELETE, R::PATH, self.id)
    }

    fn parse_response(&self, response: Response<Bytes>) -> Result<(), ResponseError> {
        wire::empty_body(Self::NAME, &response)
    }

    /// A 404 is success: the earlier send deleted the token.
    fn parse_resent_response(&self, response: Response<Bytes>) -> Result<(), ResponseError> {
        match wire::empty_body(Self::NAME, &response) {
            // The protocol's own 404, not a gateway's error page.
            Err(ResponseError::Api(error)) if error.status == http::StatusCode::NOT_FOUND => Ok(()),
            result => result,
        }
    }
}

impl<R: Resource> std::fmt::Debug for Read<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // By operation name rather than the derived `Create<JobToken>`
        // with its module path, which moves when modules do.
        f.debug_struct(<Self as Operation>::NAME)
            .field("id", &self.id)
            .finish()
    }
}

impl<R: Resource> std::fmt::Debug for Delete<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // By operation name rather than the derived `Create<JobToken>`
        // with its module path, which moves when modules do.
        f.debug_struct(<Self as Operation>::NAME)
            .field("id", &self.id)
            .finish()
    }
}
