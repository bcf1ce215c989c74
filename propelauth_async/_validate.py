"""Argument checks that run before anything is sent.

Each raises :class:`~propelauth_async.errors.InvalidArgumentError` naming the parameter, so
bad input never costs a round trip, a retry, or a half-applied change.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Collection, Iterable
from enum import Enum
from typing import TypeVar

from .errors import InvalidArgumentError

E = TypeVar("E", bound=Enum)

_CANONICAL_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
MAX_PAGE_SIZE = 100


def uuid_str(value: object, name: str) -> str:
    """A UUID in its canonical lowercase form (what the server's ids look like)."""
    if isinstance(value, str) and _CANONICAL_UUID.fullmatch(value):
        return value
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, str):
        try:
            return str(uuid.UUID(value.strip()))
        except ValueError:
            pass
    raise InvalidArgumentError(name, f"must be a UUID, got {_show(value)}")


def text(value: object, name: str) -> str:
    """A non-empty, non-blank string."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidArgumentError(name, f"must be a non-empty string, got {_show(value)}")
    return value


def email(value: object, name: str = "email") -> str:
    address = text(value, name)
    local, at, domain = address.strip().rpartition("@")
    if not at or not local or not domain:
        raise InvalidArgumentError(name, f"must be an email address, got {_show(value)}")
    return address.strip()


def page_size(value: object, name: str = "page_size") -> int:
    return int_range(value, name, 1, MAX_PAGE_SIZE)


def page_number(value: object, name: str = "page_number") -> int:
    return int_range(value, name, 0, None)


def int_range(value: object, name: str, low: int, high: int | None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidArgumentError(name, f"must be an integer, got {_show(value)}")
    if value < low or (high is not None and value > high):
        span = f"from {low} to {high}" if high is not None else f"{low} or more"
        raise InvalidArgumentError(name, f"must be {span}, got {value}")
    return value


def choice(value: object, enum: type[E], name: str) -> E:
    """An enum member, given as the member or as its wire value."""
    if isinstance(value, enum):
        return value
    try:
        return enum(value)
    except ValueError:
        allowed = ", ".join(str(m.value) for m in enum)
        raise InvalidArgumentError(name, f"must be one of {allowed}; got {_show(value)}") from None


def keys(values: Iterable[object], name: str) -> list[str]:
    """Batch keys: each a non-empty string, duplicates dropped, order kept."""
    if isinstance(values, (str, bytes)):
        raise InvalidArgumentError(name, "must be a collection of strings, not one string")
    seen: dict[str, None] = {}
    for value in values:
        seen[text(value, name)] = None
    return list(seen)


def string_map(value: object, name: str) -> dict[str, str] | None:
    if value is None:
        return None
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise InvalidArgumentError(name, "must be a dict of strings to strings")
    return dict(value)


def json_object(value: object, name: str) -> dict[str, object] | None:
    if value is None:
        return None
    if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
        raise InvalidArgumentError(name, "must be a dict with string keys")
    return dict(value)


def string_list(value: Collection[str] | None, name: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, (str, bytes)):
        raise InvalidArgumentError(name, "must be a list of strings, not one string")
    return [text(v, name) for v in value]


def _show(value: object) -> str:
    """The value for the message, unless it is long: a token or an API key passed in the wrong
    place must not end up in an exception message (or the log line that prints it)."""
    shown = repr(value)
    if len(shown) <= 24:
        return shown
    size = len(value) if isinstance(value, (str, bytes)) else None
    return f"a {type(value).__name__}" + (f" of {size} characters" if size is not None else "")
