//! The dialect's bodies as a black box sees them: times (read as
//! quandela.md A7, written as E16), the models of "Models" (every field
//! but the required ones nullable, P9-P13, P18), and the two error bodies
//! (P20, E15).

use serde_json::Value;

use crate::conformance::harness::client::Reply;

/// Seconds since the Unix epoch of a time as clients read it (A7):
/// `YYYY-MM-DD`, `T`, `t` or one space, `HH:MM:SS`, fractional seconds of
/// any length, then `Z`, `z`, `±hh:mm` or nothing (UTC); `:60` reads as
/// `:59`. `None` when it does not parse.
pub(super) fn epoch(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    let digits = |from: usize, len: usize| -> Option<i64> {
        let part = b.get(from..from + len)?;
        part.iter()
            .all(u8::is_ascii_digit)
            .then(|| part.iter().fold(0i64, |n, d| n * 10 + i64::from(d - b'0')))
    };
    let at = |i: usize, c: &[u8]| b.get(i).is_some_and(|x| c.contains(x));
    if !(at(4, b"-") && at(7, b"-") && at(10, b"Tt ") && at(13, b":") && at(16, b":")) {
        return None;
    }
    let (year, month, day) = (digits(0, 4)?, digits(5, 2)?, digits(8, 2)?);
    let (hour, minute, second) = (digits(11, 2)?, digits(14, 2)?, digits(17, 2)?.min(59));
    let mut i = 19;
    if at(i, b".") {
        i += 1;
        let start = i;
        while at(i, b"0123456789") {
            i += 1;
        }
        if i == start {
            return None;
        }
    }
    let offset = match b.get(i) {
        None => 0,
        Some(b'Z' | b'z') if i + 1 == b.len() => 0,
        Some(sign @ (b'+' | b'-')) if b.len() == i + 6 && at(i + 3, b":") => {
            let minutes = digits(i + 1, 2)? * 60 + digits(i + 4, 2)?;
            if *sign == b'+' {
                minutes * 60
            } else {
                -minutes * 60
            }
        }
        _ => return None,
    };
    let valid = (1..=12).contains(&month) && (1..=31).contains(&day) && hour < 24 && minute < 60;
    valid.then(|| days_from_civil(year, month, day) * 86_400 + hour * 3_600 + minute * 60 + second - offset)
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `seconds` since the epoch as the client sends times (A8),
/// `YYYY-MM-DDTHH:MM:SS+00:00`, with the `+` percent-encoded for a query.
pub(super) fn query_time(seconds: i64) -> String {
    let days = seconds.div_euclid(86_400);
    let rest = seconds.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}%2B00:00",
        rest / 3_600,
        rest % 3_600 / 60,
        rest % 60
    )
}

/// A time clients can read (A7).
pub(super) fn is_time(value: &Value) -> bool {
    value.as_str().and_then(epoch).is_some()
}

/// A time as the emulator writes it (E16): `YYYY-MM-DDTHH:MM:SS+00:00`.
pub(super) fn is_e16_time(value: &Value) -> bool {
    value
        .as_str()
        .is_some_and(|t| t.len() == 25 && t.ends_with("+00:00") && t.as_bytes()[10] == b'T' && is_time(value))
}

/// `null` (or absent), or what `kind` accepts.
fn nullable(value: &Value, kind: fn(&Value) -> bool) -> bool {
    value.is_null() || kind(value)
}

fn integer(value: &Value) -> bool {
    value.is_i64() || value.is_u64()
}

fn string(value: &Value) -> bool {
    value.is_string()
}

fn boolean(value: &Value) -> bool {
    value.is_boolean()
}

fn number(value: &Value) -> bool {
    value.is_number()
}

/// Some fields, and what each accepts.
type Kinds<'a> = &'a [(&'a [&'a str], fn(&Value) -> bool)];

/// Whether every named field of `object` is what its kind accepts, or null.
fn fields(object: &Value, kinds: Kinds<'_>) -> bool {
    object.is_object()
        && kinds
            .iter()
            .all(|(names, kind)| names.iter().all(|name| nullable(&object[*name], *kind)))
}

/// A generate's 200 (P9, "Generated"): `token` and `token_id` required,
/// `duration` an integer or null.
pub(super) fn is_generated(reply: &Reply) -> bool {
    reply.status == 200
        && reply.json["token"].as_str().is_some_and(|t| !t.is_empty())
        && integer(&reply.json["token_id"])
        && nullable(&reply.json["duration"], integer)
}

