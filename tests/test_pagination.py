"""The one pager: lazy walks, bounded memory, prefetch, and early exits that leave nothing behind."""

from __future__ import annotations

import asyncio
import gc
import json
import time
import tracemalloc
from typing import Any

import anyio
import attrs
import httpx
import pytest
import respx

from propelauth_async import AsyncPropelAuth, BadRequestError, User
from propelauth_async.pagination import AsyncPager, Page
from propelauth_async.testing import Emulator, Fault, serve_emulator

from .conftest import API_KEY, AUTH_URL, user_json

IN_ORG = "/api/backend/v1/user/org/{org_id}"
MEMBERS = 2500


def _uid(i: int) -> str:
    return f"00000000-0000-4000-8000-{i:012d}"


def _page_json(number: int, size: int, total: int) -> dict[str, Any]:
    start = number * size
    ids = range(start, min(start + size, total))
    return {
        "users": [user_json(_uid(i)) for i in ids],
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


@attrs.frozen
class _Walk:
    count: int
    in_order: bool
    peak: int


async def _walk(total: int, *, hold: bool) -> _Walk:
    """One walk over ``total`` users, pages of 100, and the peak of memory it traced.

    The pages are encoded before tracing starts and served by a plain MockTransport (respx
    keeps every call), so the peak is the client's own: one page read, decoded and structured,
    plus whatever the walk keeps. Users come in id order, so "each once" needs no set.
    """
    pages = {n: json.dumps(_page_json(n, 100, total)).encode() for n in range(-(-total // 100))}

    def answer(request: httpx.Request) -> httpx.Response:
        body = pages[int(request.url.params["page_number"])]
        return httpx.Response(200, content=body, headers={"content-type": "application/json"})

    transport = httpx.MockTransport(answer)
    async with AsyncPropelAuth(AUTH_URL, API_KEY, transport=transport) as client:
        await client.users.query(page_size=100)  # warm the code paths
        gc.collect()
        tracemalloc.start()
        try:
            count, in_order = 0, True
            if hold:
                users = await client.users.iter(page_size=100).to_list()
                count = len(users)
                in_order = [u.user_id for u in users] == [_uid(i) for i in range(total)]
            else:
                async for user in client.users.iter(page_size=100):
                    in_order = in_order and user.user_id == _uid(count)
                    count += 1
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    return _Walk(count, in_order, peak)


async def test_walk_2500_members_once_each_with_bounded_memory() -> None:
    """Memory is compared with controls measured here, never with a number of bytes: a walk
    of five times the pages peaks about as high as a short one (measured 1.15x; holding
    every user it would be 4.5x), and far below holding everyone (measured 7.7x lower)."""
    short = await _walk(MEMBERS // 5, hold=False)
    long = await _walk(MEMBERS, hold=False)
    held = await _walk(MEMBERS, hold=True)
    assert (short.count, long.count, held.count) == (MEMBERS // 5, MEMBERS, MEMBERS)
    assert short.in_order and long.in_order and held.in_order
    assert long.peak < 1.5 * short.peak, (short.peak, long.peak)
    assert 3 * long.peak < held.peak, (long.peak, held.peak)


async def test_prefetch_fetches_the_next_page_while_the_consumer_works() -> None:
    """Seen from the server, without timing: while the caller holds page N, the request for
    page N+1 has already arrived with prefetch, and has not without it."""
    emu = Emulator()
    org = emu.add_org("Acme")
    for i in range(50):
        emu.add_member(org, emu.add_user(f"member{i:02d}@x.io"))

    async def requests_seen_per_page(prefetch: bool) -> list[int]:
        seen: list[int] = []
        before = emu.stats.requests
        async with emu.client() as client:
            pager = client.orgs.iter_members(org, page_size=10, prefetch=prefetch)
            async for page in pager.pages():
                if prefetch and page.has_more:
                    with anyio.fail_after(10):
                        while emu.stats.requests - before < page.page_number + 2:  # noqa: ASYNC110
                            await anyio.sleep(0.001)
                else:
                    await anyio.sleep(0.01)  # room for a prefetch that should not happen
                seen.append(emu.stats.requests - before)
        return seen

    assert await requests_seen_per_page(prefetch=False) == [1, 2, 3, 4, 5]
    assert await requests_seen_per_page(prefetch=True) == [2, 3, 4, 5, 5]


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
    later = [u async for u in client.users.iter(page_size=100, page_number=9)]
    assert len(later) == 100


async def test_one_pager_is_awaited_for_a_page_and_walked_for_every_item(
    api: respx.MockRouter, client: AsyncPropelAuth
) -> None:
    route = _paged_route(api, 250)
    pager = client.users.query(email_or_username="ada")
    page = await pager
    assert (len(page.items), page.page_number, page.has_more) == (10, 0, True)
    assert dict(route.calls.last.request.url.params) == {
        "page_size": "10",
        "page_number": "0",
        "order_by": "CREATED_AT_ASC",
        "email_or_username": "ada",
        "include_orgs": "false",
    }
    assert len([u async for u in pager]) == 250  # the same object, walked: pages of 100
    assert route.call_count == 1 + 3
    assert route.calls.last.request.url.params["email_or_username"] == "ada"
    third = await client.users.query(page_size=20, page_number=2, max_items=5)
    assert (third.page_number, len(third.items)) == (2, 5)


def test_the_iter_names_are_the_query_methods() -> None:
    client = AsyncPropelAuth(AUTH_URL, API_KEY)
    assert client.users.iter == client.users.query
    assert client.orgs.iter_members == client.users.query_in_org
    assert client.api_keys.iter_archived == client.api_keys.query_archived
    assert client.api_keys.query_current != client.api_keys.query_archived
    assert client.reports.champions.iter == client.reports.champions.query
    assert client.scim.iter_group_members == client.scim.query_group_members


async def test_lists_that_leave_paging_to_the_server_send_none_when_awaited(
    api: respx.MockRouter, client: AsyncPropelAuth
) -> None:
    route = api.get("/end_user_api_keys/archived").respond(
        json={"api_keys": [], "total_api_keys": 0, "current_page": 0, "page_size": 10}
    )
    await client.api_keys.query_archived(user_id=_uid(1))
    assert dict(route.calls.last.request.url.params) == {"user_id": _uid(1)}
    assert [k async for k in client.api_keys.query_archived()] == []
    assert dict(route.calls.last.request.url.params) == {"page_size": "100", "page_number": "0"}


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
        async with emu.client() as client:
            async for _ in client.users.iter_in_org(org, page_size=10, prefetch=True):
                emu.inject(Fault.delay(60.0), method="GET", path=IN_ORG, times=None)
                break
            # A prefetch left running would sit in the 60 s delay; a cancelled one is gone soon.
            with anyio.move_on_after(10):
                while _other_tasks():  # noqa: ASYNC110 - nothing to wait on but the task set
                    await asyncio.sleep(0.001)
            assert _other_tasks() == []
            assert _pool_is_quiet(client)


def _other_tasks() -> list[asyncio.Task[Any]]:
    return [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]


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
                    emu.inject(Fault.delay(60.0), method="GET", path=IN_ORG, times=None)
                    break
            assert time.monotonic() - start < 30.0  # the prefetch held by the delay was cancelled
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
