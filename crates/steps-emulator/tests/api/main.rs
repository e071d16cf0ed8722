//! The emulator over real TCP, driven by a raw hyper client: the
//! authorisation matrix, bad input, paging, expiry, faults and load.

mod bad_input;
mod faults;
mod lifecycle;
mod load;
mod matrix;
mod slow_clients;
mod support;
