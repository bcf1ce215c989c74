"""The one pager: lazy walks, bounded memory, prefetch, and early exits that leave nothing behind."""

from __future__ import annotations

import asyncio
import gc
import time
import tracemalloc
from collections.abc import Iterator
from typing import Any

import anyio
import httpx
import pytest
import respx

from propelauth_async import AsyncPropelAuth, BadRequestError, User
from propelauth_async.pagination import AsyncPager, Page
from propelauth_async.testing import Emulator, Fault, run_emulator, serve_emulator

from .conftest import user_json

IN_ORG = "/api/backend/v1/user/org/{org_id}"
MEMBERS = 2500
# Walking 2,500 users page by page must peak well below holding them all. Measured here
# (tracemalloc sees the emulator thread too): ~1.0 MB streaming, ~1.7 MB holding every user.
PEAK_LIMIT_BYTES = 1_300_000


def _page_json(number: int, size: int, total: int) -> dict[str, Any]:
    start = number * size
    ids = range(start, min(start + size, total))
    return {
        "users": [user_json(f"00000000-0000-4000-8000-{i:012d}") for i in ids],
        "total_users": total,
        "current_page": number,
        "page_size": size,
        "has_more_results": start + size < total,
    }


def _paged_route(api: respx.MockRouter, total: int) -> respx.Route:
    def answer(request: httpx.Request) -> httpx.Response:
        number = int(request.url.params["page_number"])
        size = int(request.url.params["page_size"])
        return httpx.Response(200, json=_page_json(number, size, total))

    return api.get("/user/query").mock(side_effect=answer)


@pytest.fixture(scope="module")
def big_org() -> Iterator[tuple[Emulator, str]]:
    with run_emulator() as emu:
        org = emu.add_org("Big")
        for i in range(MEMBERS):
            emu.add_member(org, emu.add_user(f"member{i:05d}@big.io"))
        yield emu, org


async def test_walk_2500_members_once_each_with_bounded_memory(
    big_org: tuple[Emulator, str],
) -> None:
    emu, org = big_org
    async with emu.client() as client:
        await client.users.query_in_org(org, page_size=1)  # warm the pool and the code paths
        gc.collect()
        tracemalloc.start()
        seen: set[str] = set()
        count = 0
        async for user in client.orgs.iter_members(org, page_size=100):
            seen.add(user.user_id)
            count += 1
        _, walk_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        everyone = await client.orgs.iter_members(org, page_size=100).to_list()
        _, list_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert count == len(seen) == MEMBERS
    assert len(everyone) == MEMBERS
    assert walk_peak < PEAK_LIMIT_BYTES < list_peak, (walk_peak, list_peak)


async def test_prefetch_overlaps_the_next_fetch_with_a_slow_consumer(
    big_org: tuple[Emulator, str],
) -> None:
    emu, org = big_org

    async def walk(prefetch: bool) -> float:
        emu.inject(Fault.delay(0.05), method="GET", path=IN_ORG, times=None)
        start = time.perf_counter()
        async with emu.client() as client:
            async for page in client.orgs.iter_members(
                org, page_size=100, max_items=1000, prefetch=prefetch
            ).pages():
                assert len(page.items) == 100
                await anyio.sleep(0.05)  # the consumer's own work on each page
        emu.faults.clear()
        return time.perf_counter() - start

    sequential = await walk(prefetch=False)
    overlapped = await walk(prefetch=True)
    # Ten pages of 50 ms fetch + 50 ms work: about 1.0 s in turn, about 0.55 s overlapped.
    print(f"\nprefetch: {sequential:.3f} s without, {overlapped:.3f} s with")
    assert overlapped < sequential


async def test_stops_without_probe_and_on_empty_page(
    api: respx.MockRouter, client: AsyncPropelAuth
) -> None:
    route = _paged_route(api, 250)
    assert len([u async for u in client.users.iter(page_size=100)]) == 250
    assert route.call_count == 3
    api.get("/user/query").respond(json={"users": [], "total_users": 5, "has_more_results": True})
    assert [u async for u in client.users.iter()] == []


