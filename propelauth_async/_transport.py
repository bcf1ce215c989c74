"""The requester: the one place that builds, sends, retries and maps HTTP requests.

Resources hand it an :class:`~propelauth_async._endpoints.Endpoint` row and their arguments; it
returns the decoded JSON body or raises one of our errors. No httpx exception ever escapes.

The first attempt runs inline. Only when it fails in a retryable way does tenacity take over,
which keeps the success path to a few microseconds over raw httpx. Whether to retry, and how
long to wait, is decided in one place, :func:`propelauth_async._retry.decide`; tenacity drives
the loop, the sleeps and the retry log lines.

Every httpx and httpcore type stays in this module (and the client's constructor), so that a
move to httpx2 is a change to one module. That includes our fix for encode/httpcore#1093: a
gate in front of the pool, sized to it, and a pool that reclaims connections orphaned by a
cancellation (the fix httpx2 merged as pydantic/httpx2#983).
"""

from __future__ import annotations

import copy
import errno
import functools
import json
import logging
import socket
import ssl
import sys
import time
import urllib.parse
from collections.abc import Awaitable, Callable, Mapping, Sequence
from enum import Enum
from typing import TYPE_CHECKING, Any

import anyio
import httpx

from . import errors
from ._endpoints import Endpoint, Missing, RateLimitScope
from ._ratelimit import MAX_PAUSE, PauseTooLong, RateLimiter
from ._responses import decode_json, error_from_response
from ._results import typed_result
from ._retry import (
    CallState,
    Failure,
    RetryPolicy,
    decide,
    retry_after_is_precise,
    retry_after_seconds,
)
from ._types import NO_BODY, NOT_FOUND

if TYPE_CHECKING:
    import tenacity

    from .observe import CallObserver, Observer

logger = logging.getLogger("propelauth_async")

DEFAULT_MAX_RESPONSE_BYTES = 8 * 1024 * 1024
_JSON_HEADERS = {"content-type": "application/json"}
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.ProxyError)
_AMBIGUOUS = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)
_CLOSED_MESSAGE = (
    "this client is closed (aclose() was called, or its async with block ended); "
    "create a new client"
)


def encode_segment(value: str) -> str:
    """Percent-encode one path segment; refuse the ones that would change the path's meaning."""
    if value in ("", ".", ".."):
        raise errors.InvalidArgumentError("path", f"{value!r} is not a usable path segment")
    return urllib.parse.quote(value, safe="")


def encode_query(query: Mapping[str, object]) -> dict[str, str]:
    """Booleans as ``true``/``false``, enums by value, ``None`` dropped."""
    out: dict[str, str] = {}
    for key, value in query.items():
        if value is None:
            continue
        if isinstance(value, bool):
            out[key] = "true" if value else "false"
        elif isinstance(value, Enum):
            out[key] = str(value.value)
        else:
            out[key] = str(value)
    return out


# The pool ---------------------------------------------------------------------------------------


@functools.cache
def _reclaiming_pool() -> type[Any]:
    """The pool class below, defined on first use: importing httpcore loads trio's backend
    when trio is installed (about 30 ms), which ``import propelauth_async`` should not pay."""
    import httpcore

    class _ReclaimingPool(httpcore.AsyncConnectionPool):
        """httpcore's pool, minus encode/httpcore#1093.

        A request cancelled after the pool assigned it a new connection, but before it connected,
        leaves that connection in the pool for good: never idle, never expired, never closed, so
        nothing reaps it, and once ``max_connections`` of them pile up every request times out. A
        second cancellation that interrupts a response's close (asyncio's ``task.cancel()`` goes
        through anyio's shields) does the same to a connection in use. Each time the pool reassigns
        connections, we first drop the connections no live request refers to that are neither idle
        nor closed: nobody can ever use them again.
        """

        def _assign_requests_to_connections(self) -> list[httpcore.AsyncConnectionInterface]:
            in_use = {id(r.connection) for r in self._requests if r.connection is not None}
            orphans = [
                c
                for c in self._connections
                if id(c) not in in_use and not c.is_idle() and not c.is_closed()
            ]
            for orphan in orphans:
                self._connections.remove(orphan)
            return orphans + super()._assign_requests_to_connections()

    return _ReclaimingPool


