//! Idempotency keys the SDK draws for the creates and rotations it sends
//! to servers that offer them.

use steps_core::IdempotencyKey;

/// A fresh key: 128 bits from the operating system. `None` if the OS cannot
/// give them, and the create goes without a key, as on v1.
pub(crate) fn random_key() -> Option<IdempotencyKey> {
    let mut bytes = [0u8; 16];
    match getrandom::getrandom(&mut bytes) {
        Ok(()) => Some(IdempotencyKey::from_random(bytes)),
        Err(error) => {
            tracing::warn!(%error, "no random idempotency key; creating without one");
            None
        }
    }
}
