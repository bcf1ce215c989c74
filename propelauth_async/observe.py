"""Watching the client's calls: plain event hooks, and the interface OpenTelemetry plugs into.

The requester reports each logical call to every observer given as ``observers=[...]``: the
call starts, each attempt starts (after its wait in the client's limiter) and ends, a 429
arrives, a retry is granted, the call ends. :class:`Hooks` turns those reports into four plain
callbacks; :class:`propelauth_async.otel.OpenTelemetry` into spans and metrics. With no
observer the requester reports nothing and pays nothing.

What observers see is safe to log: the operation's name and its path *template*
(``/api/backend/v1/user/{user_id}``, never the filled path or the query, where emails travel),
statuses, response headers, waits and our typed errors. Never a request header, never the key.
"""

from __future__ import annotations

import logging
import time
import urllib.parse
from collections.abc import Callable, Iterator, Mapping, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Protocol, TypeVar

import attrs

from .errors import PropelAuthError

if TYPE_CHECKING:
    from ._endpoints import Endpoint

logger = logging.getLogger("propelauth_async")


@attrs.frozen
class CallInfo:
    """What a call is, without its arguments: ``operation`` is the method on the client
    (``users.fetch``), from the endpoint table; ``path_template`` the path before its
    parameters are filled in."""

    operation: str
    method: str
    path_template: str
    server_address: str
    server_port: int | None


@lru_cache(maxsize=512)
def call_info(endpoint: Endpoint, host: str) -> CallInfo:
    """One ``CallInfo`` per endpoint and host, built once."""
    parts = urllib.parse.urlsplit(f"//{host}")
    return CallInfo(
        operation=endpoint.name,
        method=endpoint.method,
        path_template=endpoint.path,
        server_address=parts.hostname or host,
        server_port=parts.port,
    )


class CallObserver(Protocol):
    """One observer's view of one logical call; every method is called in the calling task."""

    def attempt_started(self, attempt: int, limiter_wait: float) -> None:
        """Attempt ``attempt`` (from 1) is about to be sent, after ``limiter_wait`` seconds in
        the client's limiter (a pause after a 429, or the paced rate)."""

    def attempt_ended(
        self, status: int | None, headers: Mapping[str, str], error: BaseException | None
    ) -> None:
        """The attempt ended: with an answer (``status``, ``headers``; ``error`` when the answer
        is an error), or without one (``status`` is ``None``: a transport failure, a
        cancellation)."""

    def rate_limited(self, scope: str, retry_after: float | None) -> None:
        """The attempt's answer was a 429: ``scope`` is ``"backend"`` (our API key's limit: the
        client pauses) or ``"subject"`` (one end user's: raised at once)."""

    def retrying(self, reason: str, wait: float, error: PropelAuthError) -> None:
        """The attempt failed with ``error`` and will be retried after ``wait`` seconds."""

    def finished(self, error: BaseException | None) -> None:
        """The call ended: ``error`` is what it raised, ``None`` on success."""


class Observer(Protocol):
    """Something given as ``AsyncPropelAuth(..., observers=[...])``."""

    def start(self, call: CallInfo) -> CallObserver | None:
        """A call starts; return what watches it (``None``: not interested)."""


class _FanOut:
    """Several observers watching one call, each told in turn."""

    __slots__ = ("_watchers",)

    def __init__(self, watchers: Sequence[CallObserver]) -> None:
        self._watchers = watchers

    def attempt_started(self, attempt: int, limiter_wait: float) -> None:
        for watcher in self._watchers:
            watcher.attempt_started(attempt, limiter_wait)

    def attempt_ended(
        self, status: int | None, headers: Mapping[str, str], error: BaseException | None
    ) -> None:
        for watcher in self._watchers:
            watcher.attempt_ended(status, headers, error)

    def rate_limited(self, scope: str, retry_after: float | None) -> None:
        for watcher in self._watchers:
            watcher.rate_limited(scope, retry_after)

    def retrying(self, reason: str, wait: float, error: PropelAuthError) -> None:
        for watcher in self._watchers:
            watcher.retrying(reason, wait, error)

    def finished(self, error: BaseException | None) -> None:
        for watcher in self._watchers:
            watcher.finished(error)


def watch(observers: Sequence[Observer], call: CallInfo) -> CallObserver | None:
    """What watches this call: nothing, one observer, or several in turn."""
    watchers = [w for w in (o.start(call) for o in observers) if w is not None]
    if not watchers:
        return None
    return watchers[0] if len(watchers) == 1 else _FanOut(watchers)


