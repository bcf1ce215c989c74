"""The bulk engine on its own (no HTTP): order, bounds, laziness, per-item outcomes, stopping.

Every test runs on asyncio and trio. Timing is never measured: completion order is forced with
events, and ``settle()`` lets every runnable task run to its next wait (scheduling without I/O
or clocks is deterministic; anyio's ``wait_all_tasks_blocked`` polls every 0.1 s on asyncio).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import anyio
import pytest
from anyio.lowlevel import checkpoint

from propelauth_async import (
    AuthenticationError,
    BadRequestError,
    BulkJob,
    BulkProgress,
    InvalidArgumentError,
    ItemResult,
    Outcome,
    OutcomeUnknownError,
)
from propelauth_async.bulk import NOT_APPLIED, _NotApplied, each

pytestmark = [pytest.mark.anyio, pytest.mark.parametrize("anyio_backend", ["asyncio", "trio"])]


class Counted:
    """An input that records how far it has been read."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.pulled = 0

    def __iter__(self) -> Iterator[int]:
        for i in range(self.n):
            self.pulled += 1
            yield i


async def settle() -> None:
    for _ in range(100):
        await checkpoint()


async def double(x: int) -> int:
    await checkpoint()
    return 2 * x


async def test_results_come_in_input_order_whatever_finishes_first(anyio_backend: str) -> None:
    release = {i: anyio.Event() for i in range(6)}
    finished: list[int] = []

    async def call(x: int) -> int:
        await release[x].wait()
        finished.append(x)
        if x > 0:
            release[x - 1].set()  # the last item finishes first, then the one before...
        return x

    release[5].set()
    async with BulkJob(range(6), each(call), concurrency=6) as job:
        results = [r async for r in job]
    assert finished == [5, 4, 3, 2, 1, 0]
    assert [r.index for r in results] == [0, 1, 2, 3, 4, 5]
    assert [r.value for r in results] == [0, 1, 2, 3, 4, 5]


async def test_unordered_results_come_as_they_complete(anyio_backend: str) -> None:
    release = {i: anyio.Event() for i in range(4)}
    then = {2: 0, 0: 3, 3: 1}

    async def call(x: int) -> int:
        await release[x].wait()
        if x in then:
            release[then[x]].set()
        return x

    release[2].set()
    async with BulkJob(range(4), each(call), concurrency=4, ordered=False) as job:
        order = [r.index async for r in job]
    assert order == [2, 0, 3, 1]


async def test_input_is_read_lazily_and_the_window_bounds_what_is_held(anyio_backend: str) -> None:
    source = Counted(2_000)
    gate = anyio.Event()
    running = 0
    most = 0

    async def call(x: int) -> int:
        nonlocal running, most
        running += 1
        most = max(most, running)
        await gate.wait()
        running -= 1
        return x

    async with BulkJob(source, each(call), concurrency=3, window=5) as job:
        await settle()
        assert source.pulled == 5  # the window, not the input's length
        assert running == 3  # the concurrency
        gate.set()
        count = 0
        async for _ in job:
            count += 1
            if count == 100:
                await settle()
                assert source.pulled <= count + 5
    assert count == 2_000
    assert most == 3


async def test_a_slow_head_holds_back_new_starts_once_the_window_is_full(
    anyio_backend: str,
) -> None:
    source = Counted(100)
    head = anyio.Event()

    async def call(x: int) -> int:
        if x == 0:
            await head.wait()
        await checkpoint()
        return x

    async with BulkJob(source, each(call), concurrency=2, window=4) as job:
        await settle()
        assert source.pulled == 4  # items 1-3 done and held in the reorder buffer
        head.set()
        assert [r.index async for r in job] == list(range(100))


async def test_async_iterables_are_read_too(anyio_backend: str) -> None:
    async def numbers() -> AsyncIterator[int]:
        for i in range(250):
            await checkpoint()
            yield i

    async with BulkJob(numbers(), each(double), concurrency=8) as job:
        values = [r.value async for r in job]
    assert values == [2 * i for i in range(250)]


async def test_per_item_errors_are_results_and_the_job_carries_on(anyio_backend: str) -> None:
    async def call(x: int) -> int:
        if x % 3 == 0:
            raise BadRequestError(f"bad {x}", status_code=400)
        return x

    seen: list[BulkProgress] = []
    job = BulkJob(list(range(30)), each(call), concurrency=4, on_progress=seen.append)
    async with job:
        results = [r async for r in job]
    assert [r.outcome for r in results] == [
        Outcome.FAILED if i % 3 == 0 else Outcome.OK for i in range(30)
    ]
    assert isinstance(results[3].error, BadRequestError)
    with pytest.raises(BadRequestError):
        results[3].unwrap()
    assert results[4].unwrap() == 4
    assert (job.progress.done, job.progress.ok, job.progress.failed) == (30, 20, 10)
    assert job.progress.total == 30
    assert [p.done for p in seen] == list(range(1, 31))


