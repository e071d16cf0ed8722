"""Every method of the reference API, its documented AssertionError and
RuntimeError cases, against the in-process emulator and the binary."""

import inspect
import socket

import pytest

from steps_cloud import (
    Api,
    ApiKey,
    CloudContext,
    CloudError,
    Emulator,
    JobToken,
    LoginToken,
    OutcomeUnknownError,
    TokenType,
    User,
)

from conftest import ADMIN, ALICE, offers


# -- CloudContext, User, LoginToken ----------------------------------------


def test_context_keeps_url_and_timeout(cloud):
    context = CloudContext(cloud.url)
    assert context.url == cloud.url and context.timeout == 10.0
    assert CloudContext(cloud.url, timeout=2.5).timeout == 2.5


@pytest.mark.parametrize("url", ["", "ftp://example.com", "http://user:pw@example.com", "not a url"])
def test_context_refuses_a_bad_url(url):
    with pytest.raises(ValueError):
        CloudContext(url)


@pytest.mark.parametrize("timeout", [0, -1, float("nan"), float("inf"), 1e12])
def test_context_refuses_a_bad_timeout(timeout):
    with pytest.raises(ValueError):
        CloudContext("http://127.0.0.1:8787", timeout=timeout)


def test_a_new_user_knows_nothing():
    user = User("ada@example.com", "pw")
    assert (user.email, user.user_id, user.is_admin, user.login_token) == ("ada@example.com", -1, None, None)
    assert not hasattr(user, "password")


def test_login_sets_the_token_and_the_user(cloud):
    context = cloud.context()
    alice = User(*cloud.alice)
    login = LoginToken()
    assert login.token is None and LoginToken.ENDPOINT == "/api/login"
    assert login.create(context, alice) is None
    assert isinstance(login.token, str) and login.token
    assert alice.login_token is login
    assert (alice.user_id, alice.is_admin) == (2, False)
    admin = cloud.login(context, cloud.admin)
    assert (admin.user_id, admin.is_admin) == (1, True)
    assert admin.login_token.token != login.token
    assert isinstance(login.expires_at, int)


def test_a_failed_login_is_a_runtime_error_and_changes_nothing(cloud):
    context = cloud.context()
    user = User(cloud.alice[0], "wrong password")
    login = LoginToken()
    with pytest.raises(RuntimeError) as caught:
        login.create(context, user)
    error = caught.value
    assert isinstance(error, CloudError)
    assert (error.status, error.kind, error.operation) == (401, "unauthorized", "login")
    assert error.message and error.request_id
    assert (user.login_token, user.user_id, user.is_admin, login.token) == (None, -1, None, None)


def test_login_without_a_user_is_an_assertion_error(cloud):
    with pytest.raises(AssertionError):
        LoginToken().create(cloud.context())
    with pytest.raises(AssertionError):
        LoginToken().create(cloud.context(), None)


def test_a_hand_set_login_token_is_used_as_it_is(cloud):
    context = cloud.context()
    alice = cloud.login(context, cloud.alice)
    other = User(*cloud.alice)
    other.login_token = LoginToken()
    other.login_token.token = alice.login_token.token
    job = JobToken(label="hand-set")
    job.create(context, other)
    assert job.user_id == 2
    other.login_token.token = "not-a-token"
    with pytest.raises(CloudError) as caught:
        job.read(context, other)
    assert caught.value.status == 401


def test_whoami_of_each_kind_of_token(cloud):
    context = cloud.context()
    admin = cloud.login(context, cloud.admin)
    alice = cloud.login(context, cloud.alice)
    me = alice.login_token.whoami(context)
    assert (me["user_id"], me["token_type"], me["is_admin"]) == (2, TokenType.Login, False)
    job = JobToken(label="who")
    job.create(context, alice)
    assert job.whoami(context)["token_type"] == TokenType.Job
    key = ApiKey(label="who")
    key.create(context, admin)
    it = key.whoami(context)
    assert (it["user_id"], it["token_type"]) == (1, TokenType.API_Key)
    with pytest.raises(AssertionError):
        LoginToken().whoami(context)
    with pytest.raises(AssertionError):
        JobToken().whoami(context)


# -- TokenType --------------------------------------------------------------


