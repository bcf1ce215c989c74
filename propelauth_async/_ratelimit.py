"""Client-wide pacing: a pause gate, an optional token bucket, a concurrency cap, and AIMD.

Every attempt of every coroutine sharing a client passes :meth:`RateLimiter.wait_turn`, so a
429 seen by one coroutine holds back all of them instead of letting its siblings keep hitting
the server. The bucket is a GCRA-style reservation: each waiter computes its own slot and
sleeps exactly once, so ten thousand queued coroutines cost ten thousand wake-ups, not a storm.

Adaptive mode (on by default) does nothing until the first 429; from then on the client paces
itself: the rate drops multiplicatively on each 429 and climbs additively after each quiet window.
"""

from __future__ import annotations

import time
from contextlib import AbstractAsyncContextManager, nullcontext

import anyio

_BETA = 0.7  # multiplicative decrease on a 429 (botocore uses 0.7 too)
_WINDOW = 1.0  # seconds: the measuring window and the quiet period between increases
_MIN_RATE = 1.0  # requests per second: adaptive mode never goes below this


class RateLimiter:
    """Shared by every coroutine of one client; taken once per attempt, inside the retry loop."""

    def __init__(
        self,
        *,
        rate: float | None = None,
        burst: int = 1,
        max_concurrency: int | None = None,
        adaptive: bool = True,
    ) -> None:
        self._rate = rate
        self._burst = max(1, burst)
        self._adaptive = adaptive
        self._next_free = 0.0  # monotonic time of the next free slot
        self._paused_until = 0.0
        self._slots = anyio.CapacityLimiter(max_concurrency) if max_concurrency else None
        self._window_start = time.monotonic()
        self._window_sends = 0
        self._measured_rate: float | None = None
        self._last_decrease = float("-inf")
        self._last_increase = float("-inf")
        self._increase_step = _MIN_RATE
        self.requests_started = 0
        self.rate_limited = 0

    @property
    def current_rate(self) -> float | None:
        """Requests per second we pace to now, or ``None`` when unpaced."""
        return self._rate

    def slot(self) -> AbstractAsyncContextManager[object]:
        """The concurrency cap, held for the duration of one attempt."""
        return self._slots if self._slots is not None else nullcontext()

    async def wait_turn(self) -> None:
        """Wait for a pause to end and for this request's slot in the bucket."""
        now = time.monotonic()
        if self._rate is None and self._paused_until <= now:
            self._count_send(now)
            return
        while True:
            now = time.monotonic()
            if self._paused_until > now:
                await anyio.sleep(self._paused_until - now)
                continue
            if self._rate is None:
                break
            interval = 1.0 / self._rate
            earliest = now - (self._burst - 1) * interval
            slot = max(self._next_free, earliest)
            self._next_free = slot + interval
            if slot <= now:
                break
            await anyio.sleep(slot - now)
            if self._paused_until <= time.monotonic():
                break
        self._count_send(time.monotonic())

    def _count_send(self, now: float) -> None:
        self.requests_started += 1
        self._window_sends += 1
        elapsed = now - self._window_start
        if elapsed >= _WINDOW:
            self._measured_rate = self._window_sends / elapsed
            self._window_start = now
            self._window_sends = 0

    def record_rate_limited(self, wait: float | None) -> None:
        """A 429 arrived: pause everyone for ``wait`` seconds and, if adaptive, slow down."""
        self.rate_limited += 1
        now = time.monotonic()
        if wait is not None and wait > 0:
            self._paused_until = max(self._paused_until, now + wait)
            self._next_free = max(self._next_free, self._paused_until)
        if not self._adaptive or now - self._last_decrease < _WINDOW:
            return
        observed = self._observed_rate(now)
        current = self._rate if self._rate is not None else observed
        self._rate = max(_MIN_RATE, min(current, observed) * _BETA)
        self._increase_step = max(_MIN_RATE, self._rate * 0.1)
        self._last_decrease = now
        self._last_increase = now

    def record_success(self) -> None:
        """A request went through: after a quiet window, raise the adaptive rate a step."""
        if self._rate is None or not self._adaptive or self._last_decrease == float("-inf"):
            return
        now = time.monotonic()
        if now - self._last_increase >= _WINDOW:
            self._rate += self._increase_step
            self._last_increase = now

    def _observed_rate(self, now: float) -> float:
        elapsed = now - self._window_start
        current = self._window_sends / elapsed if elapsed > 0.05 else 0.0
        candidates = [r for r in (self._measured_rate, current) if r]
        return max(candidates) if candidates else _MIN_RATE * 10
