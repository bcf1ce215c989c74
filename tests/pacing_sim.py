"""A bulk job against a simulated token-bucket server, on trio's virtual clock.

The client side is the real :class:`RateLimiter` and :class:`LocalBudget`, the server side the
emulator's real :class:`TokenBucket` and 429 builder, and the wait is parsed by the real
``retry_after_seconds``. Only the network is simulated: a fixed latency. Time is trio's
``MockClock`` jumping ahead whenever every task sleeps, so a 15-second job runs in well under a
second of CPU, the same way every run, whatever the machine's load.
"""

from __future__ import annotations

import random
from collections.abc import Callable

import attrs
import trio
import trio.testing

from propelauth_async._budget import LocalBudget, RateBudget
from propelauth_async._ratelimit import RateLimiter
from propelauth_async._retry import retry_after_is_precise, retry_after_seconds
from propelauth_async.testing._ratelimit import (
    RetryAfterFormat,
    TokenBucket,
    limit_headers,
    rate_limited_response,
)

EPOCH = 1_800_000_000.0  # the simulated wall clock's start, for HTTP dates


@attrs.define
class Outcome:
    calls: int
    requests: int = 0
    rate_limited: int = 0
    failures: int = 0
    elapsed: float = 0.0
    best: float = 0.0

    @property
    def share_429(self) -> float:
        return self.rate_limited / max(1, self.requests)

    @property
    def ratio(self) -> float:
        return self.best / self.elapsed if self.elapsed else 0.0


def best_time(calls: int, burst: int, rate: float, change: tuple[float, float] | None) -> float:
    """The least time a perfect client needs: the burst at once, then exactly the rate."""
    need = calls - burst
    if change is None or need / rate <= change[0]:
        return need / rate
    at, new_rate = change
    return at + (need - rate * at) / new_rate


def simulate(
    rate: float,
    *,
    fmt: RetryAfterFormat = "seconds",
    calls: int = 3000,
    concurrency: int = 64,
    burst: int = 20,
    latency: float = 0.002,
    change: tuple[float, float] | None = None,
    headers: bool = False,
    max_rate_limit_retries: int = 5,
    seed: int = 0,
    budget: Callable[[Callable[[], float]], RateBudget] | None = None,
) -> Outcome:
    """Run ``calls`` requests at ``concurrency`` against a bucket of ``rate``/``burst``;
    ``change=(t, new_rate)`` changes the limit ``t`` seconds in."""
    outcome = Outcome(calls, best=best_time(calls, burst, rate, change))
    jitter = random.Random(seed)
    # trio reverses its run queue at random to shake out ordering bugs; seeded, the same
    # simulation replays exactly (its MockClock offset comes from the same generator).
    trio._core._run._r.seed(seed)

    async def main() -> None:
        now = trio.current_time
        bucket = TokenBucket(rate, burst, clock=now)
        limiter = RateLimiter(budget=budget(now) if budget else LocalBudget(clock=now))
        left = [calls]
        start = now()

        async def one_call() -> None:
            for retry in range(max_rate_limit_retries + 1):
                await limiter.wait_turn()
                outcome.requests += 1
                await trio.sleep(latency / 2)
                admission = bucket.take("key")
                await trio.sleep(latency / 2)
                extra = limit_headers(admission) if headers else {}
                if admission.wait == 0:
                    limiter.record_success(extra)
                    return
                outcome.rate_limited += 1
                answer, body = rate_limited_response(admission.wait, fmt, now=EPOCH + now())
                answer.update(extra)
                wait = retry_after_seconds(answer, body, now=EPOCH + now())
                precise = wait is not None and retry_after_is_precise(answer)
                suggested = limiter.record_rate_limited(wait, hinted=precise)
                own = wait if wait is not None else jitter.uniform(0.0, min(8.0, 2.0**retry))
                if suggested is not None and (retry == 0 or wait is None):  # as _transport
                    own = min(own, suggested)
                await trio.sleep(own)
            outcome.failures += 1

        async def worker() -> None:
            while left[0] > 0:
                left[0] -= 1
                await one_call()

        async def change_limit() -> None:
            assert change is not None
            await trio.sleep(change[0])
            bucket.set_limit(change[1])

        async with trio.open_nursery() as nursery:
            if change is not None:
                nursery.start_soon(change_limit)
            async with trio.open_nursery() as workers:
                for _ in range(concurrency):
                    workers.start_soon(worker)
            outcome.elapsed = now() - start
            nursery.cancel_scope.cancel()

    trio.run(main, clock=trio.testing.MockClock(autojump_threshold=0))
    return outcome
