//! One name for "this build has the OS credential store", `cfg(os_store)`:
//! the `keyring` feature, on a target where keyring keeps secrets beyond
//! the process (the targets `Cargo.toml` gives it a backend for; elsewhere
//! its default store is an in-memory mock). The code says `os_store` rather
//! than repeat the list.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(os_store)");
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let persists = matches!(os.as_str(), "linux" | "freebsd" | "openbsd" | "macos" | "windows");
    if persists && std::env::var_os("CARGO_FEATURE_KEYRING").is_some() {
        println!("cargo::rustc-cfg=os_store");
    }
}
