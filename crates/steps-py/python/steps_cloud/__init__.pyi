"""steps_cloud: the STEPS cloud token API for Python, backed by the Rust SDK.

The names and signatures are the Python client's (``JobToken``,
``LoginToken``, ``ApiKey``, ``User``, ``CloudContext``, ``TokenType``);
what goes beyond it is marked so below. A ``CloudContext(api="quandela")``
speaks the Quandela cloud's token API with the same classes. Every call releases the GIL while
it waits, all calls share one runtime per process, and every object may be
used from several threads.
"""

import enum
from datetime import datetime
from typing import Any, ClassVar, Dict, List, Optional, Sequence, Tuple, Type, Union
from types import TracebackType

__version__: str
__build__: str
"""`"release"` for a wheel, `"debug"` for the build `cargo xtask python` makes for the tests."""

class CloudError(RuntimeError):
    """A call to the STEPS cloud failed. Attributes are None when they do not apply.
    Raised as its most specific subclass where one fits (``NotFoundError``,
    ``UnauthorizedError``, ``ForbiddenError``, ``RateLimitedError``, ``UnavailableError``,
    ``OutcomeUnknownError``)."""

    status: Optional[int]
    """The HTTP status, when the server answered."""
    message: Optional[str]
    """The server's error message."""
    request_id: Optional[str]
    """The server's request id (``x-request-id``)."""
    retry_after: Optional[float]
    """Seconds the server asked to wait before trying again."""
    kind: Optional[str]
    """What failed: 'unauthorized', 'forbidden', 'not_found', 'rate_limited', 'api',
    'protocol', 'timeout', 'connect', 'tls', 'io', 'body_too_large', 'outcome_unknown',
    'unsupported' (a protocol v2 feature the server does not offer, or a call the
    context's API lacks; nothing was sent), 'invalid_input' (refused before sending),
    'label_taken', 'secret_lost' (a lost generate made its token: ``token_id``; or a
    revoke/reopen whose secret is not known), 'not_applied' (a lost generate made
    nothing), ..."""
    operation: Optional[str]
    """The operation that failed, such as 'job_token.create'."""
    token_id: Optional[int]
    """For kind 'secret_lost' after a generate: the token it made."""

class OutcomeUnknownError(CloudError):
    """A create (or rotate) failed after it may have reached the server: the token may exist."""

class NotFoundError(CloudError):
    """A 404: no such token, or not the caller's (kind 'not_found')."""

class UnauthorizedError(CloudError):
    """A 401: the token, or the email and password of a login, was refused (kind 'unauthorized')."""

class ForbiddenError(CloudError):
    """A 403: authenticated, but not allowed, such as a user who is not an admin
    (kind 'forbidden')."""

class RateLimitedError(CloudError):
    """A 429: too many requests (kind 'rate_limited'); ``retry_after`` when the server said.
    What was safe to send again has already been retried."""

class UnavailableError(CloudError):
    """A 502, 503 or 504: the server, or a gateway in front of it, cannot answer for now
    (kind 'api', or 'protocol' for a gateway's own page). Try again later."""

class CloudContext:
    """The cloud to talk to, the API it speaks, and its connection pool. Share one per cloud."""

    def __init__(self, url: Optional[str] = None, timeout: float = 10.0, api: str = "steps") -> None:
        """``url``: http:// or https:// base URL (required with ``api='steps'``; with
        ``api='quandela'`` the production cloud, 'https://api.cloud.quandela.com', by
        default); ``timeout``: seconds per call, retries included; ``api``: 'steps' or
        'quandela' (beyond the reference).

        Raises ValueError for a URL, timeout or API that cannot be used."""
    @property
    def url(self) -> str: ...
    @property
    def timeout(self) -> float: ...
    @property
    def api(self) -> str:
        """'steps' or 'quandela'."""

class Api:
    """What ``get_api(context)`` returns: where a collection's calls go."""

    @property
    def context(self) -> CloudContext: ...
    @property
    def endpoint(self) -> str: ...
    @property
    def object_name(self) -> str: ...
    @property
    def url(self) -> str: ...

class TokenType(enum.IntEnum):
    """The kinds of token, numbered as the protocol numbers them: an
    ``enum.IntEnum`` (``list(TokenType)``, ``TokenType.Job == 1``)."""

    Login = 0
    Job = 1
    API_Key = 2

class User:
    """An account. The password is kept to renew the login token, and never shown."""

    def __init__(self, email: str, password: str) -> None: ...
    @staticmethod
    def from_token(token: str) -> User:
        """Beyond the reference: a user whose calls use ``token`` (a Quandela cloud job
        token, ``perceval_token()``, or a STEPS login token), used as it is and never
        renewed; no email or password. ValueError for an empty token."""
    @property
    def email(self) -> Optional[str]:
        """None for a user made by ``from_token``."""
    user_id: int
    """-1 until a login says."""
    is_admin: Optional[bool]
    """None until a login says."""
    login_token: Optional[LoginToken]
    """Set by ``LoginToken().create(context, user)``."""

