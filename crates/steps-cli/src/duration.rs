//! Durations and times as people type and read them, through `jiff`: a
//! duration is parsed from what people type (`90`, `90s`, `15m`, `1h30m`,
//! `2 days`, `1 hour 30 minutes`, `PT1H`), and printed as `1d 3h 46m 39s`;
//! a time is printed as RFC 3339 in UTC, and as a relative time ("in 59m",
//! "3h ago") next to it. What a command accepts (a token's duration, a
//! timeout) is still bounded where the command checks it.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use jiff::{SignedDuration, Span, SpanRelativeTo, SpanRound, Timestamp, Unit};

/// Parses a duration: a bare number of seconds, or jiff's friendly format
/// (`90s`, `15m`, `1h30m`, `7d`, `2 days`, `1w`, and what
/// [`format_duration`] prints), or ISO 8601 (`PT1H30M`). A day is 24
/// hours and a week 7 days; months and years, whose length depends on the
/// date, are refused, and so are negative durations and fractions of a
/// second (token durations are whole seconds on the wire).
pub(crate) fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("empty duration".to_owned());
    }
    if let Ok(seconds) = text.parse::<u64>() {
        return Ok(Duration::from_secs(seconds));
    }
    let not_a_duration = || format!("{text:?} is not a duration (examples: 90s, 15m, 1h30m, 2 days, 1w)");
    let span: Span = text.parse().map_err(|_| not_a_duration())?;
    if span.is_negative() {
        return Err(format!("{text:?} is negative"));
    }
    let signed = span
        .to_duration(SpanRelativeTo::days_are_24_hours())
        .map_err(|_| format!("{text:?}: months and years are not a fixed length (use days or weeks)"))?;
    let duration = Duration::try_from(signed).map_err(|_| not_a_duration())?;
    if duration.subsec_nanos() != 0 {
        return Err(format!("{text:?} is not a whole number of seconds"));
    }
    Ok(duration)
}

/// `1d 3h 46m 39s`: days, hours, minutes and seconds, largest first, zero
/// parts left out (`0s` for nothing).
pub(crate) fn format_duration(duration: Duration) -> String {
    let whole = Duration::from_secs(duration.as_secs());
    // Past what a span holds (about 20,000 years) a count of seconds is
    // as readable as anything.
    let span = SignedDuration::try_from(whole)
        .ok()
        .and_then(|signed| Span::try_from(signed).ok())
        .and_then(|span| {
            span.round(
                SpanRound::new()
                    .largest(Unit::Day)
                    .smallest(Unit::Second)
                    .days_are_24_hours(),
            )
            .ok()
        });
    match span {
        Some(span) => format!("{span:#}"),
        None => format!("{}s", whole.as_secs()),
    }
}

/// How far `duration` is, roughly: its two largest parts (`3h 12m`, `2d
/// 4h`, `59m`, `40s`), cut down, never rounded up: a token that "expires
/// in 59m" has at least that left.
pub(crate) fn format_roughly(duration: Duration) -> String {
    let seconds = duration.as_secs();
    let unit = if seconds < 60 {
        1
    } else if seconds < 86_400 {
        60
    } else {
        3_600
    };
    format_duration(Duration::from_secs(seconds - seconds % unit))
}

/// Where `time` is from `now`: `in 59m`, `3h 12m ago`, or `now`.
pub(crate) fn relative(time: SystemTime, now: SystemTime) -> String {
    match time.duration_since(now) {
        Ok(ahead) if ahead.as_secs() > 0 => format!("in {}", format_roughly(ahead)),
        Ok(_) => "now".to_owned(),
        Err(behind) => match behind.duration().as_secs() {
            0 => "now".to_owned(),
            secs => format!("{} ago", format_roughly(Duration::from_secs(secs))),
        },
    }
}

/// RFC 3339 in UTC, to the second (`2023-11-14T22:13:20Z`). A time before
/// 1970 is shown as 1970 (the servers send none), one past what jiff holds
/// (year 9999) as its latest.
pub(crate) fn timestamp(time: SystemTime) -> String {
    let seconds = time.duration_since(UNIX_EPOCH).map_or(0, |since| since.as_secs());
    let seconds = i64::try_from(seconds).unwrap_or(i64::MAX);
    let at = Timestamp::from_second(seconds.min(Timestamp::MAX.as_second())).unwrap_or(Timestamp::MAX);
    format!("{at:.0}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_as_people_type_them() {
        for (text, secs) in [
            ("90", 90),
            ("90s", 90),
            ("15m", 900),
            ("90m", 5400),
            ("1h", 3600),
            ("7d", 604_800),
            ("1w", 604_800),
            ("1h30m", 5400),
            ("1h 30m", 5400),
            ("2 days", 172_800),
            ("1 hour 30 minutes", 5400),
            ("1d 3h 46m 39s", 99_999),
            ("PT1H30M", 5400),
        ] {
            assert_eq!(parse_duration(text), Ok(Duration::from_secs(secs)), "{text}");
        }
        for bad in [
            "",
            "h",
            "10x",
            "5m3",
            "-1s",
            "1 0s",
            "1.5s",
            "2 months",
            "1y",
            "99999999999999999999d",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn durations_print_in_days_at_most() {
        assert_eq!(format_duration(Duration::from_secs(99_999)), "1d 3h 46m 39s");
        assert_eq!(format_duration(Duration::from_secs(3600)), "1h");
        assert_eq!(format_duration(Duration::ZERO), "0s");
        assert_eq!(format_duration(Duration::from_secs(400 * 86_400)), "400d");
        assert_eq!(
            format_duration(Duration::from_secs(u64::MAX)),
            format!("{}s", u64::MAX)
        );
    }

    #[test]
    fn relative_times_keep_two_parts_and_never_round_up() {
        let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let at = |secs: u64| now + Duration::from_secs(secs);
        assert_eq!(relative(at(59 * 60 + 59), now), "in 59m");
        assert_eq!(relative(at(3 * 3600 + 12 * 60 + 5), now), "in 3h 12m");
        assert_eq!(relative(at(2 * 86_400 + 4 * 3600 + 60), now), "in 2d 4h");
        assert_eq!(relative(at(40), now), "in 40s");
        assert_eq!(relative(now, now), "now");
        assert_eq!(relative(now - Duration::from_secs(90), now), "1m ago");
    }

    #[test]
    fn timestamps_are_rfc3339_utc() {
        assert_eq!(timestamp(UNIX_EPOCH), "1970-01-01T00:00:00Z");
        assert_eq!(
            timestamp(UNIX_EPOCH + Duration::from_secs(1_700_000_000)),
            "2023-11-14T22:13:20Z"
        );
        assert_eq!(
            timestamp(UNIX_EPOCH + Duration::from_secs(951_782_400)),
            "2000-02-29T00:00:00Z"
        );
        assert_eq!(
            timestamp(UNIX_EPOCH - Duration::from_secs(5)),
            "1970-01-01T00:00:00Z"
        );
    }

    proptest::proptest! {
        #[test]
        fn what_is_printed_parses_back(seconds in 0u64..=7_000_000u64 * 86_400) {
            let duration = Duration::from_secs(seconds);
            proptest::prop_assert_eq!(parse_duration(&format_duration(duration)), Ok(duration));
        }

        #[test]
        fn any_text_is_a_duration_or_an_error(text in "\\PC{0,24}") {
            let _ = parse_duration(&text);
        }
    }
}
