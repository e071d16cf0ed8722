"""A script written against the Python client's reference API (the
signatures of JobToken, LoginToken, User and CloudContext, and the
exceptions they document): create, read, list_all and delete job tokens
with a logged-in user. The only word beyond the reference is the context's
``api``: the tests run it, unchanged, against a STEPS cloud and against the
Quandela cloud's token API.

usage: cross_api_script.py API URL EMAIL PASSWORD
(the account is an admin, as the reference's list_all needs on a STEPS cloud)
"""

import sys

from steps_cloud import CloudContext, JobToken, LoginToken, User


def expect(error, call, *args):
    try:
        call(*args)
    except error:
        return
    raise SystemExit(f"expected {error.__name__} from {call.__qualname__}")


def main(api, url, email, password):
    context = CloudContext(url, timeout=10.0, api=api)

    user = User(email, password)
    assert user.user_id == -1 and user.is_admin is None and user.login_token is None
    expect(AssertionError, JobToken(label="early").create, context, user)
    login = LoginToken()
    login.create(context, user)
    assert user.login_token is login and login.token
    assert user.user_id != -1 and user.is_admin is True
    expect(RuntimeError, LoginToken().create, context, User(email, password + "-wrong"))

    job = JobToken(label="nightly build", duration=3600)
    assert job.token_id == -1 and job.token == ""
    expect(AssertionError, job.read, context, user)
    expect(AssertionError, job.delete, context, user)
    expect(AssertionError, job.create, context, None)
    job.create(context, user)
    assert job.token_id != -1 and job.user_id == user.user_id and job.token

    secret = job.token
    data = job.read(context, user)
    assert data["token_id"] == job.token_id and data["user_id"] == user.user_id
    assert data["label"] == "nightly build" and data["duration"] == 3600
    assert "token" not in data and job.token == secret, "read never clears the token"
    copy = JobToken(**data)
    assert copy.token_id == job.token_id and copy.label == job.label

    others = [JobToken(label=f"batch {i}", duration=60 * (i + 1)) for i in range(3)]
    for other in others:
        other.create(context, user)
    listed = JobToken.list_all(context, user)
    assert all(isinstance(t, JobToken) and t.token == "" for t in listed)
    by_id = {t.token_id: t for t in listed}
    assert {job.token_id, *(o.token_id for o in others)} <= set(by_id)
    assert by_id[job.token_id].label == "nightly build"

    for other in others:
        other.delete(context, user)
    job.delete(context, user)
    expect(RuntimeError, job.read, context, user)
    expect(RuntimeError, job.delete, context, user)
    assert job.token_id not in {t.token_id for t in JobToken.list_all(context, user)}
    print(f"cross-API script ({api}): ok")


if __name__ == "__main__":
    if len(sys.argv) != 5:
        raise SystemExit(__doc__)
    main(*sys.argv[1:])
