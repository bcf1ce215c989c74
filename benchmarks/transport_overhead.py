"""Client-side cost of one ``client.users.fetch(...)`` against raw httpx + ``json.loads``.

Both sides run over the same ``httpx.MockTransport`` answering the same canned user, so the
difference is what propelauth_async adds: argument checks, URL and header building, the retry
wrapper, the rate limiter, error mapping and the cattrs conversion. Aim: ratio <= 1.3.

    python benchmarks/transport_overhead.py [--calls 20000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time

import httpx

from propelauth_async import AsyncPropelAuth

USER_ID = "e9d3520f-836e-403c-82c2-09843517e1ce"
USER = {
    "user_id": USER_ID,
    "email": "ada@example.com",
    "email_confirmed": True,
    "has_password": True,
    "username": "ada",
    "first_name": "Ada",
    "last_name": "Lovelace",
    "picture_url": "https://img.example.com/ada.png",
    "properties": {"plan": "pro", "seats": 5},
    "metadata": {"crm_id": "A-17"},
    "locked": False,
    "enabled": True,
    "mfa_enabled": False,
    "can_create_orgs": True,
    "created_at": 1645131680,
    "last_active_at": 1650654711,
    "update_password_required": False,
    "legacy_user_id": None,
}
BODY = json.dumps(USER).encode()
URL = f"https://auth.example.com/api/backend/v1/user/{USER_ID}"


def _answer(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, content=BODY, headers={"content-type": "application/json"})


async def raw(calls: int) -> float:
    async with httpx.AsyncClient(transport=httpx.MockTransport(_answer)) as client:
        headers = {"authorization": "Bearer k", "x-propelauth-url": "auth.example.com"}
        start = time.perf_counter()
        for _ in range(calls):
            response = await client.get(URL, params={"include_orgs": "false"}, headers=headers)
            json.loads(response.content)
        return (time.perf_counter() - start) / calls * 1e6


async def raw_send(calls: int) -> float:
    """The strictest floor: one request built once, sent again and again (no per-call work)."""
    async with httpx.AsyncClient(transport=httpx.MockTransport(_answer)) as client:
        request = client.build_request("GET", URL, params={"include_orgs": "false"})
        start = time.perf_counter()
        for _ in range(calls):
            response = await client.send(request)
            json.loads(response.content)
        return (time.perf_counter() - start) / calls * 1e6


async def ours(calls: int) -> float:
    transport = httpx.MockTransport(_answer)
    async with AsyncPropelAuth("https://auth.example.com", "k", transport=transport) as client:
        start = time.perf_counter()
        for _ in range(calls):
            await client.users.fetch(USER_ID)
        return (time.perf_counter() - start) / calls * 1e6


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    for warm in (raw, raw_send, ours):
        await warm(1000)
    raw_us, send_us, our_us = [], [], []
    for _ in range(args.rounds):  # interleaved, so drift on a shared machine hits every side
        raw_us.append(await raw(args.calls))
        send_us.append(await raw_send(args.calls))
        our_us.append(await ours(args.calls))
    r, f, o = (statistics.median(x) for x in (raw_us, send_us, our_us))
    print(f"raw httpx get + json.loads          : {r:8.1f} us/call (median of {args.rounds})")
    print(f"raw httpx send(prebuilt) + loads    : {f:8.1f} us/call (strictest floor)")
    print(f"client.users.fetch (User model)     : {o:8.1f} us/call")
    print(f"ratio to get + json.loads           : {o / r:8.2f} (aim: <= 1.30)")
    print(
        f"ratio to the strictest floor        : {o / f:8.2f} (+{o - f:.1f} us: checks, retry "
        "wrapper, limiter, error mapping, cattrs)"
    )


if __name__ == "__main__":
    asyncio.run(main())
