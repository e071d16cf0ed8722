//! The emulator's response body: whole, or cut off on purpose.

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};

/// A response body. `Truncated` sends its bytes, then fails, which makes
/// hyper abort the connection short of the declared `Content-Length`.
pub(crate) enum ResponseBody {
    Whole(Option<Bytes>),
    Truncated(Option<Bytes>),
}

impl ResponseBody {
    pub(crate) fn whole(bytes: impl Into<Bytes>) -> Self {
        ResponseBody::Whole(Some(bytes.into()))
    }

    pub(crate) fn empty() -> Self {
        ResponseBody::Whole(None)
    }

    /// The bytes of a whole body (empty when it has none); `None` for a
    /// truncated one.
    pub(crate) fn whole_bytes(&self) -> Option<Bytes> {
        match self {
            ResponseBody::Whole(bytes) => Some(bytes.clone().unwrap_or_default()),
            ResponseBody::Truncated(_) => None,
        }
    }
}

impl Body for ResponseBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = self.get_mut();
        Poll::Ready(match this {
            ResponseBody::Whole(bytes) => bytes.take().map(|b| Ok(Frame::data(b))),
            ResponseBody::Truncated(bytes) => match bytes.take() {
                Some(b) => Some(Ok(Frame::data(b))),
                None => Some(Err(std::io::Error::other("body truncated on purpose"))),
            },
        })
    }

    fn is_end_stream(&self) -> bool {
        matches!(self, ResponseBody::Whole(None))
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            ResponseBody::Whole(bytes) => SizeHint::with_exact(bytes.as_ref().map_or(0, |b| b.len() as u64)),
            ResponseBody::Truncated(_) => SizeHint::default(),
        }
    }
}
