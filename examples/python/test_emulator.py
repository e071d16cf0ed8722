"""Testing against steps-emulator from Python, with the standard library only.

`Emulator` starts the `steps-emulator` binary with its control plane on
(`--control`), reads its URL from the first line it prints, and drives it
over HTTP: the protocol under `/api/`, the control plane under `/_steps/`
(docs/emulator.md). The tests reset it between them, so that one emulator
serves the whole class.

The binary is `$STEPS_EMULATOR` when set, else `$STEPS_EMULATOR_BIN`, else
`$CARGO_TARGET_DIR/debug/steps-emulator`, else
`target/debug/steps-emulator` under the repository's root. Build it first:

    cargo build -p steps-emulator
    python3 -m unittest discover -s examples/python -v
    python3 examples/python/test_emulator.py     # the same tests
"""

import json
import os
import shutil
import stat
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.request

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# The test accounts. The passwords are secrets as far as the emulator is
# concerned: the journal must never show them.
ADMIN = ("admin@example.test", "admin-pw-5e1f0c")
USER = ("user@example.test", "user-pw-9b27d4")

# No proxy from the environment for a server on loopback.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def emulator_binary():
    """The path of the steps-emulator binary to run."""
    for variable in ("STEPS_EMULATOR", "STEPS_EMULATOR_BIN"):
        path = os.environ.get(variable)
        if path:
            return os.path.abspath(path)
    target = os.environ.get("CARGO_TARGET_DIR")
    # Cargo reads a relative CARGO_TARGET_DIR from the current directory.
    target = os.path.abspath(target) if target else os.path.join(REPO_ROOT, "target")
    name = "steps-emulator.exe" if os.name == "nt" else "steps-emulator"
    return os.path.join(target, "debug", name)


class Answer:
    """An HTTP answer: status, headers and body, whatever the status."""

    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    def json(self):
        return json.loads(self.body.decode("utf-8"))

    def __repr__(self):
        return "Answer({}, {!r})".format(self.status, self.body[:200])


