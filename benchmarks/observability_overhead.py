"""What observers cost per call: none (the default), plain hooks, OpenTelemetry without an SDK
(the API's no-op), and OpenTelemetry with the SDK recording every span and metric.

Every side runs ``client.users.fetch`` over the same ``httpx.MockTransport``, in interleaved
rounds, timed in process CPU time (so other processes on a shared machine skew it less), with a
plain ``httpx`` ``get`` + ``json.loads`` as the anchor. Aim: no observer costs nothing over
the anchor's ratio; hooks and the no-op API add a few percent; the SDK's cost is the SDK's.

    python benchmarks/observability_overhead.py [--calls 2000] [--rounds 7]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from transport_overhead import URL, USER_ID, _answer  # the same canned user and transport

from propelauth_async import AsyncPropelAuth, Hooks

Side = Callable[[int], Awaitable[float]]


async def plain_get(calls: int) -> float:
    async with httpx.AsyncClient(transport=httpx.MockTransport(_answer)) as client:
        start = time.process_time()
        for _ in range(calls):
            json.loads((await client.get(URL)).content)
        return (time.process_time() - start) / calls * 1e6


def ours(observers: list[Any]) -> Side:
    async def run(calls: int) -> float:
        transport = httpx.MockTransport(_answer)
        async with AsyncPropelAuth(
            "https://auth.example.com", "k", transport=transport, observers=observers
        ) as client:
            start = time.process_time()
            for _ in range(calls):
                await client.users.fetch(USER_ID)
            return (time.process_time() - start) / calls * 1e6

    return run


def sides() -> dict[str, Side]:
    found: dict[str, Side] = {
        "httpx get + json.loads": plain_get,
        "no observer": ours([]),
        "hooks (on_response)": ours([Hooks(on_response=lambda event: None)]),
    }
    try:
        from propelauth_async.otel import OpenTelemetry
    except ImportError:
        print("(opentelemetry-api not installed: install the [otel] extra for its rows)")
        return found
    found["otel, API only (no-op)"] = ours([OpenTelemetry()])
    try:
        from opentelemetry.sdk.metrics import MeterProvider
        from opentelemetry.sdk.metrics.export import InMemoryMetricReader
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import SimpleSpanProcessor
        from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
    except ImportError:
        return found
    tracing = TracerProvider()
    exporter = InMemorySpanExporter()
    tracing.add_span_processor(SimpleSpanProcessor(exporter))
    meters = MeterProvider(metric_readers=[InMemoryMetricReader()])
    recording = OpenTelemetry(tracer_provider=tracing, meter_provider=meters)

    async def sdk(calls: int) -> float:
        exporter.clear()
        return await ours([recording])(calls)

    found["otel, SDK recording"] = sdk
    return found


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    measured = sides()
    for side in measured.values():
        await side(300)
    results: dict[str, list[float]] = {name: [] for name in measured}
    for _ in range(args.rounds):  # interleaved, so drift on a shared machine hits every side
        for name, side in measured.items():
            results[name].append(await side(args.calls))
    anchor = statistics.median(results["httpx get + json.loads"])
    bare = statistics.median(results["no observer"])
    print(f"{'side':28s} {'us CPU/call':>12s} {'/ httpx get':>12s} {'/ no observer':>14s}")
    for name, values in results.items():
        median = statistics.median(values)
        print(f"{name:28s} {median:12.1f} {median / anchor:12.2f} {median / bare:14.2f}")


if __name__ == "__main__":
    asyncio.run(main())
