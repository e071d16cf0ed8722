//! Watching a request that must not be sent twice: whether a connection
//! took its body (or, without a body, whether a connection was found for
//! it), so that a failed or abandoned call can tell "not sent" from "may
//! have been sent", and a body no connection took is never sent later.

use std::pin::Pin;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body::{Frame, SizeHint};

/// How a request that must not be sent twice is watched, to tell at its
/// deadline whether it may have reached the server.
pub(crate) enum Watch {
    /// Whether a connection took its body.
    Body(Arc<Handoff>),
    /// Whether a connection was found for it (a request without a body).
    Connection(hyper_util::client::legacy::connect::CaptureConnection),
}

impl Watch {
    /// Whether the request did not reach the server, and never will: its
    /// body is withheld from now on, or no connection was found for it.
    pub(crate) fn not_sent(&self) -> bool {
        match self {
            Watch::Body(handoff) => handoff.withhold(),
            Watch::Connection(captured) => captured.connection_metadata().is_none(),
        }
    }
}

/// A request body that is either sent as it is, or watched: a watched body
/// records, in its [`Handoff`], whether a connection ever took it.
///
/// Why watch the body rather than the connection (hyper-util's
/// `capture_connection`, used before): the capture costs a `watch`
/// channel, a request extension and a notify across tokio's eight notify
/// shards on every create, about 2,400 instructions and six allocations
/// of a create's 50,000 (`bench/findings.md`); the handoff is one small
/// allocation and two atomic operations.
///
/// Why it is safe: a request whose body no connection took was never
/// received whole, and a server that follows `docs/protocol.md` acts on a
/// create or a rotation only after reading its body: the body decides
/// what is done (an empty or malformed create body is 400, a rotation's
/// body anything but `{}` or a grace is 400), and "a request refused at
/// any step changes nothing" (the check order, under Errors). Over
/// HTTP/1 hyper writes a request's head and its body in one flush, so the
/// head never goes out alone; over HTTP/2 the HEADERS frame may, and a
/// server that acted on a head alone would break this (it would break
/// the protocol first). The converse errs the safe way: hyper's HTTP/2
/// pipe takes the body before it waits for flow-control window, so a body
/// taken but not yet sent counts as sent (an unknown outcome, never a
/// second create). And once the call has given up (its deadline passed,
/// or its connection failed), the body is never sent later: hyper starts
/// an HTTP/2 stream that was waiting to open after the call gave up, but
/// resets it before sending the body, since nobody waits for its answer
/// (the same for a call whose future was dropped); and should a later
/// poll come, [`Handoff::withhold`] makes it an error. The first is
/// hyper's, shown by `tests/support/h2_handoff.rs` over TLS and HTTP/2 with
/// one stream at a time (it holds with the second switched off); the
/// second is ours, tested below.
pub(crate) struct SendBody {
    data: Option<Bytes>,
    handoff: Option<Arc<Handoff>>,
}

impl SendBody {
    /// A body sent as it is (`Full` would do the same).
    pub(crate) fn plain(data: Bytes) -> SendBody {
        SendBody {
            data: (!data.is_empty()).then_some(data),
            handoff: None,
        }
    }

    /// A body whose taking is recorded in `handoff`.
    pub(crate) fn watched(data: Bytes, handoff: Arc<Handoff>) -> SendBody {
        SendBody {
            handoff: Some(handoff),
            ..SendBody::plain(data)
        }
    }
}

impl http_body::Body for SendBody {
    type Data = Bytes;
    type Error = BodyWithheld;

    fn poll_frame(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BodyWithheld>>> {
        let this = self.get_mut();
        if let Some(handoff) = &this.handoff {
            if !handoff.take() {
                return Poll::Ready(Some(Err(BodyWithheld)));
            }
        }
        Poll::Ready(this.data.take().map(|data| Ok(Frame::data(data))))
    }

    fn is_end_stream(&self) -> bool {
        self.data.is_none()
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.data.as_ref().map_or(0, |data| data.len() as u64))
    }
}

/// Whether a watched body was taken by a connection, or withheld for good
/// because the call gave up first. Whichever happens first wins.
#[derive(Default)]
pub(crate) struct Handoff(AtomicU8);

impl Handoff {
    const WAITING: u8 = 0;
    const TAKEN: u8 = 1;
    const WITHHELD: u8 = 2;

    /// A connection asks for the body: `true` if it may have it (now or
    /// earlier), `false` if the call already gave up on it.
    fn take(&self) -> bool {
        self.settle(Self::TAKEN)
    }

    /// The call gives up: `true` if no connection took the body (and none
    /// ever will), `false` if one did, so the request may have been sent.
    fn withhold(&self) -> bool {
        self.settle(Self::WITHHELD)
    }

    /// Moves a waiting handoff to `state`: whether it is in `state` now
    /// (moved by this call or an earlier one), or already in the other.
    fn settle(&self, state: u8) -> bool {
        match self
            .0
            .compare_exchange(Self::WAITING, state, Ordering::AcqRel, Ordering::Acquire)
        {
            Ok(_) => true,
            Err(now) => now == state,
        }
    }
}

/// The error a withheld body gives the connection that asks for it late.
#[derive(Debug)]
pub(crate) struct BodyWithheld;

impl std::fmt::Display for BodyWithheld {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the call's deadline passed before the request body was sent")
    }
}

impl std::error::Error for BodyWithheld {}

#[cfg(test)]
mod tests {
    use http_body::Body as _;

    use super::*;

    fn poll(body: &mut SendBody) -> Option<Result<Frame<Bytes>, BodyWithheld>> {
        let waker = std::task::Waker::noop();
        match Pin::new(body).poll_frame(&mut Context::from_waker(waker)) {
            Poll::Ready(frame) => frame,
            Poll::Pending => panic!("a body in memory is always ready"),
        }
    }

    #[test]
    fn a_body_taken_before_the_deadline_counts_as_sent() {
        let handoff = Arc::new(Handoff::default());
        let mut body = SendBody::watched(Bytes::from_static(b"{}"), handoff.clone());
        assert_eq!(body.size_hint().exact(), Some(2));
        let frame = poll(&mut body).expect("a frame").expect("not withheld");
        assert_eq!(frame.into_data().expect("data"), Bytes::from_static(b"{}"));
        assert!(poll(&mut body).is_none(), "then the end");
        assert!(body.is_end_stream());
        assert!(!handoff.withhold(), "taken: the request may have been sent");
    }

    #[test]
    fn a_body_withheld_first_is_never_given_out() {
        let handoff = Arc::new(Handoff::default());
        let mut body = SendBody::watched(Bytes::from_static(b"{}"), handoff.clone());
        assert!(handoff.withhold(), "nothing taken: nothing sent");
        assert!(handoff.withhold(), "and it stays so");
        assert!(matches!(poll(&mut body), Some(Err(BodyWithheld))));
        assert!(handoff.withhold(), "a late poll does not take it");
    }

    #[test]
    fn a_plain_body_is_sent_as_it_is() {
        let mut body = SendBody::plain(Bytes::from_static(b"abc"));
        assert!(!body.is_end_stream());
        assert!(poll(&mut body).expect("a frame").is_ok());
        assert!(poll(&mut body).is_none());
        assert!(
            SendBody::plain(Bytes::new()).is_end_stream(),
            "an empty body is at its end"
        );
    }
}
