"""``AsyncPropelAuth``: configuration, lifecycle, and the resource namespaces."""

from __future__ import annotations

import hashlib
import os
import urllib.parse
from collections.abc import Awaitable, Callable, Sequence
from functools import cached_property
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar

import attrs
import httpx

from ._budget import RateBudget
from ._http import AutoTransport, TransportChoice
from ._ratelimit import RateLimiter
from ._retry import RetryPolicy
from ._transport import DEFAULT_MAX_RESPONSE_BYTES, Requester, pool_size
from ._types import UNSET, Unsettable
from ._version import __version__
from .errors import ConfigurationError

if TYPE_CHECKING:
    from typing_extensions import Self, Unpack

    from ._raw import RawResponse
    from ._settings import FlatSettings, Pacing, TokenSettings
    from .observe import Observer
    from .resources.access_tokens import AccessTokens
    from .resources.api_keys import ApiKeys
    from .resources.bulk import Bulk
    from .resources.employees import Employees
    from .resources.invites import Invites
    from .resources.magic_links import MagicLinks
    from .resources.mfa import Mfa
    from .resources.migration import Migration
    from .resources.orgs import Orgs
    from .resources.reports import Reports
    from .resources.role_mappings import RoleMappings
    from .resources.scim import Scim
    from .resources.users import Users
    from .tokens.namespace import Tokens

DEFAULT_TIMEOUT = httpx.Timeout(connect=5.0, read=30.0, write=30.0, pool=10.0)
DEFAULT_MAX_CONNECTIONS = 100
USER_AGENT = f"propelauth-async/{__version__} httpx/{httpx.__version__}"
_LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})

T = TypeVar("T")


def _check_url(url: str, name: str) -> urllib.parse.SplitResult:
    """An https URL (or http on this machine only) with nothing but a scheme and a host."""
    if not isinstance(url, str) or not url.strip():
        raise ConfigurationError(f"{name} is required, e.g. https://auth.example.com")
    parts = urllib.parse.urlsplit(url.strip())
    host = parts.hostname
    if parts.scheme not in ("https", "http") or not host:
        raise ConfigurationError(f"{name} must be an https URL such as https://auth.example.com")
    if parts.scheme == "http" and host not in _LOCAL_HOSTS:
        raise ConfigurationError(
            f"{name} must use https (plain http is allowed only for localhost, 127.0.0.1 and ::1)"
        )
    if parts.username or parts.password:
        raise ConfigurationError(f"{name} must not carry credentials")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ConfigurationError(f"{name} must be the bare origin, e.g. https://auth.example.com")
    try:
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError:
        raise ConfigurationError(f"{name} has an invalid port") from None
    return parts


def _budget_id(auth_host: str, api_key: str) -> str:
    """Names a shared budget: a hash of the key and host, so the key never leaves us."""
    digest = hashlib.sha256(f"propelauth-budget\0{auth_host}\0{api_key}".encode())
    return digest.hexdigest()[:32]


