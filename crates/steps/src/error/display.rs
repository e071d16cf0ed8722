//! What an [`Error`](super::Error) says: its `Display` and `source`,
//! written out rather than derived (see the note in `error.rs`).

use std::fmt;

use super::Repr;

impl fmt::Display for Repr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Repr::OutcomeUnknown { operation, effect, .. } => {
                write!(f, "{operation}: outcome unknown: {}", effect.unknown_outcome())
            }
            Repr::Transport(e) => e.fmt(f),
            Repr::Config(reason) => write!(f, "invalid configuration: {reason}"),
            Repr::BlockingInAsync => f.write_str(
                "a steps::blocking call was made inside an async runtime, where it would block or deadlock it; \
                 nothing was sent (use the async steps::Client there)",
            ),
            Repr::Shared(e) => e.fmt(f),
            Repr::Settled {
                operation,
                token_id: Some(id),
                ..
            } => write!(
                f,
                "{operation}: the answer was lost; token {id} was made with this label since it was sent, \
                 and its secret was lost with the answer: delete it and generate again"
            ),
            Repr::Settled { operation, .. } => {
                write!(f, "{operation}: the answer was lost, and the token was not created")
            }
            Repr::Unsupported(feature) => write!(
                f,
                "the server does not offer protocol feature {:?}, which this call needs",
                feature.name()
            ),
        }
    }
}

impl std::error::Error for Repr {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Repr::OutcomeUnknown { cause, .. } => Some(&**cause),
            Repr::Settled { cause, .. } => Some(&**cause),
            Repr::Transport(e) => e.source(),
            Repr::Shared(e) => e.source(),
            Repr::Config(_) | Repr::BlockingInAsync | Repr::Unsupported(_) => None,
        }
    }
}
