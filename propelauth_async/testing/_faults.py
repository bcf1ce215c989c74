"""Scripted failures for the emulator (its rate limit lives in ``_ratelimit``).

A fault is matched by method and path (a path template from the endpoint table, a glob, or
``None`` for any) and fires a fixed number of ``times`` or with a ``probability`` drawn from the
emulator's seeded random generator, so a flaky-network test replays the same way every run.
"""

from __future__ import annotations

import fnmatch
import http
import random
import re
import threading
from collections.abc import Sequence
from typing import Literal

import attrs
import httpx

from .. import _endpoints as endpoints
from ._routes import example_path, template_pattern

FaultKind = Literal[
    "status", "drop_before", "drop_after", "delay", "malformed_json", "truncated_json"
]


class ConnectionDropped(httpx.RemoteProtocolError):
    """Raised by the app to drop the connection mid-response.

    Over real HTTP uvicorn aborts the socket (the client sees the peer close without a complete
    response); through ``httpx.ASGITransport`` this exception reaches the client as itself.
    """


@attrs.frozen(kw_only=True, repr=False)
class Fault:
    """One kind of failure. Build it with the constructors below."""

    kind: FaultKind
    status: int = 503
    html: bool = False
    seconds: float = 0.0
    after: bool = False

    def __repr__(self) -> str:
        """The constructor call that builds it, naming only what applies to its kind."""
        if self.kind == "status":
            return f"Fault.error({self.status}{', html=True' if self.html else ''})"
        if self.kind == "delay":
            return f"Fault.delay({self.seconds}{', after=True' if self.after else ''})"
        return f"Fault.{self.kind}()"

    @classmethod
    def error(cls, status: int = 503, *, html: bool = False) -> Fault:
        """Answer ``status`` (JSON body, or an HTML page as a proxy would send) without acting."""
        if not 400 <= status <= 599:
            raise ValueError(f"an error fault answers 4xx or 5xx, not {status}")
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


def html_error_page(status: int) -> bytes:
    """The page a proxy in front of the API sends, with the status's own reason phrase."""
    try:
        reason = http.HTTPStatus(status).phrase
    except ValueError:
        reason = "Error"
    title = f"{status} {reason}"
    return (
        f"<html><head><title>{title}</title></head><body><center><h1>{title}</h1></center>"
        "<hr><center>nginx</center></body></html>"
    ).encode()


def _path_pattern(method: str | None, path: str) -> re.Pattern[str]:
    """The paths a fault's ``path`` matches, refused when no endpoint row could ever match it
    (a typo would otherwise never fire, silently)."""
    if "{" in path:
        pattern = template_pattern(path)
        rows = [e for e in endpoints.ALL if e.path == path]
    elif _GLOB.search(path):
        pattern = re.compile(fnmatch.translate(path))
        rows = [
            e for e in endpoints.ALL if pattern.match(example_path(e.path)) or pattern.match(e.path)
        ]
    else:
        pattern = re.compile(re.escape(path) + "$")
        rows = [e for e in endpoints.ALL if template_pattern(e.path).match(path)]
    if method is not None:
        rows = [e for e in rows if e.method == method]
    if not rows:
        where = f"{method} {path}" if method else path
        raise ValueError(f"no endpoint matches {where}: this fault could never fire")
    return pattern


_GLOB = re.compile(r"[*?\[]")


@attrs.define(eq=False)
class InjectedFault:
    """A fault once injected: how often it fired, how often it still will, and a way to stop it.

    ``emu.inject(Fault.error(503), path=..., times=2)`` fails the first two matching requests,
    then lets every later one through: ``fired`` counts them, ``remaining`` reaches 0."""

    fault: Fault
    method: str | None
    path: str | None
    times: int | None
    probability: float | None
    _pattern: re.Pattern[str] | None = attrs.field(repr=False)
    fired: int = 0
    cancelled: bool = False

    @property
    def remaining(self) -> int | None:
        """How many more requests it fails; ``None`` for no limit."""
        if self.cancelled:
            return 0
        return None if self.times is None else max(0, self.times - self.fired)

    def cancel(self) -> None:
        """Stop it now: later requests succeed."""
        self.cancelled = True

    def matches(self, method: str, path: str) -> bool:
        if self.method is not None and self.method != method:
            return False
        return self._pattern is None or self._pattern.match(path) is not None


class Faults:
    """The scripted faults of one emulator."""

    def __init__(self, seed: int | None) -> None:
        self._rules: list[InjectedFault] = []
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
    ) -> InjectedFault:
        if probability is not None and not 0.0 < probability <= 1.0:
            raise ValueError("probability must be in (0, 1]")
        if times is not None and (isinstance(times, bool) or times < 1):
            raise ValueError("times must be at least 1 (or None for every matching request)")
        verb = method.upper() if method else None
        if verb is not None and verb not in {e.method for e in endpoints.ALL}:
            raise ValueError(f"no endpoint uses the method {method}")
        pattern = _path_pattern(verb, path) if path is not None else None
        rule = InjectedFault(fault, verb, path, times, probability, pattern)
        with self._lock:
            self._rules.append(rule)
        return rule

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    def pick(self, method: str, path: str) -> Fault | None:
        with self._lock:
            for rule in self._rules:
                if rule.cancelled or not rule.matches(method, path):
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
