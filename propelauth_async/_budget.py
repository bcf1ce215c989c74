"""Rate budgets: who decides when the next request may start.

The limiter asks its budget before every attempt and tells it about every success and every
backend-wide 429. :class:`LocalBudget` (the default) keeps everything in this process;
:class:`~propelauth_async.RedisRateBudget` keeps the same state in Redis, so every worker
process on one API key shares one pace, one pause and one estimate of the server's limit.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from typing import Protocol, runtime_checkable

import anyio

from . import _pacing
from ._pacing import PaceState

MAX_PAUSE = 3600.0  # seconds: the longest client-wide pause any 429 can impose (1e308 included)


class PauseTooLong(Exception):
    """Internal: waiting for a turn would take longer than the caller allows.

    ``left`` is how long the wait would still be. The requester turns it into a
    ``RateLimitError`` for the call, which is then raised without sending anything.
    """

    def __init__(self, left: float) -> None:
        super().__init__(f"{left:.3f}s")
        self.left = left


def check_wait(wait: float, *, pause: bool, max_pause: float | None, within: float | None) -> None:
    """Refuse a wait the caller cannot afford: raise at once instead of sleeping in vain.

    ``max_pause`` bounds a pause after a 429 (``max_retry_wait``); ``within`` bounds any wait,
    a booked slot included (what is left of the call's ``total_timeout``)."""
    if pause and max_pause is not None and wait > max_pause:
        raise PauseTooLong(wait)
    if within is not None and wait > within:
        raise PauseTooLong(wait)


@runtime_checkable
class RateBudget(Protocol):
    """What a rate budget does. Implement it to share a budget some other way."""

    @property
    def current_rate(self) -> float | None:
        """Requests per second paced to now, or ``None`` when unpaced."""

    def bind(self, key_id: str) -> None:
        """Called once by the client with a hash of its API key and auth host (never the key):
        the identity of the budget being shared."""

    async def acquire(self, *, max_pause: float | None = None, within: float | None = None) -> None:
        """Wait until one more request may start: any pause is over and a slot is booked.

        Raise :class:`PauseTooLong` instead of waiting when a pause is longer than
        ``max_pause`` seconds, or any wait longer than ``within`` seconds (see
        :func:`check_wait`)."""

    def pause_left(self) -> float:
        """Seconds left of the pause after a backend-wide 429, as far as this process knows."""

    def record_success(self, *, exhausted: bool = False) -> None:
        """A request succeeded; ``exhausted`` when the server said no requests remain
        (``x-ratelimit-remaining: 0``), a limit signal that cost no 429."""

    def record_rate_limited(self, wait: float | None, *, precise: bool = False) -> float | None:
        """A backend-wide 429 asked to wait ``wait`` seconds (``None``: it did not say;
        ``precise`` when said in milliseconds). Pauses every request sharing the budget as
        :func:`shared_pause` says, and returns :func:`retry_wait`'s suggestion for the call."""

    async def aclose(self) -> None:
        """Release what the budget holds (connections); the client calls it on close."""


def shared_pause(wait: float | None, *, precise: bool, rate: float | None) -> float:
    """How long every request holds back after a 429.

    A precise wait is the bucket's own refill time, and a wait over a second is meant: honour
    them. ``Retry-After: 1`` (or an HTTP date a second away) is a sub-second refill rounded up,
    an upper bound that says little; once we pace, the pace itself lets the bucket refill, so
    two slots of the pace (at most ``COALESCE``) are enough. No hint at all: only the pace.
    """
    if wait is None or wait <= 0:
        return 0.0
    if precise or wait > 1.0 or rate is None:  # rate None: not adaptive, nothing else holds back
        return wait
    return min(wait, 2.0 / rate, _pacing.COALESCE)


def retry_wait(wait: float | None, pause: float, rate: float | None) -> float | None:
    """What the budget suggests the 429'd call itself waits (``None``: no evidence, use the
    call's own backoff). The caller follows it once per hinted call, so a server that meant
    its whole second is obeyed from the second 429 on."""
    if wait is not None:
        return pause
    if rate is None:
        return None
    return min(2.0 / rate, _pacing.COALESCE)


class SuccessLog:
    """Success count and the successes of the last measuring window, for the pace estimate."""

    def __init__(self) -> None:
        self.total = 0
        self._recent: deque[float] = deque()

    def add(self, now: float) -> None:
        self.total += 1
        recent = self._recent
        recent.append(now)
        if len(recent) > 64 and recent[0] < now - _pacing.MEASURE_WINDOW:
            self.recent(now)

    def recent(self, now: float) -> int:
        recent = self._recent
        horizon = now - _pacing.MEASURE_WINDOW
        while recent and recent[0] < horizon:
            recent.popleft()
        return len(recent)

    def rate(self, now: float) -> float:
        """Successes per second over the measuring window (or the time since the oldest of
        them, if shorter, but never less than the coalescing interval)."""
        count = self.recent(now)
        span = now - self._recent[0] if count else _pacing.MEASURE_WINDOW
        return count / min(_pacing.MEASURE_WINDOW, max(_pacing.COALESCE, span))


class LocalBudget:
    """The in-process budget: a pause gate, a GCRA slot booker and the adaptive pace.

    Waiters queue on a FIFO lock and only the head books a slot, at the pace in force when it
    reaches the head: a pace change applies to the very next request, and ten thousand waiters
    still wake one at a time.
    """

    def __init__(
        self,
        *,
        rate: float | None = None,
        burst: int = 1,
        adaptive: bool = True,
        clock: Callable[[], float] | None = None,
    ) -> None:
        # Looked up at each call, so tests can swap the clock (or this module's ``time``).
        self._clock = clock or (lambda: time.monotonic())
        self._state = _pacing.fixed(rate) if rate is not None else PaceState()
        self._burst = max(1, burst)
        self._adaptive = adaptive
        self._next_free = 0.0
        self._paused_until = 0.0
        self._turn = anyio.Lock()
        self._successes = SuccessLog()

    @property
    def current_rate(self) -> float | None:
        return _pacing.pace(self._state, self._successes.total)

    @property
    def state(self) -> PaceState:
        return self._state

    def bind(self, key_id: str) -> None:
        """Nothing to share: the budget is this process's alone."""

    async def acquire(self, *, max_pause: float | None = None, within: float | None = None) -> None:
        start = self._clock()
        if self._state.mode == "unpaced" and self._paused_until <= start:
            return
        end = None if within is None else start + within
        check_wait(self._paused_until - start, pause=True, max_pause=max_pause, within=within)
        async with self._turn:
            while True:
                now = self._clock()
                left = None if end is None else end - now
                if self._paused_until > now:
                    wait = self._paused_until - now
                    check_wait(wait, pause=True, max_pause=max_pause, within=left)
                    await anyio.sleep(wait)
                    continue
                rate = _pacing.pace(self._state, self._successes.total)
                if rate is None:
                    return
                interval = 1.0 / rate
                slot = max(self._next_free, now - (self._burst - 1) * interval)
                if slot <= now:
                    self._next_free = slot + interval
                    return
                check_wait(slot - now, pause=False, max_pause=None, within=left)
                await anyio.sleep(slot - now)

    def pause_left(self) -> float:
        return max(0.0, self._paused_until - self._clock())

    def record_success(self, *, exhausted: bool = False) -> None:
        now = self._clock()
        self._successes.add(now)
        if self._state.mode == "ramp":
            self._state = _pacing.refine(self._state, now, self._successes.rate(now))
        if exhausted:
            self._limit_signal(now, None)

    def record_rate_limited(self, wait: float | None, *, precise: bool = False) -> float | None:
        now = self._clock()
        self._limit_signal(now, wait if precise else None)
        rate = _pacing.pace(self._state, self._successes.total)
        pause = shared_pause(wait, precise=precise, rate=rate)
        if pause > 0:
            self._paused_until = max(self._paused_until, now + pause)
            self._next_free = max(self._next_free, self._paused_until)
        return retry_wait(wait, pause, rate)

    def _limit_signal(self, now: float, refill: float | None) -> None:
        if not self._adaptive:
            return
        self._state = _pacing.after_limit(
            self._state,
            now,
            successes=self._successes.total,
            recent_rate=self._successes.rate(now),
            refill=refill,
        )

    async def aclose(self) -> None:
        """Nothing to release."""
