"""Pages, and the one async pager every paged endpoint goes through.

Each paged operation has one method, and it returns an :class:`AsyncPager`, as
openai-python's ``AsyncPaginator`` does: ``await client.users.query(...)`` is one
:class:`Page`, ``async for user in client.users.query(...)`` is every matching item, walked
page after page lazily with every filter carried to each request, stopping on
``has_more_results`` false or an empty page without an extra request, and never holding more
than two pages (the one being read and, with ``prefetch``, the next). The ``iter*`` names
(``client.users.iter``...) are the same methods under their 0.1 names.

PropelAuth pages by offset: rows created or deleted during a walk can shift between pages, so a
walk over changing data may skip or repeat a row. Order by creation time for the steadiest walk.

Prefetch fetches page N+1 while the caller works on page N. On asyncio it runs as a task that
is cancelled as soon as the iterator is dropped (``break`` leaves nothing behind). On any
backend, trio included, ``async with pager:`` runs it in a task group that the block closes;
on trio without ``async with`` the pager simply does not prefetch.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Awaitable, Callable, Generator, Sequence
from types import TracebackType
from typing import Any, Generic, Protocol, TypedDict, TypeVar

import anyio
import attrs
import sniffio
from anyio.abc import TaskGroup

from ._convert import structure
from .errors import MalformedResponseError

T = TypeVar("T")

FetchPage = Callable[[int | None, int | None], Awaitable["Page[T]"]]
"""Fetches page ``page_number`` (0-based) of ``page_size`` items; ``None`` for either leaves
the choice to the endpoint (the server's default, or what the endpoint always sends)."""

WALK_PAGE_SIZE = 100
"""Items per request when a walk is not given a ``page_size``: the most the server allows."""


class PageOptions(TypedDict, total=False):
    """The keyword arguments every paged method takes besides its filters (``**paging``).

    ``page_size``: items per page (1 to 100); awaited, the server's default (10) when not given;
    walked, 100. ``page_number``: the page an ``await`` fetches, and where a walk starts (0).
    ``max_items``: at most this many items, awaited or walked. ``prefetch``: fetch page N+1
    while the caller works on page N (see :class:`AsyncPager`).
    """

    page_size: int | None
    page_number: int | None
    max_items: int | None
    prefetch: bool


@attrs.frozen(kw_only=True)
class Page(Generic[T]):
    """One page of results. ``total`` is the server's count of all matching items;
    ``generated_at`` is when the server computed the data (reports), in Unix seconds."""

    items: tuple[T, ...]
    total: int | None
    page_number: int
    page_size: int
    has_more: bool
    generated_at: int | None = None

    def __len__(self) -> int:
        return len(self.items)


def page_from_json(
    data: Any,
    item_type: type[T],
    *,
    items_key: str,
    total_key: str,
    page_number: int,
    page_size: int,
    page_key: str = "current_page",
    generated_at_key: str | None = None,
) -> Page[T]:
    """A :class:`Page` from the server's paged JSON, whichever key names it uses."""
    if not isinstance(data, dict):
        raise MalformedResponseError(f"expected a page of {items_key}", status_code=200)
    raw = data.get(items_key) or []
    if not isinstance(raw, list):
        raise MalformedResponseError(f"expected a list of {items_key}", status_code=200)
    items = structure(raw, tuple[item_type, ...], what=f"a page of {items_key}")  # type: ignore[valid-type]
    total = data.get(total_key)
    number = data.get(page_key)
    size = data.get("page_size")
    number = number if isinstance(number, int) else page_number
    size = size if isinstance(size, int) and size > 0 else page_size
    has_more = data.get("has_more_results")
    if not isinstance(has_more, bool):
        has_more = isinstance(total, int) and (number + 1) * size < total
    generated = data.get(generated_at_key) if generated_at_key else None
    return Page(
        items=items,
        total=total if isinstance(total, int) else None,
        page_number=number,
        page_size=size,
        has_more=has_more,
        generated_at=generated if isinstance(generated, int) else None,
    )


class _Pending(Protocol[T]):
    """A page being fetched in the background."""

    def result(self) -> Awaitable[Page[T]]: ...

    def cancel(self) -> None: ...


def _retrieve(task: asyncio.Future[Any]) -> None:
    if not task.cancelled():
        task.exception()  # marks it retrieved: no "exception was never retrieved" noise


class _TaskPending(Generic[T]):
    def __init__(self, fetch: FetchPage[T], number: int, size: int) -> None:
        self._task: asyncio.Future[Page[T]] = asyncio.ensure_future(fetch(number, size))
        self._task.add_done_callback(_retrieve)

    async def result(self) -> Page[T]:
        return await self._task

    def cancel(self) -> None:
        self._task.cancel()


class _GroupPending(Generic[T]):
    def __init__(self, group: TaskGroup, fetch: FetchPage[T], number: int, size: int) -> None:
        self._done = anyio.Event()
        self._scope = anyio.CancelScope()
        self._page: Page[T] | None = None
        self._error: BaseException | None = None
        group.start_soon(self._run, fetch, number, size)

    async def _run(self, fetch: FetchPage[T], number: int, size: int) -> None:
        with self._scope:
            try:
                self._page = await fetch(number, size)
            except Exception as exc:  # handed to the reader, who raises it
                self._error = exc
            finally:
                self._done.set()

    async def result(self) -> Page[T]:
        await self._done.wait()
        if self._error is not None:
            raise self._error
        if self._page is None:
            raise anyio.get_cancelled_exc_class()()
        return self._page

    def cancel(self) -> None:
        self._scope.cancel()


class _Walker(Generic[T]):
    """Walks pages in order, with at most one page fetched ahead."""

    def __init__(self, pager: AsyncPager[T]) -> None:
        self._fetch = pager._fetch
        self._size = pager.page_size or WALK_PAGE_SIZE
        self._next = pager.page_number or 0
        self._prefetch = pager.prefetch
        self._group = pager._group
        self._done = False
        self._pending: _Pending[T] | None = None
        self._finalizer: weakref.finalize[Any, Any] | None = None

    async def next_page(self) -> Page[T] | None:
        if self._pending is not None:
            pending, self._pending = self._pending, None
            page = await pending.result()
        elif self._done:
            return None
        else:
            page = await self._fetch(self._next, self._size)
            self._next += 1
        if not page.has_more or not page.items:
            self._done = True
        if not page.items:
            return None
        if not self._done and self._prefetch:
            self._start_prefetch()
        return page

    def _start_prefetch(self) -> None:
        number, self._next = self._next, self._next + 1
        if self._group is not None:
            self._pending = _GroupPending(self._group, self._fetch, number, self._size)
        elif sniffio.current_async_library() == "asyncio":
            pending: _Pending[T] = _TaskPending(self._fetch, number, self._size)
            self._pending = pending
            if self._finalizer is not None:
                self._finalizer.detach()
            # Dropping the iterator (a `break`) cancels the fetch that is still in flight.
            self._finalizer = weakref.finalize(self, pending.cancel)
        else:
            self._next = number  # no task group on this backend: fetch it when needed

    def close(self) -> None:
        self._done = True
        if self._pending is not None:
            self._pending.cancel()
            self._pending = None


class _ItemIterator(Generic[T]):
    def __init__(self, pager: AsyncPager[T]) -> None:
        self._walker = _Walker(pager)
        self._items: Sequence[T] = ()
        self._index = 0
        self._left = pager.max_items

    def __aiter__(self) -> _ItemIterator[T]:
        return self

    async def __anext__(self) -> T:
        if self._left is not None and self._left <= 0:
            self._walker.close()
            raise StopAsyncIteration
        while self._index >= len(self._items):
            page = await self._walker.next_page()
            if page is None:
                raise StopAsyncIteration
            self._items, self._index = page.items, 0
        item = self._items[self._index]
        self._index += 1
        if self._left is not None:
            self._left -= 1
        return item


class _PageIterator(Generic[T]):
    def __init__(self, pager: AsyncPager[T]) -> None:
        self._walker = _Walker(pager)
        self._left = pager.max_items

    def __aiter__(self) -> _PageIterator[T]:
        return self

    async def __anext__(self) -> Page[T]:
        if self._left is not None and self._left <= 0:
            self._walker.close()
            raise StopAsyncIteration
        page = await self._walker.next_page()
        if page is None:
            raise StopAsyncIteration
        if self._left is not None:
            if len(page.items) > self._left:
                page = attrs.evolve(page, items=page.items[: self._left])
            self._left -= len(page.items)
        return page


class AsyncPager(Generic[T]):
    """A paged list: ``await pager`` for one page, ``async for item in pager`` for every item.

    ``await`` fetches page ``page_number`` (0 when not given) of ``page_size`` items (the
    server's default, 10, when not given). A walk starts at ``page_number`` and asks for
    ``page_size`` items a request (100 when not given: fewer requests for the same items).
    ``pager.pages()`` walks whole :class:`Page` objects instead of items. ``max_items`` caps
    what either gives. Each ``async for`` starts a fresh walk; the pager holds no page itself.
    Arguments are checked when the pager is built, so bad ones fail before any request.
    """

    def __init__(
        self,
        fetch: FetchPage[T],
        *,
        page_size: int | None = None,
        page_number: int | None = None,
        max_items: int | None = None,
        prefetch: bool = False,
    ) -> None:
        self._fetch = fetch
        self.page_size = page_size
        self.page_number = page_number
        self.max_items = max_items
        self.prefetch = prefetch
        self._group: TaskGroup | None = None
        self._group_cm: TaskGroup | None = None

    def __await__(self) -> Generator[Any, None, Page[T]]:
        """One page: ``page_number`` of ``page_size`` items, at most ``max_items`` of them."""
        return self._one_page().__await__()

    async def _one_page(self) -> Page[T]:
        page = await self._fetch(self.page_number, self.page_size)
        if self.max_items is not None and len(page.items) > self.max_items:
            page = attrs.evolve(page, items=page.items[: self.max_items])
        return page

    def __aiter__(self) -> _ItemIterator[T]:
        """Every item, walked page after page."""
        return _ItemIterator(self)

    def pages(self) -> _PageIterator[T]:
        """Iterate over whole pages rather than items."""
        return _PageIterator(self)

    async def to_list(self) -> list[T]:
        """Every item in one list. Memory grows with the total: prefer ``async for``."""
        return [item async for item in self]

    async def __aenter__(self) -> AsyncPager[T]:
        if self._group_cm is not None:
            raise RuntimeError("this pager is already entered")
        group = anyio.create_task_group()
        await group.__aenter__()
        self._group_cm = self._group = group
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        group, self._group_cm, self._group = self._group_cm, None, None
        if group is not None:
            # Only the prefetch runs in this group, and it keeps its own errors; the block's
            # exception is not handed to the group, so it propagates as itself rather than
            # wrapped in an ExceptionGroup.
            group.cancel_scope.cancel()
            await group.__aexit__(None, None, None)


__all__ = ["WALK_PAGE_SIZE", "AsyncPager", "FetchPage", "Page", "PageOptions", "page_from_json"]
