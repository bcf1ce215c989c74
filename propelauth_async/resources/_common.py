"""What the resource modules share: the one page fetcher every paged endpoint uses, the one
pager builder, chunked batches, and the small helpers that shape a request body."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Mapping, Sequence
from typing import Any, TypeVar

import anyio

from .. import _validate as check
from .._endpoints import Endpoint
from .._results import DEFAULT_PAGE_SIZE
from .._transport import Requester
from .._types import NO_BODY, UNSET
from ..pagination import AsyncPager, FetchPage, Page

T = TypeVar("T")


def paged_fetcher(
    requester: Requester,
    endpoint: Endpoint,
    filters: Mapping[str, object],
    path: Mapping[str, str] | None = None,
) -> FetchPage[Any]:
    """Fetches page N of a paged endpoint (its row gives the page shape and item model),
    carrying the same filters to every page.

    A page number or size given as ``None`` goes out as 0 and 10 when the row's page shape says
    ``send_defaults`` (what the official library sends for these endpoints), or is left out so
    the server's defaults apply (reports and API-key lists, where the official library leaves
    them out too).
    """
    send_defaults = endpoint.page is None or endpoint.page.send_defaults

    async def fetch(page_number: int | None, page_size: int | None) -> Page[Any]:
        if send_defaults:
            page_number = 0 if page_number is None else page_number
            page_size = DEFAULT_PAGE_SIZE if page_size is None else page_size
        query = {**drop_none(page_size=page_size, page_number=page_number), **filters}
        page: Page[Any] = await requester.request(endpoint, path=path, query=query)
        return page

    return fetch


async def gather_chunks(
    keys: Sequence[str],
    size: int,
    fetch: Callable[[list[str]], Awaitable[list[T]]],
    *,
    concurrency: int = 4,
) -> list[T]:
    """``fetch`` over ``keys`` in chunks of ``size``, a few at a time; results in chunk order."""
    chunks = [list(keys[i : i + size]) for i in range(0, len(keys), size)]
    if len(chunks) <= 1:
        return await fetch(chunks[0]) if chunks else []
    results: list[list[T]] = [[] for _ in chunks]
    failures: list[Exception] = []
    limiter = anyio.Semaphore(concurrency)

    async def run(index: int) -> None:
        try:
            async with limiter:
                results[index] = await fetch(chunks[index])
        except Exception as exc:  # the first failure stops the others and is raised as itself
            failures.append(exc)
            group.cancel_scope.cancel()

    async with anyio.create_task_group() as group:
        for index in range(len(chunks)):
            group.start_soon(run, index)
    if failures:
        # Raised as itself, not inside an ExceptionGroup: callers catch our typed errors.
        raise failures[0]
    return [item for chunk in results for item in chunk]


def make_pager(
    fetch: FetchPage[T],
    *,
    page_size: int | None = None,
    page_number: int | None = None,
    max_items: int | None = None,
    prefetch: bool = False,
) -> AsyncPager[T]:
    """An :class:`AsyncPager` over ``fetch``, its :class:`PageOptions` checked before any
    request (a misspelt option is a ``TypeError`` here, as it would be in a signature)."""
    return AsyncPager(
        fetch,
        page_size=check.maybe(check.page_size, page_size, "page_size"),
        page_number=check.maybe(check.page_number, page_number, "page_number"),
        max_items=check.maybe(_count, max_items, "max_items"),
        prefetch=check.flag(prefetch, "prefetch"),
    )


def _count(value: object, name: str) -> int:
    return check.int_range(value, name, 0, None)


def role_body(org_id: str, role: str, additional_roles: Collection[str]) -> dict[str, object]:
    """The org, role and additional roles of a membership or an invite, checked."""
    return {
        "org_id": check.uuid_str(org_id, "org_id"),
        "role": check.text(role, "role"),
        "additional_roles": check.string_list(additional_roles, "additional_roles"),
    }


def drop_none(**fields: object) -> dict[str, object]:
    """The keyword arguments whose value is not ``None`` (the wire's "sent only if given")."""
    return {name: value for name, value in fields.items() if value is not None}


def changes(**fields: tuple[object, Callable[[object, str], object]]) -> dict[str, object]:
    """The fields of an update that were given, each checked: ``name=(value, check)``.

    A field left ``UNSET`` is not sent (it stays as it is); ``checker(value, name)`` names the
    parameter when it refuses a value.
    """
    return {
        name: checker(value, name)
        for name, (value, checker) in fields.items()
        if value is not UNSET
    }


__all__ = [
    "NO_BODY",
    "changes",
    "drop_none",
    "gather_chunks",
    "make_pager",
    "role_body",
]
