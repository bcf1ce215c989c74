"""The typed result of an answer, as its endpoint row says: the row's model, a page of them, or
``None`` for a lookup that found nothing. The requester calls :func:`typed_result` once per call,
after retries; models and the converter load on the first answer that needs them."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from ._endpoints import Endpoint, Missing
from ._types import NOT_FOUND
from .errors import MalformedResponseError


@functools.cache
def _model(name: str) -> type[Any]:
    import propelauth_async

    model: type[Any] = getattr(propelauth_async, name)
    return model


def _int_or_none(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def typed_result(endpoint: Endpoint, data: Any, query: Mapping[str, object] | None) -> Any:
    """``data`` (the decoded answer, or ``NOT_FOUND`` for a 404 the row calls "missing") as the
    row's result type; a row without one gets the decoded answer back."""
    if data is NOT_FOUND:
        return None
    if data is None and endpoint.missing is Missing.NONE:
        # A lookup's None means "not found"; an empty 200 must not pass for one.
        raise MalformedResponseError(f"{endpoint.name}: an empty answer", status_code=200)
    if endpoint.result is None:
        return data
    model = _model(endpoint.result)
    if endpoint.page is not None:
        from .pagination import page_from_json

        shape, sent = endpoint.page, query or {}
        return page_from_json(
            data,
            model,
            items_key=shape.items_key,
            total_key=shape.total_key,
            page_key=shape.page_key,
            generated_at_key=shape.generated_at_key,
            page_number=_int_or_none(sent.get("page_number")) or 0,
            page_size=_int_or_none(sent.get("page_size")) or DEFAULT_PAGE_SIZE,
        )
    from ._convert import structure

    return structure(data, model)


DEFAULT_PAGE_SIZE = 10
"""The page size the server uses when none is sent."""

__all__ = ["DEFAULT_PAGE_SIZE", "typed_result"]
