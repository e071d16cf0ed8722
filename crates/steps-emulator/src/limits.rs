//! The protocol's limits on what a token may be (`docs/protocol.md`,
//! "Validation", and `docs/quandela.md` E8, E9, which take the same),
//! shared by the handlers that check requests and the saved state that
//! checks an imported document.

/// The longest label, in bytes.
pub(crate) const MAX_LABEL_BYTES: usize = 256;

/// The longest duration, in seconds: ten years.
pub(crate) const MAX_DURATION: u64 = 315_360_000;

/// Whether a label is one the protocol allows: at most
/// [`MAX_LABEL_BYTES`], no control characters (C0, DEL and C1: a label is
/// shown in terminals and tables).
pub(crate) fn is_valid_label(label: &str) -> bool {
    label.len() <= MAX_LABEL_BYTES && !label.chars().any(char::is_control)
}

/// The most quandela job tokens one user may hold, revoked and expired
/// ones included (`docs/quandela.md` E26): the emulator keeps them all, so
/// an account that generates in a loop must not grow it without end.
pub(crate) const MAX_TOKENS_PER_USER: usize = 10_000;

/// An account's priority when none is given (`docs/quandela.md` E2): a
/// quandela job token's priority must be below its owner's.
pub(crate) const DEFAULT_PRIORITY: i64 = 10;
