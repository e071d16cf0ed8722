//! The quandela dialect's times: written as RFC 3339 in UTC, whole
//! seconds, `+00:00` (`docs/quandela.md` E16); read (the usage report's
//! `start_time` and `end_time`) as A7 says a client reads them.

/// Days from 1970-01-01 to a civil date (proleptic Gregorian; Howard
/// Hinnant's `days_from_civil`).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month = i64::from(month);
    let day_of_year = (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The civil date of a day counted from 1970-01-01 (`civil_from_days`).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let days = days + 719_468;
    let era = days.div_euclid(146_097);
    let day_of_era = days - era * 146_097;
    let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Unix seconds as `YYYY-MM-DDTHH:MM:SS+00:00`.
pub(crate) fn format(unix: u64) -> String {
    let unix = i64::try_from(unix).unwrap_or(i64::MAX);
    let (days, seconds) = (unix.div_euclid(86_400), unix.rem_euclid(86_400));
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}+00:00",
        seconds / 3600,
        seconds / 60 % 60,
        seconds % 60
    )
}

/// A date-time as A7 reads it, in Unix seconds: `YYYY-MM-DD`, then `T`,
/// `t` or a space, `HH:MM:SS` (a leap second `:60` read as `:59`), an
/// optional fraction of any length, then `Z`, `z`, `±hh:mm` or nothing
/// (UTC). A space where the offset's sign goes is read as `+`: a `+` sent
/// unencoded in a query arrives as a space. A fraction rounds the time up
/// to the next whole second, which leaves every comparison with a whole
/// second (`at >= start`, `at < end`) as it would be with the exact time.
pub(crate) fn parse(text: &str) -> Option<i64> {
    let bytes = text.as_bytes();
    let number = |from: usize, len: usize| -> Option<u32> {
        let digits = bytes.get(from..from + len)?;
        digits
            .iter()
            .all(u8::is_ascii_digit)
            .then(|| std::str::from_utf8(digits).ok()?.parse().ok())
            .flatten()
    };
    let at = |i: usize, expected: &[u8]| bytes.get(i).is_some_and(|b| expected.contains(b));
    if !(at(4, b"-") && at(7, b"-") && at(10, b"Tt ") && at(13, b":") && at(16, b":")) {
        return None;
    }
    let (year, month, day) = (number(0, 4)?, number(5, 2)?, number(8, 2)?);
    let (hour, minute, second) = (number(11, 2)?, number(14, 2)?, number(17, 2)?);
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let month_days = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    let days_in_month = *month_days.get(usize::try_from(month).ok()?.checked_sub(1)?)?;
    if day == 0 || day > days_in_month || hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let mut rest = &text[19..];
    let mut round_up = false;
    if let Some(fraction) = rest.strip_prefix('.') {
        let digits = fraction.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        round_up = fraction[..digits].bytes().any(|b| b != b'0');
        rest = &fraction[digits..];
    }
    let offset = match rest.as_bytes() {
        [] | [b'Z'] | [b'z'] => 0,
        [sign @ (b'+' | b'-' | b' '), h1, h2, b':', m1, m2] => {
            let digits = [*h1, *h2, *m1, *m2];
            if !digits.iter().all(u8::is_ascii_digit) {
                return None;
            }
            let [h1, h2, m1, m2] = digits.map(|d| i64::from(d - b'0'));
            let (hours, minutes) = (h1 * 10 + h2, m1 * 10 + m2);
            if hours > 23 || minutes > 59 {
                return None;
            }
            let offset = hours * 3600 + minutes * 60;
            if *sign == b'-' {
                -offset
            } else {
                offset
            }
        }
        _ => return None,
    };
    let days = days_from_civil(i64::from(year), month, day);
    let seconds = i64::from(hour) * 3600 + i64::from(minute) * 60 + i64::from(second.min(59));
    Some(days * 86_400 + seconds - offset + i64::from(round_up))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_written_in_utc_whole_seconds() {
        assert_eq!(format(0), "1970-01-01T00:00:00+00:00");
        assert_eq!(format(1_796_551_200), "2026-12-06T10:00:00+00:00");
        assert_eq!(format(951_782_400), "2000-02-29T00:00:00+00:00");
        assert_eq!(format(4_107_542_399), "2100-02-28T23:59:59+00:00");
        for unix in [
            0,
            59,
            86_399,
            951_782_400,
            1_796_551_200,
            4_107_542_399,
            253_402_300_799,
        ] {
            assert_eq!(parse(&format(unix)), i64::try_from(unix).ok(), "{unix}");
        }
    }

    #[test]
    fn times_are_read_as_a7_says() {
        let at = 1_796_551_200; // 2026-12-06T10:00:00Z
        for text in [
            "2026-12-06T10:00:00+00:00",
            "2026-12-06t10:00:00z",
            "2026-12-06 10:00:00Z",
            "2026-12-06T10:00:00",
            "2026-12-06T11:30:00+01:30",
            "2026-12-06T11:30:00 01:30",
            "2026-12-06T03:00:00-07:00",
            "2026-12-06T10:00:00.000000000+00:00",
        ] {
            assert_eq!(parse(text), Some(at), "{text}");
        }
        assert_eq!(parse("2026-12-06T09:59:59.25Z"), Some(at), "a fraction rounds up");
        assert_eq!(parse("2016-12-31T23:59:60Z"), parse("2016-12-31T23:59:59Z"));
        assert_eq!(parse("1969-12-31T23:59:59Z"), Some(-1));
        for bad in [
            "",
            "2026-12-06",
            "2026-12-06T10:00",
            "2026-13-01T00:00:00Z",
            "2026-02-29T00:00:00Z",
            "2026-12-06T24:00:00Z",
            "2026-12-06T10:00:00+0100",
            "2026-12-06T10:00:00+01",
            "2026-12-06T10:00:00.Z",
            "2026-12-06T10:00:00+24:00",
            "2026-12-06X10:00:00Z",
            "２０２６-12-06T10:00:00Z",
            "2026-12-06T10:00:00Zjunk",
        ] {
            assert_eq!(parse(bad), None, "{bad:?}");
        }
    }
}