def test_token_types_are_numbered_as_the_reference():
    assert [int(TokenType.Login), int(TokenType.Job), int(TokenType.API_Key)] == [0, 1, 2]
    assert TokenType.Job == 1 and TokenType(2) == TokenType.API_Key
    assert (TokenType.API_Key.name, TokenType.API_Key.value) == ("API_Key", 2)
    assert len({TokenType.Login, TokenType.Job, TokenType.API_Key}) == 3
    with pytest.raises(ValueError):
        TokenType(3)


def test_token_type_is_an_int_enum():
    # Issue 24, item 17.
    import enum

    assert issubclass(TokenType, enum.IntEnum)
    assert list(TokenType) == [TokenType.Login, TokenType.Job, TokenType.API_Key]
    assert [int(t) for t in TokenType] == [0, 1, 2] and TokenType.Job == 1
    assert TokenType["API_Key"] is TokenType(2) and repr(TokenType.Job) == "<TokenType.Job: 1>"
    assert TokenType.__module__ == "steps_cloud"
    import pickle

    assert pickle.loads(pickle.dumps(TokenType.API_Key)) is TokenType.API_Key


# -- JobToken -----------------------------------------------------------------


def test_job_token_class_methods_and_constants(cloud):
    context = cloud.context()
    assert (JobToken.DURATION_KEY, JobToken.LABEL_KEY) == ("duration", "label")
    assert JobToken.get_object_name() == "job_token"
    assert JobToken.get_endpoint() == "/api/job_token"
    assert JobToken.get_token_method() == "token"
    api = JobToken.get_api(context)
    assert isinstance(api, Api)
    assert (api.endpoint, api.object_name, api.url) == ("/api/job_token", "job_token", cloud.url + "/api/job_token")
    assert api.context is context


def test_job_token_signature_is_the_reference():
    assert str(inspect.signature(JobToken)) == (
        "(label=None, duration=99999, token_id=-1, user_id=-1, token='', **kwargs)"
    )
    job = JobToken()
    assert (job.label, job.duration, job.token_id, job.user_id, job.token) == (None, 99999, -1, -1, "")
    assert (job.created_at, job.expires_at) == (None, None)


def test_job_token_lifecycle(cloud):
    context = cloud.context()
    alice = cloud.login(context, cloud.alice)
    job = JobToken(label="nightly", duration=3600)
    assert job.create(context, alice) is None
    assert job.token_id >= 1 and job.user_id == 2 and job.token
    assert job.expires_at - job.created_at == 3600
    secret = job.token

    data = job.read(context, alice)
    assert data == {
        "token_id": job.token_id,
        "user_id": 2,
        "label": "nightly",
        "duration": 3600,
        "created_at": job.created_at,
        "expires_at": job.expires_at,
    }
    assert job.token == secret, "read never clears the token"

    job.label = "changed here only"
    job.read(context, alice)
    assert job.label == "nightly", "read updates the attributes"

    assert job.delete(context, alice) is None
    with pytest.raises(CloudError) as caught:
        job.read(context, alice)
    assert (caught.value.status, caught.value.kind, caught.value.operation) == (404, "not_found", "job_token.read")
    with pytest.raises(RuntimeError):
        job.delete(context, alice)


def test_job_token_defaults(cloud):
    context = cloud.context()
    alice = cloud.login(context, cloud.alice)
    job = JobToken()
    job.create(context, alice)
    assert (job.label, job.duration) == (None, 99999)


def test_job_token_create_needs_a_login_token(cloud):
    context = cloud.context()
    with pytest.raises(AssertionError):
        JobToken(label="x").create(context, User(*cloud.alice))
    with pytest.raises(AssertionError):
        JobToken(label="x").create(context, None)


def test_job_token_read_and_delete_need_a_created_token_and_a_login_token(cloud):
    context = cloud.context()
    alice = cloud.login(context, cloud.alice)
    for call in (JobToken().read, JobToken().delete):
        with pytest.raises(AssertionError):
            call(context, alice)
    job = JobToken(label="made")
    job.create(context, alice)
    for call in (job.read, job.delete):
        with pytest.raises(AssertionError):
            call(context, User(*cloud.alice))