class ResponseHeaders(Mapping[str, str]):
    """A response's headers, read-only; names are case-insensitive (``headers["Retry-After"]``).
    A header sent more than once has its values joined with ``", "``."""

    __slots__ = ("_headers",)

    def __init__(self, headers: Mapping[str, str]) -> None:
        self._headers = {name.lower(): value for name, value in headers.items()}

    def __getitem__(self, name: str) -> str:
        return self._headers[name.lower()]

    def __iter__(self) -> Iterator[str]:
        return iter(self._headers)

    def __len__(self) -> int:
        return len(self._headers)

    def __repr__(self) -> str:
        return f"ResponseHeaders({self._headers!r})"


# Plain hooks ------------------------------------------------------------------------------------


@attrs.frozen
class RequestEvent:
    """An attempt is about to be sent (``attempt`` counts from 1)."""

    call: CallInfo
    attempt: int
    limiter_wait: float


@attrs.frozen
class ResponseEvent:
    """An attempt got an answer, error statuses included; ``elapsed`` is the attempt's time
    in seconds, from sending to the whole body read."""

    call: CallInfo
    attempt: int
    status_code: int
    headers: Mapping[str, str]
    elapsed: float


@attrs.frozen
class RetryEvent:
    """An attempt failed with ``error`` and the call will try again after ``wait`` seconds;
    ``reason`` is ``"429"``, ``"not sent"``, ``"no response"`` or ``"server error"``."""

    call: CallInfo
    attempt: int
    reason: str
    wait: float
    error: PropelAuthError


@attrs.frozen
class RateLimitEvent:
    """A 429: ``scope`` is ``"backend"`` (the client pauses every call, and retries) or
    ``"subject"`` (one end user's limit: raised at once as ``EndUserRateLimitError``)."""

    call: CallInfo
    attempt: int
    scope: str
    retry_after: float | None


E = TypeVar("E")


def _call_hook(hook: Callable[[E], object], event: E) -> None:
    """A failing hook is logged, never raised: it must not turn a call into a failure."""
    try:
        hook(event)
    except Exception:
        logger.exception("a propelauth_async event hook failed on %s", type(event).__name__)


class Hooks:
    """Plain callbacks for users without OpenTelemetry: ``AsyncPropelAuth(...,
    observers=[Hooks(on_retry=...)])``.

    Each hook takes one event and is called inline, in the calling task: keep it quick (append
    to a list, bump a counter, log a line). An exception in a hook is logged on the
    ``propelauth_async`` logger and does not affect the call.
    """

    def __init__(
        self,
        *,
        on_request: Callable[[RequestEvent], object] | None = None,
        on_response: Callable[[ResponseEvent], object] | None = None,
        on_retry: Callable[[RetryEvent], object] | None = None,
        on_rate_limited: Callable[[RateLimitEvent], object] | None = None,
    ) -> None:
        self.on_request = on_request
        self.on_response = on_response
        self.on_retry = on_retry
        self.on_rate_limited = on_rate_limited

    def start(self, call: CallInfo) -> CallObserver | None:
        hooks = (self.on_request, self.on_response, self.on_retry, self.on_rate_limited)
        return None if all(h is None for h in hooks) else _HookedCall(self, call)


class _HookedCall:
    __slots__ = ("_attempt", "_call", "_hooks", "_started")

    def __init__(self, hooks: Hooks, call: CallInfo) -> None:
        self._hooks = hooks
        self._call = call
        self._attempt = 0
        self._started = 0.0

    def attempt_started(self, attempt: int, limiter_wait: float) -> None:
        self._attempt = attempt
        self._started = time.monotonic()
        if self._hooks.on_request is not None:
            _call_hook(self._hooks.on_request, RequestEvent(self._call, attempt, limiter_wait))

    def attempt_ended(
        self, status: int | None, headers: Mapping[str, str], error: BaseException | None
    ) -> None:
        if status is not None and self._hooks.on_response is not None:
            elapsed = time.monotonic() - self._started
            answer = ResponseHeaders(headers)
            event = ResponseEvent(self._call, self._attempt, status, answer, elapsed)
            _call_hook(self._hooks.on_response, event)

    def rate_limited(self, scope: str, retry_after: float | None) -> None:
        if self._hooks.on_rate_limited is not None:
            event = RateLimitEvent(self._call, self._attempt, scope, retry_after)
            _call_hook(self._hooks.on_rate_limited, event)

    def retrying(self, reason: str, wait: float, error: PropelAuthError) -> None:
        if self._hooks.on_retry is not None:
            event = RetryEvent(self._call, self._attempt, reason, wait, error)
            _call_hook(self._hooks.on_retry, event)

    def finished(self, error: BaseException | None) -> None:
        pass
