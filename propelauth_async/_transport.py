"""The requester: the one place that builds, sends, retries and maps HTTP requests.

Resources hand it an :class:`~propelauth_async._endpoints.Endpoint` row and their arguments; it
returns the decoded JSON body or raises one of our errors. No httpx exception ever escapes.

The first attempt runs inline. Only when it fails in a retryable way does tenacity take over
(the failure is replayed into it as its first attempt), which keeps the success path to a few
microseconds over raw httpx while tenacity still owns every retry decision and every sleep.
"""

from __future__ import annotations

import json
import logging
import time
import urllib.parse
from collections.abc import Mapping
from enum import Enum
from typing import TYPE_CHECKING, Any

import anyio
import httpx

from . import errors
from ._endpoints import Endpoint
from ._ratelimit import RateLimiter
from ._responses import decode_json, error_from_response
from ._retry import (
    Failure,
    RetryPolicy,
    may_retry,
    retry_after_is_precise,
    retry_after_seconds,
)

if TYPE_CHECKING:
    import tenacity

logger = logging.getLogger("propelauth_async")

NO_BODY: Any = object()
_JSON_HEADERS = {"content-type": "application/json"}
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.ProxyError)
_AMBIGUOUS = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)


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


class _Retryable(Exception):
    """An attempt failed in a way the retry table allows us to retry."""

    def __init__(
        self, error: errors.PropelAuthError, failure: Failure, wait: float | None = None
    ) -> None:
        super().__init__(str(error))
        self.error = error
        self.failure = failure
        self.wait = wait


class _Call:
    """One logical call: what to send, and what its attempts have taught us so far."""

    __slots__ = ("body", "deadline", "endpoint", "failures", "maybe_applied", "path", "query")

    def __init__(
        self, endpoint: Endpoint, path: str, query: dict[str, str] | None, body: bytes | None
    ) -> None:
        self.endpoint = endpoint
        self.path = path
        self.query = query
        self.body = body
        self.deadline: float | None = None
        self.failures: dict[Failure, int] = {}
        self.maybe_applied = False