def test_a_job_token_of_another_user_is_not_found(cloud):
    context = cloud.context()
    alice = cloud.login(context, cloud.alice)
    bob = cloud.login(context, cloud.bob)
    job = JobToken(label="alice's")
    job.create(context, alice)
    for call in (job.read, job.delete):
        with pytest.raises(CloudError) as caught:
            call(context, bob)
        assert caught.value.status == 404
    admin = cloud.login(context, cloud.admin)
    assert job.read(context, admin)["user_id"] == 2, "an admin reads anyone's"


@pytest.mark.parametrize("duration", [0, -5, 315_360_001])
def test_a_bad_duration_is_refused_before_sending(cloud, duration):
    context = cloud.context()
    alice = cloud.login(context, cloud.alice)
    with pytest.raises(CloudError) as caught:
        JobToken(label="bad", duration=duration).create(context, alice)
    assert (caught.value.kind, caught.value.status) == ("invalid_input", None)


def test_a_bad_label_is_a_runtime_error(cloud):
    context = cloud.context()
    alice = cloud.login(context, cloud.alice)
    with pytest.raises(CloudError) as caught:
        JobToken(label="x" * 257).create(context, alice)
    assert caught.value.kind == "invalid_input"
    with pytest.raises(CloudError) as caught:
        JobToken(label="bell\x07").create(context, alice)
    assert caught.value.kind == "invalid_input" or caught.value.status == 400


def test_arguments_of_the_wrong_type_are_type_errors(cloud):
    with pytest.raises(TypeError):
        JobToken(duration="long")
    with pytest.raises(TypeError):
        JobToken(label=5)
    with pytest.raises(TypeError):
        JobToken().create("not a context", User("a", "b"))
    with pytest.raises(OverflowError):
        JobToken(token_id=2**70)


def test_list_all_follows_every_page(cloud):
    context = cloud.context()
    admin = cloud.login(context, cloud.admin)
    alice = cloud.login(context, cloud.alice)
    made = []
    for i in range(105):  # more than one page of the default 100
        job = JobToken(label=f"batch {i}", duration=600)
        job.create(context, alice)
        made.append(job)
    listed = JobToken.list_all(context, admin)
    assert all(isinstance(t, JobToken) and t.token == "" for t in listed)
    by_id = {t.token_id: t for t in listed}
    assert {j.token_id for j in made} <= set(by_id)
    assert by_id[made[7].token_id].label == "batch 7"
    assert len(by_id) == len(listed), "no token twice"
    for job in made:
        job.delete(context, alice)


def test_list_all_needs_an_admin(cloud):
    context = cloud.context()
    alice = cloud.login(context, cloud.alice)
    with pytest.raises(AssertionError):
        JobToken.list_all(context, alice)
    with pytest.raises(AssertionError):
        JobToken.list_all(context, User(*cloud.admin))  # no login token
    # Not known to be a non-admin: the server decides. A v1 server says
    # no; a v2 server with `own_tokens` answers with the user's own.
    unknown = User(*cloud.alice)
    unknown.login_token = LoginToken()
    unknown.login_token.token = alice.login_token.token
    if offers(cloud.url, "own_tokens"):
        job = JobToken(label="own")
        job.create(context, alice)
        listed = JobToken.list_all(context, unknown)
        assert job.token_id in [t.token_id for t in listed]
        assert {t.user_id for t in listed} == {job.user_id}, "only the user's own"
    else:
        with pytest.raises(CloudError) as caught:
            JobToken.list_all(context, unknown)
        assert caught.value.status == 403


def test_keyword_arguments_become_attributes(cloud):
    context = cloud.context()
    alice = cloud.login(context, cloud.alice)
    job = JobToken(label="kw")
    job.create(context, alice)
    copy = JobToken(**job.read(context, alice))
    assert (copy.token_id, copy.user_id, copy.label, copy.duration) == (job.token_id, 2, "kw", 99999)
    assert (copy.created_at, copy.expires_at, copy.token) == (job.created_at, job.expires_at, "")
    extra = JobToken(label="x", colour="blue", size=3)
    assert (extra.colour, extra.size) == ("blue", 3)
    with pytest.raises(AttributeError):
        extra.shape
    extra.shape = "round"  # any attribute, as on a plain Python object
    assert extra.shape == "round"


