"""Pool slots lost after randomly cancelled calls (encode/httpcore#1093), asyncio and trio.

10,000 calls per backend (reads and creates), each cancelled at a random point, at concurrency
200 with ``max_connections=4``, against the emulator served over HTTP on 127.0.0.1. Prints the
slots lost, how long the next 200 calls took, and whether any create was applied twice.

    PYTHONPATH=. python benchmarks/cancellation_soak.py [--calls N]

Run it against another checkout (say 0.1's) with that checkout on PYTHONPATH for the "before".
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import anyio
import httpx

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from propelauth_async.testing import run_emulator
from tests.cancellation_load import calls_after, lost_slots, run_cancelled_calls


async def soak(url_emu: object, calls: int, backend: str) -> None:
    emu, uid = url_emu  # type: ignore[misc]
    async with emu.client(max_connections=4, timeout=httpx.Timeout(5.0, pool=5.0)) as fresh:
        control_start = time.perf_counter()
        await calls_after(fresh, uid, 200)
        control = time.perf_counter() - control_start
    started = time.perf_counter()
    async with emu.client(
        max_connections=4, timeout=httpx.Timeout(5.0, pool=1.0), max_retries=0
    ) as client:
        seed = 1 if backend == "asyncio" else 2
        emails = await run_cancelled_calls(client, uid, calls=calls, concurrency=200, seed=seed)
        await anyio.sleep(0.05)
        lost = lost_slots(client)
        soaked = time.perf_counter() - started
        after_start = time.perf_counter()
        try:
            with anyio.fail_after(15):
                ok = await calls_after(client, uid, 200)
        except (TimeoutError, Exception) as exc:
            ok = -1
            print(f"  next 200 calls failed: {exc!r}"[:300])
        after = time.perf_counter() - after_start
    twice = sum(1 for e in emails if len(emu.users_with_email(e)) > 1)
    print(
        f"{backend:8s} calls={calls} in {soaked:.1f}s  slots lost={lost}/4  "
        f"next 200 calls: {ok} ok in {after:.2f}s (fresh client: {control:.2f}s)  "
        f"creates applied twice={twice}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=10_000)
    args = parser.parse_args()
    print("(noisy: a shared machine)")
    with run_emulator() as emu:
        uid = emu.add_user("ada@example.com")
        for backend in ("asyncio", "trio"):
            anyio.run(soak, (emu, uid), args.calls, backend, backend=backend)


if __name__ == "__main__":
    main()
