"""Where the verifier key comes from, and when it is fetched again.

The key is fetched lazily, on the first verification (or by ``prefetch()`` at start-up), through
the client's own transport, so with its retries. Fetches are single-flight: a thousand
concurrent callers share one request and all wait for it.

- **Rotation.** A token whose signature fails against the cached key asks for a refresh. While a
  refresh is in flight, every such token waits for it and is checked once more against the key
  it brings; only then is it refused. A refresh for a bad signature starts at most once per
  ``min_refresh_interval`` after a successful one, so forged tokens cannot cause a fetch storm.
- **Scheduled refresh.** A key older than ``refresh_interval`` is fetched again in the course
  of normal calls; the callers keep using the current key if that fails.
- **Failures back off.** After a failed fetch, no new fetch starts for 1 s, then 2, 4... up to
  ``min_refresh_interval``; in between, callers get the failure at once (without a request).
  A success resets the back-off.
- **Configuration errors are not "try again".** A 401 or 403 (wrong or revoked API key) or a
  404 on every metadata path (wrong auth URL) raises :class:`KeyConfigurationError`, logged
  once at ERROR; other failures raise :class:`KeyUnavailableError`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import NoReturn

import anyio

from ..errors import (
    AuthenticationError,
    ConfigurationError,
    ForbiddenError,
    NotFoundError,
    PropelAuthError,
    TokenError,
)
from .verifier import TokenVerifier

logger = logging.getLogger("propelauth_async")

FetchPem = Callable[[], Awaitable[str]]
BuildVerifier = Callable[[str], TokenVerifier]
FIRST_BACKOFF = 1.0
_CONFIGURATION_FAILURES = (AuthenticationError, ForbiddenError, NotFoundError)


class KeyUnavailableError(TokenError):
    """The verifier key could not be fetched for a transient reason; the token was not judged.
    Retry later (an HTTP service answers 503)."""

    def __init__(self, message: str) -> None:
        super().__init__("key_unavailable", message)


class KeyConfigurationError(TokenError, ConfigurationError):
    """The key fetch was refused for a reason retrying will not fix: the API key is wrong or
    revoked (401/403), or the auth URL is not a PropelAuth project (404). The token was not
    judged; an HTTP service answers 500 and someone must fix the configuration."""

    def __init__(self, message: str) -> None:
        TokenError.__init__(self, "key_configuration", message)


class _Flight:
    """One fetch that every concurrent caller waits for."""

    def __init__(self) -> None:
        self.done = anyio.Event()
        self.error: PropelAuthError | None = None


def _describe(error: PropelAuthError) -> str:
    status = getattr(error, "status_code", None)
    return f"{type(error).__name__}" + (f" (HTTP {status})" if status else "")


class KeySource:
    """Holds the current :class:`TokenVerifier` and fetches a new key when it must.

    ``clock`` (monotonic seconds) is injectable so back-off and refresh timing can be tested.
    """

    def __init__(
        self,
        fetch_pem: FetchPem | None,
        build: BuildVerifier,
        *,
        pem: str | None = None,
        refresh_interval: float | None = 3600.0,
        min_refresh_interval: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if fetch_pem is None and pem is None:
            raise ValueError("a key source needs a PEM or a way to fetch one")
        self._fetch_pem = fetch_pem
        self._build = build
        self.refresh_interval = refresh_interval
        self.min_refresh_interval = min_refresh_interval
        self.clock = clock
        self._verifier: TokenVerifier | None = build(pem) if pem is not None else None
        self._static = pem is not None
        self._fetched_at = float("-inf")
        self._last_failure_refresh = float("-inf")
        self._flight: _Flight | None = None
        self._failures = 0  # consecutive failed fetches
        self._retry_at = float("-inf")  # no fetch starts before this after a failure
        self._last_error: PropelAuthError | None = None
        self.fetches = 0

    @property
    def cached(self) -> TokenVerifier | None:
        return self._verifier

    @property
    def static(self) -> bool:
        """True when the PEM was given: nothing is ever fetched."""
        return self._static

    async def verifier(self) -> TokenVerifier:
        """The current verifier: fetched on first use, refreshed when stale."""
        current = self._verifier
        if current is not None:
            if self._flight is None and self._is_stale():
                await self._refresh()  # a failure keeps the current key
                return self._verifier or current
            return current
        if self._flight is None and self.clock() < self._retry_at:
            self._raise_failure()
        await self._refresh()
        if self._verifier is None:
            self._raise_failure()
        return self._verifier

    async def prefetch(self) -> TokenVerifier:
        """Fetch the key now, ignoring the back-off, and raise if that fails."""
        if self._static:
            assert self._verifier is not None
            return self._verifier
        if not await self._refresh():
            self._raise_failure()
        assert self._verifier is not None
        return self._verifier

    async def refresh_after_failure(self, failed: TokenVerifier) -> bool:
        """After a bad signature against ``failed``: True when a newer key is (now) there, so
        the token deserves a second look. Joins a refresh in flight; starts one unless one
        succeeded very recently or the back-off after a failure is still running."""
        if self._static:
            return False
        if self._flight is None:
            if self._verifier is not failed:
                return self._verifier is not None  # replaced since that check
            now = self.clock()
            if now < self._retry_at:
                return False
            if self._failures == 0 and now - self._last_failure_refresh < self.min_refresh_interval:
                return False
            self._last_failure_refresh = now
        await self._refresh()
        after = self._verifier
        return (
            after is not None
            and after is not failed
            and (after.public_key_pem != failed.public_key_pem)
        )

    def _is_stale(self) -> bool:
        if self._static or self.refresh_interval is None:
            return False
        now = self.clock()
        return now - self._fetched_at > self.refresh_interval and now >= self._retry_at

    def _raise_failure(self) -> NoReturn:
        error = self._last_error
        wait = max(0.0, self._retry_at - self.clock())
        when = f"; the next attempt is in {wait:.1f} s" if wait > 0 else ""
        if isinstance(error, _CONFIGURATION_FAILURES):
            what = (
                "the auth URL is not a PropelAuth project"
                if isinstance(error, NotFoundError)
                else "the API key was refused (wrong or revoked)"
            )
            raise KeyConfigurationError(
                f"the token verification key could not be fetched: {what}, {_describe(error)}{when}"
            ) from error
        cause = f" ({_describe(error)})" if error is not None else ""
        raise KeyUnavailableError(
            f"the token verification key could not be fetched{cause}; try again{when}"
        ) from error

    async def _refresh(self) -> bool:
        """Join the fetch in flight or start one; True when it succeeded."""
        flight = self._flight
        if flight is None:
            flight = self._flight = _Flight()
            try:
                await self._fetch_into(flight)
            except BaseException:  # cancelled: the waiters are told, not left waiting
                if flight.error is None:
                    flight.error = KeyUnavailableError("the key fetch was interrupted")
                raise
            finally:
                self._flight = None
                flight.done.set()
        else:
            await flight.done.wait()
        return flight.error is None

    async def _fetch_into(self, flight: _Flight) -> None:
        assert self._fetch_pem is not None
        self.fetches += 1
        try:
            pem = await self._fetch_pem()
            verifier = self._build(pem)
        except PropelAuthError as exc:
            flight.error = exc
            self._record_failure(exc)
            return
        if self._verifier is None or verifier.public_key_pem != self._verifier.public_key_pem:
            logger.info("token verification key loaded")
            self._verifier = verifier
        self._fetched_at = self.clock()
        self._failures = 0
        self._retry_at = float("-inf")
        self._last_error = None

    def _record_failure(self, error: PropelAuthError) -> None:
        first_of_its_kind = self._last_error is None or type(self._last_error) is not type(error)
        self._failures += 1
        cap = max(self.min_refresh_interval, 0.0)
        backoff = min(FIRST_BACKOFF * 2.0 ** (self._failures - 1), cap)
        self._retry_at = self.clock() + backoff
        self._last_error = error
        if isinstance(error, _CONFIGURATION_FAILURES):
            if first_of_its_kind:
                logger.error(
                    "token verification key: the metadata endpoint refused this client "
                    "(%s): check the API key and the auth URL; every token is refused "
                    "until this is fixed",
                    _describe(error),
                )
        else:
            logger.warning(
                "could not fetch the token verification key (%s); next attempt in %.0f s",
                _describe(error),
                backoff,
            )
