"""A bulk job: create thousands of users concurrently, never twice, with 429s absorbed.

    python examples/bulk_import.py            # against the embedded emulator (rate limited)
    PROPELAUTH_AUTH_URL=... PROPELAUTH_API_KEY=... python examples/bulk_import.py --real

client.bulk.create_users does what such a job used to write by hand: bounded concurrency, the
client's shared pacing for every request, one result per row, and a create whose answer was
lost looked up by email instead of being sent again. The same job from a file, with a result
file and --resume: ``propelauth-async users import users.csv``.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Iterator

import anyio

from propelauth_async import AsyncPropelAuth, BulkProgress, NewUser, Outcome
from propelauth_async.testing import Emulator, Fault, serve_emulator


def new_users(count: int) -> Iterator[NewUser]:
    """The rows to import, produced lazily (a CSV reader or a database cursor works the same)."""
    for i in range(count):
        yield NewUser(email=f"import{i:05d}@example.com", email_confirmed=True)


async def import_users(client: AsyncPropelAuth, count: int, concurrency: int) -> BulkProgress:
    job = client.bulk.create_users(new_users(count), concurrency=concurrency, total=count)
    async with job:
        async for result in job:  # in input order
            if result.outcome is not Outcome.OK:
                print(f"row {result.index}: {result.outcome.value}: {result.error}")
    return job.progress


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--real", action="store_true", help="use PROPELAUTH_* from the environment")
    args = parser.parse_args()
    if args.real:
        async with AsyncPropelAuth.from_env() as client:
            progress = await import_users(client, args.users, args.concurrency)
        print(f"created {progress.ok} users, {progress.failed + progress.unknown} not")
        return
    # Waits said in milliseconds (as ``Retry-After-Ms``), so the run shows the client's pacing
    # rather than whole-second pauses; seeded, so every run drops the same answers.
    emulator = Emulator(rate_limit=200, burst=20, fault_seed=1, retry_after_format="ms")
    emulator.inject(
        Fault.drop_after(),
        method="POST",
        path="/api/backend/v1/user/",
        times=None,
        probability=0.02,
    )  # 2% of creates lose their answer after being applied
    async with serve_emulator(emulator) as emu, emu.client() as client:
        start = time.perf_counter()
        progress = await import_users(client, args.users, args.concurrency)
        elapsed = time.perf_counter() - start
        print(
            f"{progress.ok}/{args.users} users in {elapsed:.1f} s "
            f"({progress.ok / elapsed:.0f}/s against a 200/s limit); "
            f"{emu.stats.rate_limited} 429s absorbed, {progress.reconciled} lost answers "
            f"reconciled, {emu.user_count} users on the server (no duplicates)"
        )


if __name__ == "__main__":
    anyio.run(main)
