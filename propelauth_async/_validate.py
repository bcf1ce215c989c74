"""Argument checks that run before anything is sent.

Each raises :class:`~propelauth_async.errors.InvalidArgumentError` naming the parameter, so
bad input never costs a round trip, a retry, or a half-applied change, and never surfaces as
a ``TypeError``, a ``UnicodeEncodeError`` or a ``RecursionError`` from deep inside httpx or
``json``. Every value a resource sends passes one of these first.

Limits are far above any real value and only there so that a mistake (a whole file passed as
a name, a dict that refers to itself) fails here, with the parameter named:

- a string that travels in the URL (a filter, a path segment): 2,048 characters, so a request
  line always fits what servers and proxies accept;
- an email address: 320 characters (64 for the local part, 255 for the domain, and the ``@``);
- any other string, inside JSON values too: 65,536 characters;
- an integer: up to 2**53 - 1, the largest every JSON parser reads exactly;
- a JSON value (metadata, properties): 64 levels of nesting.
"""

from __future__ import annotations

import datetime
import functools
import math
import re
import uuid
from collections.abc import Callable, Iterable, Mapping
from enum import Enum
from typing import TypeVar

from .errors import InvalidArgumentError

EnumT = TypeVar("EnumT", bound=Enum)
T = TypeVar("T")

MAX_URL_TEXT_LENGTH = 2_048
MAX_EMAIL_LENGTH = 320
MAX_TEXT_LENGTH = 65_536
MAX_INT = 2**53 - 1
MAX_JSON_DEPTH = 64
MAX_PAGE_SIZE = 100

_CANONICAL_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_SURROGATE = re.compile("[\ud800-\udfff]")
_SEPARATE_STRINGS = (str, bytes, bytearray, memoryview)
_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


# Strings -----------------------------------------------------------------------------------------


def string(value: object, name: str, *, max_length: int = MAX_TEXT_LENGTH) -> str:
    """Any string that can be sent, the empty one included: valid Unicode (a lone surrogate
    cannot be encoded as UTF-8) and at most ``max_length`` characters."""
    if not isinstance(value, str):
        raise InvalidArgumentError(name, f"must be a string, got {_show(value)}")
    if len(value) > max_length:
        raise InvalidArgumentError(
            name, f"must be at most {max_length:,} characters, got {len(value):,}"
        )
    if not value.isascii() and _SURROGATE.search(value) is not None:
        raise InvalidArgumentError(name, "must be valid Unicode, but holds a lone surrogate")
    return value


def text(value: object, name: str, *, max_length: int = MAX_TEXT_LENGTH) -> str:
    """A non-empty, non-blank string."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidArgumentError(name, f"must be a non-empty string, got {_show(value)}")
    return string(value, name, max_length=max_length)


def url_text(value: object, name: str) -> str:
    """A non-blank string that travels in the URL (a query filter)."""
    return text(value, name, max_length=MAX_URL_TEXT_LENGTH)


def segment(value: object, name: str) -> str:
    """A non-blank string that is one segment of the URL's path (``.`` and ``..`` would
    change which path is meant)."""
    value = url_text(value, name)
    if value in (".", ".."):
        raise InvalidArgumentError(name, f"{value!r} is not a usable id")
    return value


def email(value: object, name: str = "email") -> str:
    address = text(value, name, max_length=MAX_EMAIL_LENGTH).strip()
    local, at, domain = address.rpartition("@")
    if not at or not local or not domain:
        raise InvalidArgumentError(name, f"must be an email address, got {_show(value)}")
    return address


def uuid_str(value: object, name: str) -> str:
    """A UUID in its canonical lowercase form (what the server's ids look like)."""
    if isinstance(value, str) and _CANONICAL_UUID.fullmatch(value):
        return value
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, str) and len(value) <= 64:
        try:
            return str(uuid.UUID(value.strip()))
        except ValueError:
            pass
    raise InvalidArgumentError(name, f"must be a UUID, got {_show(value)}")


# Numbers, flags, choices, dates ------------------------------------------------------------------


def flag(value: object, name: str) -> bool:
    """``True`` or ``False``: not 0 or 1, and not ``"false"`` (which is truthy)."""
    if not isinstance(value, bool):
        raise InvalidArgumentError(name, f"must be True or False, got {_show(value)}")
    return value


def page_size(value: object, name: str = "page_size") -> int:
    return int_range(value, name, 1, MAX_PAGE_SIZE)


def page_number(value: object, name: str = "page_number") -> int:
    return int_range(value, name, 0, None)


