"""The request journal: what clients sent the emulator, for tests to assert on.

Headers that carry credentials are left out when a request is recorded, and a recorded
request's ``repr`` shows only its method, path and status, so a failing assertion never prints
a key, a password or a token.
"""

from __future__ import annotations

import collections
import threading
from collections.abc import Mapping
from typing import Any

import attrs

SECRET_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key"}
)


@attrs.frozen(kw_only=True)
class RecordedRequest:
    """One request as the emulator received it, and the status it answered.

    ``template`` is the endpoint path it was routed by (``None`` when no route matched), so
    ``[r for r in emu.requests if r.template == E.CREATE_USER.path]`` finds every create."""

    method: str
    path: str
    status: int
    template: str | None
    query: Mapping[str, str] = attrs.field(repr=False)
    body: Any = attrs.field(repr=False)
    headers: Mapping[str, str] = attrs.field(repr=False)


def without_secrets(headers: Mapping[str, str]) -> dict[str, str]:
    return {k: v for k, v in headers.items() if k.lower() not in SECRET_HEADERS}


class Journal:
    """The last ``size`` requests, oldest first (bounded, so a load test cannot fill memory;
    0 records nothing, for benchmarks)."""

    def __init__(self, size: int = 10_000) -> None:
        self.size = size
        self._entries: collections.deque[RecordedRequest] = collections.deque(maxlen=size)
        self._lock = threading.Lock()

    def record(self, entry: RecordedRequest) -> None:
        with self._lock:
            self._entries.append(entry)

    def entries(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
