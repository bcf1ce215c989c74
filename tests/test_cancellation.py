"""Cancelled calls never cost a pool slot (encode/httpcore#1093), on asyncio and on trio.

The full 10,000-call run per backend is ``benchmarks/cancellation_soak.py``; the suite runs a
smaller seeded run of the same load, which lost slots on 0.1's code within a few hundred calls.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import anyio
import httpx
import pytest

from propelauth_async import AsyncPropelAuth
from propelauth_async._transport import reclaim_orphaned_connections
from propelauth_async.testing import Emulator, run_emulator

from .cancellation_load import calls_after, lost_slots, run_cancelled_calls

pytestmark = pytest.mark.anyio

CALLS = 1500
CONCURRENCY = 200


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[Emulator, str]]:
    with run_emulator() as emu:
        yield emu, emu.add_user("ada@example.com")


def _client(emu: Emulator, max_connections: int = 4, transport: str = "httpx") -> AsyncPropelAuth:
    # The pool (and gate) wait is long enough for 200 calls on a loaded machine; a lost slot
    # is seen directly by lost_slots(), and as calls that never get a connection. httpx's own
    # transport by default: the bug is httpcore's.
    return emu.client(
        max_connections=max_connections,
        timeout=httpx.Timeout(10.0),
        max_retries=0,
        transport=transport,
    )


async def test_randomly_cancelled_calls_lose_no_slot_and_apply_no_create_twice(
    served: tuple[Emulator, str], anyio_backend: str
) -> None:
    await _cancelled_load(served, anyio_backend, "httpx")


async def _cancelled_load(served: tuple[Emulator, str], anyio_backend: str, transport: str) -> None:
    emu, uid = served
    async with _client(emu, transport=transport) as client:
        seed = 1 if anyio_backend == "asyncio" else 2
        emails = await run_cancelled_calls(
            client, uid, calls=CALLS, concurrency=CONCURRENCY, seed=seed
        )
        await anyio.sleep(0.01)  # let the last clean-ups finish
        assert lost_slots(client) == 0
        with anyio.fail_after(60):
            assert await calls_after(client, uid, 200) == 200
    assert emails, "the plan had creates"
    assert all(len(emu.users_with_email(e)) <= 1 for e in emails)


@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_randomly_cancelled_calls_on_the_aiohttp_transport(
    served: tuple[Emulator, str], anyio_backend: str
) -> None:
    """The same load on the transport ``"auto"`` picks on asyncio."""
    await _cancelled_load(served, anyio_backend, "aiohttp")


@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_the_issues_reproduction_with_one_connection(
    served: tuple[Emulator, str], anyio_backend: str
) -> None:
    emu, uid = served
    async with _client(emu, max_connections=1) as client:  # httpx's own transport
        for _ in range(20):
            tasks = [asyncio.create_task(client.users.fetch(uid)) for _ in range(2)]
            await asyncio.sleep(0)
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        with anyio.fail_after(5):
            assert await client.users.fetch(uid) is not None


@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_the_pool_reclaims_a_connection_orphaned_by_a_cancelled_waiter(
    served: tuple[Emulator, str], anyio_backend: str
) -> None:
    """Below our gate, httpx's own pool still has the bug's window when waiters queue in it:
    the pool we build closes it whatever sits in front of it."""
    emu, uid = served
    transport = httpx.AsyncHTTPTransport(limits=httpx.Limits(max_connections=1))
    reclaim_orphaned_connections(transport)  # what the client does to httpx's own transport
    http = httpx.AsyncClient(timeout=httpx.Timeout(5.0, pool=2.0), transport=transport)
    url = f"{emu.url}/api/backend/v1/user/{uid}"
    headers = {"authorization": f"Bearer {emu.api_key}"}
    async with http:
        for _ in range(20):
            tasks = [asyncio.create_task(http.get(url, headers=headers)) for _ in range(2)]
            await asyncio.sleep(0)
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        response = await http.get(url, headers=headers)
        assert response.status_code == 200