class AsyncPropelAuth:
    """The PropelAuth backend API, asynchronously.

    One instance holds one pooled ``httpx.AsyncClient``: create it once (at start-up, or in
    your app's lifespan) and share it across coroutines. Close it with ``async with`` or
    ``await client.aclose()``. A client you pass in as ``http_client`` is used as it is (its own
    timeouts and limits apply) and is never closed by us.

    Requests go to ``backend_url`` (by default the auth URL) and always carry the header
    ``X-Propelauth-url`` with the auth host, so the central API host works as well.

    Retries follow a fixed table: rate limits (429) and failures where nothing was sent are
    always retried; timeouts and 5xx are retried only for requests that are safe to send twice;
    a write whose answer was lost raises :class:`~propelauth_async.errors.OutcomeUnknownError`.

    ``with_options(...)`` makes a view with other timeouts or retries over the same pool and
    limiter; ``raw_response(...)`` shows the HTTP answer behind a call; ``observers=`` reports
    every call to plain hooks or OpenTelemetry.
    """

    def __init__(
        self,
        auth_url: str,
        api_key: str,
        *,
        backend_url: str | None = None,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        max_retries: Unsettable[int] = UNSET,
        max_retry_wait: Unsettable[float] = UNSET,
        total_timeout: Unsettable[float | None] = UNSET,
        max_connections: int | None = None,
        max_keepalive_connections: int | None = None,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        http_client: httpx.AsyncClient | None = None,
        transport: httpx.AsyncBaseTransport | TransportChoice | None = None,
        budget: RateBudget | None = None,
        retries: RetryPolicy | None = None,
        pacing: Pacing | None = None,
        tokens: TokenSettings | None = None,
        observers: Sequence[Observer] = (),
        **settings: Unpack[FlatSettings],
    ) -> None:
        """
        Connection: ``timeout`` (seconds, or an ``httpx.Timeout`` per phase),
        ``max_connections`` (default ``max_concurrency``, or 100) and
        ``max_keepalive_connections`` (default: all of them, so a busy client never churns
        connections) for the pool, and ``transport``: ``"auto"`` (the default: aiohttp's on
        asyncio when the ``[aiohttp]`` extra is installed, httpx's own otherwise), ``"httpx"``,
        ``"aiohttp"``, or a transport of yours; or your own ``http_client``.
        ``max_response_bytes`` (8 MiB by default) is the largest body read; a larger one
        raises ``ResponseTooLargeError`` as soon as it is exceeded, and is not retried.

        Retries: ``retries=RetryPolicy(...)``; the common fields can be given directly:
        ``max_retries`` (transient failures of replay-safe requests; 2), ``max_retry_wait``
        (the longest server-requested wait accepted; 60 s), ``total_timeout`` (one call
        overall; 90 s).

        Pacing: ``pacing=Pacing(rate_limit=..., burst=..., max_concurrency=..., adaptive=...)``;
        ``max_concurrency`` is by default, and at most, the pool's ``max_connections``: calls
        beyond it queue in our own gate, never in httpx's pool, where a cancelled waiter can
        lose a connection for good. ``budget`` shares the pace with other processes
        (:class:`~propelauth_async.RedisRateBudget`).
        Tokens: ``tokens=TokenSettings(verifier_key_pem=..., leeway=..., ...)`` for
        ``client.tokens``. Observability: ``observers=[Hooks(...)]`` or
        ``[propelauth_async.otel.OpenTelemetry()]``.

        The other keywords of 0.1 still work and set one field of a settings object:
        ``max_rate_limit_retries``, ``backoff_base``, ``backoff_cap`` (retries),
        ``rate_limit``, ``rate_limit_burst``, ``max_concurrency``, ``adaptive_rate_limit``
        (pacing), ``verifier_key_pem``, ``token_leeway``, ``max_token_bytes``,
        ``key_refresh_interval``, ``key_min_refresh_interval`` (tokens). A keyword given
        beside its settings object wins over that field.
        """
        auth = _check_url(auth_url, "auth_url")
        if not isinstance(api_key, str) or not api_key.strip():
            raise ConfigurationError("api_key is required (your Backend Integration API key)")
        backend = _check_url(backend_url, "backend_url") if backend_url is not None else auth
        if http_client is not None and transport is not None:
            raise ConfigurationError("pass either http_client or transport, not both")
        if isinstance(transport, str) and transport not in ("auto", "httpx", "aiohttp"):
            raise ConfigurationError("transport must be 'auto', 'httpx', 'aiohttp' or a transport")
        if isinstance(max_response_bytes, bool) or not isinstance(max_response_bytes, int):
            raise ConfigurationError("max_response_bytes must be a whole number of bytes")
        if max_response_bytes < 1:
            raise ConfigurationError("max_response_bytes must be at least 1")
        from ._settings import grouped  # here, not at import: `import propelauth_async` stays light

        policy, pace, token_settings = grouped(
            retries,
            pacing,
            tokens,
            {
                "max_retries": max_retries,
                "max_retry_wait": max_retry_wait,
                "total_timeout": total_timeout,
                **settings,
            },
        )

        if budget is not None and pace.rate_limit is not None:
            raise ConfigurationError(
                "with a budget, give the starting pace to the budget (RedisRateBudget(rate=...))"
            )

        self.auth_url = f"{auth.scheme}://{auth.netloc}"
        self.auth_host = auth.netloc
        self.backend_url = f"{backend.scheme}://{backend.netloc}"
        self._owns_http_client = http_client is None
        cap = pace.max_concurrency
        if http_client is None:
            pool: int | None = max_connections or cap or DEFAULT_MAX_CONNECTIONS
            limits = httpx.Limits(
                max_connections=pool,
                max_keepalive_connections=(
                    pool if max_keepalive_connections is None else max_keepalive_connections
                ),
            )
            if transport is None or isinstance(transport, str):
                transport = AutoTransport(transport or "auto", limits)
            http_client = httpx.AsyncClient(timeout=timeout, limits=limits, transport=transport)
        else:
            pool = pool_size(http_client)
        gate = cap if pool is None else min(cap or pool, pool)
        self._http_client = http_client
        self._closed = False
        self._root = self
        self._token_settings = token_settings
        self._requester = Requester(
            http_client=http_client,
            base_url=self.backend_url,
            headers={
                "authorization": f"Bearer {api_key.strip()}",
                "x-propelauth-url": self.auth_host,
                "user-agent": USER_AGENT,
                "accept": "application/json",
            },
            policy=policy,
            limiter=RateLimiter(
                rate=pace.rate_limit,
                burst=pace.burst,
                max_concurrency=gate,
                adaptive=pace.adaptive,
                budget=budget,
            ),
            max_response_bytes=max_response_bytes,
            observers=observers,
        )
        if budget is not None:
            budget.bind(_budget_id(self.auth_host, api_key.strip()))
        if token_settings.verifier_key_pem is not None:
            _ = self.tokens  # parse the PEM now: a bad one is a configuration error

    @classmethod
    def from_env(cls, **options: object) -> AsyncPropelAuth:
        """A client from ``PROPELAUTH_AUTH_URL`` and ``PROPELAUTH_API_KEY`` (and, if set,
        ``PROPELAUTH_BACKEND_URL``); keyword arguments are passed on to the constructor."""
        auth_url = os.environ.get("PROPELAUTH_AUTH_URL", "")
        api_key = os.environ.get("PROPELAUTH_API_KEY", "")
        if not auth_url or not api_key:
            missing = [
                name
                for name, value in (
                    ("PROPELAUTH_AUTH_URL", auth_url),
                    ("PROPELAUTH_API_KEY", api_key),
                )
                if not value
            ]
            raise ConfigurationError(f"environment variable(s) not set: {', '.join(missing)}")
        if "backend_url" not in options and os.environ.get("PROPELAUTH_BACKEND_URL"):
            options["backend_url"] = os.environ["PROPELAUTH_BACKEND_URL"]
        return cls(auth_url, api_key, **options)  # type: ignore[arg-type]

    @property
    def issuer(self) -> str:
        """The ``iss`` claim of this project's access tokens."""
        return f"https://{self.auth_host}"

    @property
    def rate_limiter(self) -> RateLimiter:
        """The client-wide limiter (its counters are useful in bulk jobs and tests)."""
        return self._requester.limiter

    @cached_property
    def users(self) -> Users:
        from .resources.users import Users

        return Users(self._requester)

    @cached_property
    def access_tokens(self) -> AccessTokens:
        from .resources.access_tokens import AccessTokens

        return AccessTokens(self._requester)

    @cached_property
    def magic_links(self) -> MagicLinks:
        from .resources.magic_links import MagicLinks

        return MagicLinks(self._requester)

    @cached_property
    def migration(self) -> Migration:
        from .resources.migration import Migration

        return Migration(self._requester)

    @cached_property
    def api_keys(self) -> ApiKeys:
        from .resources.api_keys import ApiKeys

        return ApiKeys(self._requester)

    @cached_property
    def mfa(self) -> Mfa:
        from .resources.mfa import Mfa

        return Mfa(self._requester)

    @cached_property
    def reports(self) -> Reports:
        from .resources.reports import Reports

        return Reports(self._requester)

    @cached_property
    def scim(self) -> Scim:
        from .resources.scim import Scim

        return Scim(self._requester)

    @cached_property
    def employees(self) -> Employees:
        from .resources.employees import Employees

        return Employees(self._requester)

    @cached_property
    def tokens(self) -> Tokens:
        """Local access-token verification (the key is fetched on first use, and shared with
        every ``with_options`` view)."""
        if self._root is not self:
            return self._root.tokens
        from .tokens.namespace import Tokens

        settings = self._token_settings
        return Tokens(
            self._requester,
            issuer=self.issuer,
            verifier_key_pem=settings.verifier_key_pem,
            leeway=settings.leeway,
            max_token_bytes=settings.max_token_bytes,
            key_refresh_interval=settings.key_refresh_interval,
            key_min_refresh_interval=settings.key_min_refresh_interval,
            cache_size=settings.cache_size,
        )

    @cached_property
    def orgs(self) -> Orgs:
        from .resources.orgs import Orgs

        return Orgs(self._requester, self.users)

    @cached_property
    def bulk(self) -> Bulk:
        """Bulk jobs over users and memberships: bounded concurrency, per-item results."""
        from .resources.bulk import Bulk

        return Bulk(self.users, self.orgs)

    @cached_property
    def invites(self) -> Invites:
        from .resources.invites import Invites

        return Invites(self._requester)

    @cached_property
    def role_mappings(self) -> RoleMappings:
        from .resources.role_mappings import RoleMappings

        return RoleMappings(self._requester)

    async def check(self) -> None:
        """Make one cheap authenticated call (the token verification metadata) and say what is
        wrong, if anything: run it at start-up, so a bad deploy fails there.

        Returns ``None`` when the auth URL is a PropelAuth project and the API key is accepted.
        Raises :class:`~propelauth_async.errors.AuthenticationError` (401) or
        :class:`~propelauth_async.errors.ForbiddenError` (403) for a wrong or revoked API key,
        :class:`~propelauth_async.errors.ConfigurationError` for an auth URL that is not a
        PropelAuth project (404), :class:`~propelauth_async.errors.TransportError` for a host
        that cannot be reached, and any other :class:`~propelauth_async.errors.APIError` (429,
        5xx) once retries run out. It does not load the verification key: use
        ``await client.tokens.prefetch()`` for that.
        """
        await self.tokens.check_connection()

    # Views ------------------------------------------------------------------------------------

    def with_options(
        self,
        *,
        timeout: Unsettable[float | httpx.Timeout] = UNSET,
        max_retries: Unsettable[int] = UNSET,
        max_rate_limit_retries: Unsettable[int] = UNSET,
        max_retry_wait: Unsettable[float] = UNSET,
        total_timeout: Unsettable[float | None] = UNSET,
    ) -> Self:
        """This client with other timeouts or retries, for some calls: ``fast =
        client.with_options(max_retries=0, total_timeout=2.0)`` in a latency-sensitive
        handler, ``client.with_options(timeout=120)`` for a long export.

        The view shares everything else with this client: the connection pool, the rate
        limiter (a 429 seen through either pauses both), the verification key and the
        observers. Making one costs a few microseconds; keep it or make it per call. Closing a
        view does nothing: the client it came from owns the pool. Options not given keep this
        client's values; a bad one raises ``InvalidArgumentError`` at once.
        """
        changes: dict[str, Any] = {
            name: value
            for name, value in (
                ("max_retries", max_retries),
                ("max_rate_limit_retries", max_rate_limit_retries),
                ("max_retry_wait", max_retry_wait),
                ("total_timeout", total_timeout),
            )
            if value is not UNSET
        }
        policy = attrs.evolve(self._requester.policy, **changes) if changes else None
        requester = self._requester.derive(
            policy=policy, timeout=None if timeout is UNSET else timeout
        )
        return self._view(requester)

    async def raw_response(self, call: Callable[[Self], Awaitable[T]]) -> RawResponse[T]:
        """Make the call(s) in ``call`` and return their result with the HTTP answer behind it:
        status, headers (rate-limit headers and request ids included) and the parsed value.

        ``call`` gets a view of this client: ``await client.raw_response(lambda c:
        c.users.fetch(user_id))`` is a ``RawResponse[User | None]``. When it makes several
        requests (a batch split into chunks), ``responses`` has each; ``status_code`` and
        ``headers`` are the last one's. Errors are raised as usual.
        """
        from ._raw import Recorder

        recorder = Recorder()
        view = self._view(self._requester.derive(observers=(*self._requester.observers, recorder)))
        parsed = await call(view)
        return recorder.response(parsed)

    def _view(self, requester: Requester) -> Self:
        """A client object over ``requester``: same settings and state, no namespaces yet
        (each view builds its own over its requester), the root's ``tokens``."""
        cls = type(self)
        view = cls.__new__(cls)
        # An instance attribute a class attribute also names is a cached namespace: not copied.
        vars(view).update({k: v for k, v in vars(self).items() if not hasattr(cls, k)})
        view._requester = requester
        return view

    async def aclose(self) -> None:
        """Close the connection pool (unless it was passed in). Safe to call twice.
        On a ``with_options`` view, does nothing."""
        if self._closed or self._root is not self:
            return
        self._closed = True
        self._requester.closed = True
        if self._owns_http_client:
            await self._http_client.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(auth_url={self.auth_url!r})"