@pytest.mark.parametrize("protocol", [1, 2])
def test_a_create_cut_off_after_it_was_handled(protocol):
    with Emulator(admin=ADMIN, users=[ALICE], protocol=protocol) as emulator:
        assert emulator.protocol == protocol
        context = CloudContext(emulator.url)
        alice = User(*ALICE)
        LoginToken().create(context, alice)
        emulator.set_faults(
            '[{"operation": "job_token.create", "when": {"first": 1}, "fault": {"kind": "close_after_handled"}}]'
        )
        job = JobToken(label="maybe")
        if protocol == 2:
            assert offers(emulator.url, "idempotency")
            # The create carries an idempotency key and is sent again; the
            # server replays the token it made: one token, not two.
            job.create(context, alice)
            assert job.token and emulator.requests_seen("job_token.create") == 2
            assert job.read(context, alice)["token_id"] == job.token_id
        else:
            with pytest.raises(OutcomeUnknownError) as caught:
                job.create(context, alice)
            error = caught.value
            assert isinstance(error, CloudError) and isinstance(error, RuntimeError)
            assert error.kind == "outcome_unknown" and job.token_id == -1
            assert emulator.requests_seen("job_token.create") == 1, "never sent twice on v1"


def test_the_emulator_checks_its_arguments():
    with pytest.raises(ValueError):
        Emulator(protocol=3)
    with pytest.raises(ValueError):
        Emulator(admin=("", "pw"))
    with Emulator() as emulator:
        assert emulator.accounts == [("root@steps.test", True), ("alice@steps.test", False)]
        assert emulator.running and emulator.protocol == 2
        with pytest.raises(ValueError):
            emulator.set_faults("not json")
        with pytest.raises(ValueError):
            emulator.advance_clock(2**63)
        with pytest.raises(OverflowError):
            emulator.advance_clock(-1)
    assert not emulator.running
    emulator.stop()  # again: nothing
    with pytest.raises(RuntimeError):
        emulator.set_latency(None, 10)


def test_set_faults_takes_a_list_of_dicts_or_a_json_string(emulator):
    # Issue 24, item 17.
    context = CloudContext(emulator.url)
    alice = User(*ALICE)
    LoginToken().create(context, alice)
    emulator.set_faults([{"operation": "job_token.create", "fault": {"kind": "status", "status": 500}}])
    with pytest.raises(CloudError) as caught:
        JobToken(label="x").create(context, alice)
    assert caught.value.status == 500
    emulator.set_faults([])
    JobToken(label="x").create(context, alice)
    emulator.set_faults('[{"operation": "job_token.create", "fault": {"kind": "status", "status": 500}}]')
    with pytest.raises(CloudError):
        JobToken(label="x").create(context, alice)
    emulator.set_faults("[]")
    for bad in ([{"operation": "job_token.create"}], [1], {"not": "a list"}, 3):
        with pytest.raises(ValueError):
            emulator.set_faults(bad)


def test_server_errors_carry_status_and_retry_after(emulator):
    context = CloudContext(emulator.url)
    alice = User("alice@steps.test", "alice-pw")
    LoginToken().create(context, alice)
    emulator.set_faults('[{"operation": "job_token.read", "fault": {"kind": "status", "status": 429, "retry_after": 0}}]')
    job = JobToken(label="limited")
    job.create(context, alice)
    with pytest.raises(CloudError) as caught:
        job.read(context, alice)
    assert (caught.value.status, caught.value.kind, caught.value.retry_after) == (429, "rate_limited", 0.0)
    emulator.set_faults('[{"operation": "job_token.delete", "fault": {"kind": "status", "status": 500}}]')
    with pytest.raises(CloudError) as caught:
        job.delete(context, alice)
    assert (caught.value.status, caught.value.kind) == (500, "api")


def test_a_slow_server_is_a_timeout(emulator):
    context = CloudContext(emulator.url, timeout=0.3)
    alice = User("alice@steps.test", "alice-pw")
    LoginToken().create(context, alice)
    emulator.set_latency("whoami", 2000)
    with pytest.raises(CloudError) as caught:
        alice.login_token.whoami(context)
    assert caught.value.kind == "timeout"


