"""client.bulk end to end against the emulator over real HTTP, with a rate limit (429s whose
wait is said in milliseconds, so the test stays fast) and answers lost after the write was
applied: no row is lost, none is done twice."""

from __future__ import annotations

import ast
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from propelauth_async import (
    AsyncPropelAuth,
    AuthenticationError,
    BadRequestError,
    InvalidArgumentError,
    ItemResult,
    NewMembership,
    NewUser,
    NotFoundError,
    UserChanges,
)
from propelauth_async.bulk import BulkJob
from propelauth_async.testing import Emulator, Fault, serve_emulator

CREATE = "/api/backend/v1/user/"
FAST_RETRIES = {"backoff_base": 0.001, "backoff_cap": 0.01, "total_timeout": 20.0}
# Pacing is the limiter's business (tests/test_ratelimit.py); here its slow start after a 429
# would only make the test slower, not check anything more about the rows.
CLIENT = {**FAST_RETRIES, "adaptive_rate_limit": False}


@pytest_asyncio.fixture
async def emu() -> AsyncIterator[Emulator]:
    emulator = Emulator(rate_limit=1000, burst=5, retry_after_format="ms", fault_seed=11)
    async with serve_emulator(emulator) as served:
        yield served


@pytest_asyncio.fixture
async def client(emu: Emulator) -> AsyncIterator[AsyncPropelAuth]:
    async with emu.client(**CLIENT) as c:
        yield c


async def test_create_users_loses_no_row_and_creates_none_twice(
    emu: Emulator, client: AsyncPropelAuth
) -> None:
    emu.inject(Fault.error(429), method="POST", path=CREATE, times=5)  # besides the bucket's
    emu.inject(Fault.drop_after(), method="POST", path=CREATE, times=None, probability=0.1)
    rows = [
        NewUser(email=f"bulk{i:03d}@example.com", first_name=f"N{i}", password="hunter22-long")
        for i in range(120)
    ]

    async with client.bulk.create_users(iter(rows), concurrency=24, total=len(rows)) as job:
        results = [r async for r in job]

    assert [r.index for r in results] == list(range(len(rows)))
    assert [r for r in results if not r.ok] == []
    refused, lost = emu.faults.fired
    assert refused == 5 and lost > 0  # the faults really happened
    assert sum(r.reconciled for r in results) == lost
    for i, result in enumerate(results):
        assert result.value is not None
        assert emu.users_with_email(f"bulk{i:03d}@example.com") == [result.value.user_id]
    assert emu.user_count == 120
    assert (job.progress.ok, job.progress.failed, job.progress.unknown) == (120, 0, 0)
    assert "hunter22" not in repr(results[0])


async def test_rows_that_cannot_be_created_fail_alone(
    emu: Emulator, client: AsyncPropelAuth
) -> None:
    emu.add_user("taken@example.com")
    rows = [
        {"email": "not-an-email"},
        {"email": "x@example.com", "nickname": "x"},
        {"email": "taken@example.com"},
        {"email": "fine@example.com", "email_confirmed": True, "password": "s3cret-Pa55word"},
    ]
    bad_email, unknown_field, taken, fine = await _collect(client.bulk.create_users(rows))
    assert isinstance(bad_email.error, InvalidArgumentError)
    assert isinstance(unknown_field.error, InvalidArgumentError)
    assert "nickname" in str(unknown_field.error)
    assert isinstance(taken.error, BadRequestError) and not taken.reconciled
    assert fine.ok and emu.user_count == 2
    assert "s3cret" not in repr(fine) + repr(taken)


