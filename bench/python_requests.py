"""Python `requests` with a Session, the same workload as steps-bench client.

python3 bench/python_requests.py get|create N CONCURRENCY URL
Prints: result req_per_s=.. elapsed_ms=.. cpu_us=.. peak_rss_kib=.. errors=..
(cpu_us: user and system CPU time of the process while the N requests ran)
"""
import resource
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import requests

TOKEN = "stl_YmVuY2htYXJrYmVuY2htYXJrYmVuY2htYXJrYmVuY2g"
HEADERS = {"Accept": "application/json", "Authorization": "Bearer " + TOKEN}


def main():
    op, n, concurrency, url = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    local = threading.local()

    def session():
        if not hasattr(local, "s"):
            local.s = requests.Session()
            local.s.trust_env = False
        return local.s

    def one(_):
        s = session()
        if op == "create":
            r = s.post(url + "/api/job_token", json={"label": "bench", "duration": 99999}, headers=HEADERS)
        else:
            r = s.get(url + "/api/job_token/7", headers=HEADERS)
        if not r.ok:
            return 1
        r.json()
        return 0

    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        list(pool.map(one, range(concurrency)))  # warm up one session per thread
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
