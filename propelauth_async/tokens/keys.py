"""Where the verifier key comes from, and when it is fetched again.

The key is fetched lazily, on the first verification, through the client's own transport (so
with its retries). Fetches are single-flight: a thousand concurrent first verifications share
one request and all wait for it; if it fails they all get the error, and the next call tries
again (a failure is never cached). Once cached, the key is refreshed in the course of normal
calls when it is older than ``refresh_interval`` (the caller that notices pays, the others keep
using the current key), and at most once per ``min_refresh_interval`` after a signature failure,
so a key rotation is picked up quickly and a flood of forged tokens cannot cause a refetch storm.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable

import anyio

from ..errors import PropelAuthError, TokenError
from .verifier import TokenVerifier

logger = logging.getLogger("propelauth_async")

FetchPem = Callable[[], Awaitable[str]]
BuildVerifier = Callable[[str], TokenVerifier]


class KeyUnavailableError(TokenError):
    """The verifier key could not be fetched; the token was not judged. Retry later (503)."""

    def __init__(self, message: str) -> None:
        super().__init__("key_unavailable", message)


class _Flight:
    """One fetch that every concurrent caller waits for."""

    def __init__(self) -> None:
        self.done = anyio.Event()
        self.error: BaseException | None = None


class KeySource:
    """Holds the current :class:`TokenVerifier` and fetches a new key when it must."""

    def __init__(
        self,
        fetch_pem: FetchPem | None,
        build: BuildVerifier,
        *,
        pem: str | None = None,
        refresh_interval: float | None = 3600.0,
        min_refresh_interval: float = 60.0,
    ) -> None:
        if fetch_pem is None and pem is None:
            raise ValueError("a key source needs a PEM or a way to fetch one")
        self._fetch_pem = fetch_pem
        self._build = build
        self.refresh_interval = refresh_interval
        self.min_refresh_interval = min_refresh_interval
        self._verifier: TokenVerifier | None = build(pem) if pem is not None else None
        self._static = pem is not None
        self._fetched_at = float("-inf")
        self._last_attempt = float("-inf")
        self._last_failure_refresh = float("-inf")
        self._flight: _Flight | None = None
        self.fetches = 0

    @property
    def cached(self) -> TokenVerifier | None:
        return self._verifier

    async def verifier(self) -> TokenVerifier:
        """The current verifier: fetched on first use, refreshed when stale."""
        current = self._verifier
        if current is not None:
            if self._is_stale() and self._flight is None:
                await self._refresh(keep_on_error=True)
                return self._verifier or current
            return current
        await self._refresh(keep_on_error=False)
        if self._verifier is None:  # the fetch we waited for was cancelled
            raise KeyUnavailableError("the key fetch was interrupted; try again")
        return self._verifier

    async def refresh_after_failure(self) -> bool:
        """After a bad signature: fetch the key again unless that was done very recently.
        True when the key changed (so the token deserves a second look)."""
        now = time.monotonic()
        if self._static or now - self._last_failure_refresh < self.min_refresh_interval:
            return False
        self._last_failure_refresh = now
        before = self._verifier
        await self._refresh(keep_on_error=True)
        after = self._verifier
        return after is not None and (
            before is None or after.public_key_pem != before.public_key_pem
        )

    def _is_stale(self) -> bool:
        if self._static or self.refresh_interval is None:
            return False
        now = time.monotonic()
        return (
            now - self._fetched_at > self.refresh_interval
            and now - self._last_attempt > self.min_refresh_interval
        )

    async def _refresh(self, *, keep_on_error: bool) -> None:
        flight = self._flight
        if flight is None:
            flight = self._flight = _Flight()
            try:
                await self._fetch_into(flight)
            finally:
                self._flight = None
                flight.done.set()
        else:
            await flight.done.wait()
        if flight.error is not None and not (keep_on_error and self._verifier is not None):
            raise KeyUnavailableError(
                "the token verification key could not be fetched; try again"
            ) from flight.error

    async def _fetch_into(self, flight: _Flight) -> None:
        assert self._fetch_pem is not None
        self._last_attempt = time.monotonic()
        self.fetches += 1
        try:
            pem = await self._fetch_pem()
            verifier = self._build(pem)
        except PropelAuthError as exc:
            flight.error = exc
            logger.warning("could not fetch the token verification key: %s", type(exc).__name__)
            return
        if self._verifier is None or verifier.public_key_pem != self._verifier.public_key_pem:
            logger.info("token verification key loaded")
        self._verifier = verifier
        self._fetched_at = time.monotonic()