class Requester:
    """Sends requests for one client; shared by all its resources and coroutines."""

    def __init__(
        self,
        *,
        http_client: httpx.AsyncClient,
        base_url: str,
        headers: Mapping[str, str],
        policy: RetryPolicy,
        limiter: RateLimiter,
    ) -> None:
        self.http_client = http_client
        self.base_url = base_url.rstrip("/")
        self.policy = policy
        self.limiter = limiter
        self._headers = dict(headers)
        self._json_headers = {**self._headers, **_JSON_HEADERS}

    async def request(
        self,
        endpoint: Endpoint,
        *,
        path: Mapping[str, str] | None = None,
        query: Mapping[str, object] | None = None,
        json_body: Any = NO_BODY,
    ) -> Any:
        """Send ``endpoint`` and return its decoded JSON body (``None`` when empty)."""
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
            call.deadline = time.monotonic() + self.policy.total_timeout
        try:
            return await self._attempt(call, None)
        except _Retryable as first:
            return await self._retry(call, first)

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
        endpoint = call.endpoint
        method = endpoint.method
        await self.limiter.wait_turn()
        async with self.limiter.slot():
            try:
                response = await self.http_client.send(self._build(call, limits))
            except _NOT_SENT as exc:
                raise _Retryable(self._transport_error(call, exc), Failure.NOT_SENT) from exc
            except _AMBIGUOUS as exc:
                raise self._ambiguous(call, exc) from exc
            except httpx.HTTPError as exc:
                raise self._transport_error(call, exc) from exc
        status = response.status_code
        if status < 300:
            self.limiter.record_success(response.headers)
            return self._decode_success(call, response)
        if status == 404 and method == "DELETE" and call.maybe_applied:
            # An earlier attempt very probably applied the delete and lost its answer.
            return None
        return self._fail(call, response)

    def _decode_success(self, call: _Call, response: httpx.Response) -> Any:
        try:
            return decode_json(response.content)
        except ValueError as exc:
            error = errors.MalformedResponseError(
                f"{call.endpoint.method} {call.path} answered {response.status_code} "
                "with a body that is not valid JSON",
                status_code=response.status_code,
                method=call.endpoint.method,
                path=call.path,
            )
            if call.endpoint.safe_to_replay:
                raise _Retryable(error, Failure.SERVER) from exc
            raise error from exc

    def _fail(self, call: _Call, response: httpx.Response) -> Any:
        status = response.status_code
        retry_after = None
        if status == 429:
            retry_after = retry_after_seconds(response.headers, response.content)
        error = error_from_response(
            status=status,
            content=response.content,
            headers=response.headers,
            method=call.endpoint.method,
            path=call.path,
            retry_after=retry_after,
        )
        if status == 429:
            if retry_after is not None and retry_after > self.policy.max_retry_wait:
                self.limiter.record_rate_limited(retry_after, hinted=True)
                raise error
            done = call.failures.get(Failure.RATE_LIMITED, 0)
            wait = retry_after
            if wait is None:
                wait = self.policy.backoff(done, Failure.RATE_LIMITED)
            suggested = self.limiter.record_rate_limited(
                retry_after,
                hinted=retry_after is not None and retry_after_is_precise(response.headers),
            )
            if suggested is not None and (done == 0 or retry_after is None):
                # A whole-second wait is rounded up, and no hint is no evidence: the retry
                # follows the budget, which paces it. A second 429 after a hint is meant.
                wait = min(wait, suggested)
            raise _Retryable(error, Failure.RATE_LIMITED, wait)
        if status == 408 or status >= 500:
            call.maybe_applied = True
            if may_retry(Failure.SERVER, replay_safe=call.endpoint.safe_to_replay):
                raise _Retryable(error, Failure.SERVER)
        raise error

    def _transport_error(self, call: _Call, exc: Exception) -> errors.TransportError:
        method, path = call.endpoint.method, call.path
        hint = ""
        if isinstance(exc, httpx.PoolTimeout):
            hint = " (connection pool exhausted: share one client and raise max_connections)"
        return errors.TransportError(
            f"{method} {path}: {type(exc).__name__}{hint}", method=method, path=path
        )

    def _ambiguous(self, call: _Call, exc: Exception) -> Exception:
        call.maybe_applied = True
        method, path = call.endpoint.method, call.path
        if call.endpoint.safe_to_replay:
            return _Retryable(self._transport_error(call, exc), Failure.AMBIGUOUS)
        return errors.OutcomeUnknownError(
            f"{method} {path}: {type(exc).__name__} after the request was sent; it may or may "
            "not have been applied, so it was not retried",
            method=method,
            path=path,
        )

    # The retry loop ---------------------------------------------------------------------------

    async def _retry(self, call: _Call, first: _Retryable) -> Any:
        import tenacity  # only once something needs a retry: keeps `import propelauth_async` light

        replay: list[_Retryable] = [first]

        async def attempt() -> Any:
            if replay:
                raise replay.pop()
            return await self._attempt(call, self._remaining_timeout(call))

        retrying = tenacity.AsyncRetrying(
            sleep=anyio.sleep,
            retry=tenacity.retry_if_exception_type(_Retryable),
            wait=self._wait,
            stop=lambda state: self._should_stop(call, state),
            before_sleep=lambda state: self._log_retry(call, state),
            reraise=True,
        )
        try:
            return await retrying(attempt)
        except _Retryable as exc:
            error = exc.error
            if isinstance(error, errors.APIError):
                error.retries_taken = sum(call.failures.values()) - 1
            raise error from exc.__cause__

    @staticmethod
    def _failure_of(state: tenacity.RetryCallState) -> _Retryable:
        exc = state.outcome.exception() if state.outcome is not None else None
        assert isinstance(exc, _Retryable)
        return exc

    def _wait(self, state: tenacity.RetryCallState) -> float:
        failure = self._failure_of(state)
        if failure.wait is not None:
            return failure.wait
        return self.policy.backoff(state.attempt_number - 1, failure.failure)

    def _should_stop(self, call: _Call, state: tenacity.RetryCallState) -> bool:
        failure = self._failure_of(state).failure
        seen = call.failures[failure] = call.failures.get(failure, 0) + 1
        if seen > self.policy.allowed_retries(failure):
            return True
        if call.deadline is None:
            return False
        return time.monotonic() + (state.upcoming_sleep or 0.0) >= call.deadline

    def _remaining_timeout(self, call: _Call) -> httpx.Timeout | None:
        """The client's timeouts, each clipped to what is left of the call's total deadline."""
        if call.deadline is None:
            return None
        left = max(0.001, call.deadline - time.monotonic())
        base = self.http_client.timeout
        return httpx.Timeout(
            connect=min(base.connect or left, left),
            read=min(base.read or left, left),
            write=min(base.write or left, left),
            pool=min(base.pool or left, left),
        )

    def _log_retry(self, call: _Call, state: tenacity.RetryCallState) -> None:
        failure = self._failure_of(state)
        logger.info(
            "retrying %s %s: attempt %d failed (%s: %s); next attempt in %.2fs",
            call.endpoint.method,
            call.path,
            state.attempt_number,
            failure.failure.value,
            type(failure.error).__name__,
            state.upcoming_sleep,
        )
