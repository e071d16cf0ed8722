"""The pytest plugin (steps_cloud.pytest_plugin, loaded through the
pytest11 entry point): its fixtures, used as the package's users use them.
The session-scoped emulator is in test_plugin_session.py."""

import subprocess
import sys

import pytest

from steps_cloud import ApiKey, JobToken, NotFoundError, UnauthorizedError, pytest_plugin
from steps_cloud.pytest_plugin import ADMIN, USER, StepsContext


def test_pytest_loads_the_plugin_through_its_entry_point(pytestconfig):
    # Nothing in this suite registers it by hand: only the installed
    # package's entry point can have.
    assert pytestconfig.pluginmanager.get_plugin("steps_cloud") is pytest_plugin


def test_importing_the_package_imports_neither_pytest_nor_the_plugin():
    code = (
        "import sys, steps_cloud\n"
        "print(sorted(m for m in sys.modules\n"
        "    if m.split('.')[0] in ('pytest', '_pytest') or m == 'steps_cloud.pytest_plugin'))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_a_job_token_made_read_and_deleted_with_the_fixtures(steps_emulator, steps_context):
    assert isinstance(steps_context, StepsContext)
    assert steps_context.emulator is steps_emulator
    assert steps_context.context.url == steps_emulator.url
    context, user = steps_context.context, steps_context.user
    assert (user.email, user.user_id, user.is_admin) == (USER[0], 2, False)
    assert user.login_token.token
    job = JobToken(label="nightly", duration=3600)
    job.create(context, user)
    assert job.token and job.user_id == 2
    assert job.read(context, user)["label"] == "nightly"
    job.delete(context, user)
    with pytest.raises(NotFoundError):
        job.read(context, user)


def test_the_admin_logs_in_when_first_read(steps_context):
    emulator, context = steps_context.emulator, steps_context.context
    assert emulator.requests_seen("login") == 1, "the user's login alone"
    admin = steps_context.admin
    assert (admin.email, admin.user_id, admin.is_admin) == (ADMIN[0], 1, True)
    assert steps_context.admin is admin
    assert emulator.requests_seen("login") == 2
    key = ApiKey(label="worker")
    key.create(context, admin)
    assert key.api_key
    key.delete(context, admin)


def test_the_context_shows_no_secret_and_refuses_a_wrong_password(steps_context):
    shown = repr(steps_context)
    assert steps_context.emulator.url in shown
    assert USER[1] not in shown and steps_context.user.login_token.token not in shown
    with pytest.raises(UnauthorizedError):
        steps_context.login(USER[0], "not the password")


EMULATORS = []


@pytest.mark.parametrize("run", [1, 2])
def test_each_test_gets_its_own_emulator_stopped_after_it(steps_context, run):
    emulator, context = steps_context.emulator, steps_context.context
    assert emulator.running
    assert all(earlier is not emulator and not earlier.running for earlier in EMULATORS)
    assert JobToken.list_all(context, steps_context.admin) == [], "no token from an earlier test"
    JobToken(label=f"run {run}").create(context, steps_context.user)
    EMULATORS.append(emulator)


def test_the_fixtures_stand_beside_the_suite_s_own(emulator, steps_emulator):
    # conftest.py's `emulator` is another fixture, with other accounts.
    assert emulator is not steps_emulator and emulator.url != steps_emulator.url
    assert steps_emulator.accounts == [(ADMIN[0], True), (USER[0], False)]
    assert emulator.accounts[0] != steps_emulator.accounts[0]
