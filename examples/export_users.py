"""A data pipeline step: stream every user to CSV with bounded memory, prefetching pages.

python examples/export_users.py users.csv            # against a seeded emulator
PROPELAUTH_AUTH_URL=... PROPELAUTH_API_KEY=... python examples/export_users.py users.csv --real

The same export, every column and a progress bar, from the command line:
propelauth-async users export --format csv --include-orgs -o users.csv
"""

from __future__ import annotations

import argparse
import csv
import sys

import anyio

from propelauth_async import AsyncPropelAuth
from propelauth_async.testing import Emulator, serve_emulator


async def export(client: AsyncPropelAuth, path: str) -> int:
    count = 0
    # A local file write per row is quick; a pipeline writing to slow storage would hand rows
    # to a worker thread (anyio.to_thread) instead of blocking the event loop.
    with open(path, "w", newline="") as handle:  # noqa: ASYNC230
        writer = csv.writer(handle)
        writer.writerow(["user_id", "email", "created_at", "orgs"])
        async with client.users.query(page_size=100, include_orgs=True, prefetch=True) as users:
            async for user in users:  # one page in hand, the next one on its way
                orgs = ";".join((user.org_id_to_org_info or {}).keys())
                writer.writerow([user.user_id, user.email, user.created_at, orgs])
                count += 1
    return count


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("path")
    parser.add_argument("--real", action="store_true")
    args = parser.parse_args()
    if args.real:
        async with AsyncPropelAuth.from_env() as client:
            print(f"exported {await export(client, args.path)} users", file=sys.stderr)
        return
    emulator = Emulator()
    org = emulator.add_org("Acme")
    for i in range(1000):
        emulator.add_member(org, emulator.add_user(f"user{i:04d}@acme.example"))
    async with serve_emulator(emulator) as emu, emu.client() as client:
        print(f"exported {await export(client, args.path)} users", file=sys.stderr)


if __name__ == "__main__":
    anyio.run(main)
