"""Python `requests` with a Session, the same workload as steps-bench client.

python3 bench/python_requests.py get|create N CONCURRENCY URL
Prints the result line of `harness.py` (a plain loop at concurrency 1).
"""
import sys
import threading

import requests

from harness import run

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

    run(one, n, concurrency)


if __name__ == "__main__":
    main()
