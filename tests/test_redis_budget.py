"""The shared rate budget against a real redis-server (started by the ``redis_url`` fixture)."""

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import anyio
import pytest
import pytest_asyncio

from propelauth_async import (
    AsyncPropelAuth,
    ConfigurationError,
    RateBudgetUnavailableError,
    RedisRateBudget,
)
from propelauth_async._pacing import PaceState
from propelauth_async.testing import serve_emulator

from .conftest import API_KEY

WORKER = Path(__file__).parent / "budget_worker.py"


@pytest_asyncio.fixture
async def pair(
    redis_url: str, request: pytest.FixtureRequest
) -> AsyncIterator[tuple[RedisRateBudget, RedisRateBudget]]:
    """Two budgets on one key, as two worker processes would hold them."""
    first, second = RedisRateBudget(redis_url), RedisRateBudget(redis_url)
    key_id = f"test-{request.node.name}-{time.monotonic_ns()}"
    first.bind(key_id)
    second.bind(key_id)
    yield first, second
    await first.aclose()
    await second.aclose()


async def test_the_redis_key_is_a_hash_never_the_api_key(redis_url: str) -> None:
    from redis.asyncio import Redis

    budget = RedisRateBudget(redis_url)
    other = RedisRateBudget(redis_url)
    async with AsyncPropelAuth("https://auth.example.com", API_KEY, budget=budget):
        pass
    AsyncPropelAuth("https://auth.example.com", API_KEY, budget=other)
    assert budget.key == other.key  # same key and host: one shared budget
    assert budget.key is not None and API_KEY not in budget.key
    assert API_KEY not in repr(budget) and redis_url not in repr(budget)
    await budget.acquire()
    async with Redis.from_url(redis_url) as redis:
        stored = await redis.hgetall(budget.key)
    assert stored  # the state is in Redis under the hashed name
    assert all(API_KEY.encode() not in k + v for k, v in stored.items())
    third = RedisRateBudget(redis_url)
    AsyncPropelAuth("https://other.example.com", API_KEY, budget=third)
    assert third.key != budget.key  # another auth host: another budget
    for b in (budget, other, third):
        await b.aclose()


async def test_a_429_seen_by_one_worker_pauses_the_others(
    pair: tuple[RedisRateBudget, RedisRateBudget],
) -> None:
    first, second = pair
    start = time.monotonic()
    await second.acquire()
    unpaused = time.monotonic() - start  # the control: no pause in force
    first.record_rate_limited(0.4, precise=True)
    paused = 0.0

    async def other_worker() -> None:
        nonlocal paused
        await anyio.sleep(0.05)  # after the first one's round trip shared the pause
        begin = time.monotonic()
        await second.acquire()
        paused = time.monotonic() - begin

    async with anyio.create_task_group() as group:
        group.start_soon(first.acquire)
        group.start_soon(other_worker)
    assert paused >= 0.25 > unpaused


async def test_the_estimate_is_shared_and_proposed_once(
    pair: tuple[RedisRateBudget, RedisRateBudget],
) -> None:
    first, second = pair
    await first.acquire()
    await second.acquire()
    for _ in range(20):
        first.record_success()
        second.record_success()
    first.record_rate_limited(1.0)  # both see the same overshoot
    second.record_rate_limited(1.0)
    await first.acquire()
    await second.acquire()  # its rival proposal (same version) is dropped
    await first.acquire()
    assert first.state == second.state
    assert first.state.mode == "ramp"
    assert first._version == second._version == 1


async def test_admission_paces_every_worker_together(
    pair: tuple[RedisRateBudget, RedisRateBudget],
) -> None:
    first, second = pair
    first._proposal = (0, PaceState("fixed", 50.0, 0.0, 0))  # 50/s for both, as set by one
    await first.acquire()
    await second.acquire()
    start = time.monotonic()

    async def take(budget: RedisRateBudget) -> None:
        for _ in range(5):
            await budget.acquire()

    async with anyio.create_task_group() as group:
        group.start_soon(take, first)
        group.start_soon(take, second)
    elapsed = time.monotonic() - start
    assert elapsed >= 9 / 50 * 0.9  # ten slots of 20 ms, booked on Redis's one clock


