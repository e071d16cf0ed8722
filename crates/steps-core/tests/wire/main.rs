//! Wire tests: every operation's request and response cases, pinned in
//! insta snapshots under `snapshots/`. A changed snapshot is a protocol
//! change: read it against `docs/protocol.md` before accepting it.

mod api_key;
mod job_token;
mod login;
mod paging;
mod preconditions;
mod quandela;
mod render;
mod secrets;
mod support;
mod tidy;
mod v2;
mod whoami;