/// A list item (P11, "ListedToken"): `id` required.
pub(super) fn is_listed(item: &Value) -> bool {
    integer(&item["id"])
        && fields(
            item,
            &[
                (&["user_id", "priority", "count"], integer),
                (&["key", "label"], string),
                (&["is_revoked"], boolean),
                (&["created_date", "expiration_date", "last_used_time"], is_time),
            ],
        )
}

/// A read's 200 body (P13, "Token"): `id` required.
pub(super) fn is_token(token: &Value) -> bool {
    integer(&token["id"])
        && fields(
            token,
            &[
                (
                    &[
                        "company_id",
                        "count",
                        "last_used_duration",
                        "priority",
                        "user_id",
                        "user_priority",
                    ],
                    integer,
                ),
                (&["company_name", "email", "label", "token"], string),
                (&["is_apikey", "is_explorer_token", "valid"], boolean),
                (&["created_date", "expiration_date", "last_used_time"], is_time),
            ],
        )
}

/// A usage item (P18, "Usage" with its "UsageByPlatform" items).
pub(super) fn is_usage(item: &Value) -> bool {
    let by_platform = |unit: &Value| {
        fields(
            unit,
            &[
                (&["platform_name"], string),
                (&["nb_jobs", "duration_seconds"], integer),
                (&["credits", "free_credits"], number),
            ],
        )
    };
    fields(item, &[(&["token_id", "total_jobs"], integer)])
        && (item["usage"].is_null()
            || item["usage"]
                .as_array()
                .is_some_and(|u| u.iter().all(by_platform)))
}

/// A 200 whose body is a bare array of items `item` accepts.
pub(super) fn is_array_of(reply: &Reply, item: fn(&Value) -> bool) -> bool {
    reply.status == 200 && reply.json.as_array().is_some_and(|items| items.iter().all(item))
}

/// A 200 `DefaultResponse` (P19, "Message"): an object whose `message`
/// is a string or null.
pub(super) fn is_done(reply: &Reply) -> bool {
    reply.status == 200 && reply.json.is_object() && nullable(&reply.json["message"], string)
}

/// An `HTTPError` (P20): `status`, `{"error": string, "detail": object}`.
pub(super) fn is_error(reply: &Reply, status: u16) -> bool {
    reply.status.as_u16() == status
        && reply.json["error"].as_str().is_some_and(|e| !e.is_empty())
        && reply.json["detail"].is_object()
}

/// [`is_error`] whose `error` starts with `text`.
pub(super) fn is_error_saying(reply: &Reply, status: u16, text: &str) -> bool {
    is_error(reply, status) && reply.json["error"].as_str().is_some_and(|e| e.starts_with(text))
}

/// A `ValidationError` (P20, E15): 422, `{"message": string, "detail":
/// {location: {field: [string]}}}`, with `location` among its locations.
pub(super) fn is_invalid(reply: &Reply, location: &str) -> bool {
    let messages = |field: &Value| field.as_array().is_some_and(|m| m.iter().all(Value::is_string));
    let located = |fields: &Value| fields.as_object().is_some_and(|f| f.values().all(messages));
    reply.status == 422
        && reply.json["message"].is_string()
        && reply.json["detail"]
            .as_object()
            .is_some_and(|d| d.values().all(located) && d.contains_key(location))
}

/// The ids of a list's items.
pub(super) fn ids(reply: &Reply) -> Vec<i64> {
    reply
        .json
        .as_array()
        .map(|items| items.iter().filter_map(|t| t["id"].as_i64()).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::{epoch, query_time};

    #[test]
    fn times_read_as_a7_says() {
        assert_eq!(epoch("1970-01-01T00:00:00+00:00"), Some(0));
        assert_eq!(epoch("1970-01-01 00:00:01"), Some(1));
        assert_eq!(epoch("1970-01-01t01:00:00.123456+01:00"), Some(0));
        assert_eq!(epoch("1969-12-31T23:59:60Z"), Some(-1));
        assert_eq!(epoch("2026-12-06T10:00:00-00:30"), epoch("2026-12-06T10:30:00Z"));
        for bad in [
            "",
            "2026-12-06",
            "2026-13-01T00:00:00Z",
            "2026-12-06T10:00:00+0000",
            "x",
        ] {
            assert_eq!(epoch(bad), None, "{bad}");
        }
    }

    #[test]
    fn query_times_round_trip() {
        for seconds in [0, 1_795_896_303, -86_401, 951_782_400] {
            let text = query_time(seconds).replace("%2B", "+");
            assert_eq!(epoch(&text), Some(seconds), "{text}");
        }
        assert_eq!(query_time(0), "1970-01-01T00:00:00%2B00:00");
    }
}
