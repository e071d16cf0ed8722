//! The Quandela cloud's times: ISO 8601 date-times read into `SystemTime`
//! and written back, by a small parser of our own (the core takes no date
//! crate). `docs/quandela.md` says what is accepted and why: an offset or
//! `Z`, fractional seconds, and a time without an offset read as UTC, as
//! many Python servers send `datetime.isoformat()` of a naive time.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Reads an ISO 8601 date-time: `YYYY-MM-DDTHH:MM:SS`, then optional
/// fractional seconds (any number of digits, kept to the nanosecond), then
/// `Z`, `±HH:MM`, `±HHMM`, `±HH` or nothing (UTC). A space may stand for
/// the `T`. `None` for anything else, or a time before 1970 or past 9999.
pub(crate) fn parse(text: &str) -> Option<SystemTime> {
    let bytes = text.as_bytes();
    let year = digits(bytes, 0, 4)?;
    let month = digits_after(bytes, 4, b'-', 2)?;
    let day = digits_after(bytes, 7, b'-', 2)?;
    if !matches!(bytes.get(10), Some(b'T' | b't' | b' ')) {
        return None;
    }
    let hour = digits(bytes, 11, 2)?;
    let minute = digits_after(bytes, 13, b':', 2)?;
    let second = digits_after(bytes, 16, b':', 2)?;
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let mut at = 19;
    let mut nanos: u64 = 0;
    if bytes.get(at) == Some(&b'.') {
        at += 1;
        let start = at;
        let mut scale = 100_000_000;
        while let Some(digit) = bytes.get(at).filter(|b| b.is_ascii_digit()) {
            nanos += u64::from(digit - b'0') * scale;
            scale /= 10;
            at += 1;
        }
        if at == start {
            return None;
        }
    }
    let offset = offset_seconds(&bytes[at..])?;
    let days = days_from_civil(year, month, day);
    // A leap second (:60) is read as the next second.
    let local = days * 86_400 + i64::from(hour * 3_600 + minute * 60 + second);
    let utc = u64::try_from(local - offset).ok()?;
    UNIX_EPOCH.checked_add(Duration::new(utc, u32::try_from(nanos).ok()?))
}

/// Writes `at` as ISO 8601 in UTC with an explicit offset, to the second:
/// `2023-11-14T22:13:20+00:00` (what the usage report's query takes).
pub(crate) fn format(at: SystemTime) -> String {
    let seconds = at.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let days = i64::try_from(seconds / 86_400).unwrap_or(i64::MAX);
    let (year, month, day) = civil_from_days(days);
    let rest = seconds % 86_400;
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}+00:00",
        rest / 3_600,
        rest % 3_600 / 60,
        rest % 60
    )
}

/// `len` ASCII digits at `at`, as a number.
fn digits(bytes: &[u8], at: usize, len: usize) -> Option<u32> {
    let field = bytes.get(at..at + len)?;
    field.iter().try_fold(0u32, |n, b| {
        b.is_ascii_digit().then(|| n * 10 + u32::from(b - b'0'))
    })
}

/// `separator` at `at`, then `len` digits.
fn digits_after(bytes: &[u8], at: usize, separator: u8, len: usize) -> Option<u32> {
    (bytes.get(at) == Some(&separator))
        .then(|| digits(bytes, at + 1, len))
        .flatten()
}

/// The offset east of UTC in seconds, from what follows the time: nothing
/// (UTC), `Z`, `±HH`, `±HHMM` or `±HH:MM`.
fn offset_seconds(rest: &[u8]) -> Option<i64> {
    let sign = match rest.first() {
        None => return Some(0),
        Some(b'Z' | b'z') if rest.len() == 1 => return Some(0),
        Some(b'+') => 1,
        Some(b'-') => -1,
        Some(_) => return None,
    };
    let hours = digits(rest, 1, 2)?;
    let minutes = match rest.len() {
        3 => 0,
        5 => digits(rest, 3, 2)?,
        6 => digits_after(rest, 3, b':', 2)?,
        _ => return None,
    };
    if hours > 23 || minutes > 59 {
        return None;
    }
    Some(sign * i64::from(hours * 3_600 + minutes * 60))
}

