"""State and control: seeds, reset, snapshots and files, the request journal, faults."""

from __future__ import annotations

import json
import typing
from pathlib import Path

import httpx
import pytest

from propelauth_async import AsyncPropelAuth, ServerError
from propelauth_async.testing import (
    Emulator,
    EmulatorNotServedError,
    Fault,
    SeedError,
    serve_emulator,
)
from propelauth_async.testing._seed import dump

SEED = {
    "users": [{"email": "ada@acme.io", "first_name": "Ada"}, {"email": "bob@acme.io"}],
    "orgs": [
        {
            "name": "Acme",
            "max_users": 5,
            "members": [
                {"email": "ada@acme.io", "role": "Admin"},
                {"email": "bob@acme.io"},
            ],
        }
    ],
    "api_keys": [{"user_email": "ada@acme.io", "org_name": "Acme", "token": "api_dev_key"}],
    "employees": [{"email": "staff@propelauth.com"}],
}
FETCH_USER = "/api/backend/v1/user/{user_id}"


def _fast(emu: Emulator) -> AsyncPropelAuth:
    return emu.client(backoff_base=0.001, backoff_cap=0.01)


async def test_seed_then_reset_returns_to_it() -> None:
    emu = Emulator(seed=SEED)
    (ada,) = emu.users_with_email("ada@acme.io")
    user = emu.user(ada)
    assert user is not None
    assert user.first_name == "Ada"
    assert user.org_id_to_org_info is not None
    (org_id,) = user.org_id_to_org_info
    assert user.org_id_to_org_info[org_id].user_role == "Admin"
    async with _fast(emu) as client:
        validated = await client.api_keys.validate("api_dev_key")
        assert validated.org is not None
        assert validated.org.org_id == org_id
        await client.users.create(email="carol@acme.io")
        await client.users.delete(ada)
        emu.inject(Fault.error(500), times=None)
        emu.reset()
        assert emu.user_count == 2
        assert emu.users_with_email("carol@acme.io") == []
        assert (await client.users.fetch(ada)) is not None  # no fault left either
    assert [r.method for r in emu.requests] == ["GET"]
    assert emu.stats.requests == 1


def test_seed_files_and_their_errors(tmp_path: Path) -> None:
    seed = tmp_path / "seed.json"
    seed.write_text(json.dumps(SEED))
    assert Emulator(seed=seed).user_count == 2
    assert Emulator(seed=str(seed)).user_count == 2
    cases = [
        ({"usres": []}, "unknown seed sections"),
        ({"users": [{"first_name": "no email"}]}, "missing field 'email'"),
        ({"orgs": [{"name": "A", "members": [{"email": "x@y.io"}]}]}, "no seeded user"),
        ({"users": [{"email": "a@b.io"}, {"email": "A@b.io"}]}, "Email already exists"),
        ({"version": 9}, "version 9"),
    ]
    for document, message in cases:
        with pytest.raises(SeedError, match=message):
            Emulator(seed=document)
    seed.write_text("{not json")
    with pytest.raises(SeedError, match="not valid JSON"):
        Emulator(seed=seed)
    with pytest.raises(SeedError, match="cannot read"):
        Emulator(seed=tmp_path / "missing.json")


async def test_snapshot_restore_and_a_saved_state_survives_a_restart(tmp_path: Path) -> None:
    emu = Emulator(seed=SEED)
    snap = emu.snapshot()
    async with _fast(emu) as client:
        created = await client.users.create(email="carol@acme.io", password="correct horse")
        key = await client.api_keys.create(user_id=created.user_id, metadata={"n": 1})
        org_id = emu.add_org("Beta")
        await client.invites.invite_by_email(email="dan@beta.io", org_id=org_id, role="Member")
    after = emu.snapshot()
    emu.restore(snap)
    assert emu.users_with_email("carol@acme.io") == []
    emu.restore(after)
    emu.restore(after)  # a snapshot can be restored again
    assert emu.users_with_email("carol@acme.io") == [created.user_id]

    path = tmp_path / "state.json"
    emu.save(path)
    reborn = Emulator(seed=path)
    assert dump(reborn.state) == dump(emu.state)
    async with _fast(reborn) as client:
        validated = await client.api_keys.validate(key.api_key_token)
        assert validated.user is not None
        assert validated.user.user_id == created.user_id
        invites = await client.invites.query_pending(org_id=org_id)
        assert [i.invitee_email for i in invites.items] == ["dan@beta.io"]


