"""One worker process of a bulk job: ``calls`` fetches at ``concurrency``, on one API key.

    python tests/budget_worker.py AUTH_URL API_KEY REDIS_URL|local CALLS CONCURRENCY USER_ID

Prints one JSON line: failures and the client's own 429 count.
"""

from __future__ import annotations

import asyncio
import json
import sys

from propelauth_async import AsyncPropelAuth, PropelAuthError, RedisRateBudget


async def main(
    auth_url: str, api_key: str, redis: str, calls: int, concurrency: int, user_id: str
) -> None:
    budget = RedisRateBudget(redis) if redis != "local" else None
    failures = 0
    left = [calls]
    async with AsyncPropelAuth(auth_url, api_key, budget=budget) as client:

        async def worker() -> None:
            nonlocal failures
            while left[0] > 0:
                left[0] -= 1
                try:
                    await client.users.fetch(user_id)
                except PropelAuthError:
                    failures += 1

        await asyncio.gather(*(worker() for _ in range(concurrency)))
        limited = client.rate_limiter.rate_limited
    if budget is not None:
        await budget.aclose()
    print(json.dumps({"failures": failures, "rate_limited": limited}))


if __name__ == "__main__":
    url, key, redis, calls, concurrency, uid = sys.argv[1:7]
    asyncio.run(main(url, key, redis, int(calls), int(concurrency), uid))
