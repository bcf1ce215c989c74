"""The bulk engine: many calls, bounded concurrency, one typed result per input item.

Every operation of ``client.bulk`` is a :class:`BulkJob`. The job reads its input lazily (any
iterable or async iterable, never turned into a list), runs at most ``concurrency`` units of
work at a time through the normal resource methods (so each request passes the client's shared
rate limiter and retry rules), carries on past per-item errors, and hands back one
:class:`ItemResult` per input item.

Memory is bounded by ``window``: the feeder takes a new unit from the input only while fewer
than ``window`` units are started and not yet handed to the caller. In input order
(``ordered=True``, the default) a unit that finishes early waits in the reorder buffer until
every unit before it is handed out, so the buffer never holds more than ``window`` units; a slow
item at the head therefore holds back new starts once the window is full. With
``ordered=False`` results come out as they complete and the window only bounds what a slow
consumer leaves unread.
"""

from __future__ import annotations

import enum
import math
import time
from collections import Counter, deque
from collections.abc import AsyncGenerator, AsyncIterable, Awaitable, Callable, Iterable, Mapping
from contextlib import aclosing
from types import TracebackType
from typing import TYPE_CHECKING, Final, Generic, TypeAlias, TypedDict, TypeVar, Union

import anyio
import attrs
from anyio.abc import TaskGroup
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream

from .errors import (
    AuthenticationError,
    ClientClosedError,
    ConfigurationError,
    InvalidArgumentError,
    MalformedResponseError,
    OutcomeUnknownError,
    PropelAuthError,
)

if TYPE_CHECKING:
    from typing_extensions import Self

T = TypeVar("T")
R = TypeVar("R")

# A real alias, not a string: ``Source[str]`` must also work at run time (get_type_hints).
Source: TypeAlias = Union[Iterable[T], AsyncIterable[T]]  # noqa: UP007 - X | Y is not generic on 3.10
"""What a bulk operation reads its items from: a list, a generator, a file reader, a pager..."""

DEFAULT_CONCURRENCY = 16
"""Items in flight per job by default; the client's own limiter still paces the requests."""

JOB_FATAL: Final = (AuthenticationError, ClientClosedError, ConfigurationError)
"""Errors that no other item can escape (a refused key, a closed client): the job stops taking
items, finishes those in flight, and raises the error after their results."""


class Outcome(str, enum.Enum):
    """How one item of a bulk job ended: three answers, because a lost answer to a write is
    neither a success nor a failure."""

    OK = "ok"
    """Done; ``value`` holds what the call returned."""
    FAILED = "failed"
    """Not done; ``error`` says why. Safe to send again once the cause is fixed."""
    UNKNOWN = "unknown"
    """The answer was lost and could not be reconciled: look before sending again."""


@attrs.frozen(kw_only=True)
class ItemResult(Generic[T, R]):
    """What happened to one input item.

    ``index`` is the item's position in the input (from 0). ``reconciled`` is true when the
    request's answer was lost and the outcome was decided by looking the thing up afterwards:
    with ``OK`` the change is there (made by this request, or by another writer just before);
    with ``FAILED`` the lookup showed nothing was applied, and ``error`` is the
    :class:`~propelauth_async.errors.OutcomeUnknownError` the call raised.
    """

    index: int
    item: T = attrs.field(repr=False)  # rows may carry passwords; the index names the item
    outcome: Outcome
    value: R | None = None
    error: PropelAuthError | None = None
    reconciled: bool = False

    @property
    def ok(self) -> bool:
        return self.outcome is Outcome.OK

    def unwrap(self) -> R | None:
        """The value of an ``OK`` item; otherwise its error is raised."""
        if self.error is not None and self.outcome is not Outcome.OK:
            raise self.error
        return self.value


@attrs.frozen(kw_only=True)
class BulkProgress:
    """Counters of a job, passed to ``on_progress`` after each unit and kept as
    :attr:`BulkJob.progress`. ``total`` is the input's length when it has one (or what the
    caller said), else ``None``."""

    done: int = 0
    ok: int = 0
    failed: int = 0
    unknown: int = 0
    reconciled: int = 0
    total: int | None = None
    elapsed: float = 0.0

    @property
    def rate(self) -> float:
        """Items finished per second so far."""
        return self.done / self.elapsed if self.elapsed > 0 else 0.0


