"""Python `requests` with a Session, the same workload as steps-bench client.

python3 bench/python_requests.py get|create N CONCURRENCY URL
Prints: result req_per_s=.. elapsed_ms=.. peak_rss_kib=.. errors=..
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
        started = time.perf_counter()
        errors = sum(pool.map(one, range(n)))
        elapsed = time.perf_counter() - started
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"result req_per_s={n / elapsed:.1f} elapsed_ms={int(elapsed * 1000)} peak_rss_kib={rss} errors={errors}")


if __name__ == "__main__":
    main()
