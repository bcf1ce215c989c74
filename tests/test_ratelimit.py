"""The client-wide limiter: pause gate, bucket pacing, AIMD, concurrency cap (asyncio and trio)."""

from __future__ import annotations

import time

import anyio
import pytest

from propelauth_async._ratelimit import RateLimiter

pytestmark = pytest.mark.anyio


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


async def test_unlimited_by_default() -> None:
    limiter = RateLimiter()
    start = time.monotonic()
    for _ in range(1000):
        await limiter.wait_turn()
    assert time.monotonic() - start < 0.5
    assert limiter.current_rate is None
    assert limiter.requests_started == 1000


async def test_pause_holds_everyone() -> None:
    limiter = RateLimiter(adaptive=False)
    limiter.record_rate_limited(0.3)
    start = time.monotonic()
    async with anyio.create_task_group() as group:
        for _ in range(5):
            group.start_soon(limiter.wait_turn)
    assert time.monotonic() - start >= 0.28
    assert limiter.current_rate is None  # not adaptive: no pacing afterwards


async def test_bucket_paces_to_the_rate() -> None:
    limiter = RateLimiter(rate=50, burst=5)
    start = time.monotonic()
    async with anyio.create_task_group() as group:
        for _ in range(25):
            group.start_soon(limiter.wait_turn)
    elapsed = time.monotonic() - start
    assert 0.35 <= elapsed <= 1.0  # 5 at once, then 20 more at 50/s


async def test_concurrency_cap() -> None:
    limiter = RateLimiter(max_concurrency=2)
    running = 0
    peak = 0

    async def work() -> None:
        nonlocal running, peak
        await limiter.wait_turn()
        async with limiter.slot():
            running += 1
            peak = max(peak, running)
            await anyio.sleep(0.01)
            running -= 1

    async with anyio.create_task_group() as group:
        for _ in range(10):
            group.start_soon(work)
    assert peak == 2


async def test_cancelled_waiter_leaves_the_queue() -> None:
    limiter = RateLimiter(rate=1, burst=1)
    await limiter.wait_turn()
    with anyio.move_on_after(0.1):
        await limiter.wait_turn()  # would wait ~1 s
    with anyio.fail_after(2):
        await limiter.wait_turn()  # the queue still works after a cancelled waiter
