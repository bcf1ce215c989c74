"""Client-wide pacing: the rate budget every attempt passes, and a concurrency cap.

Every attempt of every coroutine sharing a client passes :meth:`RateLimiter.wait_turn`, so a
429 seen by one coroutine holds back all of them instead of letting its siblings keep hitting
the server. What "holds back" means is the budget's business (:mod:`._budget`): in this
process by default, or shared by every worker on the API key through Redis. How fast to go
after a 429 is the adaptive estimate's (:mod:`._pacing`).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from contextlib import AbstractAsyncContextManager, nullcontext

import anyio

from ._budget import MAX_PAUSE, LocalBudget, PauseTooLong, RateBudget

__all__ = ["MAX_PAUSE", "PauseTooLong", "RateLimiter"]


class RateLimiter:
    """Shared by every coroutine of one client; taken once per attempt, inside the retry loop."""

    def __init__(
        self,
        *,
        rate: float | None = None,
        burst: int = 1,
        max_concurrency: int | None = None,
        adaptive: bool = True,
        budget: RateBudget | None = None,
    ) -> None:
        self.budget: RateBudget = budget or LocalBudget(rate=rate, burst=burst, adaptive=adaptive)
        self._slots = anyio.CapacityLimiter(max_concurrency) if max_concurrency else None
        self.requests_started = 0
        self.rate_limited = 0

    @property
    def current_rate(self) -> float | None:
        """Requests per second we pace to now, or ``None`` when unpaced."""
        return self.budget.current_rate

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
        return self.budget.pause_left()

    async def wait_turn(
        self, *, deadline: float | None = None, max_wait: float | None = None
    ) -> None:
        """Wait for a pause to end and for this request's slot in the budget.

        A pause longer than ``max_wait``, or any wait that would outlast the call's
        ``deadline`` (monotonic), raises :class:`PauseTooLong` at once: a call is never held
        past what its caller allows, and a server asking for an hour freezes nobody.
        """
        within = None if deadline is None else deadline - time.monotonic()
        await self.budget.acquire(max_pause=max_wait, within=within)
        self.requests_started += 1

    def record_rate_limited(self, wait: float | None, *, hinted: bool = False) -> float | None:
        """A backend-wide 429 arrived: pause everyone and slow down (see :mod:`._budget`).

        ``hinted`` says the wait came from the server with sub-second precision, the bucket's
        exact refill time; ``wait`` is ``None`` when the server gave no hint. Returns how long
        the budget suggests the 429'd call waits (``None``: its own backoff).
        """
        self.rate_limited += 1
        if wait is not None:
            wait = min(wait, MAX_PAUSE)  # 1e308 included: every pause is finite
        return self.budget.record_rate_limited(wait, precise=hinted)

    def record_success(self, headers: Mapping[str, str] | None = None) -> None:
        """A request went through; ``x-ratelimit-remaining: 0`` on it is a limit signal."""
        exhausted = headers is not None and headers.get("x-ratelimit-remaining", "").strip() == "0"
        self.budget.record_success(exhausted=exhausted)
