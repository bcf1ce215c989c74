"""``python -m propelauth_async demo``: a short, real tour against the embedded emulator.

Everything goes over real HTTP on 127.0.0.1: the emulator is served by uvicorn in a thread and
the client talks to it exactly as it would talk to PropelAuth.
"""

from __future__ import annotations

import time

import anyio

from . import AsyncPropelAuth, User
from .testing import Emulator, serve_emulator

RATE = 25.0
BURST = 10


def _say(text: str = "") -> None:
    print(text, flush=True)


async def _create_burst(client: AsyncPropelAuth, count: int) -> list[str]:
    ids: list[str] = [""] * count

    async def create(index: int) -> None:
        created = await client.users.create(
            email=f"user{index:03d}@demo.example",
            first_name=f"User{index:03d}",
            email_confirmed=True,
            send_email_to_confirm_email_address=False,
        )
        ids[index] = created.user_id

    async with anyio.create_task_group() as group:
        for index in range(count):
            group.start_soon(create, index)
    return ids


async def run_demo(users: int = 40) -> None:
    emulator = Emulator(rate_limit=RATE, burst=BURST, retry_after_format="ms")
    async with serve_emulator(emulator) as emu, emu.client() as client:
        _say(f"propelauth_async demo: emulator at {emu.url}")
        _say(f"(rate limit {RATE:.0f} requests/s per API key, burst {BURST})\n")

        _say(f"1. Creating {users} users at once, more than the rate limit allows")
        start = time.perf_counter()
        ids = await _create_burst(client, users)
        elapsed = time.perf_counter() - start
        _say(f"   created {len(set(ids))} users in {elapsed:.2f} s")
        _say(
            f"   the server refused {emu.stats.rate_limited} requests with 429; the client "
            "paused, paced itself and retried each one: 0 errors\n"
        )

        _say("2. Walking every user with `async for` (pages of 15, fetched lazily)")
        seen = 0
        async for page in client.users.query(
            page_size=15, email_or_username="demo.example"
        ).pages():
            seen += len(page.items)
            _say(f"   page {page.page_number}: {len(page.items):2d} users (total {page.total})")
        _say(f"   {seen} users seen\n")

        _say("3. Updating one user and reading it back")
        first = ids[0]
        await client.users.update(
            first, first_name="Ada", last_name="Lovelace", metadata={"plan": "pro"}
        )
        user = await client.users.fetch(first)
        assert isinstance(user, User)
        _say(f"   {user.email}: {user.first_name} {user.last_name}, metadata={user.metadata}")
        missing = await client.users.fetch_by_email("nobody@demo.example")
        _say(f"   a lookup of a missing user returns {missing!r}, not an exception\n")

        _say("4. An organization with members, roles and an invite")
        org = await client.orgs.create("Acme Corp", domain="demo.example", max_users=25)
        roles = ["Owner", "Admin"] + ["Member"] * 10
        for user_id, role in zip(ids, roles, strict=False):
            await client.orgs.add_user(org_id=org.org_id, user_id=user_id, role=role)
        await client.invites.invite_by_email(
            email="newhire@demo.example", org_id=org.org_id, role="Member"
        )
        admin = await client.users.fetch(ids[1], include_orgs=True)
        assert admin is not None
        assert admin.org_id_to_org_info is not None
        info = admin.org_id_to_org_info[org.org_id]
        _say(
            f"   {org.name}: {len(roles)} members; {admin.email} is {info.user_role}, "
            f"inheriting {list(info.inherited_user_roles_plus_current_role)}"
        )
        _say(f"   permissions: {list(info.user_permissions)}")
        async for page in client.orgs.query_members(org.org_id, page_size=5).pages():
            names = ", ".join((u.first_name or u.email) for u in page.items)
            _say(f"   members page {page.page_number}: {names}")
        pending = await client.invites.query_pending(org_id=org.org_id)
        _say(f"   pending invites: {[i.invitee_email for i in pending.items]}\n")

        _say("5. An access token, minted by the emulator and verified locally")
        minted = await client.access_tokens.create(ids[1], duration_in_minutes=15)
        verified = await client.tokens.verify(f"Bearer {minted.access_token}")
        member = verified.require_org_member(org.org_id, min_role="Member")
        _say(
            f"   token for {verified.email}: role {member.user_role} in {member.org_name}, "
            f"login via {verified.login_method.kind.value}"
        )
        verifier = await client.tokens.verifier()
        before = emu.stats.requests
        start = time.perf_counter()
        for _ in range(2000):
            verifier.verify(minted.access_token)
        per_call = (time.perf_counter() - start) / 2000 * 1e6
        _say(
            f"   2000 more verifications: {per_call:.0f} us each, "
            f"{emu.stats.requests - before} network requests\n"
        )

        _say(
            f"Done: {emu.stats.requests} requests, {emu.stats.rate_limited} rate-limited and "
            "absorbed."
        )
