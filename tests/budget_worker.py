"""One worker process of a bulk job: ``calls`` fetches at ``concurrency``, on one API key.

    python tests/budget_worker.py AUTH_URL API_KEY REDIS_URL|local CALLS CONCURRENCY USER_ID RATE START

RATE is the pace to start from: shared by all workers with Redis, each its own with "local".
START (a time.time() value) is when to begin, so that workers started one by one overlap.

Prints one JSON line: failures, the client's own 429 count, and when each request was admitted.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time

from propelauth_async import AsyncPropelAuth, PropelAuthError, RedisRateBudget


async def main(
    auth_url: str,
    api_key: str,
    redis: str,
    calls: int,
    concurrency: int,
    user_id: str,
    rate: float,
    start: float,
) -> None:
    # a generous timeout: on a loaded test machine a slow answer is not an outage
    budget = RedisRateBudget(redis, rate=rate, timeout=10.0) if redis != "local" else None
    failures = 0
    left = [calls]
    done: list[float] = []
    async with AsyncPropelAuth(
        auth_url, api_key, budget=budget, rate_limit=None if budget else rate
    ) as client:
        await client.users.fetch(user_id)  # warm up (connection, TLS setup) before the clock
        admit = client.rate_limiter.budget.acquire

        async def acquire(**limits: float | None) -> None:  # records when each was let go
            await admit(**limits)
            done.append(time.time())

        client.rate_limiter.budget.acquire = acquire  # type: ignore[method-assign]
        late = time.time() - start
        await asyncio.sleep(max(0.0, -late))
        begin = time.monotonic()

        async def worker() -> None:
            nonlocal failures
            while left[0] > 0:
                left[0] -= 1
                try:
                    await client.users.fetch(user_id)
                except PropelAuthError:
                    failures += 1

        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.monotonic() - begin
        limited = client.rate_limiter.rate_limited
    if budget is not None:
        await budget.aclose()
    result = {"failures": failures, "rate_limited": limited, "late": late, "elapsed": elapsed}
    result["done"] = done
    print(json.dumps(result))


if __name__ == "__main__":
    url, key, redis, calls, concurrency, uid, rate, start = sys.argv[1:9]
    asyncio.run(main(url, key, redis, int(calls), int(concurrency), uid, float(rate), float(start)))
