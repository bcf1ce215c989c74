"""Client-wide pacing: a pause gate, an optional token bucket, a concurrency cap, and AIMD.

Every attempt of every coroutine sharing a client passes :meth:`RateLimiter.wait_turn`, so a
429 seen by one coroutine holds back all of them instead of letting its siblings keep hitting
the server. The bucket is GCRA-style: the waiter at the head of a FIFO queue books the next
slot and sleeps until it, so queued coroutines wake one at a time, never as a storm.

Adaptive mode (on by default) does nothing until the first 429; from then on the client paces
itself: the rate drops multiplicatively on each 429 (at most once a second) and climbs after each
quiet second, doubling until the next 429 (slow start), then by a fixed step (AIMD).
"""

from __future__ import annotations

import time
from collections import deque
from contextlib import AbstractAsyncContextManager, nullcontext

import anyio

_BETA = 0.7  # multiplicative decrease on a 429 (botocore uses 0.7 too)
_WINDOW = 1.0  # seconds: the measuring window and the quiet period between increases
_MIN_RATE = 1.0  # requests per second: adaptive mode never goes below this
_SLOW_START_GROWTH = 2.0  # per quiet window, until the second 429 (then additive increase)
MAX_PAUSE = 3600.0  # seconds: the longest client-wide pause any 429 can impose (1e308 included)


class PauseTooLong(Exception):
    """Internal: waiting for a turn would take longer than the caller allows.

    ``left`` is how long the wait would still be. The requester turns it into a
    ``RateLimitError`` for the call, which is then raised without sending anything.
    """

    def __init__(self, left: float) -> None:
        super().__init__(f"{left:.3f}s")
        self.left = left


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
        self._turn = anyio.Lock()
        self._successes: deque[float] = deque(maxlen=100_000)
        self._slow_start = True
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

    @property
    def gate(self) -> anyio.CapacityLimiter | None:
        """The concurrency cap itself, for a caller that bounds its wait for a slot.

        The client sizes it to its connection pool, so that the pool never has to queue a
        waiter: a cancelled waiter inside httpcore's pool can orphan a connection for good
        (encode/httpcore#1093), while one cancelled in this gate just leaves the queue.
        """
        return self._slots

    def pause_left(self) -> float:
        """Seconds left of the client-wide pause (0 when there is none)."""
        return max(0.0, self._paused_until - time.monotonic())

    def _check_wait(
        self, until: float, now: float, deadline: float | None, max_wait: float | None
    ) -> None:
        """Refuse a wait the caller cannot afford: raise at once instead of sleeping in vain."""
        left = until - now
        if max_wait is not None and left > max_wait:
            raise PauseTooLong(left)
        if deadline is not None and until > deadline:
            raise PauseTooLong(left)

    async def wait_turn(
        self, *, deadline: float | None = None, max_wait: float | None = None
    ) -> None:
        """Wait for a pause to end and for this request's slot in the bucket.

        Waiters queue on a FIFO lock and only the head books a slot, at the rate in force when
        it reaches the head: a rate change applies to the very next request, and ten thousand
        waiters still wake one at a time.

        A pause longer than ``max_wait``, or one that would outlast the call's ``deadline``
        (monotonic), raises :class:`PauseTooLong` at once: a call is never held past what its
        caller allows, and a server asking for an hour freezes nobody.
        """
        if self._rate is None and self._paused_until <= time.monotonic():
            self.requests_started += 1
            return
        self._check_wait(self._paused_until, time.monotonic(), deadline, max_wait)
        async with self._turn:
            while True:
                now = time.monotonic()
                if self._paused_until > now:
                    self._check_wait(self._paused_until, now, deadline, max_wait)
                    await anyio.sleep(self._paused_until - now)
                    continue
                if self._rate is None:
                    break
                interval = 1.0 / self._rate
                slot = max(self._next_free, now - (self._burst - 1) * interval)
                if slot <= now:
                    self._next_free = slot + interval
                    break
                self._check_wait(slot, now, deadline, None)
                await anyio.sleep(slot - now)
        self.requests_started += 1

    def record_rate_limited(self, wait: float | None, *, hinted: bool = False) -> None:
        """A 429 arrived: pause everyone for ``wait`` seconds and, if adaptive, slow down.

        ``hinted`` says the wait came from the server. A token bucket's wait under a second is
        the time until its next token, so ``1 / wait`` is the server's own rate, the best
        estimate there is; otherwise we take what got through in the last second, times 0.7.
        """
        self.rate_limited += 1
        now = time.monotonic()
        if wait is not None and wait > 0:
            wait = min(wait, MAX_PAUSE)
            self._paused_until = max(self._paused_until, now + wait)
            self._next_free = max(self._next_free, self._paused_until)
        if not self._adaptive or now - self._last_decrease < _WINDOW:
            return
        if hinted and wait is not None and 0 < wait < 1.0:
            estimate = 0.9 / wait
        else:
            estimate = self._successes_last_window(now) * _BETA
        if self._rate is not None:
            estimate = min(estimate, self._rate * _BETA)
            self._slow_start = False  # a second 429: the ceiling is near, climb gently now
        self._rate = max(_MIN_RATE, estimate)
        self._increase_step = max(_MIN_RATE, self._rate * 0.2)
        self._last_decrease = now
        self._last_increase = now

    def record_success(self) -> None:
        """A request went through: after a quiet window, raise the adaptive rate a step."""
        now = time.monotonic()
        self._successes.append(now)
        if self._rate is None or not self._adaptive or self._last_decrease == float("-inf"):
            return
        if now - self._last_increase >= _WINDOW:
            if self._slow_start:
                self._rate *= _SLOW_START_GROWTH
            else:
                self._rate += self._increase_step
            self._last_increase = now

    def _successes_last_window(self, now: float) -> float:
        recent = self._successes
        while recent and recent[0] < now - _WINDOW:
            recent.popleft()
        return float(len(recent))
