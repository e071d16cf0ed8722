"""pytest fixtures for code that uses steps_cloud: a STEPS cloud in the
test's own process (the Rust emulator, ``steps_cloud.Emulator``), and a
context logged in to it.

- ``steps_emulator``: a fresh emulator for each test, stopped after it.
- ``steps_emulator_session``: one emulator for the whole session, reset
  (``Emulator.reset()``: its accounts, no token, its clock where it
  started, no faults) before each test that asks for it.
- ``steps_context``: a ``StepsContext`` on ``steps_emulator``: a
  ``CloudContext`` pointed at it, and its user, logged in.

Every emulator has the same two accounts, ``ADMIN`` (user id 1) and
``USER`` (user id 2), those ``steps emulator --dev`` starts with.

pytest loads this module through the ``pytest11`` entry point
``steps_cloud``, so installing steps-cloud is all it takes. It defines
fixtures and no hooks, so it does nothing unless a test asks for one of
them (``pytest -p no:steps_cloud`` turns it off altogether). To give
``steps_context`` the session's emulator instead, override
``steps_emulator`` in a ``conftest.py``::

    @pytest.fixture
    def steps_emulator(steps_emulator_session):
        return steps_emulator_session
"""

from __future__ import annotations

import functools
from typing import Iterator, Tuple

import pytest

from steps_cloud import CloudContext, Emulator, LoginToken, User

ADMIN: Tuple[str, str] = ("admin@steps.local", "admin-password")
"""The emulators' admin account (user id 1): (email, password)."""

USER: Tuple[str, str] = ("user@steps.local", "user-password")
"""The emulators' user account (user id 2), not an admin: (email, password)."""


def _start() -> Emulator:
    """An emulator with ``ADMIN`` and ``USER``, on a free port of 127.0.0.1."""
    return Emulator(admin=ADMIN, users=[USER])


class StepsContext:
    """What ``steps_context`` gives: what a test passes to ``JobToken``,
    ``ApiKey`` and ``LoginToken`` calls, for the emulator.

    ``emulator`` is the ``Emulator``, ``context`` a ``CloudContext``
    pointed at it, ``user`` the account ``USER``, logged in, and ``admin``
    the account ``ADMIN``, logged in when first read.
    """

    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator
        self.context = CloudContext(emulator.url)
        self.user = self.login(*USER)

    @functools.cached_property
    def admin(self) -> User:
        """``ADMIN``, logged in. Logged in when first read, so that a test
        without an admin sends no login for one."""
        return self.login(*ADMIN)

    def login(self, email: str, password: str) -> User:
        """A ``User`` logged in through ``context``. Raises
        ``steps_cloud.UnauthorizedError`` for a wrong password."""
        user = User(email, password)
        LoginToken().create(self.context, user)
        return user

    def __repr__(self) -> str:
        # A User's repr shows neither its password nor its token.
        return f"StepsContext(url={self.emulator.url!r}, user={self.user!r})"


@pytest.fixture
def steps_emulator() -> Iterator[Emulator]:
    """A STEPS cloud for this test alone: a ``steps_cloud.Emulator`` with
    the accounts ``ADMIN`` and ``USER``, stopped after the test."""
    with _start() as emulator:
        yield emulator


@pytest.fixture(scope="session")
def _steps_emulator_shared() -> Iterator[Emulator]:
    # The session's one emulator. Tests reach it only through
    # steps_emulator_session, which resets it first, so that no test sees
    # what an earlier one left.
    with _start() as emulator:
        yield emulator


@pytest.fixture
def steps_emulator_session(_steps_emulator_shared: Emulator) -> Emulator:
    """The session's one emulator, as ``steps_emulator`` but started once:
    ``reset()`` before this test (its accounts, no token, its clock where
    it started, no faults), so that nothing an earlier test did is seen.
    Login tokens from an earlier test no longer work."""
    _steps_emulator_shared.reset()
    return _steps_emulator_shared


@pytest.fixture
def steps_context(steps_emulator: Emulator) -> StepsContext:
    """A ``StepsContext`` on ``steps_emulator``: ``.context`` (a
    ``CloudContext``), ``.user`` (``USER``, logged in), ``.admin``
    (``ADMIN``, logged in when first read) and ``.emulator``."""
    return StepsContext(steps_emulator)