async def test_lost_answers_are_unknown_or_reconciled(anyio_backend: str) -> None:
    async def call(x: int) -> int:
        raise OutcomeUnknownError("answer lost")

    async def find(x: int) -> int | _NotApplied:
        if x == 2:
            raise OutcomeUnknownError("lookup lost too")
        return 100 + x if x == 0 else NOT_APPLIED

    plain = await _collect(BulkJob([0], each(call), concurrency=1))
    assert plain[0].outcome is Outcome.UNKNOWN and not plain[0].reconciled
    found, missing, unsure = await _collect(BulkJob([0, 1, 2], each(call, find), concurrency=1))
    assert (found.outcome, found.value, found.reconciled) == (Outcome.OK, 100, True)
    assert (missing.outcome, missing.reconciled) == (Outcome.FAILED, True)
    assert isinstance(missing.error, OutcomeUnknownError)
    assert (unsure.outcome, unsure.reconciled) == (Outcome.UNKNOWN, False)


async def test_a_refused_key_stops_the_job_after_the_items_in_flight(anyio_backend: str) -> None:
    source = Counted(1_000)

    async def call(x: int) -> int:
        await checkpoint()
        if x >= 5:
            raise AuthenticationError("key refused", status_code=401)
        return x

    results: list[ItemResult[int, int]] = []
    with pytest.raises(AuthenticationError):
        await _drain(BulkJob(source, each(call), concurrency=2, window=4), results)
    assert [r.index for r in results] == list(range(len(results)))  # nothing skipped
    assert [r.outcome for r in results[:5]] == [Outcome.OK] * 5
    assert results[5].outcome is Outcome.FAILED
    assert source.pulled < 20


async def test_a_failing_input_is_raised_as_itself_after_the_results_so_far(
    anyio_backend: str,
) -> None:
    def rows() -> Iterator[int]:
        yield from range(7)
        raise ValueError("row 8 is not valid CSV")

    results: list[ItemResult[int, int]] = []
    with pytest.raises(ValueError, match="row 8"):
        await _drain(BulkJob(rows(), each(double), concurrency=3), results)
    assert [r.index for r in results] == list(range(7))


async def test_leaving_early_lets_sent_items_finish(anyio_backend: str) -> None:
    finished: list[int] = []

    async def call(x: int) -> int:
        for _ in range(5):
            await checkpoint()
        finished.append(x)
        return x

    source = Counted(1_000)
    async with BulkJob(source, each(call), concurrency=4, window=8) as job:
        async for _ in job:
            break
    assert sorted(finished) == list(range(source.pulled))  # every item taken was finished
    assert source.pulled <= 9


async def test_an_error_in_the_block_cancels_and_propagates_unwrapped(anyio_backend: str) -> None:
    never = anyio.Event()

    async def call(x: int) -> int:
        await never.wait()
        return x

    async def fail_inside() -> None:
        async with BulkJob(range(10), each(call), concurrency=4):
            await settle()
            raise KeyError("mine")

    with pytest.raises(KeyError):
        await fail_inside()


async def test_bad_arguments_are_refused_before_anything_runs(anyio_backend: str) -> None:
    for source in ("abc", b"ab", {"a": 1}, 42):
        with pytest.raises(InvalidArgumentError):
            BulkJob(source, each(double), concurrency=1)  # type: ignore[arg-type]
    with pytest.raises(InvalidArgumentError, match="concurrency"):
        BulkJob([1], each(double), concurrency=0)
    with pytest.raises(InvalidArgumentError, match="window"):
        BulkJob([1], each(double), concurrency=4, window=2)
    job = BulkJob([1], each(double), concurrency=1)
    with pytest.raises(RuntimeError, match="enter the job"):
        await job.__anext__()


async def test_run_returns_the_final_counts(anyio_backend: str) -> None:
    progress = await BulkJob(iter(range(40)), each(double), concurrency=5, total=40).run()
    assert (progress.done, progress.ok, progress.total) == (40, 40, 40)
    assert progress.rate >= 0


async def _collect(job: BulkJob[int, int]) -> list[ItemResult[int, int]]:
    async with job:
        return [r async for r in job]


async def _drain(job: BulkJob[int, int], into: list[ItemResult[int, int]]) -> None:
    async with job:
        async for result in job:
            into.append(result)