fn is_leap(year: u32) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
/// `days_from_civil`).
fn days_from_civil(year: u32, month: u32, day: u32) -> i64 {
    let year = i64::from(year) - i64::from(month <= 2);
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month = i64::from(month);
    let day_of_year = (153 * (month + if month > 2 { -3 } else { 9 }) + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The date of a day since 1970-01-01 (Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097;
    let year_of_era = (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use super::{format, parse};

    fn at(seconds: u64, nanos: u32) -> Option<std::time::SystemTime> {
        Some(UNIX_EPOCH + Duration::new(seconds, nanos))
    }

    #[test]
    fn every_accepted_form_reads_the_same_instant() {
        let instant = at(1_700_000_000, 0);
        for text in [
            "2023-11-14T22:13:20Z",
            "2023-11-14t22:13:20z",
            "2023-11-14T22:13:20+00:00",
            "2023-11-14T22:13:20-00:00",
            "2023-11-14T22:13:20",
            "2023-11-14 22:13:20",
            "2023-11-15T00:13:20+02:00",
            "2023-11-15T00:13:20+0200",
            "2023-11-15T00:13:20+02",
            "2023-11-14T17:13:20-05:00",
            "2023-11-14T22:13:20.000Z",
        ] {
            assert_eq!(parse(text), instant, "{text}");
        }
    }

    #[test]
    fn fractions_are_kept_to_the_nanosecond() {
        assert_eq!(parse("2023-11-14T22:13:20.5Z"), at(1_700_000_000, 500_000_000));
        assert_eq!(
            parse("2023-11-14T22:13:20.123456"),
            at(1_700_000_000, 123_456_000)
        );
        assert_eq!(
            parse("2023-11-14T22:13:20.1234567891Z"),
            at(1_700_000_000, 123_456_789),
            "digits past the nanosecond are dropped"
        );
    }

    #[test]
    fn calendar_edges() {
        assert_eq!(parse("1970-01-01T00:00:00Z"), at(0, 0));
        assert_eq!(parse("2024-02-29T00:00:00Z"), at(1_709_164_800, 0));
        assert_eq!(parse("2000-03-01T00:00:00Z"), at(951_868_800, 0));
        assert_eq!(parse("9999-12-31T23:59:59Z"), at(253_402_300_799, 0));
        assert_eq!(
            parse("2016-12-31T23:59:60Z"),
            at(1_483_228_800, 0),
            "a leap second"
        );
    }

    #[test]
    fn what_is_not_a_date_time_is_refused() {
        for text in [
            "",
            "2023-11-14",
            "2023-11-14T22:13",
            "2023-13-01T00:00:00Z",
            "2023-02-29T00:00:00Z",
            "1900-02-29T00:00:00Z",
            "2023-11-31T00:00:00Z",
            "2023-11-14T24:00:00Z",
            "2023-11-14T22:60:00Z",
            "2023-11-14T22:13:20.Z",
            "2023-11-14T22:13:20+2:00",
            "2023-11-14T22:13:20+24:00",
            "2023-11-14T22:13:20 Z",
            "2023-11-14T22:13:20Zjunk",
            "1969-12-31T23:59:59Z",
            "1970-01-01T00:00:00+00:01",
            "２023-11-14T22:13:20Z",
            "2023/11/14T22:13:20Z",
            "1700000000",
        ] {
            assert_eq!(parse(text), None, "{text:?}");
        }
    }

    #[test]
    fn formatting_round_trips_to_the_second() {
        for seconds in [0, 951_868_800, 1_700_000_000, 1_709_164_800, 253_402_300_799] {
            let instant = UNIX_EPOCH + Duration::from_secs(seconds);
            let text = format(instant);
            assert_eq!(parse(&text), Some(instant), "{text}");
        }
        assert_eq!(
            format(UNIX_EPOCH + Duration::from_secs(1_700_000_000)),
            "2023-11-14T22:13:20+00:00"
        );
    }
}
