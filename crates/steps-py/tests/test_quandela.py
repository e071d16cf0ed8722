"""The package on the Quandela cloud's token API (``api="quandela"``),
against the emulator in quandela mode: the reference's script on both
APIs, ``User.from_token``, revoke and reopen, update, usage, what the API
lacks, and ``LoginToken.create`` against a server without a login."""

import datetime
import json
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from steps_cloud import ApiKey, CloudContext, CloudError, JobToken, LoginToken, OutcomeUnknownError, User

from conftest import ADMIN, ALICE, BOB

SCRIPT = os.path.join(os.path.dirname(__file__), "cross_api_script.py")


def run_script(api, url):
    result = subprocess.run(
        [sys.executable, SCRIPT, api, url, *ADMIN],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"cross-API script ({api}): ok" in result.stdout


def test_the_reference_script_runs_on_both_apis(emulator, quandela):
    run_script("steps", emulator.url)
    run_script("quandela", quandela.url)


def test_the_reference_script_runs_on_a_steps_server_not_ours(fake):
    run_script("steps", fake.url)


def test_the_reference_script_runs_on_the_binary_in_quandela_mode(quandela_binary):
    run_script("quandela", quandela_binary)


def context_of(emu):
    return CloudContext(emu.url, api="quandela")


def minted(emu, email):
    return next(t for t in emu.minted_tokens() if t["email"] == email)


def test_the_context_takes_an_api():
    assert CloudContext(api="quandela").url == "https://api.cloud.quandela.com"
    assert CloudContext(api="quandela").api == "quandela"
    assert CloudContext("http://127.0.0.1:8787").api == "steps"
    assert "api='quandela'" in repr(CloudContext(api="quandela", timeout=3))
    with pytest.raises(ValueError):
        CloudContext()
    with pytest.raises(ValueError):
        CloudContext("http://127.0.0.1:8787", api="perceval")


def test_the_emulator_in_quandela_mode(quandela):
    assert quandela.api == "quandela" and "api='quandela'" in repr(quandela)
    tokens = quandela.minted_tokens()
    assert [(t["email"], t["user_id"]) for t in tokens] == [(ADMIN[0], 1), (ALICE[0], 2), (BOB[0], 3)]
    assert all(t["token"] not in repr(quandela) for t in tokens)
    with pytest.raises(ValueError):
        quandela.record_usage(999, "sim:slos", 1)
    with pytest.raises(ValueError):
        quandela.record_usage(tokens[0]["token_id"], "", 1)


def test_a_user_from_a_token(quandela):
    context = context_of(quandela)
    token = minted(quandela, ALICE[0])
    alice = User.from_token(token["token"])
    assert alice.email is None and alice.user_id == -1 and alice.login_token.token == token["token"]
    assert token["token"] not in repr(alice) + repr(alice.login_token) + str(alice)
    assert "logged_in=True" in repr(alice)
    job = JobToken(label="from a token", duration=600)
    job.create(context, alice)
    assert job.token.startswith("_T_") and job.token not in repr(job)
    data = job.read(context, alice)
    assert (data["user_id"], data["label"], data["duration"]) == (token["user_id"], "from a token", 600)
    assert data["valid"] is True and data["email"] == ALICE[0]
    listed = {t.token_id: t for t in JobToken.list_all(context, alice)}
    assert set(listed) == {token["token_id"], job.token_id}, "alice's tokens only"
    assert listed[job.token_id].is_revoked is False
    # The new token works on its own.
    JobToken.list_all(context, User.from_token(job.token))
    job.delete(context, alice)
    with pytest.raises(CloudError) as caught:
        JobToken.list_all(context, User.from_token(job.token))
    assert caught.value.status == 401 and job.token not in str(caught.value)
    with pytest.raises(AssertionError):
        LoginToken().create(context, alice)
    with pytest.raises(ValueError):
        User.from_token("")


def test_delete_by_secrets(quandela):
    context = context_of(quandela)
    alice = User.from_token(minted(quandela, ALICE[0])["token"])
    jobs = [JobToken(label=f"by secret {i}", duration=600) for i in range(2)]
    for job in jobs:
        job.create(context, alice)
    JobToken.delete_by_secrets(context, alice, [job.token for job in jobs])
    listed = {t.token_id for t in JobToken.list_all(context, alice)}
    assert not listed & {job.token_id for job in jobs}
    for job in jobs:
        with pytest.raises(CloudError) as caught:
            JobToken.list_all(context, User.from_token(job.token))
        assert caught.value.status == 401 and job.token not in str(caught.value)


def test_revoke_and_reopen(quandela):
    context = context_of(quandela)
    alice = User.from_token(minted(quandela, ALICE[0])["token"])
    job = JobToken(label="revocable")
    job.create(context, alice)
    holder = User.from_token(job.token)
    job.revoke(context, alice)
    assert job.read(context, alice)["valid"] is False and job.token, "the secret is kept"
    with pytest.raises(CloudError) as caught:
        JobToken.list_all(context, holder)
    assert caught.value.status == 401
    job.reopen(context, alice)
    assert job.read(context, alice)["valid"] is True
    JobToken.list_all(context, holder)
    # Another object for the same token has no secret, and the emulator
    # never returns one when a token is read.
    other = JobToken(token_id=job.token_id)
    with pytest.raises(CloudError) as caught:
        other.revoke(context, alice)
    assert caught.value.kind == "secret_lost" and "create" in str(caught.value)
    assert job.token not in str(caught.value)
    with pytest.raises(AssertionError):
        JobToken().revoke(context, alice)
    with pytest.raises(AssertionError):
        job.reopen(context, None)
    # A token set by hand is used as it is.
    by_hand = JobToken(token=job.token)
    by_hand.revoke(context, alice)
    assert job.read(context, alice)["valid"] is False


def test_a_logged_in_user_revokes_and_updates(quandela):
    context = context_of(quandela)
    alice = User(*ALICE)
    LoginToken().create(context, alice)
    assert alice.user_id == 2 and alice.is_admin is False
    job = JobToken(label="logged in")
    job.create(context, alice)
    assert job.user_id == 2
    job.revoke(context, alice)
    job.reopen(context, alice)
    job.update(context, alice, label="renamed")
    assert job.read(context, alice)["label"] == "renamed"
    listed = JobToken.list_all(context, alice)
    assert job.token_id in {t.token_id for t in listed}, "a non-admin lists their own"


def test_update(quandela):
    context = context_of(quandela)
    alice = User.from_token(minted(quandela, ALICE[0])["token"])
    job = JobToken(label="before")
    job.create(context, alice)
    job.update(context, alice, label="after", priority=3)
    assert job.label == "after" and job.priority == 3
    data = job.read(context, alice)
    assert (data["label"], data["priority"]) == ("after", 3)
    job.update(context, alice, priority=1)
    assert job.read(context, alice)["label"] == "after"
    other = JobToken(label="taken")
    other.create(context, alice)
    with pytest.raises(CloudError) as caught:
        job.update(context, alice, label="taken")
    assert caught.value.kind == "label_taken" and caught.value.status == 400
    with pytest.raises(CloudError) as caught:
        JobToken(label="taken").create(context, alice)
    assert caught.value.kind == "label_taken"
    with pytest.raises(CloudError) as caught:
        job.update(context, alice)
    assert caught.value.kind == "invalid_input"
    with pytest.raises(CloudError) as caught:
        job.update(context, alice, priority=1000)
    assert caught.value.status == 400
    with pytest.raises(AssertionError):
        JobToken().update(context, alice, label="x")


def test_usage_with_recorded_data(quandela):
    context = context_of(quandela)
    token = minted(quandela, ALICE[0])
    alice = User.from_token(token["token"])
    job = JobToken(label="worker")
    job.create(context, alice)
    quandela.record_usage(job.token_id, "sim:slos", 3, duration_seconds=42, credits=1.5, at=1_800_000_000)
    quandela.record_usage(job.token_id, "qpu:belenos", 2, credits=4.0, free_credits=1.0, at=1_800_000_100)
    quandela.record_usage(job.token_id, "sim:slos", 1, at=1_900_000_000)
    report = JobToken.usage(context, alice)
    assert {entry["token_id"] for entry in report} == {token["token_id"], job.token_id}
    entry = next(e for e in report if e["token_id"] == job.token_id)
    assert entry["total_jobs"] == 6
    by_platform = {u["platform_name"]: u for u in entry["usage"]}
    assert by_platform["sim:slos"]["nb_jobs"] == 4 and by_platform["sim:slos"]["duration_seconds"] == 42
    assert by_platform["qpu:belenos"]["credits"] == 4.0 and by_platform["qpu:belenos"]["free_credits"] == 1.0

    window = JobToken.usage(context, alice, token_ids=[job.token_id], since=1_800_000_000, until=1_800_000_050)
    assert [(e["token_id"], e["total_jobs"]) for e in window] == [(job.token_id, 3)]
    since = datetime.datetime.fromtimestamp(1_850_000_000, tz=datetime.timezone.utc)
    later = JobToken.usage(context, alice, token_ids=[job.token_id], since=since)
    assert later[0]["total_jobs"] == 1

    with pytest.raises(TypeError):
        JobToken.usage(context, alice, since="yesterday")
    logged_in = User(*ALICE)
    LoginToken().create(context, logged_in)
    with pytest.raises(CloudError) as caught:
        JobToken.usage(context, logged_in)
    assert caught.value.kind == "invalid_input", "the cloud gives usage to a job token only"
    with pytest.raises(CloudError) as caught:
        JobToken.usage(context, User.from_token(minted(quandela, BOB[0])["token"]), token_ids=[job.token_id])
    assert caught.value.status == 403


def test_a_lost_generate_is_settled_by_its_label(quandela):
    context = context_of(quandela)
    alice = User.from_token(minted(quandela, ALICE[0])["token"])
    quandela.set_faults(
        '[{"operation": "quandela.token.generate", "when": {"first": 1}, "fault": {"kind": "close_after_handled"}}]'
    )
    job = JobToken(label="lost answer")
    with pytest.raises(CloudError) as caught:
        job.create(context, alice)
    assert caught.value.kind == "secret_lost" and caught.value.token_id is not None
    assert job.token_id == -1
    JobToken(token_id=caught.value.token_id).delete(context, alice)
    quandela.set_faults(
        '[{"operation": "quandela.token.generate", "when": {"first": 1}, "fault": {"kind": "close"}}]'
    )
    with pytest.raises(CloudError) as caught:
        JobToken(label="never made").create(context, alice)
    assert caught.value.kind == "not_applied" and caught.value.token_id is None
    JobToken(label="never made").create(context, alice)
    # Without a label nothing settles it.
    quandela.set_faults(
        '[{"operation": "quandela.token.generate", "when": {"first": 1}, "fault": {"kind": "close"}}]'
    )
    with pytest.raises(OutcomeUnknownError):
        JobToken().create(context, alice)


def test_what_each_api_lacks(quandela, emulator):
    context = context_of(quandela)
    admin = User(*ADMIN)
    LoginToken().create(context, admin)
    job = JobToken(label="x")
    job.create(context, admin)
    calls = [
        lambda: ApiKey(label="k").create(context, admin),
        lambda: ApiKey.list_all(context, admin),
        lambda: job.rotate(context, admin),
        lambda: job.whoami(context),
        lambda: job.revoke_self(context),
        lambda: admin.login_token.whoami(context),
        lambda: admin.login_token.revoke_self(context),
    ]
    steps = CloudContext(emulator.url)
    alice = User(*ALICE)
    LoginToken().create(steps, alice)
    on_steps = JobToken(label="y")
    on_steps.create(steps, alice)
    calls += [
        lambda: on_steps.revoke(steps, alice),
        lambda: on_steps.reopen(steps, alice),
        lambda: on_steps.update(steps, alice, label="z"),
        lambda: JobToken.usage(steps, alice),
    ]
    for call in calls:
        with pytest.raises(CloudError) as caught:
            call()
        assert caught.value.kind == "unsupported", caught.value
        assert "not offered by api=" in str(caught.value)
    assert on_steps.read(steps, alice)["label"] == "y", "nothing was sent"


class NoLogin(BaseHTTPRequestHandler):
    """A server without /api/login, as the production cloud's published API."""

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        body = json.dumps({"error": "Not found", "detail": {}}).encode()
        self.send_response(404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_a_login_on_a_server_without_one_says_what_to_do():
    server = ThreadingHTTPServer(("127.0.0.1", 0), NoLogin)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        password = "a password never shown"
        with pytest.raises(RuntimeError) as caught:
            LoginToken().create(CloudContext(url, api="quandela"), User(ALICE[0], password))
        error = caught.value
        assert isinstance(error, CloudError) and error.status == 404 and error.kind == "not_found"
        assert "User.from_token" in str(error) and "website" in str(error)
        assert password not in str(error) + repr(error)
        # The STEPS API keeps its own message.
        with pytest.raises(CloudError) as caught:
            LoginToken().create(CloudContext(url), User(ALICE[0], password))
        assert caught.value.status == 404 and "User.from_token" not in str(caught.value)
    finally:
        server.shutdown()
        server.server_close()
