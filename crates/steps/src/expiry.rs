//! A session's token and its expiry, as pure functions of the times:
//! when to log in again before a call ([`needs_renewal`],
//! [`renewal_margin`]) and how long a token has left ([`left`]), which
//! `Session::expires_in` and the session's expiry warning use.

use std::time::{Duration, SystemTime};

use steps_core::Expiry;

/// Whether a session should log in again before a call: only a session
/// that can (it holds credentials), and only when the token is expired or
/// expires within the margin. A token of unknown expiry is used until the
/// server refuses it.
pub(crate) fn needs_renewal(expiry: Expiry, can_log_in: bool) -> bool {
    can_log_in && matches!(expiry, Expiry::Expired | Expiry::ExpiringSoon)
}

/// The renewal margin for a token obtained at `obtained_at`: the client's
/// margin, but at most half the token's lifetime, so that a token that
/// lives 20 s is used for 10 s rather than renewed before every call.
pub(crate) fn renewal_margin(
    margin: Duration,
    expires_at: Option<SystemTime>,
    obtained_at: SystemTime,
) -> Duration {
    match expires_at.and_then(|at| at.duration_since(obtained_at).ok()) {
        Some(lifetime) => margin.min(lifetime / 2),
        None => margin,
    }
}

/// How long from `now` to `expires_at`; zero once it has passed.
pub(crate) fn left(expires_at: SystemTime, now: SystemTime) -> Duration {
    expires_at.duration_since(now).unwrap_or(Duration::ZERO)
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use steps_core::{LoginToken, Secret};

    use super::{needs_renewal, renewal_margin};
    use crate::DEFAULT_EXPIRY_MARGIN;

    #[test]
    fn the_margin_is_at_most_half_the_token_lifetime() {
        let at = |s| UNIX_EPOCH + Duration::from_secs(s);
        let margin = Duration::from_secs(30);
        assert_eq!(
            renewal_margin(margin, Some(at(1_000 + 20)), at(1_000)),
            Duration::from_secs(10)
        );
        assert_eq!(renewal_margin(margin, Some(at(1_000 + 3_600)), at(1_000)), margin);
        assert_eq!(renewal_margin(margin, None, at(1_000)), margin);
        // Obtained after its expiry (a skewed clock): no lifetime to halve.
        assert_eq!(renewal_margin(margin, Some(at(900)), at(1_000)), margin);
    }

    #[test]
    fn renewal_happens_only_near_expiry_and_only_with_credentials() {
        let mut token = LoginToken::from_secret(Secret::new("stl_x"));
        token.expires_at = Some(UNIX_EPOCH + Duration::from_secs(10_000));
        let at = |s| UNIX_EPOCH + Duration::from_secs(s);
        let renew = |now, creds| needs_renewal(token.expiry(at(now), DEFAULT_EXPIRY_MARGIN), creds);
        assert!(!renew(9_000, true), "fresh");
        assert!(!renew(9_970, true), "exactly the margin left is still fresh");
        assert!(renew(9_971, true), "inside the margin");
        assert!(renew(10_000, true), "expired");
        assert!(renew(20_000, true), "long expired");
        assert!(!renew(10_000, false), "a token-only session cannot renew");
        let unknown = LoginToken::from_secret(Secret::new("stl_x"));
        assert!(
            !needs_renewal(unknown.expiry(at(0), DEFAULT_EXPIRY_MARGIN), true),
            "unknown expiry"
        );
    }
}