def test_no_server_is_a_connect_error():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    context = CloudContext(f"http://127.0.0.1:{port}", timeout=2)
    with pytest.raises(CloudError) as caught:
        LoginToken().create(context, User("a@b.c", "pw"))
    assert caught.value.kind == "connect" and caught.value.status is None


def test_an_expired_login_token_is_renewed_with_the_password(emulator):
    context = CloudContext(emulator.url)
    alice = User("alice@steps.test", "alice-pw")
    LoginToken().create(context, alice)
    first = alice.login_token.token
    emulator.advance_clock(2 * 86_400)
    job = JobToken(label="after a long night")
    job.create(context, alice)
    assert job.token and alice.login_token.token != first


def test_cloud_error_has_its_attributes_even_raised_by_hand():
    error = CloudError("by hand")
    assert isinstance(error, RuntimeError)
    assert (error.status, error.message, error.request_id, error.retry_after, error.kind) == (None,) * 5
    assert issubclass(OutcomeUnknownError, CloudError)


# -- ApiKey ---------------------------------------------------------------------


def test_api_key_class_methods_and_signature(cloud):
    assert str(inspect.signature(ApiKey)) == "(label=None, duration=99999, api_key='', api_key_id=-1, **_)"
    assert (ApiKey.DURATION_KEY, ApiKey.LABEL_KEY) == ("duration", "label")
    assert (ApiKey.get_object_name(), ApiKey.get_endpoint(), ApiKey.get_token_method()) == (
        "api_key",
        "/api/api_key",
        "api_key",
    )
    assert ApiKey.get_api(cloud.context()).url == cloud.url + "/api/api_key"
    key = ApiKey()
    assert (key.label, key.duration, key.api_key, key.api_key_id, key.token) == (None, 99999, "", -1, "")


def test_api_key_lifecycle(cloud):
    context = cloud.context()
    admin = cloud.login(context, cloud.admin)
    key = ApiKey(label="gpu worker", duration=7200)
    assert key.create(context, admin) is None
    assert key.api_key_id >= 1 and key.user_id == 1 and key.api_key and key.token == key.api_key
    secret = key.token
    data = key.read(context, admin)
    assert data["api_key_id"] == key.api_key_id and data["label"] == "gpu worker" and data["duration"] == 7200
    assert key.token == secret
    assert key.api_key_id in {k.api_key_id for k in ApiKey.list_all(context, admin)}
    copy = ApiKey(**data)
    assert (copy.api_key_id, copy.user_id, copy.label) == (key.api_key_id, 1, "gpu worker")
    key.delete(context, admin)
    with pytest.raises(CloudError) as caught:
        key.read(context, admin)
    assert caught.value.status == 404


def test_api_keys_need_an_admin(cloud):
    context = cloud.context()
    alice = cloud.login(context, cloud.alice)
    admin = cloud.login(context, cloud.admin)
    with pytest.raises(AssertionError):
        ApiKey(label="no").create(context, alice)
    with pytest.raises(AssertionError):
        ApiKey(label="no").create(context)
    with pytest.raises(AssertionError):
        ApiKey(label="no").create(context, User(*cloud.admin))
    with pytest.raises(AssertionError):
        ApiKey.list_all(context, alice)
    key = ApiKey(label="yes")
    key.create(context, admin)
    for call in (key.read, key.delete):
        with pytest.raises(AssertionError):
            call(context, alice)
    for call in (ApiKey().read, ApiKey().delete):
        with pytest.raises(AssertionError):
            call(context, admin)


def test_an_emulator_resets_to_its_start():
    # Issue 24, item 17: a fresh state between tests without a restart.
    with Emulator(admin=ADMIN, users=[ALICE]) as emu:
        context = CloudContext(emu.url)
        alice = User(*ALICE)
        LoginToken().create(context, alice)
        job = JobToken(label="before the reset", duration=600)
        job.create(context, alice)
        job.read(context, alice)
        emu.reset()
        # The session logs in again (the account is still there); the job
        # token is gone with the reset.
        with pytest.raises(CloudError) as caught:
            job.read(context, alice)
        assert caught.value.status == 404