class LoginToken:
    """A user's login token; renewed with the user's password when it nears expiry."""

    ENDPOINT: ClassVar[str]
    """'/api/login'"""
    token: Optional[str]
    """The token string, None before ``create``. Set by hand, it is used as it is."""
    def __init__(self) -> None: ...
    @property
    def expires_at(self) -> Optional[int]:
        """Unix seconds, when the server said (beyond the reference)."""
    def create(self, context: CloudContext, user: Optional[User] = None) -> None:
        """Logs ``user`` in: sets ``self.token``, ``user.login_token``, ``user.user_id``
        and ``user.is_admin``. Raises AssertionError without a user (or for one made by
        ``User.from_token``), CloudError if it fails; with ``api='quandela'``, a server
        without a login (404) says to create a token on the website and use
        ``User.from_token``."""
    def whoami(self, context: CloudContext) -> Dict[str, Any]:
        """Beyond the reference: who holds this token (``user_id``, ``token_type``,
        ``is_admin``, ``expires_at``). AssertionError before ``create``."""
    def revoke_self(self, context: CloudContext) -> None:
        """Beyond the reference (protocol v2, feature 'self'): logs out server-side;
        ``token`` is None afterwards. CloudError with kind 'unsupported' on a v1 server."""

class JobToken:
    """A job token: authorises one user's jobs."""

    DURATION_KEY: ClassVar[str]
    """'duration'"""
    LABEL_KEY: ClassVar[str]
    """'label'"""
    label: Optional[str]
    duration: int
    token_id: int
    """-1 until created."""
    user_id: int
    """-1 until known."""
    token: str
    """The secret: '' unless this object created (or rotated) it."""
    created_at: Optional[int]
    """Unix seconds."""
    expires_at: Optional[int]
    """Unix seconds."""
    rotated_at: Optional[int]
    """Unix seconds (protocol v2)."""
    def __init__(
        self,
        label: Optional[str] = None,
        duration: int = 99999,
        token_id: int = -1,
        user_id: int = -1,
        token: str = "",
        **kwargs: Any,
    ) -> None:
        """Other keyword arguments become attributes."""
    def __getattr__(self, name: str) -> Any: ...
    @classmethod
    def get_object_name(cls) -> str:
        """'job_token'"""
    @classmethod
    def get_endpoint(cls) -> str:
        """'/api/job_token'"""
    @classmethod
    def get_api(cls, context: CloudContext) -> Api:
        """The collection on ``context``: an ``Api`` with its ``url``."""
    @classmethod
    def get_token_method(cls) -> str:
        """'token': the attribute (and create-answer field) holding the secret."""
    def create(self, context: CloudContext, user: User) -> None:
        """AssertionError if the user has no login token; CloudError if creation fails."""
    def read(self, context: CloudContext, user: User) -> Dict[str, Any]:
        """The token's data; updates the attributes (``token`` is kept).
        AssertionError if not created or the user has no login token."""
    def delete(self, context: CloudContext, user: User) -> None:
        """AssertionError if not created; CloudError if it fails."""
    @classmethod
    def list_all(cls, context: CloudContext, admin: User) -> List[JobToken]:
        """Every job token, every page. AssertionError if ``admin`` is known not to be one.
        With ``api='quandela'``: every token of the user given (the cloud lists one
        user's at a time), no admin needed."""
    def update(
        self,
        context: CloudContext,
        user: User,
        label: Optional[str] = None,
        priority: Optional[int] = None,
    ) -> None:
        """Beyond the reference (``api='quandela'``): a new label, priority or both."""
    def revoke(self, context: CloudContext, user: User) -> None:
        """Beyond the reference (``api='quandela'``): revokes it by its secret (held since
        ``create``, else read by id where the server returns it; else CloudError kind
        'secret_lost')."""
    def reopen(self, context: CloudContext, user: User) -> None:
        """Beyond the reference (``api='quandela'``): reopens it after ``revoke``."""
    @classmethod
    def delete_by_secrets(cls, context: CloudContext, user: User, secrets: Sequence[str]) -> None:
        """Beyond the reference (``api='quandela'``): deletes the user's tokens with these
        secrets."""
    @classmethod
    def usage(
        cls,
        context: CloudContext,
        user: User,
        token_ids: Optional[Sequence[int]] = None,
        since: Optional[Union[int, float, datetime]] = None,
        until: Optional[Union[int, float, datetime]] = None,
    ) -> List[Dict[str, Any]]:
        """Beyond the reference (``api='quandela'``, a job token's user): per token,
        ``token_id``, ``total_jobs`` and ``usage`` (per platform: ``platform_name``,
        ``nb_jobs``, ``duration_seconds``, ``credits``, ``free_credits``)."""
    def rotate(self, context: CloudContext, user: User, grace: Optional[int] = None) -> None:
        """Beyond the reference (protocol v2, feature 'rotation'): a new secret in ``token``;
        the old one works ``grace`` more seconds."""
    def revoke_self(self, context: CloudContext) -> None:
        """Beyond the reference (protocol v2, feature 'self'): the token revokes itself;
        ``token`` is '' afterwards."""
    def whoami(self, context: CloudContext) -> Dict[str, Any]:
        """Beyond the reference: who holds this token, asked with the token itself."""

