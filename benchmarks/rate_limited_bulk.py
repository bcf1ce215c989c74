"""A bulk job under a rate limit: ours against the official AsyncAuth, same server, same run.

N user fetches at concurrency C against the emulator (in its own process) allowing R requests/s
per key (token bucket, burst B), once for each way a 429 can say how long to wait. Prints
failures, the share of requests answered 429, and achieved / allowed, where "allowed" is the
best a perfect client could do: the burst at once, then exactly R per second.

Goals (issue 11): 0 failures, >= 0.9 of the allowed rate, <= 5% of requests answered 429.

    python benchmarks/rate_limited_bulk.py                      # 3,000 fetches, 200/s, every form
    python benchmarks/rate_limited_bulk.py --rates 50,1000      # other limits
    python benchmarks/rate_limited_bulk.py --change 100         # the limit drops to 100 mid-run
    python benchmarks/rate_limited_bulk.py --quick              # about 20 s
    python benchmarks/rate_limited_bulk.py --pin                # server on CPU 0, client on CPU 1
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

from _server import ServerProcess, official_auth

from propelauth_async import AsyncPropelAuth

FORMATS = ("seconds", "http-date", "ms", "reset", "none")


def best_time(calls: int, burst: int, rate: float, change: tuple[float, float] | None) -> float:
    need = calls - burst
    if change is None or need / rate <= change[0]:
        return need / rate
    at, new_rate = change
    return at + (need - rate * at) / new_rate


async def run_job(
    fetch: Callable[[], Awaitable[Any]], calls: int, concurrency: int
) -> tuple[int, float]:
    left = [calls]
    failures = 0

    async def worker() -> None:
        nonlocal failures
        while left[0] > 0:
            left[0] -= 1
            try:
                await fetch()
            except Exception:
                failures += 1

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return failures, time.perf_counter() - start


async def ours(server: ServerProcess, calls: int, concurrency: int) -> tuple[int, float]:
    async with AsyncPropelAuth(server.url, server.api_key) as client:
        return await run_job(lambda: client.users.fetch(server.user_id), calls, concurrency)


async def official(server: ServerProcess, calls: int, concurrency: int) -> tuple[int, float]:
    auth, http = official_auth(server)
    try:
        return await run_job(
            lambda: auth.fetch_user_metadata_by_user_id(server.user_id), calls, concurrency
        )
    finally:
        await http.aclose()


async def measure(
    server: ServerProcess,
    side: Callable[[ServerProcess, int, int], Awaitable[tuple[int, float]]],
    args: argparse.Namespace,
    change: tuple[float, float] | None,
) -> tuple[int, float, float]:
    server.reset()
    job = asyncio.ensure_future(side(server, args.calls, args.concurrency))
    if change is not None:
        done, _ = await asyncio.wait({job}, timeout=change[0])
        if not done:
            server.set_limit(change[1])
    failures, elapsed = await job
    requests, limited = server.stats()
    return failures, limited / max(1, requests), elapsed


def row(name: str, failures: int, share: float, elapsed: float, best: float, calls: int) -> str:
    """achieved/allowed counts successful calls only: a client that fails fast is not fast."""
    achieved = best * (calls - failures) / calls / elapsed
    return (
        f"  {name:<9} failures {failures:>5} ({failures / calls:6.1%})   429s {share:6.1%}   "
        f"{elapsed:6.2f} s   achieved/allowed {achieved:5.3f}"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--burst", type=int, default=20)
    parser.add_argument("--rates", default="200", help="comma-separated limits, requests/s")
    parser.add_argument("--formats", default=",".join(FORMATS))
    parser.add_argument("--change", type=float, default=None, help="new limit, half-way through")
    parser.add_argument("--no-official", action="store_true")
    parser.add_argument("--pin", action="store_true", help="server on CPU 0, client on CPU 1")
    parser.add_argument("--quick", action="store_true", help="1,000 fetches, two forms")
    args = parser.parse_args()
    if args.quick:
        args.calls, args.formats = 1000, "seconds,ms"
    print(
        f"{args.calls} fetches at concurrency {args.concurrency}, token bucket burst {args.burst}"
        " (numbers from a shared machine are noisy; compare the ratios)"
    )
    for rate in (float(r) for r in args.rates.split(",")):
        for fmt in args.formats.split(","):
            change = None
            if args.change is not None:
                change = (best_time(args.calls, args.burst, rate, None) / 2, args.change)
            best = best_time(args.calls, args.burst, rate, change)
            with ServerProcess(
                pin=args.pin, rate_limit=rate, burst=args.burst, retry_after_format=fmt
            ) as server:
                label = f"{rate:g} req/s, Retry-After form {fmt!r}"
                if change is not None:
                    label += f", limit -> {change[1]:g} req/s at {change[0]:.1f} s"
                print(f"{label}: best possible {best:.2f} s")
                failures, share, elapsed = await measure(server, ours, args, change)
                print(row("ours", failures, share, elapsed, best, args.calls))
                if not args.no_official:
                    failures, share, elapsed = await measure(server, official, args, change)
                    print(row("official", failures, share, elapsed, best, args.calls))


if __name__ == "__main__":
    asyncio.run(main())
