"""The official library and ours, run against the same emulator, send the same requests; and
the emulator answers as the real server must for the official library to work."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import respx

from propelauth_async import AsyncPropelAuth
from propelauth_async.models.api_keys import ApiKeyType
from propelauth_async.testing import Emulator

from .conftest import ORG_ID

Call = Callable[[Any], Awaitable[Any]]

REPORTS = [
    ("fetch_user_top_inviter_report", "top_inviters"),
    ("fetch_user_champion_report", "champions"),
    ("fetch_user_churn_report", "user_churn"),
    ("fetch_user_reengagement_report", "user_reengagement"),
    ("fetch_org_churn_report", "org_churn"),
    ("fetch_org_reengagement_report", "org_reengagement"),
    ("fetch_org_growth_report", "org_growth"),
    ("fetch_org_attrition_report", "org_attrition"),
]


def _pairs(org_id: str) -> list[tuple[str, Call, Call]]:
    pairs: list[tuple[str, Call, Call]] = []
    for official, ours in REPORTS:
        pairs.append(
            (
                official,
                lambda o, name=official: getattr(o, name)(),
                lambda c, name=ours: getattr(c.reports, name).query(),
            )
        )
        pairs.append(
            (
                official + " paged",
                lambda o, name=official: getattr(o, name)(page_size=5, page_number=1),
                lambda c, name=ours: getattr(c.reports, name).query(page_size=5, page_number=1),
            )
        )
    for kind in ("current", "archived"):
        pairs += [
            (
                f"{kind} keys",
                lambda o, k=kind: getattr(o, f"fetch_{k}_api_keys")(),
                lambda c, k=kind: getattr(c.api_keys, f"query_{k}")(),
            ),
            (
                f"{kind} keys, paged and typed",
                lambda o, k=kind: getattr(o, f"fetch_{k}_api_keys")(
                    org_id=org_id, page_size=5, page_number=2, api_key_type="org"
                ),
                lambda c, k=kind: getattr(c.api_keys, f"query_{k}")(
                    org_id=org_id, page_size=5, page_number=2, api_key_type=ApiKeyType.ORG
                ),
            ),
        ]
    pairs.append(
        (
            "a key type given as a plain string",
            lambda o: o.fetch_current_api_keys(api_key_type="personal"),
            lambda c: c.api_keys.query_current(api_key_type="personal"),
        )
    )
    return pairs


async def test_official_library_and_ours_send_the_same_requests() -> None:
    from propelauth_py import AsyncAuth

    emu = Emulator()
    org_id = emu.add_org("Acme")
    emu.add_member(org_id, emu.add_user("ada@acme.io"), "Admin")
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=emu.app))
    official = AsyncAuth(emu.auth_host, emu.api_key, None, httpx_client=http)
    try:
        async with emu.client() as ours:
            for name, theirs, mine in _pairs(org_id):
                before = len(emu.requests)
                await theirs(official)
                await mine(ours)
                sent = [(r.method, r.path, dict(r.query), r.body) for r in emu.requests[before:]]
                assert len(sent) == 2, name
                assert sent[0] == sent[1], name

            # Revoking an invite: a DELETE with a JSON body, answered with JSON (the official
            # client parses the answer, so an empty body would crash it).
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
            assert await official.fetch_pending_invites(org_id=org_id) is not None
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
