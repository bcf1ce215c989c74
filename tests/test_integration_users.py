"""Every user operation end to end, over real HTTP against the served emulator."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import anyio
import jsonschema
import pytest
import pytest_asyncio

from propelauth_async import (
    AsyncPropelAuth,
    AuthenticationError,
    BadRequestError,
    NotFoundError,
    OutcomeUnknownError,
    RateLimitError,
    ServerError,
    UserOrderBy,
)
from propelauth_async.testing import Emulator, Fault, serve_emulator

# The same tests over both transports: aiohttp's and httpx's own.
pytestmark = pytest.mark.usefixtures("both_transports")

SCHEMA = json.loads((Path(__file__).parent / "data" / "propelauth-user-schema.json").read_text())
USER_PATH = "/api/backend/v1/user/{user_id}"
CREATE_PATH = "/api/backend/v1/user/"


@pytest_asyncio.fixture
async def emu() -> AsyncIterator[Emulator]:
    async with serve_emulator() as emulator:
        yield emulator


@pytest_asyncio.fixture
async def client(emu: Emulator) -> AsyncIterator[AsyncPropelAuth]:
    async with emu.client(backoff_base=0.01, backoff_cap=0.05) as c:
        yield c


async def test_create_fetch_and_lookups(emu: Emulator, client: AsyncPropelAuth) -> None:
    created = await client.users.create(
        email="Ada@Example.com",
        username="ada",
        first_name="Ada",
        password="correct horse",
        properties={"plan": "pro"},
    )
    user = await client.users.fetch(created.user_id)
    assert user is not None
    assert (user.email, user.username, user.first_name) == ("Ada@Example.com", "ada", "Ada")
    assert user.has_password is True
    assert user.created_at is not None
    by_email = await client.users.fetch_by_email("ada@example.com")  # case-insensitive
    by_username = await client.users.fetch_by_username("ada")
    assert by_email == by_username == user
    assert await client.users.fetch_by_email("nobody@example.com") is None
    assert await client.users.fetch("00000000-0000-4000-8000-000000000000") is None
    with pytest.raises(BadRequestError) as info:
        await client.users.create(email="ADA@example.com")
    assert "email" in info.value.field_errors


async def test_batch_fetches(emu: Emulator, client: AsyncPropelAuth) -> None:
    ids = [emu.add_user(f"u{i}@x.io", username=f"u{i}") for i in range(5)]
    missing = "00000000-0000-4000-8000-000000000000"
    by_id = await client.users.fetch_batch_by_ids([*ids, missing, ids[0]])
    assert set(by_id) == set(ids)
    by_email = await client.users.fetch_batch_by_emails(["u1@x.io", "nope@x.io"])
    assert list(by_email) == ["u1@x.io"]
    by_name = await client.users.fetch_batch_by_usernames(["u2", "u3"], include_orgs=True)
    assert set(by_name) == {"u2", "u3"}
    assert by_name["u2"].org_id_to_org_info == {}


async def test_query_filters_order_and_paging(emu: Emulator, client: AsyncPropelAuth) -> None:
    for i, name in enumerate(["carol", "alice", "bob"]):
        emu.add_user(f"{name}@corp.io", username=name, created_at=1000 + i, legacy_user_id=f"L{i}")
    emu.add_user("zed@other.io")
    page = await client.users.query(page_size=2, email_or_username="corp")
    assert (page.total, page.page_number, page.has_more) == (3, 0, True)
    assert [u.username for u in page.items] == ["carol", "alice"]
    last = await client.users.query(page_size=2, page_number=1, email_or_username="corp")
    assert ([u.username for u in last.items], last.has_more) == (["bob"], False)
    by_email = await client.users.query(order_by=UserOrderBy.EMAIL, email_or_username="corp")
    assert [u.username for u in by_email.items] == ["alice", "bob", "carol"]
    newest = await client.users.query(order_by="CREATED_AT_DESC")
    assert newest.items[-1].username == "carol"
    legacy = await client.users.query(legacy_user_id="L1")
    assert [u.username for u in legacy.items] == ["alice"]
    walked = [u.username async for u in client.users.iter(page_size=1, email_or_username="corp")]
    assert walked == ["carol", "alice", "bob"]


async def test_users_in_org(emu: Emulator, client: AsyncPropelAuth) -> None:
    org = emu.add_org("Acme")
    admin = emu.add_user("admin@acme.io")
    members = [emu.add_user(f"m{i}@acme.io") for i in range(3)]
    emu.add_member(org, admin, "Admin")
    for uid in members:
        emu.add_member(org, uid)
    page = await client.users.query_in_org(org, role="Member", include_orgs=True)
    assert {u.user_id for u in page.items} == set(members)
    info = page.items[0].org_id_to_org_info
    assert info is not None
    assert info[org].user_role == "Member"
    everyone = [u.user_id async for u in client.users.iter_in_org(org, page_size=2)]
    assert sorted(everyone) == sorted([admin, *members])
    admin_user = await client.users.fetch(admin, include_orgs=True)
    assert admin_user is not None
    assert admin_user.org_id_to_org_info is not None
    membership = admin_user.org_id_to_org_info[org]
    assert membership.inherited_user_roles_plus_current_role == ("Admin", "Member")
    assert membership.has_permission("org:invite_users")


async def test_updates(emu: Emulator, client: AsyncPropelAuth) -> None:
    uid = emu.add_user("ada@x.io", username="ada", first_name="A", password="pw-123456")
    other = emu.add_user("bob@x.io", username="bob")
    await client.users.update(
        uid,
        first_name="Ada",
        last_name=None,
        metadata={"k": 1},
        properties={"p": 2},
        picture_url="https://p/x.png",
        legacy_user_id="L-1",
        update_password_required=True,
    )
    user = await client.users.fetch(uid)
    assert user is not None
    assert (user.first_name, user.last_name, user.metadata, user.properties) == (
        "Ada",
        None,
        {"k": 1},
        {"p": 2},
    )
    assert (user.picture_url, user.legacy_user_id, user.update_password_required) == (
        "https://p/x.png",
        "L-1",
        True,
    )
    with pytest.raises(BadRequestError):
        await client.users.update(uid, username="BOB")
    await client.users.update_email(uid, new_email="ada@new.io", require_email_confirmation=False)
    assert (await client.users.fetch_by_email("ada@new.io")) is not None
    assert await client.users.fetch_by_email("ada@x.io") is None
    await client.users.update_email(other, new_email="bob@new.io")
    bob = await client.users.fetch(other)
    assert bob is not None
    assert bob.email_confirmed is False
    await client.users.update_password(
        uid, password="a-longer-pw", ask_user_to_update_password_on_login=True
    )
    with pytest.raises(BadRequestError):
        await client.users.update_password(uid, password="short")
    await client.users.clear_password(uid)
    cleared = await client.users.fetch(uid)
    assert cleared is not None
    assert cleared.has_password is False


async def test_state_switches(emu: Emulator, client: AsyncPropelAuth) -> None:
    uid = emu.add_user("ada@x.io", mfa_enabled=True, mfa_totp=True)
    await client.users.disable(uid)
    assert emu.user_record(uid).enabled is False
    await client.users.enable(uid)
    assert emu.user_record(uid).enabled is True
    assert (await client.users.fetch_mfa_methods(uid)).type == "Totp"  # type: ignore[union-attr]
    await client.users.disable_2fa(uid)
    assert (await client.users.fetch_mfa_methods(uid)).enabled is False  # type: ignore[union-attr]
    await client.users.logout_all_sessions(uid)
    assert emu.user_record(uid).sessions_revoked_at is not None
    await client.users.enable_can_create_orgs(uid)
    assert emu.user_record(uid).can_create_orgs is True
    await client.users.disable_can_create_orgs(uid)
    assert emu.user_record(uid).can_create_orgs is False
    unconfirmed = emu.add_user("new@x.io", email_confirmed=False)
    await client.users.resend_email_confirmation(unconfirmed)
    assert emu.user_record(unconfirmed).confirmation_emails_sent == 1
    with pytest.raises(BadRequestError) as info:
        await client.users.resend_email_confirmation(uid)
    assert info.value.user_facing_error == "Email is already confirmed"


async def test_signup_params_oauth_and_fresh_tokens(emu: Emulator, client: AsyncPropelAuth) -> None:
    token = {
        "access_token": "at-1",
        "refresh_token": "rt-1",
        "token_provider": "github",
        "token_expiration": 1,
        "authorized_scopes": ["repo"],
    }
    uid = emu.add_user(
        "ada@x.io", signup_query_parameters={"utm_source": "ad"}, oauth_tokens={"github": token}
    )
    assert await client.users.fetch_signup_query_params(uid) == {"utm_source": "ad"}
    tokens = await client.users.fetch_oauth_tokens(uid)
    assert tokens is not None
    assert tokens["github"].authorized_scopes == ("repo",)
    fresh = await client.users.fetch_fresh_provider_token(uid, "github")
    assert fresh is not None
    assert fresh.access_token is not None
    assert fresh.access_token.startswith("fresh-")
    assert await client.users.fetch_fresh_provider_token(uid, "google") is None


async def test_delete_removes_user_and_memberships(emu: Emulator, client: AsyncPropelAuth) -> None:
    org = emu.add_org("Acme")
    uid = emu.add_user("ada@x.io")
    emu.add_member(org, uid, "Owner")
    await client.users.delete(uid)
    assert await client.users.fetch(uid) is None
    assert emu.state.orgs[org].members == {}
    with pytest.raises(NotFoundError):
        await client.users.delete(uid)
    with pytest.raises(NotFoundError):
        await client.users.update(uid, first_name="x")


async def test_user_json_validates_against_the_seed_schema(emu: Emulator) -> None:
    org = emu.add_org("Acme")
    uid = emu.add_user("ada@x.io", username="ada", properties={"a": 1})
    emu.add_member(org, uid, "Admin")
    from propelauth_async.testing._state import user_json

    body = user_json(emu.state, emu.state.users[uid], include_orgs=True)
    jsonschema.validate(body, SCHEMA)
    bare = user_json(emu.state, emu.state.users[emu.add_user("b@x.io")], include_orgs=False)
    jsonschema.validate(bare, SCHEMA)


# Rate limits and faults ------------------------------------------------------------------------


@pytest.mark.parametrize(("fmt", "creates"), [("ms", 20), ("none", 8)])
async def test_429s_from_the_bucket_are_absorbed(fmt: str, creates: int) -> None:
    """Waits said in milliseconds, or not said at all (backoff), keep this under a second."""
    # burst 1: any two of the concurrent creates less than 25 ms apart meet a 429, so even a
    # heavily loaded machine sees some (burst 5 let one loaded run through without any).
    emulator = Emulator(rate_limit=40, burst=1, retry_after_format=fmt)  # type: ignore[arg-type]
    async with serve_emulator(emulator) as emu, emu.client(backoff_cap=0.05) as client:

        async def create(i: int) -> None:
            await client.users.create(email=f"u{i}@x.io")

        async with anyio.create_task_group() as group:
            for i in range(creates):
                group.start_soon(create, i)
    assert emu.user_count == creates
    assert emu.stats.rate_limited > 0
    assert client.rate_limiter.rate_limited == emu.stats.rate_limited


@pytest.mark.parametrize(("fmt", "low"), [("seconds", 4.0), ("http-date", 3.0)])
async def test_whole_second_waits_reach_the_client_as_said(fmt: str, low: float) -> None:
    """The bucket asks for 5 s in whole seconds: more than ``max_retry_wait``, so the client
    reports it at once instead of sleeping (an HTTP date loses up to a second to truncation)."""
    emulator = Emulator(rate_limit=0.2, burst=1, retry_after_format=fmt)  # type: ignore[arg-type]
    async with serve_emulator(emulator) as emu, emu.client(max_retry_wait=1.0) as client:
        await client.users.create(email="first@x.io")
        with pytest.raises(RateLimitError) as info:
            await client.users.create(email="second@x.io")
    assert info.value.retry_after is not None
    assert low <= info.value.retry_after <= 5.0
    assert (emu.stats.rate_limited, emu.user_count) == (1, 1)


async def test_lost_answer_to_a_create_is_not_replayed(
    emu: Emulator, client: AsyncPropelAuth
) -> None:
    emu.inject(Fault.drop_after(), method="POST", path=CREATE_PATH)
    with pytest.raises(OutcomeUnknownError):
        await client.users.create(email="once@x.io")
    assert len(emu.users_with_email("once@x.io")) == 1
    assert emu.stats.requests == 1


async def test_dropped_get_is_retried(emu: Emulator, client: AsyncPropelAuth) -> None:
    uid = emu.add_user("ada@x.io")
    emu.inject(Fault.drop_before(), method="GET", path=USER_PATH, times=2)
    user = await client.users.fetch(uid)
    assert user is not None
    assert emu.stats.requests == 3


@pytest.mark.parametrize("html", [False, True])
async def test_503_retried_on_reads_not_on_writes(
    emu: Emulator, client: AsyncPropelAuth, html: bool
) -> None:
    uid = emu.add_user("ada@x.io")
    emu.inject(Fault.error(503, html=html), method="GET", path=USER_PATH)
    assert await client.users.fetch(uid) is not None
    emu.inject(Fault.error(503, html=html), method="POST", path=CREATE_PATH)
    with pytest.raises(ServerError) as info:
        await client.users.create(email="new@x.io")
    assert info.value.status_code == 503
    assert emu.users_with_email("new@x.io") == []
    assert emu.stats.requests == 3


async def test_malformed_and_truncated_bodies(emu: Emulator, client: AsyncPropelAuth) -> None:
    uid = emu.add_user("ada@x.io")
    emu.inject(Fault.truncated_json(), method="GET", path=USER_PATH)
    emu.inject(Fault.malformed_json(), method="GET", path=USER_PATH)
    assert await client.users.fetch(uid) is not None
    assert emu.stats.requests == 3


async def test_slow_answer_times_out_and_read_is_retried(emu: Emulator) -> None:
    uid = emu.add_user("ada@x.io")
    emu.inject(Fault.delay(60.0), method="GET", path=USER_PATH)  # cancelled when the test ends
    async with emu.client(timeout=0.5, backoff_base=0.01) as client:
        assert await client.users.fetch(uid) is not None
    assert emu.stats.requests == 2


async def test_slow_write_is_outcome_unknown(emu: Emulator) -> None:
    emu.inject(Fault.delay(60.0, after=True), method="POST", path=CREATE_PATH)
    async with emu.client(timeout=0.5) as client:
        with pytest.raises(OutcomeUnknownError):
            await client.users.create(email="slow@x.io")
    assert len(emu.users_with_email("slow@x.io")) == 1


async def test_wrong_key_is_not_retried(emu: Emulator) -> None:
    async with AsyncPropelAuth(emu.url or "", "wrong-key") as client:
        with pytest.raises(AuthenticationError):
            await client.users.fetch("00000000-0000-4000-8000-000000000000")
    assert emu.stats.unauthorized == 1
    assert emu.stats.requests == 1


async def test_in_process_mode_needs_no_server() -> None:
    emulator = Emulator()
    uid = emulator.add_user("ada@x.io")
    async with emulator.client() as client:
        user = await client.users.fetch(uid)
        emulator.inject(Fault.drop_after(), method="POST", path=CREATE_PATH)
        with pytest.raises(OutcomeUnknownError):
            await client.users.create(email="b@x.io")
    assert user is not None
    assert not emulator.is_served
    assert len(emulator.users_with_email("b@x.io")) == 1
