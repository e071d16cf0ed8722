//! The emulator's saved-state reader (what `--state FILE` loads at start and
//! `PUT /_steps/state` imports) on arbitrary bytes: refused with a message
//! or accepted, never a panic; and an accepted state is a fixed point of
//! export and import (checked inside `steps_emulator::fuzzing::import_state`):
//! exported, it is accepted again and exports to the same bytes.
//!
//! Input: the file's bytes. The seeds are exports of both dialects' stores.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    steps_emulator::fuzzing::import_state(data);
});
