"""A STEPS cloud that is not ours: a small, stdlib-only reading of
docs/protocol.md (v1: login, whoami, create, read, delete and list of job
tokens and API keys), on 127.0.0.1 and a free port.

It differs from the Rust emulator where the protocol lets a server differ:
its tokens have no type prefix, its pages are at most ``max_page`` long (the
client must follow ``next_after``), and it answers 200 to creates where 201
is specified. Options make it speak parts of v2 (``features``: 'self' and
'rotation'), echo secrets in its error messages (``echo_secrets``, a hostile
server), or close the connection after handling a create without answering
(``close_after_create``), or answer a login with the token alone, which
the spec allows (``token_only_login``).

Run it alone with ``python fake_server.py``: it prints its URL and accounts.
"""

import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

LOGIN, JOB, API_KEY = 0, 1, 2
COLLECTIONS = {
    "job_token": ("token_id", "token", "job_tokens", JOB),
    "api_key": ("api_key_id", "api_key", "api_keys", API_KEY),
}


class FakeCloud:
    """The server's state and its HTTP server; a context manager."""

    def __init__(
        self,
        accounts,
        protocol=1,
        features=(),
        max_page=2,
        echo_secrets=False,
        close_after_create=False,
        token_only_login=False,
    ):
        # accounts: [(email, password, is_admin)], user ids from 1.
        self.accounts = [
            {"user_id": i + 1, "email": e, "password": p, "is_admin": a}
            for i, (e, p, a) in enumerate(accounts)
        ]
        self.protocol = protocol
        self.features = list(features) if protocol >= 2 else []
        self.max_page = max_page
        self.echo_secrets = echo_secrets
        self.close_after_create = close_after_create
        self.token_only_login = token_only_login
        self.lock = threading.Lock()
        self.tokens = {}  # secret -> {"type", "user_id", "id", "expires_at", "grace_until"}
        self.records = {"job_token": {}, "api_key": {}}  # id -> record with "secret"
        self.next_id = {"job_token": 1, "api_key": 1}
        self.requests = []  # (method, path)
        cloud = self

        class Handler(_Handler):
            server_state = cloud

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = None

    @property
    def url(self):
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self):
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()
        if self.thread is not None:
            self.thread.join(timeout=10)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False

    def mint(self):
        # Not a STEPS-prefixed token: clients must not rely on prefixes.
        return secrets.token_hex(24)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_state = None  # set by FakeCloud

    def log_message(self, *args):  # quiet
        pass

    # -- plumbing ---------------------------------------------------------

    def send_json(self, status, body, headers=()):
        data = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        if body is not None:
            self.send_header("Content-Type", "application/json")
        if status != 204:
            self.send_header("Content-Length", str(len(data)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def fail(self, status, message):
        cloud = self.server_state
        if cloud.echo_secrets:
            message = f"{message} (you sent {self.headers.get('Authorization')!r})"
        headers = [("x-request-id", "fake-" + secrets.token_hex(3))]
        if status == 401:
            headers.append(("WWW-Authenticate", "Bearer"))
        self.send_json(status, {"error": message}, headers)

    def body(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            value = json.loads(raw) if raw else None
        except ValueError:
            return None
        return value

    def caller(self):
        """The token record of the bearer, or None (and a 401 sent)."""
        cloud = self.server_state
        auth = self.headers.get("Authorization") or ""
        if not auth.startswith("Bearer "):
            self.fail(401, "missing token")
            return None
        secret = auth[len("Bearer "):]
        with cloud.lock:
            token = cloud.tokens.get(secret)
            now = time.time()
            if token is None or token["expires_at"] <= now or token.get("grace_until", now + 1) <= now:
                self.fail(401, "invalid token")
                return None
            return dict(token, secret=secret)

    def account(self, user_id):
        return self.server_state.accounts[user_id - 1]

    def route(self, method):
        cloud = self.server_state
        url = urlsplit(self.path)
        parts = [p for p in url.path.split("/") if p]
        cloud.requests.append((method, url.path))
        try:
            self.dispatch(method, parts, parse_qs(url.query))
        except BrokenPipeError:
            pass

    def do_GET(self):
        self.route("GET")

    def do_POST(self):
        self.route("POST")

    def do_DELETE(self):
        self.route("DELETE")

    # -- the API ----------------------------------------------------------

    def dispatch(self, method, parts, query):
        cloud = self.server_state
        if parts[:1] != ["api"]:
            return self.fail(404, "not found")
        rest = parts[1:]
        if rest == ["meta"] and method == "GET" and cloud.protocol >= 2:
            return self.send_json(200, {"protocol": cloud.protocol, "features": cloud.features})
        if rest == ["login"] and method == "POST":
            return self.login()
        if rest == ["whoami"] and method == "GET":
            return self.whoami()
        if rest == ["token", "self"] and method == "DELETE" and "self" in cloud.features:
            return self.revoke_self()
        if rest and rest[0] in COLLECTIONS:
            name = rest[0]
            if len(rest) == 1 and method == "POST":
                return self.create(name)
            if len(rest) == 1 and method == "GET":
                return self.list(name, query)
            if len(rest) >= 2:
                try:
                    item = int(rest[1])
                except ValueError:
                    return self.fail(400, "invalid id")
                if len(rest) == 2 and method == "GET":
                    return self.read(name, item)
                if len(rest) == 2 and method == "DELETE":
                    return self.delete(name, item)
                if rest[2:] == ["rotate"] and method == "POST" and "rotation" in cloud.features:
                    return self.rotate(name, item)
        return self.fail(404, "not found")

    def login(self):
        cloud = self.server_state
        body = self.body() or {}
        for account in cloud.accounts:
            if account["email"] == body.get("email") and account["password"] == body.get("password"):
                secret = cloud.mint()
                expires_at = int(time.time()) + 3600
                with cloud.lock:
                    cloud.tokens[secret] = {
                        "type": LOGIN,
                        "user_id": account["user_id"],
                        "expires_at": expires_at,
                    }
                if cloud.token_only_login:
                    # The spec requires `token` alone.
                    return self.send_json(200, {"token": secret})
                return self.send_json(
                    200,
                    {
                        "token": secret,
                        "user_id": account["user_id"],
                        "is_admin": account["is_admin"],
                        "expires_at": expires_at,
                    },
                )
        message = "wrong email or password"
        if cloud.echo_secrets:
            message += f": {body.get('password')!r}"
        return self.fail(401, message)

    def whoami(self):
        token = self.caller()
        if token is None:
            return
        answer = {
            "user_id": token["user_id"],
            "token_type": token["type"],
            "is_admin": self.account(token["user_id"])["is_admin"],
            "expires_at": int(token["expires_at"]),
        }
        if "self" in self.server_state.features and token["type"] != LOGIN:
            record = self.record_of(token)
            id_field = "token_id" if token["type"] == JOB else "api_key_id"
            answer[id_field] = token["id"]
            answer["label"] = record["label"] if record else None
        self.send_json(200, answer)

    def record_of(self, token):
        name = "job_token" if token["type"] == JOB else "api_key"
        return self.server_state.records[name].get(token["id"])

    def login_caller(self, admin=False):
        token = self.caller()
        if token is None:
            return None
        if token["type"] != LOGIN:
            self.fail(403, "a login token is needed")
            return None
        if admin and not self.account(token["user_id"])["is_admin"]:
            self.fail(403, "admin required")
            return None
        return token

    def public(self, name, record, with_secret=False):
        id_field, secret_field, _, _ = COLLECTIONS[name]
        out = {
            id_field: record["id"],
            "user_id": record["user_id"],
            "label": record["label"],
            "duration": record["duration"],
            "created_at": record["created_at"],
            "expires_at": record["created_at"] + record["duration"],
        }
        if "rotated_at" in record:
            out["rotated_at"] = record["rotated_at"]
        if with_secret:
            out[secret_field] = record["secret"]
        return out

    def create(self, name):
        cloud = self.server_state
        caller = self.login_caller(admin=(name == "api_key"))
        if caller is None:
            return
        body = self.body()
        if not isinstance(body, dict):
            return self.fail(400, "the body must be a JSON object")
        label = body.get("label")
        duration = body.get("duration", 99999)
        if label is not None and (not isinstance(label, str) or len(label.encode()) > 256):
            return self.fail(400, "invalid label")
        if type(duration) is not int or not 1 <= duration <= 315360000:
            return self.fail(400, "invalid duration")
        _, _, _, kind = COLLECTIONS[name]
        secret = cloud.mint()
        now = int(time.time())
        with cloud.lock:
            item = cloud.next_id[name]
            cloud.next_id[name] += 1
            record = {
                "id": item,
                "user_id": caller["user_id"],
                "label": label,
                "duration": duration,
                "created_at": now,
                "secret": secret,
            }
            cloud.records[name][item] = record
            cloud.tokens[secret] = {"type": kind, "user_id": caller["user_id"], "id": item, "expires_at": now + duration}
        if cloud.close_after_create:
            # Handled, then the connection closes unanswered: the client
            # cannot tell that the token exists.
            self.close_connection = True
            return
        # 200 where 201 is specified: clients must accept it.
        self.send_json(200, self.public(name, record, with_secret=True))

    def visible(self, name, item, caller):
        record = self.server_state.records[name].get(item)
        if record is None:
            return None
        if record["created_at"] + record["duration"] <= time.time():
            return None
        if not self.account(caller["user_id"])["is_admin"] and record["user_id"] != caller["user_id"]:
            return None
        return record

    def read(self, name, item):
        caller = self.login_caller(admin=(name == "api_key"))
        if caller is None:
            return
        record = self.visible(name, item, caller)
        if record is None:
            return self.fail(404, f"no such {name} {item}")
        self.send_json(200, self.public(name, record))

    def delete(self, name, item):
        cloud = self.server_state
        caller = self.login_caller(admin=(name == "api_key"))
        if caller is None:
            return
        with cloud.lock:
            record = self.visible(name, item, caller)
            if record is None:
                return self.fail(404, f"no such {name} {item}")
            del cloud.records[name][item]
            cloud.tokens.pop(record["secret"], None)
        self.send_json(204, None)

    def list(self, name, query):
        cloud = self.server_state
        caller = self.login_caller(admin=True)
        if caller is None:
            return
        try:
            limit = int(query.get("limit", ["100"])[0])
            after = int(query.get("after", ["0"])[0])
        except ValueError:
            return self.fail(400, "invalid query")
        limit = max(1, min(limit, 1000, cloud.max_page))
        _, _, plural, _ = COLLECTIONS[name]
        with cloud.lock:
            ids = sorted(i for i in cloud.records[name] if i > after and self.visible(name, i, caller))
            page = ids[:limit]
            items = [self.public(name, cloud.records[name][i]) for i in page]
        next_after = page[-1] if len(ids) > limit else None
        self.send_json(200, {plural: items, "next_after": next_after})

    def revoke_self(self):
        cloud = self.server_state
        token = self.caller()
        if token is None:
            return
        with cloud.lock:
            cloud.tokens.pop(token["secret"], None)
        self.send_json(204, None)

    def rotate(self, name, item):
        cloud = self.server_state
        caller = self.login_caller(admin=(name == "api_key"))
        if caller is None:
            return
        body = self.body()
        body = {} if body is None else body
        grace = body.get("grace_seconds", 0)
        if type(grace) is not int or not 0 <= grace <= 86400:
            return self.fail(400, "invalid grace_seconds")
        with cloud.lock:
            record = self.visible(name, item, caller)
            if record is None:
                return self.fail(404, f"no such {name} {item}")
            old = cloud.tokens[record["secret"]]
            old["grace_until"] = time.time() + grace
            secret = cloud.mint()
            cloud.tokens[secret] = {k: v for k, v in old.items() if k != "grace_until"}
            record["secret"] = secret
            record["rotated_at"] = int(time.time())
        self.send_json(200, self.public(name, record, with_secret=True))


if __name__ == "__main__":
    accounts = [("root@fake.test", "root-pw", True), ("user@fake.test", "user-pw", False)]
    with FakeCloud(accounts) as fake:
        print(f"fake STEPS cloud (v1) on {fake.url}", flush=True)
        for email, password, is_admin in accounts:
            print(f"  {'admin' if is_admin else 'user'}  {email}  {password}", flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass
