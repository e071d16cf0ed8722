"""The Python binding (`steps_cloud`, built by `cargo xtask python`), the
same workload as steps-bench client, through the reference's API:
`JobToken(token_id=7).read(ctx, user)` and `JobToken(label=..).create(ctx, user)`.

python bench/python_binding.py get|create N CONCURRENCY URL
Prints: result req_per_s=.. elapsed_ms=.. cpu_us=.. peak_rss_kib=.. errors=..
(cpu_us: user and system CPU time of the process while the N requests ran)
"""
import resource
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import steps_cloud

TOKEN = "stl_YmVuY2htYXJrYmVuY2htYXJrYmVuY2htYXJrYmVuY2g"


def main():
    op, n, concurrency, url = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    context = steps_cloud.CloudContext(url)
    user = steps_cloud.User("bench@steps.test", "unused")
    login = steps_cloud.LoginToken()
    login.token = TOKEN
    user.login_token = login

    def one(_):
        try:
            if op == "create":
                steps_cloud.JobToken(label="bench").create(context, user)
            else:
                steps_cloud.JobToken(token_id=7).read(context, user)
            return 0
        except RuntimeError:
            return 1

    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        list(pool.map(one, range(concurrency)))  # warm up the pool
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


if __name__ == "__main__":
    main()
