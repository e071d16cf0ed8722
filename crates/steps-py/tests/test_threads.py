"""Threads: objects shared between threads, and the GIL released while a
call waits."""

import threading
import time

from steps_cloud import CloudContext, JobToken, LoginToken, User

from conftest import ALICE, start_binary, stop_binary


def test_threads_share_a_context_and_a_user(cloud):
    context = cloud.context()
    alice = cloud.login(context, cloud.alice)
    made, errors = [], []

    def work():
        try:
            for i in range(5):
                job = JobToken(label=f"thread {threading.get_ident()} {i}", duration=300)
                job.create(context, alice)
                assert job.read(context, alice)["label"] == job.label
                made.append((job.token_id, job.token))
                job.delete(context, alice)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    assert len(made) == 40
    assert len({token_id for token_id, _ in made}) == 40
    assert len({secret for _, secret in made}) == 40


def test_one_object_used_from_several_threads_at_once(emulator):
    context = CloudContext(emulator.url)
    alice = User("alice@steps.test", "alice-pw")
    LoginToken().create(context, alice)
    job = JobToken(label="shared")
    job.create(context, alice)
    emulator.set_latency("job_token.read", 200)
    errors = []

    def reader():
        try:
            for _ in range(3):
                job.read(context, alice)
        except Exception as error:  # noqa: BLE001
            errors.append(error)

    def poker():
        # Touches the object while reads of it are in flight.
        try:
            deadline = time.monotonic() + 1.0
            while time.monotonic() < deadline:
                job.duration = job.duration
                _ = (job.token, job.label, repr(job), alice.login_token, alice.user_id)
        except Exception as error:  # noqa: BLE001
            errors.append(error)

    threads = [threading.Thread(target=reader) for _ in range(4)] + [threading.Thread(target=poker)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors, errors


def test_the_gil_is_released_while_a_call_waits(emulator):
    context = CloudContext(emulator.url)
    alice = User("alice@steps.test", "alice-pw")
    LoginToken().create(context, alice)
    emulator.set_latency("job_token.create", 1000)
    ticks = []
    stop = threading.Event()

    def ticker():
        while not stop.is_set():
            ticks.append(time.monotonic())
            time.sleep(0.01)

    thread = threading.Thread(target=ticker)
    thread.start()
    try:
        time.sleep(0.05)
        started = time.monotonic()
        JobToken(label="slow").create(context, alice)
        ended = time.monotonic()
    finally:
        stop.set()
        thread.join(5)
    assert ended - started >= 0.9, "the latency fault applied"
    during = [t for t in ticks if started + 0.1 < t < ended - 0.1]
    # The ticker wakes every 10 ms: with the GIL held for the whole call it
    # could not have ticked at all in between.
    assert len(during) >= 20, f"only {len(during)} ticks during a {ended - started:.2f} s call"


def test_the_gil_is_released_with_the_binary_emulator(tmp_path):
    # The binary has no hook: its latency comes from a faults file.
    faults = tmp_path / "faults.json"
    faults.write_text('[{"operation": "whoami", "fault": {"kind": "latency", "ms": 1000}}]')
    process, url = start_binary("--faults", str(faults))
    try:
        context = CloudContext(url)
        alice = User(*ALICE)
        LoginToken().create(context, alice)
        ticks = []
        stop = threading.Event()

        def ticker():
            while not stop.is_set():
                ticks.append(time.monotonic())
                time.sleep(0.01)

        thread = threading.Thread(target=ticker)
        thread.start()
        try:
            time.sleep(0.05)
            started = time.monotonic()
            alice.login_token.whoami(context)
            ended = time.monotonic()
        finally:
            stop.set()
            thread.join(5)
    finally:
        stop_binary(process)
    assert ended - started >= 0.9
    assert len([t for t in ticks if started + 0.1 < t < ended - 0.1]) >= 20


def test_a_child_made_by_fork_makes_its_own_calls(emulator):
    """Calls run on the calling thread's own runtime and connection pool;
    a child made by fork inherits the parent thread's, whose connection
    belongs to the parent, and must make its own instead of hanging."""
    import os

    context = CloudContext(emulator.url)
    alice = User(*ALICE)
    LoginToken().create(context, alice)
    job = JobToken(label="before fork", duration=300)
    job.create(context, alice)  # the thread now has a runtime and a connection
    pid = os.fork()
    if pid == 0:
        status = 1
        try:
            again = JobToken(token_id=job.token_id)
            again.read(context, alice)
            status = 0 if again.label == "before fork" else 2
        finally:
            os._exit(status)
    _, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, status
    # And the parent's own pool still works.
    assert job.read(context, alice)["label"] == "before fork"


FORK_AND_EXIT = r"""
import os, signal, sys
signal.alarm(30)  # a hang ends this process, and the child (alarms are not inherited: its own below)
from steps_cloud import CloudContext, JobToken, LoginToken, User
url, email, password = sys.argv[1:4]
context = CloudContext(url, timeout=3)
user = User(email, password)
LoginToken().create(context, user)
job = JobToken(label="parent", duration=300)
job.create(context, user)  # this thread now has a runtime and a connection
pid = os.fork()
if pid == 0:
    signal.alarm(30)
    sys.exit(0)  # a normal exit: the thread's destructors run in the child
_, status = os.waitpid(pid, 0)
assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, status
for _ in range(3):
    assert job.read(context, user)["label"] == "parent"
print("ok")
"""


def test_a_child_that_exits_without_a_call_leaves_the_parent_s_connections(emulator):
    """A child made by fork that only exits must not shut down the runtime
    and pool it inherited: they share the parent's epoll instance, and
    shutting them down deregistered the parent's sockets from it, so the
    parent's next call waited until its deadline."""
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", FORK_AND_EXIT, emulator.url, *ALICE],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr
