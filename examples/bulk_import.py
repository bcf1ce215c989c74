"""A bulk job: create thousands of users concurrently, never twice, with 429s absorbed.

    python examples/bulk_import.py            # against the embedded emulator (rate limited)
    PROPELAUTH_AUTH_URL=... PROPELAUTH_API_KEY=... python examples/bulk_import.py --real

Concurrency is bounded by a semaphore; the client paces itself after the first 429 and pauses
every coroutine while the server asks it to. A create whose answer was lost raises
OutcomeUnknownError: we look the user up instead of creating them again.
"""

from __future__ import annotations

import argparse
import time

import anyio

from propelauth_async import AsyncPropelAuth, BadRequestError, OutcomeUnknownError
from propelauth_async.testing import Emulator, Fault, serve_emulator


async def import_users(
    client: AsyncPropelAuth, emails: list[str], concurrency: int
) -> dict[str, str]:
    created: dict[str, str] = {}
    limit = anyio.Semaphore(concurrency)

    async def one(email: str) -> None:
        async with limit:
            try:
                created[email] = (await client.users.create(email=email)).user_id
            except OutcomeUnknownError:
                user = await client.users.fetch_by_email(email)  # reconcile, never replay
                if user is not None:
                    created[email] = user.user_id
            except BadRequestError as exc:
                print(f"skipped {email}: {exc.field_errors}")

    async with anyio.create_task_group() as group:
        for email in emails:
            group.start_soon(one, email)
    return created


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--real", action="store_true", help="use PROPELAUTH_* from the environment")
    args = parser.parse_args()
    emails = [f"import{i:05d}@example.com" for i in range(args.users)]
    if args.real:
        async with AsyncPropelAuth.from_env() as client:
            created = await import_users(client, emails, args.concurrency)
        print(f"created {len(created)} users")
        return
    # Waits said in milliseconds (as ``Retry-After-Ms``), so the run shows the client's pacing
    # rather than whole-second pauses; seeded, so every run drops the same answers.
    emulator = Emulator(rate_limit=200, burst=20, seed=1, retry_after_format="ms")
    emulator.inject(
        Fault.drop_after(),
        method="POST",
        path="/api/backend/v1/user/",
        times=None,
        probability=0.02,
    )  # 2% of creates lose their answer after being applied
    async with serve_emulator(emulator) as emu, emu.client() as client:
        start = time.perf_counter()
        created = await import_users(client, emails, args.concurrency)
        elapsed = time.perf_counter() - start
        print(
            f"{len(created)}/{len(emails)} users in {elapsed:.1f} s "
            f"({len(created) / elapsed:.0f}/s against a 200/s limit); "
            f"{emu.stats.rate_limited} 429s absorbed, {emu.stats.faults} lost answers "
            f"reconciled, {emu.user_count} users on the server (no duplicates)"
        )


if __name__ == "__main__":
    anyio.run(main)
