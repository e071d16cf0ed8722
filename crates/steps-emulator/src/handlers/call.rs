//! [`Call`]: what a handler of the protocol is given, and its one way to
//! the store. The state is a private field of this file, so that no
//! handler can lock the store without asking whether its caller was found
//! in it (issue 24: a create held across a reset wrote into the new store
//! under the old store's user id).

use std::sync::MutexGuard;

use crate::protocol::ProtocolVersion;
use crate::render::Failure;
use crate::state::State;
use crate::store::identity::Identity;
use crate::store::Store;

/// A request that passed every check before its handler.
pub(crate) struct Call<'a> {
    /// Reached only through [`Call::store`] and [`Call::protocol`].
    state: &'a State,
    /// Who presented a valid token; `None` on a route anyone may call.
    pub(crate) identity: Option<Identity>,
    /// The `{id}` segment of the path, on routes that have one.
    pub(crate) id: Option<&'a str>,
    /// The query string, without the `?`.
    pub(crate) query: &'a str,
    pub(crate) body: &'a [u8],
    /// The emulator's time when the checks began.
    pub(crate) now: u64,
}

impl<'a> Call<'a> {
    /// A call by `identity` (found in `state`'s store by the pipeline).
    pub(crate) fn new(
        state: &'a State,
        identity: Option<Identity>,
        id: Option<&'a str>,
        query: &'a str,
        body: &'a [u8],
        now: u64,
    ) -> Call<'a> {
        Call {
            state,
            identity,
            id,
            query,
            body,
            now,
        }
    }
}

impl Call<'_> {
    /// Who called. Every route but login authenticates, so this fails
    /// only for a handler placed on a route anyone may call.
    pub(crate) fn identity(&self) -> Result<Identity, Failure> {
        self.identity.ok_or_else(Failure::no_valid_token)
    }

    /// The store, locked, if the caller's token was found in it: a
    /// request authenticated before a reset or an import must not act on
    /// the store that replaced it, where ids start again (401). The only
    /// way a handler reaches the store.
    pub(crate) fn store(&self) -> Result<MutexGuard<'_, Store>, Failure> {
        let store = self.state.store();
        match &self.identity {
            Some(identity) if !store.knows(identity) => Err(Failure::no_valid_token()),
            _ => Ok(store),
        }
    }

    /// The protocol version served.
    pub(crate) fn protocol(&self) -> ProtocolVersion {
        self.state.protocol()
    }

    /// The id in the path: a wire integer (see [`wire_integer`]).
    pub(crate) fn id(&self) -> Result<i64, Failure> {
        self.id.and_then(wire_integer).ok_or_else(|| {
            Failure::bad_request(
                "the id in the path must be a decimal integer from 0 to 2^63-1, without sign or leading zeros",
            )
        })
    }
}

/// An integer as the protocol writes it in paths and queries: `0` or
/// `[1-9][0-9]*` (no sign, no leading zero, no white space, no
/// percent-encoding), at most 2^63-1. One rule for path ids, `limit` and
/// `after`.
pub(crate) fn wire_integer(text: &str) -> Option<i64> {
    let canonical = match text.as_bytes() {
        [b'0'] => true,
        [b'1'..=b'9', rest @ ..] => rest.iter().all(u8::is_ascii_digit),
        _ => false,
    };
    canonical.then(|| text.parse::<i64>().ok()).flatten()
}

#[cfg(test)]
mod tests {
    use super::wire_integer;

    #[test]
    fn wire_integers_have_one_spelling() {
        for (text, value) in [("0", 0), ("7", 7), ("10", 10), ("9223372036854775807", i64::MAX)] {
            assert_eq!(wire_integer(text), Some(value), "{text}");
        }
        for text in [
            "",
            "+5",
            "-0",
            "-1",
            "007",
            "00",
            "05",
            " 5",
            "5 ",
            "5\t",
            "1e3",
            "1.0",
            "0x10",
            "%35",
            "\u{0665}",
            "9223372036854775808",
            "99999999999999999999",
        ] {
            assert_eq!(wire_integer(text), None, "{text:?}");
        }
    }
}