class JobOptions(TypedDict, total=False):
    """The options every ``client.bulk`` method takes (see :class:`BulkJob`)."""

    concurrency: int
    window: int | None
    ordered: bool
    total: int | None
    on_progress: Callable[[BulkProgress], None] | None


class _NotApplied(enum.Enum):
    NOT_APPLIED = "NOT_APPLIED"


NOT_APPLIED: Final = _NotApplied.NOT_APPLIED
"""What a reconcile function returns when the lookup shows the lost write did not happen."""

Unit: TypeAlias = "list[tuple[int, T]]"
RunUnit: TypeAlias = "Callable[[list[tuple[int, T]]], Awaitable[list[ItemResult[T, R]]]]"
Reconcile: TypeAlias = "Callable[[T], Awaitable[R | _NotApplied]]"


async def run_item(
    index: int,
    item: T,
    call: Callable[[T], Awaitable[R]],
    reconcile: Reconcile[T, R] | None = None,
) -> ItemResult[T, R]:
    """One item: its value, its typed error, or (after a lost answer) what a lookup found."""
    try:
        return ItemResult(index=index, item=item, outcome=Outcome.OK, value=await call(item))
    except OutcomeUnknownError as exc:
        if reconcile is None:
            return ItemResult(index=index, item=item, outcome=Outcome.UNKNOWN, error=exc)
        return await _reconciled(index, item, exc, reconcile)
    except MalformedResponseError as exc:
        # A 2xx whose body we could not read: a write with a reconciler did happen, but we
        # do not know its value, so it is looked up like a lost answer.
        if reconcile is None:
            return ItemResult(index=index, item=item, outcome=Outcome.FAILED, error=exc)
        return await _reconciled(index, item, exc, reconcile)
    except PropelAuthError as exc:
        return ItemResult(index=index, item=item, outcome=Outcome.FAILED, error=exc)


async def _reconciled(
    index: int, item: T, lost: PropelAuthError, reconcile: Reconcile[T, R]
) -> ItemResult[T, R]:
    try:
        found = await reconcile(item)
    except PropelAuthError:  # the lookup failed too: still unknown
        return ItemResult(index=index, item=item, outcome=Outcome.UNKNOWN, error=lost)
    if found is NOT_APPLIED:
        return ItemResult(
            index=index, item=item, outcome=Outcome.FAILED, error=lost, reconciled=True
        )
    return ItemResult(index=index, item=item, outcome=Outcome.OK, value=found, reconciled=True)


def each(
    call: Callable[[T], Awaitable[R]], reconcile: Reconcile[T, R] | None = None
) -> RunUnit[T, R]:
    """A unit runner for operations that take one item per request."""

    async def run(unit: list[tuple[int, T]]) -> list[ItemResult[T, R]]:
        return [await run_item(index, item, call, reconcile) for index, item in unit]

    return run


async def _units(source: Source[T], size: int) -> AsyncGenerator[list[tuple[int, T]], None]:
    """The input as numbered units of up to ``size`` items, read only as far as asked."""
    unit: list[tuple[int, T]] = []
    index = 0
    if isinstance(source, AsyncIterable):
        async for item in source:
            unit.append((index, item))
            index += 1
            if len(unit) == size:
                yield unit
                unit = []
    else:
        for item in source:
            unit.append((index, item))
            index += 1
            if len(unit) == size:
                yield unit
                unit = []
    if unit:
        yield unit


def check_source(source: object, name: str) -> None:
    """Refuse what is not a stream of items (one string is not a list of ids)."""
    if isinstance(source, (str, bytes, Mapping)) or not isinstance(
        source, (Iterable, AsyncIterable)
    ):
        raise InvalidArgumentError(name, "must be an iterable or async iterable of items")