async def test_memberships_updates_fetches_and_deletes(
    emu: Emulator, client: AsyncPropelAuth
) -> None:
    org_id = emu.add_org("Acme")
    ids = [emu.add_user(f"m{i:03d}@acme.example") for i in range(80)]
    emu.inject(
        Fault.drop_after(), method="POST", path="*/org/add_user", times=None, probability=0.1
    )
    added = await client.bulk.add_org_members(
        NewMembership(org_id=org_id, user_id=uid, role="Member") for uid in ids
    ).run()
    # The status line came before the cut: a 2xx to a write whose answer is not needed is done,
    # so nothing needs reconciling (the creates test covers reconciliation).
    assert (added.ok, added.done, added.reconciled) == (80, 80, 0)
    assert emu.faults.fired[0] > 0
    assert all(org_id in (emu.user(uid).org_id_to_org_info or {}) for uid in ids)  # type: ignore[union-attr]

    changes = ({"user_id": uid, "first_name": "Renamed"} for uid in ids[:50])
    updated = await client.bulk.update_users(changes).run()
    assert updated.ok == 50
    assert emu.user(ids[0]).first_name == "Renamed"  # type: ignore[union-attr]
    assert emu.user(ids[60]).first_name is None  # type: ignore[union-attr]
    untouched = await client.bulk.update_users([UserChanges(user_id=ids[1])]).run()
    assert untouched.ok == 1

    missing = "00000000-0000-4000-8000-000000000000"
    wanted = [*ids, missing, "not-a-uuid"]
    async with client.bulk.fetch_users(wanted, include_orgs=True) as job:
        fetched = [r async for r in job]
    assert [r.value.user_id for r in fetched[:80]] == ids  # type: ignore[union-attr]
    assert fetched[80].ok and fetched[80].value is None
    assert isinstance(fetched[81].error, InvalidArgumentError)

    emu.faults.clear()
    # the first ten deletes (ten different users: 16 go out at once) lose their answer
    emu.inject(Fault.drop_after(), method="DELETE", times=10)
    async with client.bulk.delete_users(ids) as deletions:
        outcomes = [r async for r in deletions]
    assert [r for r in outcomes if not r.ok] == []
    # a delete whose answer was lost is retried, and the transport knows a 404 then means done
    assert emu.faults.fired == [10]
    assert all(r.value is True for r in outcomes)
    emu.faults.clear()
    (gone,) = await _collect(client.bulk.delete_users([missing]))
    assert gone.ok and gone.value is False
    (strict,) = await _collect(client.bulk.delete_users([missing], missing_ok=False))
    assert isinstance(strict.error, NotFoundError)
    assert emu.user_count == 0


async def test_a_refused_key_stops_the_job(emu: Emulator) -> None:
    rows = (NewUser(email=f"k{i}@example.com") for i in range(1_000))
    async with AsyncPropelAuth(emu.url or "", "wrong-key", **FAST_RETRIES) as client:  # type: ignore[arg-type]
        job = client.bulk.create_users(rows, concurrency=4)
        with pytest.raises(AuthenticationError):
            await job.run()
    assert emu.user_count == 0
    assert job.progress.done < 50


async def _collect(job: BulkJob[Any, Any]) -> list[ItemResult[Any, Any]]:
    async with job:
        return [result async for result in job]


README = (Path(__file__).resolve().parent.parent / "README.md").read_text()


async def test_the_readme_bulk_example_runs(capsys: pytest.CaptureFixture[str]) -> None:
    blocks = re.findall(r"```python\n(.*?)```", README, flags=re.S)
    (block,) = [b for b in blocks if "client.bulk.create_users" in b]
    code = compile(block, "<README>", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
    await eval(code, {})
    assert "BulkProgress(done=100, ok=100, failed=0, unknown=0" in capsys.readouterr().out


@pytest.mark.anyio
@pytest.mark.parametrize("anyio_backend", ["trio"])
async def test_bulk_jobs_run_on_trio_too(anyio_backend: str) -> None:
    emulator = Emulator()  # in process, through httpx.ASGITransport
    async with emulator.client() as client:
        created = await client.bulk.create_users(
            NewUser(email=f"t{i}@example.com") for i in range(30)
        ).run()
        ids = [emulator.users_with_email(f"t{i}@example.com")[0] for i in range(30)]
        async with client.bulk.fetch_users(ids) as job:
            emails = [r.value.email async for r in job if r.value is not None]
    assert created.ok == 30
    assert emails == [f"t{i}@example.com" for i in range(30)]
