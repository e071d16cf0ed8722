//! `IdempotencyKey`: what makes a v2 create safe to send again.

use std::fmt;

use http::header::{HeaderName, HeaderValue};

/// The header of a v2 create or rotation that makes re-sending it safe.
pub const IDEMPOTENCY_KEY_HEADER: HeaderName = HeaderName::from_static("idempotency-key");

/// The longest key the protocol accepts, in characters.
pub const MAX_IDEMPOTENCY_KEY_LEN: usize = 255;

/// An `Idempotency-Key` (protocol v2, feature `idempotency`): 1 to 255
/// visible ASCII characters that name one logical create. The server keeps
/// the answer to the first request with a key (per caller, for 86,400 s)
/// and replays it to any re-send, so a create can be retried like a read.
///
/// Not a secret, but unpredictable keys are best: another caller's request
/// with your key is a different key on the server (keys are per caller),
/// and a key drawn at random never collides with your own earlier creates.
/// `steps-core` draws no random numbers: [`IdempotencyKey::from_random`]
/// takes the bytes from the caller (the facade takes 128 bits from the OS).
///
/// ```
/// use steps_core::IdempotencyKey;
///
/// let key = IdempotencyKey::new("nightly-2026-11-28").unwrap();
/// assert_eq!(key.as_str(), "nightly-2026-11-28");
/// assert!(IdempotencyKey::new("").is_err());
/// assert!(IdempotencyKey::new("has space").is_err());
/// assert_eq!(IdempotencyKey::from_random([0xab; 16]).as_str(), "abababababababababababababababab");
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct IdempotencyKey(HeaderValue);

/// Why a string is not an [`IdempotencyKey`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct InvalidIdempotencyKey;

impl std::fmt::Display for InvalidIdempotencyKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "invalid idempotency key: it must be 1 to {MAX_IDEMPOTENCY_KEY_LEN} visible ASCII characters"
        )
    }
}

impl std::error::Error for InvalidIdempotencyKey {}

impl IdempotencyKey {
    /// A key of the caller's choosing: to retry one logical create across
    /// processes, derive it from what names the work (a job id, say).
    ///
    /// # Errors
    ///
    /// [`InvalidIdempotencyKey`] unless `key` is 1 to 255 visible ASCII
    /// characters (`!` to `~`).
    pub fn new(key: impl AsRef<str>) -> Result<Self, InvalidIdempotencyKey> {
        let key = key.as_ref();
        let visible = key.bytes().all(|b| b.is_ascii_graphic());
        if key.is_empty() || key.len() > MAX_IDEMPOTENCY_KEY_LEN || !visible {
            return Err(InvalidIdempotencyKey);
        }
        HeaderValue::from_str(key)
            .map(IdempotencyKey)
            .map_err(|_| InvalidIdempotencyKey)
    }

    /// A key from 16 random bytes, as 32 lowercase hex digits.
    pub fn from_random(bytes: [u8; 16]) -> Self {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut text = [0u8; 32];
        for (i, byte) in bytes.iter().enumerate() {
            text[2 * i] = HEX[usize::from(byte >> 4)];
            text[2 * i + 1] = HEX[usize::from(byte & 0x0f)];
        }
        IdempotencyKey(HeaderValue::from_bytes(&text).expect("hex digits are a valid header value"))
    }

    /// The key as text.
    pub fn as_str(&self) -> &str {
        // Built only from visible ASCII, so this never fails.
        self.0.to_str().unwrap_or_default()
    }

    pub(crate) fn header_value(&self) -> HeaderValue {
        self.0.clone()
    }
}

impl fmt::Debug for IdempotencyKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("IdempotencyKey").field(&self.as_str()).finish()
    }
}

impl fmt::Display for IdempotencyKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for IdempotencyKey {
    type Err = InvalidIdempotencyKey;

    fn from_str(key: &str) -> Result<Self, InvalidIdempotencyKey> {
        IdempotencyKey::new(key)
    }
}