class ApiKey:
    """An API key: authorises a worker. Admin only. Not on ``api='quandela'``
    (CloudError kind 'unsupported')."""

    DURATION_KEY: ClassVar[str]
    """'duration'"""
    LABEL_KEY: ClassVar[str]
    """'label'"""
    label: Optional[str]
    duration: int
    api_key: str
    """The secret: '' unless this object created (or rotated) it."""
    api_key_id: int
    """-1 until created."""
    user_id: int
    """The admin who made it; -1 until known."""
    created_at: Optional[int]
    expires_at: Optional[int]
    rotated_at: Optional[int]
    def __init__(
        self,
        label: Optional[str] = None,
        duration: int = 99999,
        api_key: str = "",
        api_key_id: int = -1,
        **_: Any,
    ) -> None: ...
    def __getattr__(self, name: str) -> Any: ...
    @property
    def token(self) -> str:
        """The API key string."""
    @classmethod
    def get_object_name(cls) -> str:
        """'api_key'"""
    @classmethod
    def get_endpoint(cls) -> str:
        """'/api/api_key'"""
    @classmethod
    def get_api(cls, context: CloudContext) -> Api: ...
    @classmethod
    def get_token_method(cls) -> str:
        """'api_key'"""
    def create(self, context: CloudContext, admin: Optional[User] = None) -> None:
        """AssertionError if ``admin`` is missing, has no login token or is known not to be
        an admin; CloudError if creation fails."""
    def read(self, context: CloudContext, admin: User) -> Dict[str, Any]:
        """Beyond the reference, as ``JobToken.read``."""
    def delete(self, context: CloudContext, admin: User) -> None:
        """Beyond the reference, as ``JobToken.delete``."""
    @classmethod
    def list_all(cls, context: CloudContext, admin: User) -> List[ApiKey]:
        """Beyond the reference, as ``JobToken.list_all``."""
    def rotate(self, context: CloudContext, admin: User, grace: Optional[int] = None) -> None:
        """Beyond the reference (protocol v2, feature 'rotation')."""
    def revoke_self(self, context: CloudContext) -> None:
        """Beyond the reference (protocol v2, feature 'self')."""
    def whoami(self, context: CloudContext) -> Dict[str, Any]:
        """Beyond the reference: who holds this key, asked with the key itself."""

class Emulator:
    """A test helper: the Rust emulator in this process, on a free port of 127.0.0.1."""

    def __init__(
        self,
        admin: Tuple[str, str] = ("root@steps.test", "pw"),
        users: List[Tuple[str, str]] = [("alice@steps.test", "pw")],
        protocol: int = 2,
        api: str = "steps",
    ) -> None:
        """``api``: 'steps' or 'quandela' (the Quandela cloud's token API)."""
    @property
    def url(self) -> str: ...
    @property
    def protocol(self) -> int: ...
    @property
    def api(self) -> str: ...
    @property
    def accounts(self) -> List[Tuple[str, bool]]:
        """(email, is_admin), in user id order from 1."""
    @property
    def running(self) -> bool: ...
    def set_latency(self, operation: Optional[str], ms: int) -> None:
        """Test helper: requests to ``operation`` (None: all) wait ``ms`` ms; 0 clears."""
    def set_faults(self, rules: Union[str, Sequence[Dict[str, Any]]]) -> None:
        """Test helper: fault rules in the emulator's ``--faults`` format, a list
        of dicts or that list as a JSON string; ``[]`` clears them."""
    def reset(self) -> None:
        """Back to the start: the accounts it started with, no other token, the clock
        where it started, no faults."""
    def advance_clock(self, seconds: int) -> None:
        """Test helper: moves the emulator's clock forward."""
    def requests_seen(self, operation: str) -> int: ...
    def minted_tokens(self) -> List[Dict[str, Any]]:
        """With ``api='quandela'``: the job token minted per account at start
        (``email``, ``user_id``, ``token_id``, ``token``)."""
    def record_usage(
        self,
        token_id: int,
        platform_name: str,
        nb_jobs: int,
        duration_seconds: int = 0,
        credits: float = 0.0,
        free_credits: float = 0.0,
        at: Optional[int] = None,
    ) -> None:
        """Test helper (``api='quandela'``): jobs run with a token, for ``JobToken.usage``."""
    def stop(self) -> None: ...
    def __enter__(self) -> Emulator: ...
    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        traceback: Optional[TracebackType],
    ) -> bool: ...

def perceval_token(url: Optional[str] = None) -> Optional[str]:
    """Beyond the reference: the token Perceval would use, or None: ``PCVL_CLOUD_TOKEN``,
    else ``remote.token`` of Perceval's ``config.json`` (``$PCVL_PERSISTENT_PATH``, else
    Perceval's data directory), if the file is for ``url`` (None: the production cloud)."""
