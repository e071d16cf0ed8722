//! The Quandela dialect's ISO 8601 reader on arbitrary text: `None` or a
//! time, never a panic; a time it reads, written back
//! (`quandela::format_time`, whole seconds in UTC), reads again as the
//! same second.
#![no_main]

use std::time::UNIX_EPOCH;

use libfuzzer_sys::fuzz_target;
use steps_core::quandela::{format_time, parse_time};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Some(at) = parse_time(text) else {
        return;
    };
    let written = format_time(at);
    let again = parse_time(&written).expect("what format_time writes is read back");
    let seconds = |t: std::time::SystemTime| t.duration_since(UNIX_EPOCH).expect("after 1970").as_secs();
    assert_eq!(seconds(again), seconds(at), "{written}");
});