def reclaim_orphaned_connections(transport: httpx.AsyncHTTPTransport) -> None:
    """Give httpx's own transport the reclaiming pool (see :func:`_reclaiming_pool`)."""
    pool = getattr(transport, "_pool", None)
    import httpcore  # loaded by httpx's transport by now

    if type(pool) is httpcore.AsyncConnectionPool:
        # Same state, one overridden method: swapping the class keeps every setting httpx
        # gave the pool (and httpx's handling of proxies from the environment) without
        # restating httpcore's constructor here.
        pool.__class__ = _reclaiming_pool()


def pool_size(http_client: httpx.AsyncClient) -> int | None:
    """``max_connections`` of a client's pool, when it has an httpcore pool we can read."""
    pool = getattr(getattr(http_client, "_transport", None), "_pool", None)
    size = getattr(pool, "_max_connections", None)
    return size if isinstance(size, int) and size > 0 else None


def pool_timeout(http_client: httpx.AsyncClient) -> float | None:
    return http_client.timeout.pool


async def _finish(close: Callable[[], Awaitable[None]]) -> None:
    """Run ``close`` to its end even through cancellation, then let the cancellation through.

    anyio's shield holds off anyio's own cancel scopes, but on asyncio a bare ``task.cancel()``
    is still delivered inside it; a close cut short that way leaves its connection in use for
    ever. So on asyncio the close runs in a task of its own, and we wait for it however many
    times we are cancelled.
    """
    if running_asyncio_loop() is None:  # trio: its shields hold
        with anyio.CancelScope(shield=True):
            await close()
        return
    import asyncio  # already loaded: we run on it

    task = asyncio.ensure_future(close())
    cancelled: BaseException | None = None
    while not task.done():
        try:
            with anyio.CancelScope(shield=True):
                await asyncio.shield(task)
        except asyncio.CancelledError as exc:
            cancelled = exc
        except Exception:  # the close failed: the pool drops such a connection itself
            break
    if not task.cancelled():
        task.exception()  # mark a failed close as seen
    if cancelled is not None:
        raise cancelled


class _Answer:
    """A complete HTTP answer, read within the size limit: no httpx type goes past here."""

    __slots__ = ("content", "headers", "status")

    def __init__(self, status: int, headers: Mapping[str, str], content: bytes) -> None:
        self.status = status
        self.headers = headers
        self.content = content


class _TooLarge(Exception):
    def __init__(self, size: int) -> None:
        super().__init__(str(size))
        self.size = size


async def _read_limited(response: httpx.Response, limit: int) -> bytes:
    """The body, refused as soon as it (decompressed) exceeds ``limit`` bytes."""
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _TooLarge(int(declared))
    chunks: list[bytes] = []
    total = 0
    async for chunk in response.aiter_bytes():
        total += len(chunk)
        if total > limit:
            raise _TooLarge(total)
        chunks.append(chunk)
    return b"".join(chunks)


def _causes(exc: BaseException) -> list[BaseException]:
    """``exc`` and what lies under it: causes, contexts, and the members of exception groups
    (trio reports each failed connection attempt in a group)."""
    found: list[BaseException] = []
    todo = [exc]
    while todo and len(found) < 32:
        seen = todo.pop(0)
        if any(seen is f for f in found):
            continue
        found.append(seen)
        todo.extend(e for e in (seen.__cause__, seen.__context__) if e is not None)
        todo.extend(getattr(seen, "exceptions", ()))
    return found