async def test_the_journal_records_requests_without_credentials() -> None:
    emu = Emulator()
    async with _fast(emu) as client:
        await client.users.create(email="ada@acme.io", password="correct horse")
        await client.users.query(email_or_username="ada", page_size=5)
    create, query = emu.requests
    assert (create.method, create.path, create.status) == ("POST", "/api/backend/v1/user/", 200)
    assert create.template == "/api/backend/v1/user/"
    assert create.body["email"] == "ada@acme.io"
    assert query.query["email_or_username"] == "ada"
    assert query.query["page_size"] == "5"
    assert query.body is None
    assert "x-propelauth-url" in create.headers
    assert not {"authorization", "Authorization"} & set(create.headers)
    assert emu.api_key not in repr(emu.requests)
    assert "correct horse" not in repr(emu.requests)
    quiet = Emulator(journal_size=0)  # benchmarks: nothing kept
    async with _fast(quiet) as client:
        await client.users.query()
    assert quiet.requests == []
    assert quiet.stats.requests == 1


async def test_fail_n_times_then_succeed() -> None:
    emu = Emulator()
    uid = emu.add_user("ada@acme.io")
    outage = emu.fail_then_succeed(2, path=FETCH_USER)
    async with _fast(emu) as client:
        assert await client.users.fetch(uid) is not None  # the client's 2 retries ride it out
        assert (outage.fired, outage.remaining) == (2, 0)
        assert [r.status for r in emu.requests] == [503, 503, 200]
        longer = emu.inject(Fault.error(500), method="GET", path=FETCH_USER, times=3)
        with pytest.raises(ServerError):
            await client.users.fetch(uid)
        assert longer.remaining == 0
        stop = emu.inject(Fault.error(502), times=None)
        stop.cancel()
        assert await client.users.fetch(uid) is not None
        assert stop.fired == 0


def test_a_fault_that_could_never_fire_is_refused() -> None:
    emu = Emulator()
    for method, path in [
        (None, "/api/backend/v1/usr/{user_id}"),  # a typo in a template
        (None, "/api/backend/v1/users/*"),  # a glob matching nothing
        ("POST", FETCH_USER),  # a real path, the wrong method
        ("GTE", None),
        (None, "/api/backend/v1/user/abc/nothing"),
    ]:
        with pytest.raises(ValueError, match="no endpoint"):
            emu.inject(Fault.error(500), method=method, path=path)
    emu.inject(Fault.error(500), path="/api/backend/v1/user/*")
    emu.inject(Fault.error(500), path="/api/backend/v1/user/0f2d/mfa")  # a concrete path
    emu.inject(Fault.error(500), method="delete", path="/api/backend/v1/pending_org_invites")
    with pytest.raises(ValueError, match="times"):
        emu.inject(Fault.error(500), times=0)
    with pytest.raises(ValueError, match="4xx or 5xx"):
        Fault.error(200)


def test_fault_reprs_name_only_what_applies() -> None:
    assert repr(Fault.drop_after()) == "Fault.drop_after()"
    assert "503" not in repr(Fault.drop_before())
    assert repr(Fault.error(503, html=True)) == "Fault.error(503, html=True)"
    assert repr(Fault.delay(0.5, after=True)) == "Fault.delay(0.5, after=True)"


async def test_html_error_pages_name_their_status() -> None:
    emu = Emulator()
    emu.inject(Fault.error(503, html=True))
    emu.inject(Fault.error(502, html=True))
    headers = {"authorization": f"Bearer {emu.api_key}"}
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=emu.app), base_url="http://emu", headers=headers
    ) as http:
        first = await http.get("/api/backend/v1/user/query")
        second = await http.get("/api/backend/v1/user/query")
    assert first.status_code == 503
    assert "<title>503 Service Unavailable</title>" in first.text
    assert "Bad Gateway" not in first.text
    assert "<title>502 Bad Gateway</title>" in second.text


async def test_url_is_a_str_while_served_and_refused_otherwise() -> None:
    assert typing.get_type_hints(Emulator.url.fget)["return"] is str  # type: ignore[attr-defined]
    emu = Emulator()
    with pytest.raises(EmulatorNotServedError):
        _ = emu.url
    async with serve_emulator(emu) as served:
        assert served.url.startswith("http://127.0.0.1:")
        assert served.is_served
    assert not emu.is_served
