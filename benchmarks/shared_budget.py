"""Worker processes sharing one API key: a budget shared through Redis against local limiters.

W worker processes (default 4) fetch N users in all (default 4,000) against the emulator (in
its own process) allowing R requests/s (default 200) on the key, with a token bucket of burst
B. Run twice, in the same run: every worker with a RedisRateBudget on one private redis-server,
then the same workers each pacing alone (all workers start their job at one moment, after their
imports; the time runs from the first start to the last finish). Prints failures, the share of 429s, and the combined
achieved / allowed rate (allowed: the burst at once, then exactly R per second).

Goal (issue 11): shared budget with 0 failures, >= 0.9 of the allowed rate, <= 5% 429s.

    python benchmarks/shared_budget.py [--workers 4] [--calls 4000] [--rate 200] [--quick]
    python benchmarks/shared_budget.py --redis redis://host:6379/0   # an existing Redis
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager

from _server import ServerProcess

from propelauth_async import AsyncPropelAuth, PropelAuthError, RedisRateBudget


async def worker(
    url: str, key: str, redis: str, calls: int, concurrency: int, uid: str, start: float
) -> None:
    budget = RedisRateBudget(redis) if redis != "local" else None
    failures = 0
    left = [calls]
    async with AsyncPropelAuth(url, key, budget=budget) as client:
        await asyncio.sleep(max(0.0, start - time.time()))  # every worker begins together
        begin = time.time()

        async def one() -> None:
            nonlocal failures
            while left[0] > 0:
                left[0] -= 1
                try:
                    await client.users.fetch(uid)
                except PropelAuthError:
                    failures += 1

        await asyncio.gather(*(one() for _ in range(concurrency)))
        end = time.time()
    if budget is not None:
        await budget.aclose()
    print(json.dumps({"failures": failures, "begin": begin, "end": end}), flush=True)


@contextmanager
def redis_server(url: str | None) -> Iterator[str]:
    if url is not None:
        yield url
        return
    binary = shutil.which("redis-server")
    if binary is None:
        sys.exit("redis-server not found: install it (apt-get install redis-server) or --redis URL")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with tempfile.TemporaryDirectory() as workdir:
        options = ["--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        process = subprocess.Popen([binary, *options, "--dir", workdir], stdout=subprocess.DEVNULL)
        try:
            for _ in range(500):
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                    break
                except OSError:
                    time.sleep(0.02)
            yield f"redis://127.0.0.1:{port}/0"
        finally:
            process.terminate()
            process.wait(timeout=5)


def run_workers(server: ServerProcess, redis: str, args: argparse.Namespace) -> tuple[int, float]:
    per_worker = args.calls // args.workers
    command = [sys.executable, __file__, "--worker", server.url, server.api_key, redis]
    command += [str(per_worker), str(args.concurrency), server.user_id, str(time.time() + 4.0)]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    procs = [
        subprocess.Popen(command, stdout=subprocess.PIPE, env=env) for _ in range(args.workers)
    ]
    failures, begins, ends = 0, [], []
    for proc in procs:
        out, _ = proc.communicate(timeout=300)
        result = json.loads(out.decode().strip().splitlines()[-1])
        failures += result["failures"]
        begins.append(result["begin"])
        ends.append(result["end"])
    return failures, max(ends) - min(begins)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        url, key, redis, calls, concurrency, uid, start = sys.argv[2:9]
        asyncio.run(worker(url, key, redis, int(calls), int(concurrency), uid, float(start)))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--calls", type=int, default=4000, help="in all, split between workers")
    parser.add_argument("--concurrency", type=int, default=16, help="per worker")
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--burst", type=int, default=20)
    parser.add_argument("--format", default="seconds", help="the 429's Retry-After form")
    parser.add_argument("--redis", default=None, help="an existing Redis (default: start one)")
    parser.add_argument("--pin", action="store_true", help="server on CPU 0, workers on CPU 1")
    parser.add_argument("--quick", action="store_true", help="1,600 calls")
    args = parser.parse_args()
    if args.quick:
        args.calls = 1600
    best = (args.calls - args.burst) / args.rate
    print(
        f"{args.workers} workers x {args.calls // args.workers} fetches at concurrency "
        f"{args.concurrency}, one key, {args.rate:g} req/s (burst {args.burst}, Retry-After "
        f"{args.format!r}); best possible {best:.2f} s. Shared machine: noisy, compare ratios."
    )
    with (
        redis_server(args.redis) as redis,
        ServerProcess(
            pin=args.pin, rate_limit=args.rate, burst=args.burst, retry_after_format=args.format
        ) as server,
    ):
        for name, target in (("shared (Redis)", redis), ("local only", "local")):
            server.reset()
            failures, elapsed = run_workers(server, target, args)
            requests, limited = server.stats()
            print(
                f"  {name:<15} failures {failures:>5}   429s {limited / max(1, requests):6.1%}   "
                f"{elapsed:6.2f} s   achieved/allowed {best / elapsed:5.3f}"
            )


if __name__ == "__main__":
    main()
