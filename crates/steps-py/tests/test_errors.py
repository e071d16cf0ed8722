"""CloudError's subclasses: a failure raises the most specific class, which
is still a CloudError and a RuntimeError (what the reference promises),
with every attribute CloudError has."""

import pytest

import steps_cloud
from steps_cloud import (
    ApiKey,
    CloudContext,
    CloudError,
    ForbiddenError,
    JobToken,
    LoginToken,
    NotFoundError,
    OutcomeUnknownError,
    RateLimitedError,
    UnauthorizedError,
    UnavailableError,
    User,
)

from conftest import ALICE

SUBCLASSES = [
    NotFoundError,
    UnauthorizedError,
    ForbiddenError,
    RateLimitedError,
    UnavailableError,
    OutcomeUnknownError,
]


def raised(call, *args):
    """The CloudError `call(*args)` raises."""
    with pytest.raises(CloudError) as caught:
        call(*args)
    error = caught.value
    assert isinstance(error, RuntimeError)
    return error


def test_each_subclass_is_a_cloud_error_of_the_package():
    for cls in SUBCLASSES:
        assert cls.__bases__ == (CloudError,) and issubclass(cls, RuntimeError)
        assert cls.__module__ == "steps_cloud" and getattr(steps_cloud, cls.__name__) is cls
        assert cls.__doc__
        by_hand = cls("by hand")
        assert (by_hand.status, by_hand.kind, by_hand.operation, by_hand.token_id) == (None,) * 4
    for cls in SUBCLASSES:
        assert not [other for other in SUBCLASSES if other is not cls and issubclass(cls, other)]


def test_a_404_is_a_not_found_error(cloud):
    context = cloud.context()
    alice = cloud.login(context, cloud.alice)
    job = JobToken(label="gone")
    job.create(context, alice)
    job.delete(context, alice)
    error = raised(job.read, context, alice)
    assert type(error) is NotFoundError
    assert (error.status, error.kind, error.operation) == (404, "not_found", "job_token.read")
    assert error.message


def test_a_401_is_an_unauthorized_error(cloud):
    context = cloud.context()
    error = raised(LoginToken().create, context, User(cloud.alice[0], "wrong password"))
    assert type(error) is UnauthorizedError
    assert (error.status, error.kind, error.operation) == (401, "unauthorized", "login")
    assert error.message and error.request_id
    assert "wrong password" not in str(error)
    # A token set by hand is used as it is, never renewed: the server
    # refuses it.
    alice = cloud.login(context, cloud.alice)
    job = JobToken(label="mine")
    job.create(context, alice)
    other = User(*cloud.alice)
    other.login_token = LoginToken()
    other.login_token.token = "not-a-token"
    error = raised(job.read, context, other)
    assert type(error) is UnauthorizedError and error.status == 401


def test_a_403_is_a_forbidden_error(cloud):
    context = cloud.context()
    alice = cloud.login(context, cloud.alice)
    # Not known to be a non-admin (no login through this object): the call
    # is sent, and the server refuses it.
    unknown = User(*cloud.alice)
    unknown.login_token = LoginToken()
    unknown.login_token.token = alice.login_token.token
    error = raised(ApiKey(label="not hers to make").create, context, unknown)
    assert type(error) is ForbiddenError
    assert (error.status, error.kind, error.operation) == (403, "forbidden", "api_key.create")


@pytest.mark.parametrize(
    "fault, cls, status, kind",
    [
        ({"kind": "status", "status": 429, "retry_after": 0}, RateLimitedError, 429, "rate_limited"),
        ({"kind": "status", "status": 503, "retry_after": 0}, UnavailableError, 503, "api"),
        ({"kind": "html", "status": 502}, UnavailableError, 502, "protocol"),
        ({"kind": "status", "status": 500}, CloudError, 500, "api"),
    ],
)
def test_a_server_s_answer_raises_its_class(emulator, fault, cls, status, kind):
    context = CloudContext(emulator.url)
    alice = User(*ALICE)
    LoginToken().create(context, alice)
    job = JobToken(label="faulted")
    job.create(context, alice)
    emulator.set_faults([{"operation": "job_token.read", "fault": fault}])
    error = raised(job.read, context, alice)
    assert type(error) is cls
    assert (error.status, error.kind, error.operation) == (status, kind, "job_token.read")
    if status in (429, 503):
        assert error.retry_after == 0.0


def test_what_the_server_never_said_stays_a_cloud_error(emulator):
    context = CloudContext(emulator.url)
    alice = User(*ALICE)
    LoginToken().create(context, alice)
    error = raised(JobToken(label="bad", duration=0).create, context, alice)
    assert type(error) is CloudError and error.kind == "invalid_input"
