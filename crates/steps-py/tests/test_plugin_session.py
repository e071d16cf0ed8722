"""The plugin's session-scoped emulator (steps_emulator_session): one for
the whole session, reset before each test, and given to steps_context by
overriding steps_emulator, as docs/python.md shows."""

import pytest

from steps_cloud import JobToken, UnauthorizedError


@pytest.fixture
def steps_emulator(steps_emulator_session):
    return steps_emulator_session


# Each earlier run's emulator and the job token it made.
EARLIER = []


@pytest.mark.parametrize("run", [1, 2, 3])
def test_nothing_leaks_from_an_earlier_test(steps_context, steps_emulator_session, run):
    emulator, context = steps_context.emulator, steps_context.context
    assert emulator is steps_emulator_session, "steps_context on the session's emulator"
    assert all(earlier is emulator for earlier, _ in EARLIER), "one emulator for the session"
    # No fault left: an earlier run made listing fail.
    assert JobToken.list_all(context, steps_context.admin) == [], "no token an earlier run made"
    for _, job in EARLIER:
        with pytest.raises(UnauthorizedError):
            job.whoami(context)
    job = JobToken(label=f"run {run}", duration=3600)
    job.create(context, steps_context.user)
    for _, earlier in EARLIER:
        # An earlier run moved the clock two hours on: it is back.
        assert job.created_at < earlier.created_at + 7200
    # What this run leaves behind for the next: a token, the clock moved
    # on, and a fault.
    emulator.advance_clock(7200)
    emulator.set_faults([{"operation": "job_token.list", "fault": {"kind": "status", "status": 500}}])
    EARLIER.append((emulator, job))