class Emulator:
    """A steps-emulator process on 127.0.0.1 with its control plane on."""

    def __init__(self, admin=ADMIN, user=USER, extra_args=(), binary=None):
        self.binary = binary or emulator_binary()
        self.args = [
            self.binary,
            "--listen", "127.0.0.1:0",
            "--control",
            "--admin", "{}:{}".format(*admin),
            "--user", "{}:{}".format(*user),
        ] + list(extra_args)
        self.process = None
        self.url = None
        self._log = None

    # Process

    def start(self, timeout=30.0):
        if not os.path.exists(self.binary):
            raise RuntimeError(
                "no emulator binary at {}: run `cargo build -p steps-emulator`, "
                "or set STEPS_EMULATOR to its path".format(self.binary)
            )
        # Its log goes to a file: a pipe nobody reads would fill and block it.
        self._log = tempfile.TemporaryFile()
        self.process = subprocess.Popen(
            self.args, stdout=subprocess.PIPE, stderr=self._log, stdin=subprocess.DEVNULL
        )
        try:
            line = self._first_line(timeout)
            prefix = "steps-emulator listening on "
            if not line.startswith(prefix):
                raise RuntimeError("the emulator printed {!r} ({})".format(line, self._log_tail()))
            self.url = line[len(prefix):].strip()
            self._wait_until_ready(timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def _first_line(self, timeout):
        """The first line on its stdout, waiting at most `timeout` seconds."""
        lines = []
        reader = threading.Thread(target=lambda: lines.append(self.process.stdout.readline()))
        reader.daemon = True
        reader.start()
        reader.join(timeout)
        if not lines or not lines[0]:
            raise RuntimeError("the emulator printed no URL ({})".format(self._log_tail()))
        return lines[0].decode("utf-8")

    def _wait_until_ready(self, timeout):
        deadline = time.monotonic() + timeout
        while True:
            try:
                if self.request("GET", "/_steps/clock", timeout=2).status == 200:
                    return
            except OSError:
                pass
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise RuntimeError("the emulator at {} did not answer ({})".format(self.url, self._log_tail()))
            time.sleep(0.05)

    def _log_tail(self):
        if self._log is None:
            return "no log"
        self._log.seek(0)
        return self._log.read().decode("utf-8", "replace")[-2000:] or "its log is empty"

    def stop(self):
        """Stops it with SIGTERM (it then saves its --state file, if any)."""
        if self.process is not None:
            if self.process.poll() is None:
                self.process.terminate()
                try:
                    self.process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait()
            self.process.stdout.close()
            self.process = None
        if self._log is not None:
            self._log.close()
            self._log = None

    # HTTP

    def request(self, method, path, body=None, token=None, content_type="application/json", timeout=10):
        """Sends a request; any status comes back as an `Answer`."""
        data = None
        headers = {}
        if body is not None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode("utf-8")
        if body is not None or method in ("POST", "PUT"):
            # The control plane asks it of every POST and PUT, body or not.
            headers["Content-Type"] = content_type
        if token is not None:
            headers["Authorization"] = "Bearer " + token
        req = urllib.request.Request(self.url + path, data=data, headers=headers, method=method)
        try:
            with _OPENER.open(req, timeout=timeout) as answer:
                return Answer(answer.status, answer.headers, answer.read())
        except urllib.error.HTTPError as error:
            with error:
                return Answer(error.code, error.headers, error.read())

    def control(self, method, path, body=None):
        """A control-plane call that must succeed; its JSON answer."""
        answer = self.request(method, "/_steps/" + path, body)
        if answer.status not in (200, 201):
            raise AssertionError("{} /_steps/{}: {!r}".format(method, path, answer))
        return answer.json()

    # The control plane

    def reset(self):
        return self.control("POST", "reset")

    def clock(self):
        return self.control("GET", "clock")

    def advance_clock(self, seconds):
        return self.control("POST", "clock", {"advance": seconds})

    def set_faults(self, rules):
        return self.control("PUT", "faults", rules)

    def journal(self, limit=1000):
        return self.control("GET", "requests?limit={}".format(limit))["requests"]

    def export_state(self):
        return self.control("GET", "state")

    def import_state(self, document):
        return self.control("PUT", "state", document)

    def add_account(self, email, password, is_admin=False):
        return self.control("POST", "accounts", {"email": email, "password": password, "is_admin": is_admin})

    # The protocol

    def login(self, account):
        answer = self.request("POST", "/api/login", {"email": account[0], "password": account[1]})
        if answer.status != 200:
            raise AssertionError("login as {}: {!r}".format(account[0], answer))
        return answer.json()["token"]

    def create_job_token(self, login_token, duration=None):
        body = {} if duration is None else {"duration": duration}
        answer = self.request("POST", "/api/job_token", body, token=login_token)
        if answer.status != 201:
            raise AssertionError("job token create: {!r}".format(answer))
        return answer.json()

    def whoami(self, token):
        return self.request("GET", "/api/whoami", token=token).status


class EmulatorTest(unittest.TestCase):
    """One emulator for the class, reset before each test."""

    emulator = None

    @classmethod
    def setUpClass(cls):
        cls.emulator = Emulator().start()

    @classmethod
    def tearDownClass(cls):
        if cls.emulator is not None:
            cls.emulator.stop()

    def setUp(self):
        # The accounts it started with, no tokens, the clock where it
        # started, no faults, an empty journal.
        self.emulator.reset()

    def test_advancing_the_clock_expires_a_job_token(self):
        emu = self.emulator
        login = emu.login(USER)
        job = emu.create_job_token(login, duration=60)["token"]
        self.assertEqual(emu.whoami(job), 200)

        before = emu.clock()["now"]
        after = emu.advance_clock(61)
        self.assertGreaterEqual(after["now"], before + 61)
        self.assertEqual(emu.whoami(job), 401, "expired by the emulator's clock, without sleeping")
        self.assertEqual(emu.whoami(login), 200, "a login token lives a day")

    def test_an_injected_503_and_its_removal(self):
        emu = self.emulator
        login = emu.login(USER)
        rules = [{"operation": "whoami", "fault": {"kind": "status", "status": 503}}]
        in_force = emu.set_faults(rules)
        self.assertEqual(in_force[0]["operation"], "whoami")

        answer = emu.request("GET", "/api/whoami", token=login)
        self.assertEqual(answer.status, 503)
        self.assertEqual(answer.headers["Retry-After"], "1", "503 sends Retry-After 1 unless told otherwise")
        self.assertEqual(emu.request("GET", "/api/meta").status, 200, "the rule is for whoami only")

        self.assertEqual(emu.set_faults([]), [])
        self.assertEqual(emu.whoami(login), 200)

    def test_the_journal_lists_requests_and_holds_no_secret(self):
        emu = self.emulator
        login = emu.login(USER)
        bad_login = emu.request("POST", "/api/login", {"email": USER[0], "password": "wrong-" + USER[1]})
        self.assertEqual(bad_login.status, 401)
        created = emu.create_job_token(login, duration=600)
        job = created["token"]
        self.assertEqual(emu.whoami(job), 200)
        # A secret put in a path by mistake is not kept.
        self.assertEqual(emu.request("GET", "/api/job_token/" + job, token=login).status, 400)

        entries = emu.journal()
        seen = [(e["method"], e["path"], e["status"], e["operation"]) for e in entries]
        self.assertEqual(
            seen,
            [
                ("POST", "/api/login", 200, "login"),
                ("POST", "/api/login", 401, "login"),
                ("POST", "/api/job_token", 201, "job_token.create"),
                ("GET", "/api/whoami", 200, "whoami"),
                ("GET", "/api/job_token/<redacted>", 400, "job_token.read"),
            ],
            "control-plane calls are not journaled",
        )
        whoami = entries[3]
        self.assertEqual((whoami["user_id"], whoami["token_type"]), (2, 1), "user 2, with a job token")
        self.assertTrue(all(e["request_id"].startswith("req-") and not e["fault"] for e in entries))

        text = json.dumps(entries)
        for secret in (USER[1], "wrong-" + USER[1], login, job):
            self.assertNotIn(secret, text)

        self.assertEqual(len(emu.journal(limit=2)), 2, "the last two")
        self.assertEqual(emu.control("DELETE", "requests"), {"requests": []})
        self.assertEqual(emu.journal(), [])

    def test_a_state_exported_and_imported_brings_tokens_back(self):
        emu = self.emulator
        login = emu.login(USER)
        job = emu.create_job_token(login, duration=3600)
        saved = emu.export_state()
        self.assertEqual(saved["steps_emulator_state"], 1)
        self.assertEqual([a["email"] for a in saved["accounts"]], [ADMIN[0], USER[0]])

        emu.reset()
        self.assertEqual(emu.whoami(job["token"]), 401, "a reset forgets every token")

        imported = emu.import_state(saved)
        self.assertTrue(imported["imported"])
        self.assertEqual(emu.whoami(job["token"]), 200)
        self.assertEqual(emu.whoami(login), 200)
        self.assertEqual(emu.create_job_token(login)["token_id"], job["token_id"] + 1, "ids go on")

    def test_accounts_added_while_running_and_the_errors(self):
        emu = self.emulator
        added = emu.add_account("extra@example.test", "extra-pw")
        self.assertEqual(added, {"user_id": 3, "email": "extra@example.test", "is_admin": False})
        self.assertEqual(emu.whoami(emu.login(("extra@example.test", "extra-pw"))), 200)

        taken = emu.request("POST", "/_steps/accounts", {"email": USER[0], "password": "x"})
        self.assertEqual(taken.status, 409)
        self.assertIn("error", taken.json())
        bad = emu.request("POST", "/_steps/clock", {"advance": -1})
        self.assertEqual(bad.status, 400)
        not_json = emu.request("POST", "/_steps/clock", b'{"advance": 1}', content_type="text/plain")
        self.assertEqual(not_json.status, 415)
        wrong_method = emu.request("DELETE", "/_steps/clock")
        self.assertEqual((wrong_method.status, wrong_method.headers["Allow"]), (405, "GET, POST"))
        self.assertEqual(emu.request("GET", "/_steps/nothing").status, 404)


@unittest.skipIf(os.name == "nt", "the state is saved on SIGTERM, which Windows does not send")
class SavedStateTest(unittest.TestCase):
    """`--state FILE`: saved on SIGTERM with mode 0600, loaded at the next start."""

    def setUp(self):
        self.directory = tempfile.mkdtemp(prefix="steps-emulator-state-")
        self.addCleanup(shutil.rmtree, self.directory, True)

    def start(self, path):
        emulator = Emulator(extra_args=["--state", path, "--frozen-clock"]).start()
        self.addCleanup(emulator.stop)
        return emulator

    def test_tokens_and_the_clock_live_through_a_restart(self):
        path = os.path.join(self.directory, "state.json")
        first = self.start(path)
        login = first.login(USER)
        job = first.create_job_token(login, duration=3600)["token"]
        first.advance_clock(1000)
        clock = first.clock()
        first.stop()

        self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o600, "the file holds every secret")
        with open(path, encoding="utf-8") as file:
            self.assertEqual(json.load(file)["clock"], clock)

        second = self.start(path)
        self.assertEqual(second.clock(), clock, "a frozen clock resumes where it was saved")
        self.assertEqual(second.whoami(job), 200)
        self.assertEqual(second.whoami(login), 200)


if __name__ == "__main__":
    unittest.main(verbosity=2)
