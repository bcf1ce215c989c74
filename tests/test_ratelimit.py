"""The client-wide limiter: pause gate, bucket pacing, AIMD, concurrency cap (asyncio and trio)."""

from __future__ import annotations

import time
import types
from collections.abc import Callable

import anyio
import pytest

from propelauth_async import _budget, _ratelimit
from propelauth_async._ratelimit import RateLimiter

pytestmark = pytest.mark.anyio


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def virtual_clock(monkeypatch: pytest.MonkeyPatch) -> Callable[[], float]:
    """The limiter's clock, moved only by its own sleeps: ``anyio.sleep(d)`` adds ``d`` at
    once. Waits are then exact, whatever the machine's speed, and cost no real time."""
    now = [1000.0]
    real_sleep = anyio.sleep

    async def sleep(delay: float) -> None:
        now[0] += max(0.0, delay)
        await real_sleep(0)

    monkeypatch.setattr(anyio, "sleep", sleep)
    clock = types.SimpleNamespace(monotonic=lambda: now[0])
    monkeypatch.setattr(_ratelimit, "time", clock)
    monkeypatch.setattr(_budget, "time", clock)  # the in-process budget's own clock
    return lambda: now[0]


async def test_unlimited_by_default(virtual_clock: Callable[[], float]) -> None:
    limiter = RateLimiter()
    for _ in range(1000):
        await limiter.wait_turn()
    assert virtual_clock() == 1000.0  # not one wait
    assert limiter.current_rate is None
    assert limiter.requests_started == 1000


async def test_pause_holds_everyone() -> None:
    limiter = RateLimiter(adaptive=False)
    limiter.record_rate_limited(0.1)
    start = time.monotonic()
    async with anyio.create_task_group() as group:
        for _ in range(5):
            group.start_soon(limiter.wait_turn)
    assert time.monotonic() - start >= 0.09
    assert limiter.current_rate is None  # not adaptive: no pacing afterwards


async def test_bucket_paces_to_the_rate(virtual_clock: Callable[[], float]) -> None:
    limiter = RateLimiter(rate=50, burst=5)
    started: list[float] = []

    async def take_turn() -> None:
        await limiter.wait_turn()
        started.append(virtual_clock() - 1000.0)

    async with anyio.create_task_group() as group:
        for _ in range(25):
            group.start_soon(take_turn)
    expected = [0.0] * 5 + [0.02 * n for n in range(1, 21)]  # 5 at once, then 20 more at 50/s
    assert started == pytest.approx(expected)


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
    limiter = RateLimiter(rate=10, burst=1)
    await limiter.wait_turn()
    with anyio.move_on_after(0.01) as scope:
        await limiter.wait_turn()  # would wait 0.1 s: the earlier deadline cancels it first
    assert scope.cancelled_caught
    with anyio.fail_after(5):
        await limiter.wait_turn()  # the queue still works after a cancelled waiter
