//! The idle deadline: what a connection is doing (its requests in flight,
//! each held until its response body is sent), and the reader that closes
//! it once it has had no request in flight for the header read timeout.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use crate::body::ResponseBody;

/// What one connection is doing: how many of its requests are in flight
/// (from the service call until the response body is dropped), how many
/// times it has fallen idle, and who to wake when it does.
#[derive(Default)]
pub(super) struct Activity {
    in_flight: AtomicUsize,
    idle_epoch: AtomicU64,
    reader: Mutex<Option<Waker>>,
}

impl Activity {
    /// A request begins; the connection is busy until the guard drops.
    pub(super) fn begin(activity: &Arc<Activity>) -> Busy {
        activity.in_flight.fetch_add(1, Ordering::SeqCst);
        Busy(activity.clone())
    }

    fn is_busy(&self) -> bool {
        self.in_flight.load(Ordering::SeqCst) > 0
    }

    /// Remembers the reader's waker (before it looks at `in_flight`, so
    /// that a request ending meanwhile wakes it).
    fn park(&self, waker: &Waker) {
        let mut reader = self.reader.lock().unwrap_or_else(PoisonError::into_inner);
        match &mut *reader {
            Some(parked) if parked.will_wake(waker) => {}
            other => *other = Some(waker.clone()),
        }
    }
}

/// A request in flight on its connection.
pub(super) struct Busy(Arc<Activity>);

impl Drop for Busy {
    fn drop(&mut self) {
        if self.0.in_flight.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.0.idle_epoch.fetch_add(1, Ordering::SeqCst);
            let reader = self
                .0
                .reader
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .take();
            if let Some(reader) = reader {
                // The reader starts the idle deadline.
                reader.wake();
            }
        }
    }
}

/// A response body that keeps its request in flight until it is sent (or
/// dropped).
pub(super) struct Tracked {
    pub(super) body: ResponseBody,
    pub(super) _busy: Busy,
}

impl Body for Tracked {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

/// A connection that is closed once it has had no request in flight for
/// `limit`, from its first byte on: reads fail with `TimedOut` then. This
/// covers what hyper leaves open: hyper-util's auto builder reads the first
/// bytes to choose HTTP/1 or HTTP/2 with no timeout of its own, and hyper's
/// header read timeout is HTTP/1's alone, so without it a client that
/// connects and sends nothing, or sends the HTTP/2 preface (or a whole
/// handshake, answering pings) and no request, would hold its connection
/// for ever. Bytes that are not requests do not keep a connection open.
pub(super) struct IdleDeadline<I> {
    io: I,
    limit: Duration,
    activity: Arc<Activity>,
    /// The `idle_epoch` the deadline was set for.
    epoch: u64,
    deadline: Pin<Box<tokio::time::Sleep>>,
}

impl<I> IdleDeadline<I> {
    pub(super) fn new(io: I, limit: Duration, activity: Arc<Activity>) -> Self {
        IdleDeadline {
            io,
            limit,
            epoch: activity.idle_epoch.load(Ordering::SeqCst),
            activity,
            deadline: Box::pin(tokio::time::sleep(limit)),
        }
    }
}

impl<I: AsyncRead + Unpin> AsyncRead for IdleDeadline<I> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let this = &mut *self;
        let polled = Pin::new(&mut this.io).poll_read(cx, buf);
        if polled.is_pending() {
            this.activity.park(cx.waker());
            if !this.activity.is_busy() {
                let epoch = this.activity.idle_epoch.load(Ordering::SeqCst);
                if epoch != this.epoch {
                    // Idle again since the last read: a fresh deadline.
                    this.epoch = epoch;
                    let limit = this.limit;
                    this.deadline.as_mut().reset(tokio::time::Instant::now() + limit);
                }
                if this.deadline.as_mut().poll(cx).is_ready() {
                    return Poll::Ready(Err(std::io::Error::new(
                        std::io::ErrorKind::TimedOut,
                        "no request within the header read timeout",
                    )));
                }
            }
        }
        polled
    }
}

impl<I: AsyncWrite + Unpin> AsyncWrite for IdleDeadline<I> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.io).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.io).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}