def _closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"redis://127.0.0.1:{sock.getsockname()[1]}/0"


async def test_unreachable_redis_falls_back_to_local_pacing_with_one_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="propelauth_async")
    budget = RedisRateBudget(_closed_port_url(), timeout=0.2)
    budget.bind("unreachable")
    for _ in range(3):
        await budget.acquire()
    budget.record_rate_limited(0.05, precise=True)
    assert budget.current_rate is not None  # the local pace took over
    warnings = [r for r in caplog.records if "unreachable" in r.getMessage()]
    assert len(warnings) == 1
    assert "127.0.0.1" not in warnings[0].getMessage()  # no URL (it may hold a password)
    await budget.aclose()


async def test_unreachable_redis_fails_when_told_to() -> None:
    budget = RedisRateBudget(_closed_port_url(), timeout=0.2, on_unavailable="fail")
    async with AsyncPropelAuth("http://127.0.0.1:9", API_KEY, budget=budget) as client:
        with pytest.raises(RateBudgetUnavailableError):
            await client.users.fetch("00000000-0000-4000-8000-000000000000")
    await budget.aclose()


def _run_workers(
    url: str,
    api_key: str,
    redis: str,
    uid: str,
    workers: int,
    calls: int,
    rate: float,
    start: float,
) -> list[dict[str, Any]]:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parent.parent)}
    command = [sys.executable, str(WORKER), url, api_key, redis, str(calls), "8", uid, str(rate)]
    command.append(str(start))
    procs = [subprocess.Popen(command, stdout=subprocess.PIPE, env=env) for _ in range(workers)]
    results = []
    for proc in procs:
        out, _ = proc.communicate(timeout=60)
        assert proc.returncode == 0
        results.append(json.loads(out.decode().strip().splitlines()[-1]))
    return results


def _combined_rate(results: list[dict[str, Any]]) -> float:
    """Requests admitted per second, all workers together, first admission to last. (A peak
    over short windows would count a starved process firing its booked slots late.)"""
    times = sorted(t for result in results for t in result["done"])
    return (len(times) - 1) / (times[-1] - times[0])


async def test_worker_processes_share_one_budget(redis_url: str) -> None:
    """Three processes on one key, each told the pace is 10/s (no server limit): with the
    shared budget that is 10/s for all of them together, on Redis's one clock; the same
    workers pacing alone, measured in the same test, go (up to) three times as fast."""
    async with serve_emulator() as emu:
        uid = emu.add_user("ada@x.io")
        assert emu.url is not None
        # Both sets of workers at once, from one start time, however slowly each one starts.
        args = (emu.url, emu.api_key)
        start = time.time() + 3.0
        results: dict[str, list[dict[str, Any]]] = {}

        async def run(name: str, redis: str) -> None:
            results[name] = await anyio.to_thread.run_sync(
                _run_workers, *args, redis, uid, 3, 8, 10.0, start
            )

        async with anyio.create_task_group() as group:
            group.start_soon(run, "shared", redis_url)
            group.start_soon(run, "alone", "local")
    shared, alone = results["shared"], results["alone"]
    assert sum(r["failures"] for r in shared + alone) == 0
    shared_rate, alone_rate = _combined_rate(shared), _combined_rate(alone)
    assert shared_rate <= 10 * 1.25, (shared_rate, alone_rate)
    assert alone_rate > shared_rate * 1.5, (shared_rate, alone_rate)


async def test_a_starting_pace_goes_to_the_budget_not_the_client(redis_url: str) -> None:
    budget = RedisRateBudget(redis_url)
    with pytest.raises(ConfigurationError):
        AsyncPropelAuth("https://auth.example.com", API_KEY, budget=budget, rate_limit=10)
    with pytest.raises(ConfigurationError):
        RedisRateBudget(redis_url, on_unavailable="retry")  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError):
        await budget.acquire()  # never bound to a client
    await budget.aclose()