def int_range(value: object, name: str, low: int, high: int | None) -> int:
    """An ``int`` (not a bool, not a float) from ``low`` to ``high`` (or to :data:`MAX_INT`)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidArgumentError(name, f"must be an integer, got {_show(value)}")
    top = MAX_INT if high is None else high
    if value < low or value > top:
        span = f"from {low} to {high}" if high is not None else f"{low} or more"
        raise InvalidArgumentError(name, f"must be {span}, got {_show(value)}")
    return value


def choice(value: object, enum: type[EnumT], name: str) -> EnumT:
    """An enum member, given as the member or as its wire value."""
    if isinstance(value, enum):
        return value
    if isinstance(value, (str, int)) and not isinstance(value, bool):
        try:  # only a plain value: enum() puts the repr of anything else in its message
            return enum(value)
        except ValueError:
            pass
    allowed = ", ".join(str(m.value) for m in enum)
    raise InvalidArgumentError(name, f"must be one of {allowed}; got {_show(value)}")


def day(value: object, name: str) -> datetime.date:
    """A calendar day: a ``datetime.date`` or ``"YYYY-MM-DD"``. A ``datetime`` is refused:
    which day it falls on depends on a time zone, so the caller says ``.date()``."""
    if isinstance(value, datetime.datetime):
        raise InvalidArgumentError(name, "must be a date, not a datetime (pass its .date())")
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str) and _ISO_DAY.fullmatch(value):
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            pass
    raise InvalidArgumentError(name, f"must be a datetime.date or YYYY-MM-DD, got {_show(value)}")


def maybe(check: Callable[[object, str], T], value: object, name: str) -> T | None:
    """``check(value, name)``, or ``None`` for ``None`` (an optional parameter left out)."""
    return None if value is None else check(value, name)


def nullable(check: Callable[[object, str], T]) -> Callable[[object, str], T | None]:
    """``check``, letting ``None`` through too (an update field that may be cleared)."""
    return functools.partial(maybe, check)


# Collections -------------------------------------------------------------------------------------


def _items(value: object, name: str) -> Iterable[object]:
    if isinstance(value, _SEPARATE_STRINGS):
        raise InvalidArgumentError(name, "must be a collection of strings, not one string")
    if isinstance(value, Mapping) or not isinstance(value, Iterable):
        raise InvalidArgumentError(name, f"must be a collection of strings, got {_show(value)}")
    return value


def keys(values: object, name: str) -> list[str]:
    """Batch keys: each a non-empty string, duplicates dropped, order kept."""
    seen: dict[str, None] = {}
    for value in _items(values, name):
        seen[text(value, name)] = None
    return list(seen)


def string_list(value: object, name: str) -> list[str]:
    """Non-empty strings (``None`` is the empty list)."""
    if value is None:
        return []
    return [text(item, name) for item in _items(value, name)]


def string_map(value: object, name: str) -> dict[str, str] | None:
    """A mapping of strings to strings, copied into a dict (``None`` stays ``None``)."""
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise InvalidArgumentError(
            name, f"must be a dict of strings to strings, got {_show(value)}"
        )
    return {string(k, name): string(v, name) for k, v in value.items()}


def json_object(value: object, name: str) -> dict[str, object] | None:
    """A JSON object (metadata, properties), copied: string keys, values that JSON carries
    (no NaN, no datetime, no bytes), at most :data:`MAX_JSON_DEPTH` levels deep. ``None``
    stays ``None``. The copy means a caller changing the dict later cannot change a retry."""
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise InvalidArgumentError(name, f"must be a dict with string keys, got {_show(value)}")
    copied = _json(value, name, "", 1)
    assert isinstance(copied, dict)
    return copied


def _json(value: object, name: str, where: str, depth: int) -> object:
    """``value`` as plain JSON data, or the reason it cannot be sent, with where it is."""
    if depth > MAX_JSON_DEPTH:
        raise InvalidArgumentError(name, f"nests deeper than {MAX_JSON_DEPTH} levels")
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        return string(value, name)
    if isinstance(value, int):
        if abs(value) > MAX_INT:
            raise InvalidArgumentError(name, f"holds an integer past 2**53{_at(where)}")
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise InvalidArgumentError(name, f"holds {value}{_at(where)}, which is not JSON")
        return value
    if isinstance(value, Mapping):
        copied: dict[str, object] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise InvalidArgumentError(
                    name, f"must have string keys, not {_show(key)}{_at(where)} (not JSON)"
                )
            string(key, name)
            copied[key] = _json(item, name, f"{where}[{key[:20]!r}]", depth + 1)
        return copied
    if isinstance(value, (list, tuple)):
        return [_json(item, name, f"{where}[{i}]", depth + 1) for i, item in enumerate(value)]
    raise InvalidArgumentError(
        name, f"holds a {type(value).__name__}{_at(where)}, which is not JSON"
    )


def _at(where: str) -> str:
    return f" at {where}" if where else ""


def _show(value: object) -> str:
    """The value for the message, unless it is long: a token or an API key passed in the wrong
    place must not end up in an exception message (or the log line that prints it). Containers
    and other objects are named by type: their repr can be huge, recursive, or raise."""
    if isinstance(value, (str, bytes)):
        if len(value) <= 24:
            return repr(value)
        return f"a {type(value).__name__} of {len(value)} characters"
    if value is None or isinstance(value, (bool, int, float, Enum)):
        try:
            shown = repr(value)
        except Exception:  # an int too long to print, an enum with a broken repr
            shown = ""
        if 0 < len(shown) <= 24:
            return shown
    return f"a {type(value).__name__}"
