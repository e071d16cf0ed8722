//! What every client and the load test share: the error type, how work is
//! split between tasks or threads, and the `result …` line with the
//! process's CPU time and peak RSS.

use std::time::Instant;

/// Any error, sendable.
pub(crate) type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The requests the `i`-th of `concurrency` tasks or threads makes, of `n`.
pub(crate) fn split(n: usize, concurrency: usize, i: usize) -> usize {
    n / concurrency + usize::from(i < n % concurrency)
}

/// The `result …` line `cargo xtask bench` reads: N requests since
/// `started`, and the CPU time since `cpu` (from [`cpu_us`]).
pub(crate) fn print_result(n: usize, started: Instant, cpu: u64, errors: usize) {
    let elapsed = started.elapsed();
    println!(
        "result req_per_s={:.1} elapsed_ms={} cpu_us={} peak_rss_kib={} errors={errors}",
        n as f64 / elapsed.as_secs_f64(),
        elapsed.as_millis(),
        cpu_us().saturating_sub(cpu),
        peak_rss_kib()
    );
}

/// The user and system CPU time this process has used so far, every thread
/// included, in µs: `getrusage(RUSAGE_SELF)`, which std does not offer.
#[allow(unsafe_code)]
pub(crate) fn cpu_us() -> u64 {
    // SAFETY: an all-zero `rusage` is valid (it holds only integers), and
    // getrusage writes nothing but the `rusage` it is given.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        if libc::getrusage(libc::RUSAGE_SELF, &mut usage) != 0 {
            return 0;
        }
        usage
    };
    let us = |t: libc::timeval| t.tv_sec as u64 * 1_000_000 + t.tv_usec as u64;
    us(usage.ru_utime) + us(usage.ru_stime)
}

/// The process's peak resident set size (VmHWM), in KiB.
pub(crate) fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmHWM:")).map(str::to_owned))
        .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        .unwrap_or(0)
}
