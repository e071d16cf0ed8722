"""Beyond the reference: the protocol v2 methods (rotate, revoke_self, and
whoami's token fields), against a server that offers them (the fake, in
its v2 mode) and against ones that do not (the fake in v1 mode, and the
emulators where they do not offer them)."""

import pytest

from steps_cloud import ApiKey, CloudContext, CloudError, JobToken, LoginToken, TokenType, User

from conftest import ADMIN, ALICE, BOB, offers
from fake_server import FakeCloud

ACCOUNTS = [(*ADMIN, True), (*ALICE, False), (*BOB, False)]


@pytest.fixture
def v2():
    with FakeCloud(ACCOUNTS, protocol=2, features=["self", "rotation"]) as server:
        yield server


def login(context, account):
    user = User(*account)
    LoginToken().create(context, user)
    return user


def test_rotate_a_job_token(v2):
    context = CloudContext(v2.url)
    alice = login(context, ALICE)
    job = JobToken(label="rotating", duration=600)
    job.create(context, alice)
    old = job.token
    assert job.rotate(context, alice) is None
    assert job.token and job.token != old and job.rotated_at is not None
    assert job.whoami(context)["token_id"] == job.token_id
    stale = JobToken(label="stale", token=old)
    with pytest.raises(CloudError) as caught:
        stale.whoami(context)
    assert caught.value.status == 401, "no grace: the old secret is refused at once"


def test_rotate_with_grace_and_an_api_key(v2):
    context = CloudContext(v2.url)
    admin = login(context, ADMIN)
    key = ApiKey(label="worker")
    key.create(context, admin)
    old = key.api_key
    key.rotate(context, admin, grace=60)
    assert key.token != old
    assert ApiKey(api_key=old).whoami(context)["token_type"] == TokenType.API_Key, "within its grace"
    with pytest.raises(CloudError) as caught:
        key.rotate(context, admin, grace=86_401)
    assert caught.value.kind == "invalid_input"


def test_rotate_needs_a_created_token_and_a_login_token(v2):
    context = CloudContext(v2.url)
    alice = login(context, ALICE)
    with pytest.raises(AssertionError):
        JobToken().rotate(context, alice)
    job = JobToken(label="r")
    job.create(context, alice)
    with pytest.raises(AssertionError):
        job.rotate(context, User(*ALICE))
    with pytest.raises(AssertionError):
        ApiKey(api_key_id=1).rotate(context, alice)


def test_revoke_self(v2):
    context = CloudContext(v2.url)
    alice = login(context, ALICE)
    job = JobToken(label="leaked")
    job.create(context, alice)
    leaked = job.token
    assert job.revoke_self(context) is None
    assert job.token == ""
    with pytest.raises(CloudError) as caught:
        JobToken(token=leaked).whoami(context)
    assert caught.value.status == 401
    with pytest.raises(AssertionError):
        job.revoke_self(context)

    login_token = alice.login_token
    login_token.revoke_self(context)
    assert login_token.token is None
    with pytest.raises(AssertionError):
        JobToken(label="after logout").create(context, alice)


def test_v1_servers_do_not_offer_them(fake):
    context = CloudContext(fake.url)
    alice = login(context, ALICE)
    job = JobToken(label="v1")
    job.create(context, alice)
    secret = job.token
    for call in (lambda: job.rotate(context, alice), lambda: job.revoke_self(context),
                 lambda: alice.login_token.revoke_self(context)):
        with pytest.raises(CloudError) as caught:
            call()
        assert caught.value.kind == "unsupported" and caught.value.status is None
    assert job.token == secret, "nothing changed"
    assert ("DELETE", "/api/token/self") not in fake.requests, "nothing was sent"


def test_the_emulators(cloud):
    context = cloud.context()
    alice = cloud.login(context, cloud.alice)
    job = JobToken(label="v2?")
    job.create(context, alice)
    old = job.token
    if offers(cloud.url, "rotation"):
        job.rotate(context, alice)
        assert job.token != old
    else:
        with pytest.raises(CloudError) as caught:
            job.rotate(context, alice)
        assert caught.value.kind == "unsupported"
    if offers(cloud.url, "self"):
        job.revoke_self(context)
        assert job.token == ""
    else:
        with pytest.raises(CloudError) as caught:
            job.revoke_self(context)
        assert caught.value.kind == "unsupported"
