"""The harness both Python clients share (`python_requests.py`,
`python_binding.py`), so that they are measured alike.

At concurrency 1 the calls run in a plain loop on the main thread, as a
script calls an API; above it, a thread pool of CONCURRENCY threads shares
the client. Prints the line `cargo xtask bench` reads:
result req_per_s=.. elapsed_ms=.. cpu_us=.. peak_rss_kib=.. errors=..
where cpu_us is the user and system CPU time of the process (every thread)
while the N timed calls ran.
"""
import resource
import time
from concurrent.futures import ThreadPoolExecutor

# Calls before the timed ones at concurrency 1: the connection, the first
# call's imports and caches.
WARM_UP = 20


def run(one, n, concurrency):
    """Times n calls of one(i), which returns 0 or 1 (an error), and prints
    the result line."""
    if concurrency <= 1:
        for i in range(WARM_UP):
            one(i)
        cpu = cpu_seconds()
        started = time.perf_counter()
        errors = 0
        for i in range(n):
            errors += one(i)
        elapsed = time.perf_counter() - started
        cpu = cpu_seconds() - cpu
    else:
        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            list(pool.map(one, range(concurrency)))  # warm up one connection per thread
            cpu = cpu_seconds()
            started = time.perf_counter()
            errors = sum(pool.map(one, range(n)))
            elapsed = time.perf_counter() - started
            cpu = cpu_seconds() - cpu
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        f"result req_per_s={n / elapsed:.1f} elapsed_ms={int(elapsed * 1000)} cpu_us={int(cpu * 1e6)} "
        f"peak_rss_kib={rss} errors={errors}"
    )


def cpu_seconds():
    """User and system CPU time of this process so far, every thread."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime
