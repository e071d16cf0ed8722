"""The Python binding (`steps_cloud`, the release build `cargo xtask bench`
installs in its own virtual environment), the
same workload as steps-bench client, through the reference's API:
`JobToken(token_id=7).read(ctx, user)` and `JobToken(label=..).create(ctx, user)`.

python bench/python_binding.py get|create N CONCURRENCY URL
Prints the result line of `harness.py` (a plain loop at concurrency 1).
"""
import sys

import steps_cloud

from harness import run

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

    run(one, n, concurrency)


if __name__ == "__main__":
    main()
