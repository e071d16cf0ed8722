"""A script written against the reference's signatures runs unchanged
against a protocol v1 server that is not ours (the stdlib fake), and
against the emulators."""

import os
import subprocess
import sys

from conftest import ADMIN, ALICE

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
