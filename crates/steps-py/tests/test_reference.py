"""A script written against the reference's signatures runs unchanged
against a protocol v1 server that is not ours (the stdlib fake), and
against the emulators."""

import os
import subprocess
import sys

import pytest

from steps_cloud import ApiKey, CloudContext, JobToken, LoginToken, User

from conftest import ADMIN, ALICE, BOB
from fake_server import FakeCloud

SCRIPT = os.path.join(os.path.dirname(__file__), "reference_script.py")


def run_script(url):
    result = subprocess.run(
        [sys.executable, SCRIPT, url, *ADMIN, *ALICE],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "reference script: ok" in result.stdout
    return result


def test_reference_script_against_a_v1_server_not_ours(fake):
    run_script(fake.url)
    paths = {path for _, path in fake.requests}
    assert "/api/login" in paths and "/api/job_token" in paths
    pages = [path for method, path in fake.requests if (method, path) == ("GET", "/api/job_token")]
    assert len(pages) >= 3, "the fake's two-item pages were all followed"


def test_reference_script_against_the_emulators(cloud):
    run_script(cloud.url)


def test_a_login_answered_with_the_token_alone_still_learns_who_logged_in():
    # Issue 24, item 16: the spec requires only `token` in the login
    # answer; the user's id and admin flag then come from one whoami, and
    # the reference's non-admin preconditions hold before anything is sent.
    accounts = [(*ADMIN, True), (*ALICE, False), (*BOB, False)]
    with FakeCloud(accounts, token_only_login=True) as server:
        context = CloudContext(server.url)
        alice = User(*ALICE)
        LoginToken().create(context, alice)
        assert (alice.user_id, alice.is_admin) == (2, False)
        assert server.requests.count(("GET", "/api/whoami")) == 1, "asked once"
        before = list(server.requests)
        with pytest.raises(AssertionError):
            JobToken.list_all(context, alice)
        with pytest.raises(AssertionError):
            ApiKey(label="no").create(context, alice)
        assert server.requests == before, "nothing was sent"
        admin = User(*ADMIN)
        LoginToken().create(context, admin)
        assert (admin.user_id, admin.is_admin) == (1, True)
        JobToken.list_all(context, admin)


def test_a_full_login_answer_asks_no_whoami(fake):
    alice = User(*ALICE)
    LoginToken().create(CloudContext(fake.url), alice)
    assert (alice.user_id, alice.is_admin) == (2, False)
    assert ("GET", "/api/whoami") not in fake.requests
