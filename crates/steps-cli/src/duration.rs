//! Human durations on the command line (`90s`, `15m`, `1h30m`, `7d`) and
//! back.

use std::time::Duration;

/// Parses `90`, `90s`, `15m`, `1h30m`, `7d`, and what [`format_duration`]
/// prints (`1d 3h 46m 39s`: spaces between parts are allowed).
pub(crate) fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("empty duration".to_owned());
    }
    if let Ok(seconds) = text.parse::<u64>() {
        return Ok(Duration::from_secs(seconds));
    }
    let mut total: u64 = 0;
    let mut number = String::new();
    for c in text.chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        if c == ' ' && number.is_empty() {
            continue;
        }
        let unit = match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            'w' => 604_800,
            _ => return Err(format!("unknown unit {c:?} in {text:?} (use s, m, h, d or w)")),
        };
        if number.is_empty() {
            return Err(format!("a number must come before {c:?} in {text:?}"));
        }
        let value: u64 = number.parse().map_err(|_| "duration too long")?;
        total = value
            .checked_mul(unit)
            .and_then(|v| total.checked_add(v))
            .ok_or("duration too long")?;
        number.clear();
    }
    if !number.is_empty() {
        return Err(format!("{text:?} ends without a unit (use s, m, h, d or w)"));
    }
    Ok(Duration::from_secs(total))
}

/// `1d 3h 46m 39s`, largest units first, zero parts left out.
pub(crate) fn format_duration(duration: Duration) -> String {
    let mut left = duration.as_secs();
    if left == 0 {
        return "0s".to_owned();
    }
    let mut parts = Vec::new();
    for (unit, name) in [(86_400, "d"), (3600, "h"), (60, "m"), (1, "s")] {
        if left >= unit {
            parts.push(format!("{}{name}", left / unit));
            left %= unit;
        }
    }
    parts.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_and_format() {
        for (text, secs) in [
            ("90", 90),
            ("90s", 90),
            ("15m", 900),
            ("1h", 3600),
            ("7d", 604_800),
            ("1h30m", 5400),
        ] {
            assert_eq!(parse_duration(text), Ok(Duration::from_secs(secs)), "{text}");
        }
        for bad in ["", "h", "10x", "5m3", "-1s", "99999999999999999999d"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
        assert_eq!(format_duration(Duration::from_secs(99_999)), "1d 3h 46m 39s");
        assert_eq!(format_duration(Duration::from_secs(3600)), "1h");
        assert_eq!(parse_duration("1d 3h 46m 39s"), Ok(Duration::from_secs(99_999)));
        assert_eq!(
            parse_duration("99999999999999999999d"),
            Err("duration too long".to_owned())
        );
        assert!(parse_duration("1 0s").is_err(), "a space inside a number");
    }

    proptest::proptest! {
        #[test]
        fn what_is_printed_parses_back(seconds in 0u64..=u64::MAX / 86_400) {
            let duration = Duration::from_secs(seconds);
            proptest::prop_assert_eq!(parse_duration(&format_duration(duration)), Ok(duration));
        }

        #[test]
        fn any_text_is_a_duration_or_an_error(text in "\\PC{0,24}") {
            let _ = parse_duration(&text);
        }
    }
}
