"""``AsyncPropelAuth``: configuration, lifecycle, and the resource namespaces."""

from __future__ import annotations

import os
import urllib.parse
from functools import cached_property
from types import TracebackType
from typing import TYPE_CHECKING, Any

import httpx

from ._ratelimit import RateLimiter
from ._retry import RetryPolicy
from ._tls import default_ssl_context
from ._transport import DEFAULT_MAX_RESPONSE_BYTES, Requester, build_http_client, pool_size
from ._version import __version__
from .errors import ConfigurationError, InvalidArgumentError

if TYPE_CHECKING:
    from typing_extensions import Self

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
DEFAULT_MAX_KEEPALIVE_CONNECTIONS = 20
USER_AGENT = f"propelauth-async/{__version__} httpx/{httpx.__version__}"
_LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


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


def _policy(**settings: Any) -> RetryPolicy:
    try:
        return RetryPolicy(**settings)
    except InvalidArgumentError as exc:
        raise ConfigurationError(str(exc)) from None


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
    """

    def __init__(
        self,
        auth_url: str,
        api_key: str,
        *,
        backend_url: str | None = None,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        max_retries: int = 2,
        max_rate_limit_retries: int = 5,
        max_retry_wait: float = 60.0,
        backoff_base: float = 0.5,
        backoff_cap: float = 8.0,
        total_timeout: float | None = 90.0,
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
        max_keepalive_connections: int = DEFAULT_MAX_KEEPALIVE_CONNECTIONS,
        rate_limit: float | None = None,
        rate_limit_burst: int = 1,
        max_concurrency: int | None = None,
        adaptive_rate_limit: bool = True,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        http_client: httpx.AsyncClient | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        verifier_key_pem: str | None = None,
        token_leeway: float = 60.0,
        max_token_bytes: int = 16 * 1024,
        key_refresh_interval: float | None = 3600.0,
        key_min_refresh_interval: float = 60.0,
    ) -> None:
        """
        Connection: ``timeout`` (seconds, or an ``httpx.Timeout`` per phase),
        ``max_connections`` / ``max_keepalive_connections`` for the pool, or your own
        ``http_client`` / ``transport``.

        Retries: ``max_retries`` for transient failures of replay-safe requests,
        ``max_rate_limit_retries`` for 429s, ``max_retry_wait`` the longest server-requested
        wait accepted (longer raises ``RateLimitError`` at once), ``backoff_base`` /
        ``backoff_cap`` for full-jitter backoff, ``total_timeout`` for one call overall.

        Pacing: ``rate_limit`` (requests/s, with ``rate_limit_burst``) from the start,
        ``max_concurrency`` requests in flight (by default, and at most, the pool's
        ``max_connections``: calls beyond it queue in our own gate, never in httpx's pool, where
        a cancelled waiter can lose a connection for good), ``adaptive_rate_limit`` to slow
        down after a 429.

        Answers: ``max_response_bytes`` (8 MiB by default), the largest body read; a larger
        one raises ``ResponseTooLargeError`` as soon as it is exceeded, and is not retried.

        Tokens: ``verifier_key_pem`` to verify without fetching a key, ``token_leeway`` for
        exp/iat/nbf, ``max_token_bytes``, and the key's ``key_refresh_interval`` /
        ``key_min_refresh_interval`` (the least time between refreshes after a bad signature).
        """
        auth = _check_url(auth_url, "auth_url")
        if not isinstance(api_key, str) or not api_key.strip():
            raise ConfigurationError("api_key is required (your Backend Integration API key)")
        backend = _check_url(backend_url, "backend_url") if backend_url is not None else auth
        if http_client is not None and transport is not None:
            raise ConfigurationError("pass either http_client or transport, not both")
        if rate_limit is not None and not rate_limit > 0:
            raise ConfigurationError("rate_limit must be a positive number of requests per second")
        if max_concurrency is not None and max_concurrency < 1:
            raise ConfigurationError("max_concurrency must be at least 1")
        if isinstance(max_response_bytes, bool) or not isinstance(max_response_bytes, int):
            raise ConfigurationError("max_response_bytes must be a whole number of bytes")
        if max_response_bytes < 1:
            raise ConfigurationError("max_response_bytes must be at least 1")

        self.auth_url = f"{auth.scheme}://{auth.netloc}"
        self.auth_host = auth.netloc
        self.backend_url = f"{backend.scheme}://{backend.netloc}"
        self._owns_http_client = http_client is None
        if http_client is None:
            http_client = build_http_client(
                timeout=timeout,
                max_connections=max_connections,
                max_keepalive_connections=max_keepalive_connections,
                transport=transport,
                verify=default_ssl_context(),
            )
            pool: int | None = max_connections
        else:
            pool = pool_size(http_client)
        gate = max_concurrency if pool is None else min(max_concurrency or pool, pool)
        self._http_client = http_client
        self._closed = False
        self._requester = Requester(
            http_client=http_client,
            base_url=self.backend_url,
            headers={
                "authorization": f"Bearer {api_key.strip()}",
                "x-propelauth-url": self.auth_host,
                "user-agent": USER_AGENT,
                "accept": "application/json",
            },
            policy=_policy(
                max_retries=max_retries,
                max_rate_limit_retries=max_rate_limit_retries,
                max_retry_wait=max_retry_wait,
                backoff_base=backoff_base,
                backoff_cap=backoff_cap,
                rate_limit_backoff_base=max(backoff_base, min(1.0, backoff_cap)),
                total_timeout=total_timeout,
            ),
            limiter=RateLimiter(
                rate=rate_limit,
                burst=rate_limit_burst,
                max_concurrency=gate,
                adaptive=adaptive_rate_limit,
            ),
            max_response_bytes=max_response_bytes,
        )

        self._verifier_key_pem = verifier_key_pem
        self._token_leeway = token_leeway
        self._max_token_bytes = max_token_bytes
        self._key_refresh_interval = key_refresh_interval
        self._key_min_refresh_interval = key_min_refresh_interval
        if verifier_key_pem is not None:
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
        """Local access-token verification (the key is fetched on first use)."""
        from .tokens.namespace import Tokens

        return Tokens(
            self._requester,
            issuer=self.issuer,
            verifier_key_pem=self._verifier_key_pem,
            leeway=self._token_leeway,
            max_token_bytes=self._max_token_bytes,
            key_refresh_interval=self._key_refresh_interval,
            key_min_refresh_interval=self._key_min_refresh_interval,
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

    async def aclose(self) -> None:
        """Close the connection pool (unless it was passed in). Safe to call twice."""
        if self._closed:
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
