"""The emulator's per-API-key rate limit: a token bucket, and the 429 it answers.

Real servers say how long to wait in different ways, and a client has to pace well under each
of them, so the emulator speaks them all (``retry_after_format``):

* ``"seconds"``: ``Retry-After: N``, the wait rounded *up* to whole seconds (as real servers do);
* ``"http-date"``: ``Retry-After`` as an HTTP date, whole seconds from now;
* ``"ms"``: ``retry-after-ms``, the exact time to the next token in milliseconds;
* ``"reset"``: ``x-ratelimit-reset``, whole seconds until a token is free;
* ``"none"``: nothing at all.

Every 429 body is PropelAuth's own plain text, "Rate limited. Please wait N seconds...", except
under ``"none"``. With ``limit_headers`` every answer also carries ``x-ratelimit-limit`` (the
bucket's rate per second) and ``x-ratelimit-remaining`` (whole tokens left).

The limit can change while the emulator serves (:meth:`TokenBucket.set_limit`), as a real
backend's can. The clock is injectable, so a simulated server in a test runs on a fake clock.
"""

from __future__ import annotations

import email.utils
import math
import threading
import time
from collections.abc import Callable
from typing import Literal

import attrs

RetryAfterFormat = Literal["seconds", "http-date", "ms", "reset", "none"]
RETRY_AFTER_FORMATS: tuple[RetryAfterFormat, ...] = ("seconds", "http-date", "ms", "reset", "none")


@attrs.frozen
class Admission:
    """The bucket's answer: ``wait`` is 0 when the request may go ahead, otherwise the seconds
    until a token is free; ``remaining`` is the whole tokens left after this request."""

    wait: float
    remaining: int
    limit: float


class TokenBucket:
    """Per-API-key request bucket: ``rate`` tokens per second, holding at most ``burst``."""

    def __init__(
        self, rate: float, burst: int, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        _check(rate, burst)
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._tokens: dict[str, float] = {}
        self._stamp: dict[str, float] = {}
        self._lock = threading.Lock()

    def set_limit(self, rate: float, burst: int | None = None) -> None:
        """Change the limit from now on; tokens already earned are kept (up to the new burst)."""
        _check(rate, burst if burst is not None else self.burst)
        with self._lock:
            now = self._clock()
            for key in self._tokens:
                self._tokens[key] = self._refilled(key, now)
                self._stamp[key] = now
            self.rate = rate
            if burst is not None:
                self.burst = burst
                for key, tokens in self._tokens.items():
                    self._tokens[key] = min(float(burst), tokens)

    def take(self, key: str) -> Admission:
        """Take a token for ``key`` if there is one."""
        with self._lock:
            now = self._clock()
            tokens = self._refilled(key, now)
            self._stamp[key] = now
            if tokens >= 1.0:
                self._tokens[key] = tokens - 1.0
                return Admission(0.0, int(tokens - 1.0), self.rate)
            self._tokens[key] = tokens
            return Admission((1.0 - tokens) / self.rate, 0, self.rate)

    def _refilled(self, key: str, now: float) -> float:
        tokens = self._tokens.get(key, float(self.burst))
        return min(float(self.burst), tokens + (now - self._stamp.get(key, now)) * self.rate)


def _check(rate: float, burst: int) -> None:
    if not (rate > 0 and math.isfinite(rate)) or burst < 1:
        raise ValueError("rate must be a positive number and burst at least 1")


def limit_headers(admission: Admission) -> dict[str, str]:
    """``x-ratelimit-limit`` / ``x-ratelimit-remaining`` for any answer."""
    return {
        "x-ratelimit-limit": f"{admission.limit:g}",
        "x-ratelimit-remaining": str(admission.remaining),
    }


def rate_limited_response(
    wait: float, fmt: RetryAfterFormat, *, now: float | None = None
) -> tuple[dict[str, str], bytes]:
    """Headers and body of the 429, with the wait said in the configured way."""
    seconds = max(1, math.ceil(wait))
    headers: dict[str, str] = {"content-type": "text/plain; charset=utf-8"}
    if fmt == "seconds":
        headers["retry-after"] = str(seconds)
    elif fmt == "ms":
        headers["retry-after-ms"] = str(max(1, math.ceil(wait * 1000)))
    elif fmt == "http-date":
        current = time.time() if now is None else now
        headers["retry-after"] = email.utils.formatdate(current + seconds, usegmt=True)
    elif fmt == "reset":
        headers["x-ratelimit-reset"] = str(seconds)
    if fmt == "none":
        return headers, b"Rate limited."
    return headers, f"Rate limited. Please wait {seconds} seconds before trying again.".encode()
