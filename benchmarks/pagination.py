"""Paging users: client CPU per user with the server's share removed, then a walk of 10,000
users through the emulator over loopback; ours against the official library's loop.

Client CPU (the goal: ours at most the official AsyncAuth loop's): both sides get the same
pre-built page bytes from one ``httpx.MockTransport``, so what is measured is request building,
transport, JSON decoding, model building and iteration. It is process CPU time per user
(``time.process_time``), median of interleaved rounds. The official loop iterates its users in
a plain ``for``, as a consumer would; ours is shown both with ``async for`` over items and over
``.pages()``.

The emulator runs in a thread of this process (uvicorn), so every side pays the same server
cost and shares one GIL with it; the numbers compare clients, not networks. The official
library always calls https://propelauth-api.com, so for it requests are redirected to the
emulator (a rewriting httpx transport for AsyncAuth; a wrapper around requests.get for Auth),
and it is given the verifier key so that it does not fetch one at construction.

    python benchmarks/pagination.py [--users 10000] [--page-size 100] [--rounds 3]
        [--cpu-pages 20] [--cpu-rounds 15] [--cpu-only]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from typing import Any

import anyio
import httpx

from propelauth_async.testing import Emulator, Fault, run_emulator

OFFICIAL_HOST = "https://propelauth-api.com"
AUTH_URL = "https://auth.example.com"


def _bench_user(i: int) -> dict[str, Any]:
    """A user as the emulator (and the API) sends one."""
    return {
        "user_id": f"{i:08d}-836e-403c-82c2-09843517e1ce",
        "email": f"user{i:06d}@bench.example",
        "email_confirmed": True,
        "has_password": False,
        "username": f"user{i:06d}",
        "first_name": "Ada",
        "last_name": None,
        "picture_url": "https://img.propelauth.com/default.png",
        "properties": {},
        "metadata": {},
        "locked": False,
        "enabled": True,
        "mfa_enabled": False,
        "can_create_orgs": False,
        "created_at": 1645131680 + i,
        "last_active_at": 1650654711,
        "update_password_required": False,
        "legacy_user_id": None,
    }


class PrebuiltPages:
    """Answers every user query from two pre-built bodies: a full page that says there are
    more, and the same page marked last. Both sides share one instance in a run."""

    def __init__(self, pages: int, page_size: int) -> None:
        self.pages, self.page_size = pages, page_size
        users = [_bench_user(i) for i in range(page_size)]
        self._more, self._last = (
            json.dumps(
                {
                    "users": users,
                    "total_users": pages * page_size,
                    "current_page": 0,
                    "page_size": page_size,
                    "has_more_results": more,
                }
            ).encode()
            for more in (True, False)
        )
        self.transport = httpx.MockTransport(self._answer)

    def _answer(self, request: httpx.Request) -> httpx.Response:
        last = int(request.url.params.get("page_number", "0")) >= self.pages - 1
        return httpx.Response(
            200,
            content=self._last if last else self._more,
            headers={"content-type": "application/json"},
        )


async def cpu_ours(server: PrebuiltPages, by_pages: bool) -> tuple[int, float]:
    from propelauth_async import AsyncPropelAuth

    async with AsyncPropelAuth(AUTH_URL, "key", transport=server.transport) as client:
        pager = client.users.query(page_size=server.page_size)
        count = 0
        start = time.process_time()
        if by_pages:
            async for page in pager.pages():
                for _ in page.items:
                    count += 1
        else:
            async for _ in pager:
                count += 1
        return count, time.process_time() - start


async def cpu_official(server: PrebuiltPages) -> tuple[int, float]:
    from propelauth_py import init_base_async_auth
    from propelauth_py.api import TokenVerificationMetadata

    metadata = TokenVerificationMetadata(verifier_key="unused", issuer=AUTH_URL)
    async with httpx.AsyncClient(transport=server.transport) as http:
        auth = init_base_async_auth(AUTH_URL, "key", metadata, http)
        count, page = 0, 0
        start = time.process_time()
        while True:
            result = await auth.fetch_users_by_query(page_size=server.page_size, page_number=page)
            for _ in result.users:
                count += 1
            if not result.has_more_results:
                break
            page += 1
        return count, time.process_time() - start


def client_cpu(pages: int, page_size: int, rounds: int) -> None:
    server = PrebuiltPages(pages, page_size)
    sides: dict[str, Callable[[], tuple[int, float]]] = {
        "propelauth_async, async for item": lambda: anyio.run(cpu_ours, server, False),
        "propelauth_async, async for page": lambda: anyio.run(cpu_ours, server, True),
        "propelauth-py AsyncAuth loop": lambda: anyio.run(cpu_official, server),
    }
    for run in sides.values():
        run()  # warm: imports, generated structure functions, pools
    spent: dict[str, list[float]] = {name: [] for name in sides}
    for _ in range(rounds):  # interleaved rounds: drift hits every side alike
        for name, run in sides.items():
            count, cpu = run()
            if count != pages * page_size:
                raise SystemExit(f"{name} walked {count} users, expected {pages * page_size}")
            spent[name].append(cpu / count * 1e6)
    medians = {name: statistics.median(values) for name, values in spent.items()}
    base = medians["propelauth-py AsyncAuth loop"]
    print(
        f"client CPU per paged user, pre-built pages from memory ({pages} pages of {page_size}), "
        f"median of {rounds} rounds (noisy: shared machine)"
    )
    for name, value in medians.items():
        print(
            f"  {name:34s} {value:7.2f} us/user   x{value / base:5.2f} of official (goal <= 1.00)"
        )


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
        async with client.users.query(page_size=page_size, prefetch=prefetch) as users:
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
    parser.add_argument("--cpu-pages", type=int, default=20)
    parser.add_argument("--cpu-rounds", type=int, default=15)
    parser.add_argument("--cpu-only", action="store_true", help="skip the emulator walk")
    args = parser.parse_args()
    client_cpu(args.cpu_pages, args.page_size, args.cpu_rounds)
    if args.cpu_only:
        return
    print()
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
