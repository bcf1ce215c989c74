"""Random cancellation under load, shared by the test suite and benchmarks/cancellation_soak.py.

Calls (reads and creates) run at a fixed concurrency against a served emulator, each cancelled
at a random point: on asyncio by a bare ``task.cancel()`` (sometimes twice, to interrupt the
clean-up of the first), on trio by a cancel scope's deadline. Afterwards we count the pool's
lost slots: connections that are neither idle nor closed while no request is running.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import Awaitable, Callable
from typing import Any

import anyio

from propelauth_async import AsyncPropelAuth, PropelAuthError


def lost_slots(client: AsyncPropelAuth) -> int:
    """Connections of the client's pool that no request uses and that are not idle: slots
    nobody can ever use again (encode/httpcore#1093)."""
    transport = client._http_client._transport
    transport = getattr(transport, "_inner", transport)  # the one the client chose
    pool = getattr(transport, "_pool", None)
    if pool is None:  # aiohttp's transport: its connector has no such slots
        return 0
    in_use = {id(r.connection) for r in pool._requests if r.connection is not None}
    return sum(
        1
        for c in pool._connections
        if id(c) not in in_use and not c.is_idle() and not c.is_closed()
    )


async def _cancel_at_random(
    call: Callable[[], Awaitable[Any]], rng: random.Random, max_delay: float
) -> None:
    delay = rng.uniform(0.0, max_delay)
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        with anyio.move_on_after(delay):
            await call()
        return
    task = asyncio.ensure_future(call())
    await asyncio.sleep(delay)
    task.cancel()
    if rng.random() < 0.3:  # a second cancel, while the first one's clean-up runs
        await asyncio.sleep(0)
        task.cancel()
    with contextlib.suppress(asyncio.CancelledError, PropelAuthError):
        await task


async def run_cancelled_calls(
    client: AsyncPropelAuth,
    user_id: str,
    *,
    calls: int,
    concurrency: int,
    seed: int,
    max_delay: float = 0.004,
) -> list[str]:
    """Run ``calls`` randomly cancelled calls; return the emails of the creates attempted."""
    rng = random.Random(seed)
    plan = [rng.random() < 0.5 for _ in range(calls)]  # True: a create
    emails: list[str] = []
    next_call = iter(range(calls))

    async def worker() -> None:
        for i in next_call:
            if plan[i]:
                email = f"soak-{seed}-{i}@example.com"
                emails.append(email)

                async def call(email: str = email) -> Any:
                    return await client.users.create(email=email)
            else:

                async def call() -> Any:
                    return await client.users.fetch(user_id)

            with contextlib.suppress(PropelAuthError):
                await _cancel_at_random(call, rng, max_delay)

    async with anyio.create_task_group() as group:
        for _ in range(concurrency):
            group.start_soon(worker)
    return emails


async def calls_after(client: AsyncPropelAuth, user_id: str, count: int) -> int:
    """Run ``count`` reads at once; return how many succeeded."""
    done = 0

    async def one() -> None:
        nonlocal done
        if await client.users.fetch(user_id) is not None:
            done += 1

    async with anyio.create_task_group() as group:
        for _ in range(count):
            group.start_soon(one)
    return done
