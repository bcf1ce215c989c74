"""User fetches per second over loopback: both our transports, the official AsyncAuth, raw httpx.

The emulator runs in its own process (``--pin``: on CPU 0, the client on CPU 1). Every side
fetches the same user N times at concurrency C with its default settings; ours once with the
default transport (aiohttp's connector on asyncio when the ``[aiohttp]`` extra is installed) and
once forced onto httpx's own.

Goal (issue 11): ours by default >= 3x the official AsyncAuth at c=64, and no collapse at c=256.

    python benchmarks/throughput.py [--requests 3000] [--levels 1,16,64,256] [--pin] [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from _server import ServerProcess, official_auth

from propelauth_async import AsyncPropelAuth


async def run(fetch: Callable[[], Awaitable[Any]], requests: int, concurrency: int) -> float:
    left = [requests]

    async def worker() -> None:
        while left[0] > 0:
            left[0] -= 1
            await fetch()

    await fetch()  # warm: one connection, one import, before the clock starts
    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return requests / (time.perf_counter() - start)


async def ours(server: ServerProcess, transport: str, requests: int, concurrency: int) -> float:
    async with AsyncPropelAuth(server.url, server.api_key, transport=transport) as client:  # type: ignore[arg-type]
        return await run(lambda: client.users.fetch(server.user_id), requests, concurrency)


async def official(server: ServerProcess, requests: int, concurrency: int) -> float:
    auth, http = official_auth(server)
    try:
        return await run(
            lambda: auth.fetch_user_metadata_by_user_id(server.user_id), requests, concurrency
        )
    finally:
        await http.aclose()


async def raw_httpx(server: ServerProcess, requests: int, concurrency: int) -> float:
    headers = {"authorization": f"Bearer {server.api_key}"}
    url = f"{server.url}/api/backend/v1/user/{server.user_id}"
    async with httpx.AsyncClient(headers=headers) as client:

        async def fetch() -> Any:
            response = await client.get(url)
            return json.loads(response.content)

        return await run(fetch, requests, concurrency)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--levels", default="1,16,64,256")
    parser.add_argument("--pin", action="store_true", help="server on CPU 0, client on CPU 1")
    parser.add_argument("--quick", action="store_true", help="500 requests per cell")
    args = parser.parse_args()
    if args.quick:
        args.requests = 500
    levels = [int(level) for level in args.levels.split(",")]
    sides: dict[str, Callable[[ServerProcess, int, int], Awaitable[float]]] = {
        "ours, default (auto)": lambda s, n, c: ours(s, "auto", n, c),
        "ours, transport=httpx": lambda s, n, c: ours(s, "httpx", n, c),
        "official AsyncAuth": official,
        "raw httpx": raw_httpx,
    }
    results: dict[str, dict[int, float]] = {name: {} for name in sides}
    print(f"{args.requests} fetches per cell, requests/s (a shared machine: noisy; see the ratios)")
    with ServerProcess(pin=args.pin) as server:
        for level in levels:
            for name, side in sides.items():
                results[name][level] = await side(server, args.requests, level)
    print(f"{'':24}" + "".join(f"{f'c={level}':>10}" for level in levels))
    for name, row in results.items():
        print(f"{name:24}" + "".join(f"{row[level]:>10,.0f}" for level in levels))
    anchor = results["official AsyncAuth"]
    for name in ("ours, default (auto)", "ours, transport=httpx"):
        ratios = "".join(f"{results[name][level] / anchor[level]:>10.2f}" for level in levels)
        label = name.split(", ")[1] + " / official"
        print(f"{label:24}" + ratios)


if __name__ == "__main__":
    asyncio.run(main())
