"""Walk 10,000 users through the emulator over loopback: ours with and without prefetch, and
the official library's page-by-page loop (its async and its sync client).

The emulator runs in a thread of this process (uvicorn), so every side pays the same server
cost and shares one GIL with it; the numbers compare clients, not networks. The official
library always calls https://propelauth-api.com, so for it requests are redirected to the
emulator (a rewriting httpx transport for AsyncAuth; a wrapper around requests.get for Auth),
and it is given the verifier key so that it does not fetch one at construction.

    python benchmarks/pagination.py [--users 10000] [--page-size 100] [--rounds 3]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any

import anyio
import httpx

from propelauth_async.testing import Emulator, Fault, run_emulator

OFFICIAL_HOST = "https://propelauth-api.com"


class _Redirect(httpx.AsyncBaseTransport):
    """Sends the official async client's requests to the emulator instead."""

    def __init__(self, target: str) -> None:
        self._target = httpx.URL(target)
        self._inner = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        request.url = request.url.copy_with(
            scheme=self._target.scheme, host=self._target.host, port=self._target.port
        )
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()


async def ours(emu: Emulator, page_size: int, prefetch: bool, work: float) -> tuple[int, float]:
    async with emu.client() as client:
        start = time.perf_counter()
        count = 0
        async with client.users.iter(page_size=page_size, prefetch=prefetch) as users:
            async for _ in users:
                count += 1
                if work and count % page_size == 0:
                    await anyio.sleep(work)
        return count, time.perf_counter() - start


def _official_metadata(emu: Emulator) -> Any:
    from propelauth_py.api import TokenVerificationMetadata

    return TokenVerificationMetadata(verifier_key=emu.public_key_pem, issuer=emu.issuer)


async def official_async(emu: Emulator, page_size: int, work: float) -> tuple[int, float]:
    from propelauth_py import init_base_async_auth

    http = httpx.AsyncClient(transport=_Redirect(emu.url or ""))
    auth = init_base_async_auth(emu.url or "", emu.api_key, _official_metadata(emu), http)
    start = time.perf_counter()
    count, page = 0, 0
    while True:
        result = await auth.fetch_users_by_query(page_size=page_size, page_number=page)
        count += len(result.users)
        if work:
            await anyio.sleep(work)
        if not result.has_more_results:
            break
        page += 1
    elapsed = time.perf_counter() - start
    await http.aclose()
    return count, elapsed


def official_sync(emu: Emulator, page_size: int, work: float) -> tuple[int, float]:
    import requests
    from propelauth_py import init_base_auth

    real_get = requests.get

    def redirected(url: str, *args: Any, **kwargs: Any) -> Any:
        return real_get(url.replace(OFFICIAL_HOST, emu.url or ""), *args, **kwargs)

    requests.get = redirected  # type: ignore[assignment]
    try:
        auth = init_base_auth(emu.url or "", emu.api_key, _official_metadata(emu))
        start = time.perf_counter()
        count, page = 0, 0
        while True:
            result = auth.fetch_users_by_query(page_size=page_size, page_number=page)
            count += len(result.users)
            if work:
                time.sleep(work)
            if not result.has_more_results:
                break
            page += 1
        return count, time.perf_counter() - start
    finally:
        requests.get = real_get  # type: ignore[assignment]


def _median_rate(runs: list[tuple[int, float]], expected: int) -> float:
    for count, _ in runs:
        if count != expected:
            raise SystemExit(f"walked {count} users, expected {expected}")
    return statistics.median(count / elapsed for count, elapsed in runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--page-size", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--work-ms",
        type=float,
        default=0.0,
        help="consumer work per page, to show what prefetch overlaps",
    )
    parser.add_argument(
        "--latency-ms",
        type=float,
        default=0.0,
        help="server-side delay per page, standing in for network latency",
    )
    args = parser.parse_args()
    work = args.work_ms / 1000.0
    with run_emulator() as emu:
        for i in range(args.users):
            emu.add_user(f"user{i:06d}@bench.example", username=f"user{i:06d}")
        if args.latency_ms:
            emu.inject(
                Fault.delay(args.latency_ms / 1000.0), path="/api/backend/v1/user/query", times=None
            )
        sides: dict[str, Callable[[], tuple[int, float]]] = {
            "propelauth_async, no prefetch": lambda: anyio.run(
                ours, emu, args.page_size, False, work
            ),
            "propelauth_async, prefetch": lambda: anyio.run(ours, emu, args.page_size, True, work),
            "propelauth-py AsyncAuth loop": lambda: anyio.run(
                official_async, emu, args.page_size, work
            ),
            "propelauth-py Auth (sync) loop": lambda: official_sync(emu, args.page_size, work),
        }
        rates: dict[str, list[tuple[int, float]]] = {name: [] for name in sides}
        for _ in range(args.rounds):  # interleaved rounds: drift hits every side alike
            for name, run in sides.items():
                rates[name].append(run())
    print(
        f"{args.users} users, pages of {args.page_size}, latency {args.latency_ms:g} ms/page, "
        f"consumer work {args.work_ms:g} ms/page, "
        f"median of {args.rounds} rounds"
    )
    results = {name: _median_rate(runs, args.users) for name, runs in rates.items()}
    base = results["propelauth-py AsyncAuth loop"]
    for name, rate in results.items():
        print(f"  {name:34s} {rate:10,.0f} users/s   x{rate / base:5.2f} vs official async")
    print(
        f"  prefetch / no prefetch: x{results['propelauth_async, prefetch'] / results['propelauth_async, no prefetch']:.2f}"
    )


if __name__ == "__main__":
    main()
