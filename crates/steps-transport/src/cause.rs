//! Finding an error of one type in a chain of sources (rustls' in a TLS
//! failure, h2's in an HTTP/2 one).

use std::error::Error as StdError;

/// The first error of type `T` in `error`'s chain of sources, looking
/// inside `std::io::Error`s too (hyper and rustls wrap their errors in
/// them, and an `io::Error`'s `source()` skips what it wraps).
pub(crate) fn find_cause<'a, T: StdError + 'static>(error: &'a (dyn StdError + 'static)) -> Option<&'a T> {
    let mut next: Option<&(dyn StdError + 'static)> = Some(error);
    while let Some(e) = next {
        if let Some(found) = e.downcast_ref::<T>() {
            return Some(found);
        }
        next = match e.downcast_ref::<std::io::Error>().and_then(|io| io.get_ref()) {
            Some(inner) => Some(inner as &(dyn StdError + 'static)),
            None => e.source(),
        };
    }
    None
}
