"""Fixtures: the clouds the tests run against.

- ``cloud``: each test runs twice, against the Rust emulator in this
  process (``steps_cloud.Emulator``) and against the emulator binary
  (``STEPS_EMULATOR_BIN``, which ``cargo xtask python`` builds and sets;
  without it those runs are skipped).
- ``emulator``: the in-process emulator alone, for its test hooks
  (latency, faults, clock).
- ``fake``: ``fake_server.FakeCloud``, a stdlib server that is not ours.
- ``quandela``: the in-process emulator serving the Quandela cloud's token
  API (``Emulator(api="quandela")``), with its minted job tokens;
  ``quandela_binary``: the binary in that mode (``--api quandela``).

Every server listens on 127.0.0.1 on a port the OS picks, and is stopped
by the fixture that started it.
"""

import os
import subprocess
import sys
from dataclasses import dataclass, field
from typing import Optional

import pytest

import steps_cloud

sys.path.insert(0, os.path.dirname(__file__))

from fake_server import FakeCloud  # noqa: E402

ADMIN = ("root@steps.test", "root-pw")
ALICE = ("alice@steps.test", "alice-pw")
BOB = ("bob@steps.test", "bob-pw")


@dataclass
class Cloud:
    """A server under test and its accounts."""

    kind: str
    url: str
    admin: tuple = ADMIN
    alice: tuple = ALICE
    bob: tuple = BOB
    emulator: Optional[object] = None
    process: Optional[object] = field(default=None, repr=False)

    def context(self, timeout=10.0):
        return steps_cloud.CloudContext(self.url, timeout=timeout)

    def login(self, context, account):
        user = steps_cloud.User(*account)
        steps_cloud.LoginToken().create(context, user)
        return user


def emulator_binary():
    path = os.environ.get("STEPS_EMULATOR_BIN")
    if path and os.path.exists(path):
        return path
    return None


def start_binary(*extra):
    """Starts the emulator binary with the test accounts (and ``extra``
    arguments); returns the process and its URL."""
    binary = emulator_binary()
    if binary is None:
        pytest.skip("STEPS_EMULATOR_BIN is not set (cargo xtask python sets it)")
    args = [binary, "--listen", "127.0.0.1:0", "--admin", ":".join(ADMIN)]
    for account in (ALICE, BOB):
        args += ["--user", ":".join(account)]
    args += list(extra)
    process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = process.stdout.readline()
    url = next((word for word in line.split() if word.startswith("http://")), None)
    if url is None:
        process.kill()
        process.wait()
        raise RuntimeError(f"the emulator binary printed no URL: {line!r}")
    return process, url


def stop_binary(process):
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    if process.stdout is not None:
        process.stdout.close()


@pytest.fixture(scope="session")
def binary_cloud():
    process, url = start_binary()
    try:
        yield Cloud(kind="binary", url=url, process=process)
    finally:
        stop_binary(process)


@pytest.fixture
def emulator():
    with steps_cloud.Emulator(admin=ADMIN, users=[ALICE, BOB]) as emu:
        yield emu


@pytest.fixture(params=["inprocess", "binary"])
def cloud(request):
    if request.param == "inprocess":
        emu = request.getfixturevalue("emulator")
        return Cloud(kind="inprocess", url=emu.url, emulator=emu)
    return request.getfixturevalue("binary_cloud")


@pytest.fixture
def quandela():
    with steps_cloud.Emulator(admin=ADMIN, users=[ALICE, BOB], api="quandela") as emu:
        yield emu


@pytest.fixture
def quandela_binary():
    process, url = start_binary("--api", "quandela")
    try:
        yield url
    finally:
        stop_binary(process)


@pytest.fixture
def fake():
    accounts = [(*ADMIN, True), (*ALICE, False), (*BOB, False)]
    with FakeCloud(accounts) as server:
        yield server


def offers(url, feature):
    """Whether the server at ``url`` offers a protocol v2 feature."""
    import json
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(url + "/api/meta", timeout=5) as answer:
            return feature in json.load(answer).get("features", [])
    except (urllib.error.URLError, ValueError, OSError):
        return False
