"""No repr, str or exception message shows a password or a token."""

import re

import pytest

from steps_cloud import ApiKey, CloudContext, CloudError, JobToken, LoginToken, User

from conftest import ADMIN, ALICE
from fake_server import FakeCloud

PASSWORD = "correct horse battery staple"


def shown(*objects):
    """Everything Python would print of these objects."""
    return " ".join(f"{o!r} {o!s}" for o in objects)


def assert_hidden(text, *secrets):
    for secret in secrets:
        assert secret and secret not in text, f"{secret[:4]}… shown in {text!r}"


def test_no_object_shows_a_secret(cloud):
    context = cloud.context()
    admin = cloud.login(context, cloud.admin)
    alice = cloud.login(context, cloud.alice)
    job = JobToken(label="secret holder")
    job.create(context, alice)
    key = ApiKey(label="secret holder")
    key.create(context, admin)
    secrets = [cloud.alice[1], cloud.admin[1], job.token, key.api_key, alice.login_token.token, admin.login_token.token]
    objects = [context, alice, admin, alice.login_token, job, key, JobToken.get_api(context)]
    if cloud.emulator is not None:
        objects.append(cloud.emulator)
    assert_hidden(shown(*objects), *secrets)
    assert_hidden(repr(job.read(context, alice)), *secrets)
    assert_hidden(repr(JobToken.list_all(context, admin)) + repr(ApiKey.list_all(context, admin)), *secrets)
    # At most the type prefix of the secret.
    assert re.search(r"token='(stj_)?…'", repr(job))
    assert re.search(r"api_key='(stk_)?…'", repr(key))
    assert re.search(r"token='(stl_)?…'", repr(alice.login_token))
    assert "password" not in repr(alice).lower()
    assert not any(secret in repr(vars(job)) + repr(vars(key)) for secret in secrets)


def test_repr_of_unprefixed_tokens_shows_none_of_them():
    job = JobToken(token="0123456789abcdef")
    assert "token='…'" in repr(job) and "0123" not in repr(job)
    assert "api_key=''" in repr(ApiKey())
    login = LoginToken()
    login.token = "stl_secretsecret"
    assert repr(login).startswith("LoginToken(token='stl_…'") and "secretsecret" not in repr(login)


def test_no_error_shows_the_password(cloud):
    context = cloud.context()
    with pytest.raises(CloudError) as caught:
        LoginToken().create(context, User(cloud.alice[0], PASSWORD))
    error = caught.value
    assert_hidden(shown(error) + repr(error.args) + str(error.message), PASSWORD)


def test_no_error_shows_the_token_it_was_sent_with(cloud):
    context = cloud.context()
    user = User(*cloud.alice)
    user.login_token = LoginToken()
    forged = "stl_" + "f" * 40
    user.login_token.token = forged
    with pytest.raises(CloudError) as caught:
        JobToken(label="x").create(context, user)
    assert caught.value.status == 401
    assert_hidden(shown(caught.value) + str(caught.value.message), forged)


def test_a_server_that_echoes_secrets_is_scrubbed():
    accounts = [(*ADMIN, True), (ALICE[0], PASSWORD, False)]
    with FakeCloud(accounts, echo_secrets=True) as hostile:
        context = CloudContext(hostile.url)
        with pytest.raises(CloudError) as caught:
            LoginToken().create(context, User(ALICE[0], PASSWORD + "!"))
        assert_hidden(shown(caught.value) + str(caught.value.message), PASSWORD + "!")

        alice = User(ALICE[0], PASSWORD)
        LoginToken().create(context, alice)
        token = alice.login_token.token  # unprefixed: only the binding knows it
        with pytest.raises(CloudError) as caught:
            JobToken(token_id=999).read(context, alice)
        assert caught.value.status == 404
        assert "you sent" in caught.value.message, "the hostile server did echo"
        assert_hidden(shown(caught.value) + str(caught.value.message), token)


def test_no_object_shows_a_secret_on_the_quandela_api(quandela):
    context = CloudContext(quandela.url, api="quandela")
    minted = quandela.minted_tokens()[1]["token"]
    alice = User.from_token(minted)
    job = JobToken(label="secret holder")
    job.create(context, alice)
    admin = User(*ADMIN)
    LoginToken().create(context, admin)
    secrets = [minted, job.token, admin.login_token.token, ADMIN[1]]
    objects = [context, alice, alice.login_token, admin, admin.login_token, job, quandela]
    assert_hidden(shown(*objects), *secrets)
    assert_hidden(repr(job.read(context, alice)) + repr(JobToken.list_all(context, alice)), *secrets)
    assert re.search(r"token='_T_…'", repr(job)) and re.search(r"token='_T_…'", repr(alice.login_token))
    with pytest.raises(CloudError) as caught:
        JobToken(token_id=job.token_id).revoke(context, alice)
    with pytest.raises(CloudError) as refused:
        JobToken.list_all(context, User.from_token(minted + "x"))
    assert_hidden(shown(caught.value, refused.value) + str(refused.value.message), *secrets, minted + "x")
