"""Client-side cost of one ``client.users.fetch(...)`` against raw httpx + ``json.loads``.

Both sides run over the same ``httpx.MockTransport`` answering the same canned user, so the
difference is what propelauth_async adds: argument checks, URL and header building, the retry
wrapper, the rate limiter, error mapping and the model conversion.

Two raw anchors: ``client.get(url)`` on a client whose headers were set once (the plain one,
and the goal: ours at most 1.15x of it), and ``get(url, params=..., headers=...)`` with per-call
arguments, as a naive caller writes it (httpx spends tens of microseconds merging those).
Figures are process CPU time per call (``time.process_time``), median of interleaved rounds.

    python benchmarks/transport_overhead.py [--calls 3000] [--rounds 5]
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


HEADERS = {"authorization": "Bearer k", "x-propelauth-url": "auth.example.com"}
GOAL = 1.15


async def raw(calls: int) -> float:
    """Per-call ``params=`` and ``headers=``."""
    async with httpx.AsyncClient(transport=httpx.MockTransport(_answer)) as client:
        start = time.process_time()
        for _ in range(calls):
            response = await client.get(URL, params={"include_orgs": "false"}, headers=HEADERS)
            json.loads(response.content)
        return (time.process_time() - start) / calls * 1e6


async def raw_plain(calls: int) -> float:
    """The plain anchor: headers set once on the client, the query already in the URL."""
    transport = httpx.MockTransport(_answer)
    async with httpx.AsyncClient(transport=transport, headers=HEADERS) as client:
        url = f"{URL}?include_orgs=false"
        start = time.process_time()
        for _ in range(calls):
            response = await client.get(url)
            json.loads(response.content)
        return (time.process_time() - start) / calls * 1e6


async def raw_send(calls: int) -> float:
    """The strictest floor: one request built once, sent again and again (no per-call work)."""
    async with httpx.AsyncClient(transport=httpx.MockTransport(_answer)) as client:
        request = client.build_request("GET", URL, params={"include_orgs": "false"})
        start = time.process_time()
        for _ in range(calls):
            response = await client.send(request)
            json.loads(response.content)
        return (time.process_time() - start) / calls * 1e6


async def ours(calls: int) -> float:
    transport = httpx.MockTransport(_answer)
    async with AsyncPropelAuth("https://auth.example.com", "k", transport=transport) as client:
        start = time.process_time()
        for _ in range(calls):
            await client.users.fetch(USER_ID)
        return (time.process_time() - start) / calls * 1e6


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    sides = {"plain": raw_plain, "params": raw, "send": raw_send, "ours": ours}
    for warm in sides.values():
        await warm(1000)
    spent: dict[str, list[float]] = {name: [] for name in sides}
    for _ in range(args.rounds):  # interleaved, so drift on a shared machine hits every side
        for name, side in sides.items():
            spent[name].append(await side(args.calls))
    p, r, f, o = (statistics.median(spent[name]) for name in sides)
    print(
        f"median of {args.rounds} interleaved rounds of {args.calls} calls (noisy: shared machine)"
    )
    print(f"raw httpx get(url) + json.loads          : {p:8.1f} us/call (the plain anchor)")
    print(f"raw httpx get(params=, headers=) + loads : {r:8.1f} us/call")
    print(f"raw httpx send(prebuilt) + loads         : {f:8.1f} us/call (strictest floor)")
    print(f"client.users.fetch (User model)          : {o:8.1f} us/call")
    verdict = "met" if o / p <= GOAL else "NOT met"
    print(
        f"ratio to plain get(url)                  : {o / p:8.2f} (goal <= {GOAL:.2f}: {verdict})"
    )
    print(f"ratio to get(params=, headers=)          : {o / r:8.2f}")
    print(
        f"ratio to the strictest floor             : {o / f:8.2f} (+{o - f:.1f} us: checks, retry "
        "wrapper, limiter, error mapping, conversion)"
    )


if __name__ == "__main__":
    asyncio.run(main())
