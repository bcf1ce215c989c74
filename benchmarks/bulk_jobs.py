"""client.bulk against the emulator over loopback, each figure next to an anchor of the same run.

1. Engine cost: creating N users with ``client.bulk.create_users`` against the hand-written
   loop it replaces (a task group and a semaphore around ``client.users.create``, the old
   ``examples/bulk_import.py``), same client settings and concurrency, no rate limit.
2. A hostile run: the server allows R requests/s (429 otherwise) and loses the answer of a share
   of the creates after applying them. Prints rows lost and rows created twice (both must be
   0), lost answers reconciled, the share of 429s, and achieved / allowed rate.
3. ``fetch_users`` (100 ids a request) against one ``users.fetch`` per id at the same concurrency.

The emulator runs in a thread of this process (uvicorn), so both sides share its cost.

    python benchmarks/bulk_jobs.py [--users 600] [--concurrency 32] [--rate 200]
"""

from __future__ import annotations

import argparse
import time

import anyio

from propelauth_async import AsyncPropelAuth, NewUser
from propelauth_async.testing import Emulator, Fault, serve_emulator

CREATE = "/api/backend/v1/user/"


async def hand_written(client: AsyncPropelAuth, emails: list[str], concurrency: int) -> int:
    created = 0
    limit = anyio.Semaphore(concurrency)

    async def one(email: str) -> None:
        nonlocal created
        async with limit:
            await client.users.create(email=email)
            created += 1

    async with anyio.create_task_group() as group:
        for email in emails:
            group.start_soon(one, email)
    return created


async def with_bulk(client: AsyncPropelAuth, emails: list[str], concurrency: int) -> int:
    rows = (NewUser(email=email) for email in emails)
    return (await client.bulk.create_users(rows, concurrency=concurrency).run()).ok


async def engine_cost(users: int, concurrency: int) -> float:
    print(f"1. create {users} users, concurrency {concurrency}, no rate limit (users/s)")
    rates: dict[str, list[float]] = {"hand-written loop": [], "client.bulk": []}
    for round_ in range(2):
        for name, run in (("hand-written loop", hand_written), ("client.bulk", with_bulk)):
            async with serve_emulator(Emulator()) as emu, emu.client() as client:
                emails = [f"{round_}-{i}@example.com" for i in range(users)]
                start = time.perf_counter()
                done = await run(client, emails, concurrency)
                rates[name].append(done / (time.perf_counter() - start))
                assert emu.user_count == users
    best = {name: max(values) for name, values in rates.items()}
    for name, rate in best.items():
        print(f"   {name:18} {rate:8.0f}")
    print(f"   ratio bulk / hand-written: {best['client.bulk'] / best['hand-written loop']:.2f}")
    return best["client.bulk"]


async def hostile(users: int, concurrency: int, rate: float, unlimited: float) -> None:
    print(f"\n2. create {users} users at concurrency {concurrency} against a {rate:.0f} req/s")
    print("   limit (burst 20, whole-second Retry-After), 5% of answers lost after the write")
    emulator = Emulator(rate_limit=rate, burst=20, fault_seed=7)
    emulator.inject(Fault.drop_after(), method="POST", path=CREATE, times=None, probability=0.05)
    async with serve_emulator(emulator) as emu, emu.client() as client:
        emails = [f"h{i}@example.com" for i in range(users)]
        start = time.perf_counter()
        job = client.bulk.create_users((NewUser(email=e) for e in emails), concurrency=concurrency)
        progress = await job.run()
        elapsed = time.perf_counter() - start
        counts = [len(emu.users_with_email(e)) for e in emails]
        print(f"   ok {progress.ok}, failed {progress.failed}, unknown {progress.unknown}")
        print(f"   rows lost {counts.count(0)}, rows created twice {sum(c > 1 for c in counts)}")
        print(f"   lost answers {emu.faults.fired[0]}, reconciled {progress.reconciled}")
        share = emu.stats.rate_limited / max(emu.stats.requests, 1)
        print(f"   429s {emu.stats.rate_limited} ({share:.1%} of requests)")
        achieved = progress.done / elapsed
        print(f"   {achieved:.0f} users/s in {elapsed:.1f} s: {achieved / rate:.2f} of the allowed")
        anchor = min(rate, unlimited)
        print(f"   rate; {achieved / anchor:.2f} of min(allowed, the unlimited rate of 1.)")


async def fetches(users: int, concurrency: int) -> None:
    print(f"\n3. fetch {users} users by id (users/s)")
    emulator = Emulator()
    ids = [emulator.add_user(f"f{i}@example.com") for i in range(users)]
    async with serve_emulator(emulator) as emu, emu.client() as client:
        limit = anyio.Semaphore(concurrency)

        async def one(user_id: str) -> None:
            async with limit:
                await client.users.fetch(user_id)

        start = time.perf_counter()
        async with anyio.create_task_group() as group:
            for user_id in ids:
                group.start_soon(one, user_id)
        single = users / (time.perf_counter() - start)
        start = time.perf_counter()
        progress = await client.bulk.fetch_users(ids).run()
        batched = progress.ok / (time.perf_counter() - start)
        assert emu.user_count == users
    print(f"   one fetch per id    {single:8.0f}")
    print(f"   client.bulk         {batched:8.0f}   ratio {batched / single:.1f}")


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=600)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--rate", type=float, default=200.0)
    args = parser.parse_args()
    unlimited = await engine_cost(args.users, args.concurrency)
    await hostile(args.users, args.concurrency, args.rate, unlimited)
    await fetches(args.users, args.concurrency)


if __name__ == "__main__":
    anyio.run(main)