class BulkJob(Generic[T, R]):
    """A running bulk operation. Use it as an async context manager and iterate it::

        async with client.bulk.create_users(rows) as job:
            async for result in job:  # one ItemResult per row, in input order
                ...

    or, when only the counts matter, ``progress = await job.run()``.

    Options: ``concurrency`` units in flight at once (16 by default; each request still waits
    its turn in the client's limiter), ``window`` units started but not yet handed to the
    caller (4 x concurrency by default; it bounds memory and the reorder buffer), ``ordered``
    (input order, the default, or completion order), ``total`` (the item count for progress,
    taken from ``len()`` when the input has one) and ``on_progress``, a plain function called
    with a :class:`BulkProgress` after each unit (keep it quick: it runs on the event loop).
    ``source_name`` is the caller's name for ``source``, which an error about it names.

    Leaving the block early stops taking items and waits for the ones already sent, so no
    request is cut off half-way (their results are dropped); an exception or a cancellation
    cancels them instead. A job-fatal error (:data:`JOB_FATAL`) or an error raised by the input
    iterable stops the job the same way and is raised, as itself, after the results of the
    items that were in flight.
    """

    def __init__(
        self,
        source: Source[T],
        run_unit: RunUnit[T, R],
        *,
        concurrency: int = DEFAULT_CONCURRENCY,
        window: int | None = None,
        unit_size: int = 1,
        ordered: bool = True,
        total: int | None = None,
        on_progress: Callable[[BulkProgress], None] | None = None,
        source_name: str = "items",
    ) -> None:
        check_source(source, source_name)
        if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
            raise InvalidArgumentError("concurrency", "must be an integer of 1 or more")
        window = 4 * concurrency if window is None else window
        if isinstance(window, bool) or not isinstance(window, int) or window < concurrency:
            raise InvalidArgumentError("window", "must be an integer no smaller than concurrency")
        if not isinstance(ordered, bool):
            raise InvalidArgumentError("ordered", "must be True or False")
        if total is not None and (
            isinstance(total, bool) or not isinstance(total, int) or total < 0
        ):
            raise InvalidArgumentError("total", "must be a whole number of 0 or more, or None")
        if on_progress is not None and not callable(on_progress):
            raise InvalidArgumentError("on_progress", "must be a function taking a BulkProgress")
        if total is None and hasattr(source, "__len__"):
            total = len(source)  # type: ignore[arg-type]
        self._source = source
        self._run_unit = run_unit
        self._unit_size = unit_size
        self._concurrency = concurrency
        self._window_size = window
        self.ordered = ordered
        self._on_progress = on_progress
        self.total = total
        self._counts: Counter[Outcome | str] = Counter()
        self._started_at: float | None = None
        self._finished_at: float | None = None
        self._error: BaseException | None = None
        self._group: TaskGroup | None = None
        self._feeding = anyio.CancelScope()
        self._ready: deque[ItemResult[T, R]] = deque()
        self._held: dict[int, list[ItemResult[T, R]]] = {}
        self._next_unit = 0
        self._receive: MemoryObjectReceiveStream[tuple[int, list[ItemResult[T, R]]]] | None = None

    @property
    def progress(self) -> BulkProgress:
        """The counters so far (the final ones once the job has run)."""
        counts = self._counts
        start = self._started_at
        end = self._finished_at if self._finished_at is not None else time.perf_counter()
        return BulkProgress(
            done=counts[Outcome.OK] + counts[Outcome.FAILED] + counts[Outcome.UNKNOWN],
            ok=counts[Outcome.OK],
            failed=counts[Outcome.FAILED],
            unknown=counts[Outcome.UNKNOWN],
            reconciled=counts["reconciled"],
            total=self.total,
            elapsed=0.0 if start is None else end - start,
        )

    async def run(self) -> BulkProgress:
        """Run the whole job, dropping the per-item results; the final counters."""
        async with self:
            async for _ in self:
                pass
        return self.progress

    # Lifecycle --------------------------------------------------------------------------------

    async def __aenter__(self) -> Self:
        if self._group is not None:
            raise RuntimeError("a bulk job runs once")
        # Neither stream is ever full: the window bounds how many units exist at once.
        todo_send, todo = anyio.create_memory_object_stream[tuple[int, list[tuple[int, T]]]](
            math.inf
        )
        done, self._receive = anyio.create_memory_object_stream[tuple[int, list[ItemResult[T, R]]]](
            math.inf
        )
        self._window = anyio.Semaphore(self._window_size)
        self._started_at = time.perf_counter()
        group = anyio.create_task_group()
        await group.__aenter__()
        self._group = group
        group.start_soon(self._feed, todo_send)
        async with todo, done:
            for _ in range(self._concurrency):
                group.start_soon(self._work, todo.clone(), done.clone())
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        group = self._group
        if group is None:
            return
        self._feeding.cancel()
        if exc_type is not None:
            group.cancel_scope.cancel()
        try:
            # The workers keep their own errors, so the group ends without an ExceptionGroup
            # and the block's exception propagates as itself.
            await group.__aexit__(None, None, None)
        finally:
            if self._finished_at is None:
                self._finished_at = time.perf_counter()
            if self._receive is not None:
                self._receive.close()

    # Iteration -------------------------------------------------------------------------------

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> ItemResult[T, R]:
        if self._receive is None:
            raise RuntimeError("enter the job first: async with job: async for r in job")
        while not self._ready:
            if self._next_unit in self._held:
                self._hand_out(self._held.pop(self._next_unit))
                continue
            try:
                unit_index, results = await self._receive.receive()
            except (anyio.EndOfStream, anyio.ClosedResourceError):
                if self._finished_at is None:
                    self._finished_at = time.perf_counter()
                error, self._error = self._error, None
                if error is not None:
                    raise error from None
                raise StopAsyncIteration from None
            if self.ordered:
                self._held[unit_index] = results
            else:
                self._hand_out(results)
        return self._ready.popleft()

    def _hand_out(self, results: list[ItemResult[T, R]]) -> None:
        self._next_unit += 1
        self._ready.extend(results)
        self._window.release()

    # Workers ---------------------------------------------------------------------------------

    async def _feed(self, todo: MemoryObjectSendStream[tuple[int, list[tuple[int, T]]]]) -> None:
        """Takes a unit from the input each time the window has room, for the workers."""
        async with todo:
            with self._feeding:
                async with aclosing(_units(self._source, self._unit_size)) as units:
                    unit_index = 0
                    while True:
                        await self._window.acquire()
                        try:
                            unit = await units.__anext__()
                        except StopAsyncIteration:
                            self._window.release()
                            return
                        except Exception as exc:  # the input itself failed: stop, report later
                            self._window.release()
                            self._stop(exc)
                            return
                        todo.send_nowait((unit_index, unit))
                        unit_index += 1

    async def _work(
        self,
        todo: MemoryObjectReceiveStream[tuple[int, list[tuple[int, T]]]],
        done: MemoryObjectSendStream[tuple[int, list[ItemResult[T, R]]]],
    ) -> None:
        """One of ``concurrency`` workers: runs units until the feeder stops."""
        async with todo, done:
            async for unit_index, unit in todo:
                try:
                    results = await self._run_unit(unit)
                except Exception as exc:  # a bug, not an item's outcome: stop the job
                    self._stop(exc)
                    return
                self._count(results)
                done.send_nowait((unit_index, results))

    def _count(self, results: list[ItemResult[T, R]]) -> None:
        for result in results:
            self._counts[result.outcome] += 1
            self._counts["reconciled"] += result.reconciled
            if isinstance(result.error, JOB_FATAL):
                self._stop(result.error)
        if self._on_progress is not None:
            try:
                self._on_progress(self.progress)
            except Exception as exc:
                self._stop(exc)

    def _stop(self, error: BaseException) -> None:
        if self._error is None:
            self._error = error
        self._feeding.cancel()


__all__ = [
    "DEFAULT_CONCURRENCY",
    "JOB_FATAL",
    "JobOptions",
    "NOT_APPLIED",
    "BulkJob",
    "BulkProgress",
    "ItemResult",
    "Outcome",
    "Source",
    "check_source",
    "each",
    "run_item",
]
