"""Scripted failures for the emulator (its rate limit lives in ``_ratelimit``).

A fault is matched by method and path (a path template from the endpoint table, a glob, or
``None`` for any) and fires a fixed number of ``times`` or with a ``probability`` drawn from the
emulator's seeded random generator, so a flaky-network test replays the same way every run.
"""

from __future__ import annotations

import fnmatch
import random
import re
import threading
from collections.abc import Sequence
from typing import Literal

import attrs
import httpx

FaultKind = Literal[
    "status", "drop_before", "drop_after", "delay", "malformed_json", "truncated_json"
]


class ConnectionDropped(httpx.RemoteProtocolError):
    """Raised by the app to drop the connection mid-response.

    Over real HTTP uvicorn aborts the socket (the client sees the peer close without a complete
    response); through ``httpx.ASGITransport`` this exception reaches the client as itself.
    """


@attrs.frozen(kw_only=True)
class Fault:
    """One kind of failure. Build it with the constructors below."""

    kind: FaultKind
    status: int = 503
    html: bool = False
    seconds: float = 0.0
    after: bool = False

    @classmethod
    def error(cls, status: int = 503, *, html: bool = False) -> Fault:
        """Answer ``status`` (JSON body, or an HTML page as a proxy would send) without acting."""
        return cls(kind="status", status=status, html=html)

    @classmethod
    def drop_before(cls) -> Fault:
        """Drop the connection before the request is processed: nothing changes."""
        return cls(kind="drop_before")

    @classmethod
    def drop_after(cls) -> Fault:
        """Apply the request, then drop the connection: the change is made, the answer lost."""
        return cls(kind="drop_after")

    @classmethod
    def delay(cls, seconds: float, *, after: bool = False) -> Fault:
        """Wait before answering; with ``after=True`` the request is applied first."""
        return cls(kind="delay", seconds=seconds, after=after)

    @classmethod
    def malformed_json(cls) -> Fault:
        """Apply the request and answer 200 with a body that is not JSON."""
        return cls(kind="malformed_json")

    @classmethod
    def truncated_json(cls) -> Fault:
        """Apply the request and answer 200 with the JSON cut off half-way."""
        return cls(kind="truncated_json")


def _path_pattern(path: str) -> re.Pattern[str]:
    if "{" in path:
        return re.compile(re.sub(r"\\\{[a-z_]+\\\}", "[^/]+", re.escape(path)) + "$")
    return re.compile(fnmatch.translate(path))


@attrs.define
class _Rule:
    fault: Fault
    method: str | None
    pattern: re.Pattern[str] | None
    times: int | None
    probability: float | None
    fired: int = 0

    def matches(self, method: str, path: str) -> bool:
        if self.method is not None and self.method != method:
            return False
        return self.pattern is None or self.pattern.match(path) is not None


class Faults:
    """The scripted faults of one emulator."""

    def __init__(self, seed: int | None) -> None:
        self._rules: list[_Rule] = []
        self._random = random.Random(seed)
        self._lock = threading.Lock()

    def add(
        self,
        fault: Fault,
        *,
        method: str | None = None,
        path: str | None = None,
        times: int | None = 1,
        probability: float | None = None,
    ) -> None:
        if probability is not None and not 0.0 < probability <= 1.0:
            raise ValueError("probability must be in (0, 1]")
        pattern = _path_pattern(path) if path is not None else None
        rule = _Rule(fault, method.upper() if method else None, pattern, times, probability)
        with self._lock:
            self._rules.append(rule)

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    def pick(self, method: str, path: str) -> Fault | None:
        with self._lock:
            for rule in self._rules:
                if not rule.matches(method, path):
                    continue
                if rule.times is not None and rule.fired >= rule.times:
                    continue
                if rule.probability is not None and self._random.random() >= rule.probability:
                    continue
                rule.fired += 1
                return rule.fault
        return None

    @property
    def fired(self) -> Sequence[int]:
        return [rule.fired for rule in self._rules]
