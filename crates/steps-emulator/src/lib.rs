//! steps-emulator: a local STEPS cloud (being built: see the open issues).
