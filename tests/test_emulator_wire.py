"""The official library and ours, run against the same emulator, send the same requests; and
the emulator answers as the real server must for the official library to work."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import respx

from propelauth_async import AsyncPropelAuth, _endpoints
from propelauth_async.testing import Emulator
from propelauth_async.testing._journal import RecordedRequest

from .conftest import ORG_ID
from .official_pairs import PAIRS, Pair, Sent, seed


def _official_operations() -> set[str]:
    from propelauth_py import AsyncAuth

    return {
        name
        for name, member in inspect.getmembers(AsyncAuth)
        if not name.startswith("_") and inspect.iscoroutinefunction(member)
    }


ROWS = {name: row for row in _endpoints.ALL for name in row.official}


def test_the_table_has_a_row_for_every_official_operation() -> None:
    """A method the official library gains fails here until it has a row."""
    assert len(_official_operations()) == 79
    assert {pair.official for pair in PAIRS} == _official_operations()
    labels = [pair.label for pair in PAIRS]
    assert len(labels) == len(set(labels)), "two rows with the same label"


async def _sent(
    emu: Emulator, start: dict[str, Any], call: Callable[[], Awaitable[Any]]
) -> list[RecordedRequest]:
    emu.restore(start)
    emu.journal.clear()
    await call()
    return emu.requests


def _wire(request: RecordedRequest) -> Sent:
    return (request.method, request.path, dict(request.query), request.body)


def _compare(pair: Pair, theirs: list[RecordedRequest], mine: list[RecordedRequest]) -> str | None:
    """What is wrong with one row, or None."""
    if len(theirs) != 1 or len(mine) != 1:
        return f"sent {len(theirs)} (official) and {len(mine)} (ours) requests"
    row = ROWS[pair.official]
    for who, request in (("official", theirs[0]), ("ours", mine[0])):
        if (request.method, request.template) != (row.method, row.path):
            return f"{who} reached {request.method} {request.template}, not the row's {row.path}"
        if request.status >= 400:
            return f"{who} was answered {request.status}"
    official, ours = _wire(theirs[0]), _wire(mine[0])
    for allowed in pair.allowed:
        if official == ours:
            return f"allowed difference no longer needed: {allowed.why}"
        official = allowed.official(official)
    if official != ours:
        return f"official sent {official}, ours {ours}"
    return None


async def test_official_library_and_ours_send_the_same_requests() -> None:
    """Every official operation and ours, each from the same seeded state, send the same method,
    path, query and JSON body (ids are equal, as both start from one snapshot), and both are
    answered with success."""
    from propelauth_py import AsyncAuth

    emu = Emulator()
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=emu.app))
    official = AsyncAuth(emu.auth_host, emu.api_key, None, httpx_client=http)
    try:
        async with emu.client() as ours:
            seeded = await seed(emu, ours)
            start = emu.snapshot()
            wrong: dict[str, str] = {}
            for pair in PAIRS:
                theirs = await _sent(emu, start, lambda p=pair: p.theirs(official, seeded))
                mine = await _sent(emu, start, lambda p=pair: p.ours(ours, seeded))
                problem = _compare(pair, theirs, mine)
                if problem is not None:
                    wrong[pair.label] = problem
            assert wrong == {}
    finally:
        await http.aclose()


async def test_revoking_an_invite_is_answered_with_json() -> None:
    """A DELETE with a JSON body, answered with JSON: the official client parses the answer
    (the real server's is JSON), so an empty body would crash it."""
    from propelauth_py import AsyncAuth

    emu = Emulator()
    org_id = emu.add_org("Acme")
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=emu.app))
    official = AsyncAuth(emu.auth_host, emu.api_key, None, httpx_client=http)
    try:
        async with emu.client() as ours:
            for revoke in (
                lambda: official.revoke_pending_org_invite(org_id, "bob@acme.io"),
                lambda: ours.invites.revoke(org_id=org_id, invitee_email="bob@acme.io"),
            ):
                await ours.invites.invite_by_email(
                    org_id=org_id, email="bob@acme.io", role="Member"
                )
                await revoke()
                last = emu.requests[-1]
                assert (last.method, last.status) == ("DELETE", 200)
                assert last.body == {"org_id": org_id, "invitee_email": "bob@acme.io"}
    finally:
        await http.aclose()


async def test_our_revoke_accepts_an_empty_answer_and_a_json_one(
    api: respx.MockRouter, client: AsyncPropelAuth
) -> None:
    route = api.delete("/pending_org_invites")
    for answer in (httpx.Response(200), httpx.Response(200, json={})):
        route.mock(return_value=answer)
        assert await client.invites.revoke(org_id=ORG_ID, invitee_email="b@x.io") is None
    assert route.call_count == 2


async def test_any_non_empty_api_key_type_is_sent(
    api: respx.MockRouter, client: AsyncPropelAuth
) -> None:
    route = api.get("/end_user_api_keys").respond(
        json={"api_keys": [], "total_api_keys": 0, "has_more_results": False}
    )
    await client.api_keys.query_current(api_key_type="service")
    assert dict(route.calls.last.request.url.params) == {"api_key_type": "service"}