def _reason(exc: BaseException) -> str:
    """The underlying cause of a transport failure, in words a person can act on."""
    for seen in _causes(exc):
        if isinstance(seen, socket.gaierror):
            return "name resolution failed"
        if isinstance(seen, ConnectionRefusedError) or (
            isinstance(seen, OSError) and seen.errno == errno.ECONNREFUSED
        ):
            return "connection refused"
        if isinstance(seen, ConnectionResetError):
            return "connection reset by the server"
        if isinstance(seen, ssl.SSLCertVerificationError):
            return "TLS certificate verification failed"
        if isinstance(seen, ssl.SSLError):
            return "TLS handshake failed"
    text = str(exc).lower()
    if "name or service not known" in text or "nodename nor servname" in text:
        return "name resolution failed"
    if "refused" in text or "connect call failed" in text:
        return "connection refused"
    if isinstance(exc, httpx.PoolTimeout):
        return "no connection of the pool became free in time"
    if isinstance(exc, httpx.ConnectTimeout):
        return "connecting timed out"
    if isinstance(exc, httpx.ReadTimeout):
        return "no answer in time (read timeout)"
    if isinstance(exc, httpx.WriteTimeout):
        return "sending timed out (write timeout)"
    if isinstance(exc, httpx.RemoteProtocolError):
        return "the server closed the connection or sent an incomplete answer"
    if isinstance(exc, httpx.ReadError):
        return "the connection broke while reading the answer"
    if isinstance(exc, httpx.WriteError):
        return "the connection broke while sending"
    return type(exc).__name__


class _Retry(Exception):
    """Internal: the attempt failed and :func:`decide` granted a retry after ``wait`` seconds."""

    def __init__(self, error: errors.PropelAuthError, failure: Failure, wait: float) -> None:
        super().__init__(str(error))
        self.error = error
        self.failure = failure
        self.wait = wait


class _Failed(Exception):
    """Internal: an attempt failed; ``server_wait`` is a 429's requested wait, ``precise``
    whether it had sub-second precision (see ``retry_after_is_precise``)."""

    def __init__(
        self,
        error: errors.PropelAuthError,
        failure: Failure,
        server_wait: float | None = None,
        *,
        precise: bool = False,
    ) -> None:
        super().__init__(str(error))
        self.error = error
        self.failure = failure
        self.server_wait = server_wait
        self.precise = precise


class _Call:
    """One logical call: what to send, what its attempts have taught us so far, and who
    watches it (``None`` when the client has no observers)."""

    __slots__ = ("body", "endpoint", "path", "query", "state", "watch")

    def __init__(
        self, endpoint: Endpoint, path: str, query: dict[str, str] | None, body: bytes | None
    ) -> None:
        self.endpoint = endpoint
        self.path = path
        self.query = query
        self.body = body
        self.state = CallState()
        self.watch: CallObserver | None = None


def running_asyncio_loop() -> object | None:
    """The running asyncio loop, or ``None`` (on trio). Never imports asyncio itself: when
    nothing has loaded it, no asyncio loop can be running, and the package import stays light."""
    asyncio = sys.modules.get("asyncio")
    if asyncio is None:
        return None
    try:
        loop: object = asyncio.get_running_loop()
    except RuntimeError:
        return None
    return loop


def _event_loop() -> object:
    """The running event loop (asyncio) or run (trio), to tell one loop from another."""
    loop = running_asyncio_loop()
    if loop is not None:
        return loop
    import trio

    return trio.lowlevel.current_trio_token()


class _Lifecycle:
    """What a requester and every view derived from it share about their pool's life."""

    __slots__ = ("closed", "loop")

    def __init__(self) -> None:
        self.closed = False
        self.loop: object | None = None


def _timeout(value: float | httpx.Timeout) -> httpx.Timeout:
    if isinstance(value, httpx.Timeout):
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise errors.InvalidArgumentError("timeout", "must be a positive number of seconds")
    return httpx.Timeout(float(value))


