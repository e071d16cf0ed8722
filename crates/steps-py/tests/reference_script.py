"""A script written against the Python client's reference API only (the
signatures of JobToken, LoginToken, ApiKey, User and CloudContext, and the
exceptions they document), as its users wrote them. The tests run it,
unchanged, against servers that are not ours.

usage: reference_script.py URL ADMIN_EMAIL ADMIN_PASSWORD USER_EMAIL USER_PASSWORD
"""

import sys

from steps_cloud import ApiKey, CloudContext, JobToken, LoginToken, TokenType, User


def expect(error, call, *args):
    try:
        call(*args)
    except error:
        return
    raise SystemExit(f"expected {error.__name__} from {call.__qualname__}")


def main(url, admin_email, admin_password, user_email, user_password):
    context = CloudContext(url, timeout=10.0)

    admin = User(admin_email, admin_password)
    LoginToken().create(context, admin)
    assert admin.login_token is not None and admin.login_token.token
    assert admin.is_admin is True

    user = User(email=user_email, password=user_password)
    assert user.user_id == -1 and user.is_admin is None and user.login_token is None
    expect(AssertionError, JobToken(label="early").create, context, user)
    login = LoginToken()
    assert login.token is None and LoginToken.ENDPOINT == "/api/login"
    login.create(context, user)
    assert user.login_token is login and user.user_id != -1 and user.is_admin is False

    expect(RuntimeError, LoginToken().create, context, User(user_email, user_password + "-wrong"))

    assert JobToken.DURATION_KEY == "duration" and JobToken.LABEL_KEY == "label"
    assert isinstance(JobToken.get_object_name(), str) and isinstance(JobToken.get_endpoint(), str)
    assert JobToken.get_api(context) is not None and isinstance(JobToken.get_token_method(), str)

    job = JobToken(label="nightly build", duration=3600)
    assert job.token_id == -1 and job.token == ""
    expect(AssertionError, job.read, context, user)
    expect(AssertionError, job.delete, context, user)
    job.create(context, user)
    assert job.token_id != -1 and job.user_id == user.user_id and job.token

    secret = job.token
    data = job.read(context, user)
    assert data["label"] == "nightly build" and data["duration"] == 3600
    assert job.token == secret, "read never clears the token"
    copy = JobToken(**data)
    assert copy.token_id == job.token_id and copy.label == job.label

    others = [JobToken(label=f"batch {i}", duration=60 * (i + 1)) for i in range(4)]
    for other in others:
        other.create(context, user)
    listed = JobToken.list_all(context, admin)
    assert all(isinstance(t, JobToken) for t in listed)
    listed_ids = {t.token_id for t in listed}
    assert {job.token_id, *(o.token_id for o in others)} <= listed_ids, "every page"
    expect(AssertionError, JobToken.list_all, context, user)

    key = ApiKey(label="gpu worker", duration=7200)
    assert key.api_key_id == -1 and key.api_key == ""
    expect(AssertionError, key.create, context, user)
    key.create(context, admin)
    assert key.api_key_id != -1 and key.token == key.api_key and key.token
    assert ApiKey.DURATION_KEY == "duration" and ApiKey.LABEL_KEY == "label"
    assert ApiKey(**{"label": "x", "duration": 5, "api_key_id": 3, "unknown": 1}).api_key_id == 3

    for other in others:
        other.delete(context, user)
    job.delete(context, user)
    expect(RuntimeError, job.read, context, user)
    expect(RuntimeError, job.delete, context, user)

    assert int(TokenType.Login) == 0 and int(TokenType.Job) == 1 and int(TokenType.API_Key) == 2
    print("reference script: ok")


if __name__ == "__main__":
    if len(sys.argv) != 6:
        raise SystemExit(__doc__)
    main(*sys.argv[1:])