async def test_max_items_and_pages(api: respx.MockRouter, client: AsyncPropelAuth) -> None:
    route = _paged_route(api, 1000)
    first = [u async for u in client.users.iter(page_size=100, max_items=150)]
    assert len(first) == 150
    assert route.call_count == 2
    pages = [p async for p in client.users.iter(page_size=100, max_items=250).pages()]
    assert [len(p.items) for p in pages] == [100, 100, 50]
    assert all(isinstance(p, Page) for p in pages)
    assert [p.page_number for p in pages] == [0, 1, 2]
    later = [u async for u in client.users.iter(page_size=100, start_page=9)]
    assert len(later) == 100


async def test_an_error_in_a_prefetched_page_surfaces_when_reached(
    api: respx.MockRouter, client: AsyncPropelAuth
) -> None:
    answers = [httpx.Response(200, json=_page_json(0, 10, 30))] + [httpx.Response(400)] * 3
    api.get("/user/query").mock(side_effect=answers)
    got: list[User] = []

    async def walk() -> None:
        async for user in client.users.iter(page_size=10, prefetch=True):
            got.append(user)

    with pytest.raises(BadRequestError):
        await walk()
    assert len(got) == 10  # the whole first page came through before the error


def _pool_is_quiet(client: AsyncPropelAuth) -> bool:
    inner = client._http_client._transport._inner  # type: ignore[attr-defined]
    if hasattr(inner, "_pool"):  # httpx's own transport (httpcore)
        return all(c.is_idle() or c.is_closed() for c in inner._pool.connections)
    return not inner.client.connector._acquired  # aiohttp's connector


async def test_break_with_bare_prefetch_on_asyncio_leaves_nothing_behind() -> None:
    async with serve_emulator() as emu:
        org = emu.add_org("Acme")
        for i in range(30):
            emu.add_member(org, emu.add_user(f"u{i}@x.io"))
        emu.inject(Fault.delay(1.0), method="GET", path=IN_ORG, times=None)
        emu.faults.clear()
        async with emu.client() as client:
            async for _ in client.users.iter_in_org(org, page_size=10, prefetch=True):
                emu.inject(Fault.delay(1.0), method="GET", path=IN_ORG, times=None)
                break
            for _ in range(5):
                await asyncio.sleep(0.01)
            others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            assert others == []
            assert _pool_is_quiet(client)


@pytest.mark.anyio
@pytest.mark.parametrize("anyio_backend", ["asyncio", "trio"])
async def test_break_inside_async_with_leaves_nothing_behind(anyio_backend: str) -> None:
    async with serve_emulator() as emu:
        org = emu.add_org("Acme")
        for i in range(30):
            emu.add_member(org, emu.add_user(f"u{i}@x.io"))
        async with emu.client() as client:
            start = time.monotonic()
            async with client.users.iter_in_org(org, page_size=10, prefetch=True) as members:
                async for _ in members:
                    emu.inject(Fault.delay(2.0), method="GET", path=IN_ORG, times=None)
                    break
            assert time.monotonic() - start < 1.5  # the in-flight prefetch was cancelled
            assert _pool_is_quiet(client)
            emu.faults.clear()
            # and the pager still works on this backend after that
            assert len([u async for u in client.users.iter_in_org(org, page_size=7)]) == 30


@pytest.mark.anyio
@pytest.mark.parametrize("anyio_backend", ["trio"])
async def test_bare_prefetch_on_trio_walks_without_background_tasks(anyio_backend: str) -> None:
    fetched: list[int] = []

    async def fetch(number: int, size: int) -> Page[int]:
        fetched.append(number)
        items = tuple(range(number * size, min((number + 1) * size, 25)))
        return Page(
            items=items,
            total=25,
            page_number=number,
            page_size=size,
            has_more=(number + 1) * size < 25,
        )

    pager = AsyncPager(fetch, page_size=10, prefetch=True)
    async for item in pager:
        if item == 3:
            break
    assert fetched == [0]  # nothing was fetched ahead outside a task group
    assert [i async for i in pager] == list(range(25))


@pytest.mark.anyio
@pytest.mark.parametrize("anyio_backend", ["asyncio", "trio"])
async def test_errors_inside_async_with_are_not_wrapped(anyio_backend: str) -> None:
    with respx.mock(base_url="https://auth.example.com/api/backend/v1", using="httpx") as api:
        api.get("/user/query").respond(400, json={"page_size": ["bad"]})
        async with AsyncPropelAuth("https://auth.example.com", "k") as client:

            async def walk() -> None:
                async with client.users.iter(prefetch=True) as users:
                    async for _ in users:
                        pass

            with pytest.raises(BadRequestError):  # the typed error, not an ExceptionGroup
                await walk()