class Requester:
    """Sends requests for one client; shared by all its resources and coroutines.

    :meth:`derive` makes a view with other retry settings, timeouts or observers that shares
    everything else: the pool, the limiter, the headers, and being open or closed.
    """

    def __init__(
        self,
        *,
        http_client: httpx.AsyncClient,
        base_url: str,
        headers: Mapping[str, str],
        policy: RetryPolicy,
        limiter: RateLimiter,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        observers: Sequence[Observer] = (),
    ) -> None:
        self.http_client = http_client
        self.base_url = base_url.rstrip("/")
        self.host = urllib.parse.urlsplit(self.base_url).netloc
        self.policy = policy
        self.limiter = limiter
        self.max_response_bytes = max_response_bytes
        self.observers = tuple(observers)
        self.timeout: httpx.Timeout | None = None  # None: the pool's own timeouts
        self._life = _Lifecycle()
        # Built once: httpx copies a Headers object as it is, but normalises a dict on every
        # request (a tenth of a mocked call's CPU).
        self._headers = httpx.Headers(headers)
        self._json_headers = httpx.Headers({**headers, **_JSON_HEADERS})

    def derive(
        self,
        *,
        policy: RetryPolicy | None = None,
        timeout: float | httpx.Timeout | None = None,
        observers: Sequence[Observer] | None = None,
    ) -> Requester:
        """A view of this requester with some settings changed (``None``: unchanged)."""
        view = copy.copy(self)
        if policy is not None:
            view.policy = policy
        if timeout is not None:
            view.timeout = _timeout(timeout)
        if observers is not None:
            view.observers = tuple(observers)
        return view

    @property
    def closed(self) -> bool:
        return self._life.closed

    @closed.setter
    def closed(self, value: bool) -> None:
        self._life.closed = value

    def _check_usable(self) -> None:
        life = self._life
        if life.closed:
            raise errors.ClientClosedError(_CLOSED_MESSAGE)
        loop = _event_loop()
        if life.loop is None:
            life.loop = loop
        elif loop is not life.loop:
            raise errors.WrongEventLoopError(
                "this client was first used in another event loop, and its connections belong "
                "to that loop; create the client inside the loop that uses it (in your app's "
                "lifespan, or in a fixture), one client per event loop"
            )

    async def request(
        self,
        endpoint: Endpoint,
        *,
        path: Mapping[str, str] | None = None,
        query: Mapping[str, object] | None = None,
        json_body: Any = NO_BODY,
    ) -> Any:
        """Send ``endpoint`` and return its answer as the row's result type (the decoded JSON
        body for a row without one, ``None`` when empty or when a lookup finds nothing)."""
        self._check_usable()
        url_path = endpoint.path
        if path:
            url_path = url_path.format_map({k: encode_segment(v) for k, v in path.items()})
        body = None
        if json_body is not NO_BODY:
            try:
                body = json.dumps(json_body, separators=(",", ":"), allow_nan=False).encode()
            except (TypeError, ValueError) as exc:  # a datetime in metadata, a NaN...
                raise errors.InvalidArgumentError("body", f"is not JSON: {exc}") from None
        call = _Call(endpoint, url_path, encode_query(query) if query else None, body)
        if self.policy.total_timeout is not None:
            call.state.deadline = time.monotonic() + self.policy.total_timeout
        if self.observers:
            return await self._watched(call, query)
        return await self._run(call, query)

    async def _watched(self, call: _Call, query: Mapping[str, object] | None) -> Any:
        """``_run``, reported to the observers: the call's start and end."""
        from .observe import call_info, watch  # only clients with observers load it

        call.watch = watching = watch(self.observers, call_info(call.endpoint, self.host))
        if watching is None:
            return await self._run(call, query)
        try:
            result = await self._run(call, query)
        except BaseException as exc:
            watching.finished(exc)
            raise
        watching.finished(None)
        return result

    async def _run(self, call: _Call, query: Mapping[str, object] | None) -> Any:
        """The call's attempts, and its answer as the row's result type (``query`` as the
        caller gave it: a page knows its number and size from it)."""
        try:
            try:
                data = await self._try(call, self.timeout)
                return typed_result(call.endpoint, data, query)
            except _Retry as retry:
                first = retry  # retried below, outside this block: no chained _Retry
            return typed_result(call.endpoint, await self._retry(call, first), query)
        except errors.APIError as error:
            error.retries_taken = call.state.retries_taken
            raise

    async def _try(self, call: _Call, limits: httpx.Timeout | None) -> Any:
        """One attempt, and the decision about its failure: a result, ``_Retry``, or our error."""
        try:
            return await self._attempt(call, limits)
        except _Failed as failed:
            outcome = failed
        suggested = None
        if outcome.failure is Failure.RATE_LIMITED:
            # A 429 about our key holds back every coroutine of the client (for as long as
            # the budget decides), and the budget may suggest this call's own wait.
            suggested = self.limiter.record_rate_limited(
                outcome.server_wait, hinted=outcome.precise
            )
        verdict = decide(
            outcome.failure,
            outcome.error,
            replay_safe=call.endpoint.replay_safe,
            state=call.state,
            policy=self.policy,
            server_wait=outcome.server_wait,
            budget_wait=suggested,
        )
        if isinstance(verdict, errors.PropelAuthError):
            raise verdict
        if call.watch is not None:
            call.watch.retrying(outcome.failure.value, verdict, outcome.error)
        raise _Retry(outcome.error, outcome.failure, verdict)

    def _build(self, call: _Call, limits: httpx.Timeout | None) -> httpx.Request:
        extensions = None if limits is None else {"timeout": limits.as_dict()}
        return httpx.Request(
            call.endpoint.method,
            self.base_url + call.path,
            params=call.query,
            headers=self._json_headers if call.body is not None else self._headers,
            content=call.body,
            extensions=extensions,
        )

    async def _attempt(self, call: _Call, limits: httpx.Timeout | None) -> Any:
        watching = call.watch
        queued = 0.0 if watching is None else time.monotonic()
        try:
            await self.limiter.wait_turn(
                deadline=call.state.deadline, max_wait=self.policy.max_retry_wait
            )
        except PauseTooLong as paused:
            raise self._paused_error(call, paused.left) from None
        call.state.attempts += 1
        if watching is not None:
            waited = time.monotonic() - queued
            return await self._watched_exchange(call, limits, watching, waited)
        return self._settle(call, await self._exchange(call, limits))

    async def _watched_exchange(
        self, call: _Call, limits: httpx.Timeout | None, watching: CallObserver, waited: float
    ) -> Any:
        """``_exchange`` and ``_settle``, reported: the attempt, its answer, a 429's scope."""
        watching.attempt_started(call.state.attempts, waited)
        answer: _Answer | None = None
        try:
            answer = await self._exchange(call, limits)
            result = self._settle(call, answer)
        except BaseException as exc:
            error = exc.error if isinstance(exc, _Failed) else exc
            if answer is None:
                watching.attempt_ended(None, {}, error)
                raise
            watching.attempt_ended(answer.status, answer.headers, error)
            if isinstance(error, errors.EndUserRateLimitError):
                watching.rate_limited("subject", error.retry_after)
            elif isinstance(exc, _Failed) and exc.failure is Failure.RATE_LIMITED:
                watching.rate_limited("backend", exc.server_wait)
            raise
        watching.attempt_ended(answer.status, answer.headers, None)
        return result

    def _settle(self, call: _Call, answer: _Answer) -> Any:
        """What an answer means: the decoded body, ``None`` for a repeated DELETE, or an error
        (raised when final, ``_Failed`` when the retry decision has a say)."""
        status = answer.status
        if status < 300:
            self.limiter.record_success(answer.headers)
            return self._decode_success(call, answer)
        if status == 404 and call.endpoint.missing is Missing.NONE:
            self.limiter.record_success()
            return NOT_FOUND  # a lookup's answer, not an error: none is built
        if status == 404 and call.endpoint.method == "DELETE" and call.state.maybe_applied:
            # An earlier attempt may have applied the delete and lost its answer.
            return None
        raise self._fail(call, answer)

    async def _exchange(self, call: _Call, limits: httpx.Timeout | None) -> _Answer:
        """One request through the gate, its whole answer read; or ``_Failed``."""
        gate = self.limiter.gate
        if gate is None:
            return await self._send(call, limits)
        wait = self.timeout.pool if self.timeout is not None else pool_timeout(self.http_client)
        if call.state.deadline is not None:
            left = max(0.0, call.state.deadline - time.monotonic())
            wait = left if wait is None else min(wait, left)
        acquired = False
        with anyio.move_on_after(wait):
            await gate.acquire()
            acquired = True
        if not acquired:
            error = self._transport_error(
                call,
                f"no connection became free within {wait:.1f}s: all "
                f"{int(gate.total_tokens)} connections of this client were busy with its other "
                "calls (raise max_connections, or run fewer calls at once)",
            )
            raise _Failed(error, Failure.NOT_SENT)
        try:
            return await self._send(call, limits)
        finally:
            gate.release()

    async def _send(self, call: _Call, limits: httpx.Timeout | None) -> _Answer:
        """Send and read within the size limit. httpx's exceptions stop here: our errors are
        raised outside their ``except`` blocks, so no chained exception carries the request
        (and its ``Authorization`` header) to an error reporter."""
        failure: _Failed | errors.PropelAuthError
        try:
            response = await self.http_client.send(self._build(call, limits), stream=True)
        except httpx.HTTPError as exc:
            failure = self._send_failure(call, exc, read=False)
        except RuntimeError:  # httpx: "Cannot send a request, as the client has been closed"
            if not self.http_client.is_closed:
                raise
            failure = errors.ClientClosedError(_CLOSED_MESSAGE)
        else:
            try:
                content = await _read_limited(response, self.max_response_bytes)
            except (_TooLarge, httpx.HTTPError) as exc:
                if response.status_code < 300 and not call.endpoint.needs_answer:
                    # A 2xx to a write whose answer we do not need: done, however it ended.
                    return _Answer(response.status_code, {}, b"")
                if isinstance(exc, _TooLarge):
                    failure = self._too_large(call, response.status_code, exc.size)
                else:
                    failure = self._send_failure(call, exc, read=True)
            else:
                return _Answer(response.status_code, dict(response.headers.items()), content)
            finally:
                # A body read to its end was closed by httpx as the read ended (and httpx
                # marks a response closed before closing it, so closing again would do
                # nothing): only a read cut short still holds a connection to give back.
                if not response.is_closed:
                    await _finish(response.aclose)
        raise failure

    def _send_failure(
        self, call: _Call, exc: httpx.HTTPError, *, read: bool
    ) -> _Failed | errors.PropelAuthError:
        if not read and isinstance(exc, _NOT_SENT):
            return _Failed(self._transport_error(call, _reason(exc)), Failure.NOT_SENT)
        if isinstance(exc, _AMBIGUOUS) or read:
            return self._ambiguous(call, _reason(exc))
        return self._transport_error(call, _reason(exc))

    def _too_large(self, call: _Call, status: int, size: int) -> errors.ResponseTooLargeError:
        method, path, limit = call.endpoint.method, call.path, self.max_response_bytes
        if status < 300 or status >= 500:
            call.state.maybe_applied = True  # an answer we could not read is no answer
        return errors.ResponseTooLargeError(
            f"{method} {path} answered {status} with a body over {limit} bytes "
            f"(at least {size}); reading stopped (raise max_response_bytes if it is expected)",
            status_code=status,
            limit=limit,
            method=method,
            path=path,
        )

    def _paused_error(self, call: _Call, left: float) -> errors.RateLimitError:
        method, path = call.endpoint.method, call.path
        return errors.RateLimitError(
            f"{method} {path} was not sent: the server asked this client to wait another "
            f"{left:.1f}s after a 429, longer than this call can wait (max_retry_wait="
            f"{self.policy.max_retry_wait:g}s, or what is left of total_timeout)",
            retry_after=left,
            method=method,
            path=path,
        )

    def _decode_success(self, call: _Call, answer: _Answer) -> Any:
        try:
            return decode_json(answer.content)
        except ValueError:
            pass
        if not call.endpoint.needs_answer:
            return None  # the write succeeded; what it said about it does not matter
        method = call.endpoint.method
        error = errors.MalformedResponseError(
            f"{method} {call.path} answered {answer.status} with a body that is not valid JSON",
            status_code=answer.status,
            method=method,
            path=call.path,
        )
        if method != "GET":
            call.state.maybe_applied = True
        raise _Failed(error, Failure.SERVER)

    def _fail(self, call: _Call, answer: _Answer) -> _Failed | errors.APIError:
        status = answer.status
        retry_after = None
        if status == 429:
            retry_after = retry_after_seconds(answer.headers, answer.content)
            if retry_after is not None:
                retry_after = min(retry_after, MAX_PAUSE)
        error = error_from_response(
            status=status,
            content=answer.content,
            headers=answer.headers,
            method=call.endpoint.method,
            path=call.path,
            retry_after=retry_after,
            classes=call.endpoint.error_classes,
        )
        if status == 429:
            if self._about_one_subject(call.endpoint, error.body):
                return errors.EndUserRateLimitError(
                    error.message,
                    retry_after=retry_after,
                    **_api_error_fields(error),
                )
            return _Failed(
                error,
                Failure.RATE_LIMITED,
                server_wait=retry_after,
                precise=retry_after is not None and retry_after_is_precise(answer.headers),
            )
        if status == 408 or status >= 500:
            if status == 504 or not answer.content.strip():
                # A gateway that gave up waiting, or an empty 5xx: the request may have been
                # applied. A 5xx that explains itself is a definite failure.
                call.state.maybe_applied = True
            return _Failed(error, Failure.SERVER)
        return error

    @staticmethod
    def _about_one_subject(endpoint: Endpoint, body: object) -> bool:
        """A 429 about one end user, by the endpoint's row and, where both are possible, the
        body (as the error already parsed it): PropelAuth's limit on our key answers plain
        text, per-subject limits a JSON object or array."""
        if endpoint.rate_limit_scope is RateLimitScope.BACKEND:
            return False
        return isinstance(body, (dict, list))

    def _transport_error(self, call: _Call, reason: str) -> errors.TransportError:
        method, path = call.endpoint.method, call.path
        return errors.TransportError(
            f"{method} {path} to {self.host} failed: {reason}", method=method, path=path
        )

    def _ambiguous(self, call: _Call, reason: str) -> _Failed | errors.PropelAuthError:
        call.state.maybe_applied = True
        method, path = call.endpoint.method, call.path
        if call.endpoint.replay_safe:
            return _Failed(self._transport_error(call, reason), Failure.AMBIGUOUS)
        return errors.OutcomeUnknownError(
            f"{method} {path} to {self.host}: {reason} after the request was sent; it may or "
            "may not have been applied, so it was not retried",
            method=method,
            path=path,
        )

    # The retry loop ---------------------------------------------------------------------------

    async def _retry(self, call: _Call, first: _Retry) -> Any:
        import tenacity  # only once something needs a retry: keeps `import propelauth_async` light

        pending: list[_Retry] = [first]

        async def attempt() -> Any:
            if pending:  # the inline first attempt's failure, replayed so tenacity sleeps it
                raise pending.pop()
            return await self._try(call, self._remaining_timeout(call))

        retrying = tenacity.AsyncRetrying(
            sleep=anyio.sleep,
            retry=tenacity.retry_if_exception_type(_Retry),
            wait=lambda state: self._granted(state).wait,
            stop=tenacity.stop_never,  # decide() bounds every call
            before_sleep=lambda state: self._log_retry(call, state),
            reraise=True,
        )
        return await retrying(attempt)

    @staticmethod
    def _granted(state: tenacity.RetryCallState) -> _Retry:
        exc = state.outcome.exception() if state.outcome is not None else None
        assert isinstance(exc, _Retry)
        return exc

    def _remaining_timeout(self, call: _Call) -> httpx.Timeout | None:
        """The client's timeouts, each clipped to what is left of the call's total deadline."""
        if call.state.deadline is None:
            return self.timeout
        left = max(0.001, call.state.deadline - time.monotonic())
        base = self.timeout or self.http_client.timeout
        return httpx.Timeout(
            connect=min(base.connect or left, left),
            read=min(base.read or left, left),
            write=min(base.write or left, left),
            pool=min(base.pool or left, left),
        )

    def _log_retry(self, call: _Call, state: tenacity.RetryCallState) -> None:
        granted = self._granted(state)
        logger.info(
            "retrying %s %s: attempt %d failed (%s: %s); next attempt in %.2fs",
            call.endpoint.method,
            call.path,
            call.state.attempts,
            granted.failure.value,
            type(granted.error).__name__,
            granted.wait,
        )


def _api_error_fields(error: errors.APIError) -> dict[str, Any]:
    return {
        "status_code": error.status_code,
        "method": error.method,
        "path": error.path,
        "error_code": error.error_code,
        "user_facing_error": error.user_facing_error,
        "field_errors": error.field_errors,
        "body": error.body,
        "request_id": error.request_id,
    }
