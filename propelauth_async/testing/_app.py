"""The emulator's ASGI application: authentication, rate limiting, faults, dispatch, journal."""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Awaitable, Callable, MutableMapping
from typing import TYPE_CHECKING, Any

import anyio
import attrs

from ._faults import ConnectionDropped, Fault, html_error_page
from ._journal import RecordedRequest, without_secrets
from ._ratelimit import limit_headers, rate_limited_response
from ._request import Request
from ._routes import Handler, Router
from ._state import EmulatorError

if TYPE_CHECKING:  # the emulator builds the app: importing it here would be a cycle
    from .emulator import Emulator

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]

_JSON = {"content-type": "application/json"}
_NOT_JSON: Any = object()
_TEXT = {"content-type": "text/plain; charset=utf-8"}


@attrs.frozen
class Reply:
    """What the app sends back.

    ``drop`` cuts the connection: with a ``status``, after sending that status line (the
    request was applied and its answer lost mid-body, as a real server can only fail once it
    has answered); with ``status`` 0, before any byte of an answer (nothing was applied).
    """

    status: int
    headers: dict[str, str]
    content: bytes
    drop: bool = False


def _abort_connection(send: Send) -> None:
    """Cut the socket before any status line goes out.

    An ASGI app cannot say "no answer": uvicorn turns an exception raised before the response
    starts into a 500. Its ``send`` is a method of the request cycle, which holds the socket's
    transport, so the emulator's own server can abort it. In process (``httpx.ASGITransport``)
    there is no socket, and the exception raised next reaches the client as the dropped
    connection.
    """
    transport = getattr(getattr(send, "__self__", None), "transport", None)
    if transport is not None:
        transport.abort()


def _json_bytes(body: Any) -> bytes:
    return json.dumps(body, separators=(",", ":")).encode()


def _json_reply(status: int, body: Any) -> Reply:
    return Reply(status, _JSON, _json_bytes(body))


class EmulatorApp:
    """ASGI callable; one per emulator."""

    def __init__(self, emulator: Emulator, router: Router) -> None:
        self._emulator = emulator
        self._router = router

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":  # pragma: no cover - websockets are not part of the API
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        reply = await self._handle(scope, body)
        if reply.drop:
            if reply.status:
                start = {"type": "http.response.start", "status": reply.status}
                await send({**start, "headers": [(b"content-length", b"1000")]})
            else:
                _abort_connection(send)
            raise ConnectionDropped("emulated connection drop")
        raw_headers = [(k.encode(), v.encode()) for k, v in reply.headers.items()]
        raw_headers.append((b"content-length", str(len(reply.content)).encode()))
        await send({"type": "http.response.start", "status": reply.status, "headers": raw_headers})
        await send({"type": "http.response.body", "body": reply.content})

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _handle(self, scope: Scope, body: bytes) -> Reply:
        method: str = scope["method"]
        path: str = scope.get("raw_path", b"").decode() or scope["path"]
        path = path.split("?", 1)[0]
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        query = dict(urllib.parse.parse_qsl(scope.get("query_string", b"").decode()))
        matched = self._router.match(method, path)
        try:
            decoded = json.loads(body) if body.strip() else None
        except ValueError:
            decoded = _NOT_JSON
        reply = await self._answer(method, path, query, headers, decoded, matched)
        if not self._emulator.journal.size:
            return reply
        self._emulator.journal.record(
            RecordedRequest(
                method=method,
                path=path,
                status=reply.status,
                template=None if matched is None else matched[1],
                query=query,
                body=body.decode(errors="replace") if decoded is _NOT_JSON else decoded,
                headers=without_secrets(headers),
            )
        )
        return reply

    async def _answer(
        self,
        method: str,
        path: str,
        query: dict[str, str],
        headers: dict[str, str],
        body: Any,
        matched: tuple[Handler, str, dict[str, str]] | None,
    ) -> Reply:
        emulator = self._emulator
        stats = emulator.stats
        stats.requests += 1
        api_key = headers.get("authorization", "").removeprefix("Bearer ").strip()
        if api_key != emulator.api_key:
            stats.unauthorized += 1
            return Reply(401, _TEXT, b"Unauthorized")
        if emulator.bucket is None:
            return await self._admitted(method, path, query, headers, body, matched)
        admission = emulator.bucket.take(api_key)
        extra = limit_headers(admission) if emulator.rate_limit_headers else {}
        if admission.wait > 0:
            stats.rate_limited += 1
            answer, content = rate_limited_response(admission.wait, emulator.retry_after_format)
            return Reply(429, {**answer, **extra}, content)
        reply = await self._admitted(method, path, query, headers, body, matched)
        if extra and not reply.drop:
            reply = attrs.evolve(reply, headers={**reply.headers, **extra})
        return reply

    async def _admitted(
        self,
        method: str,
        path: str,
        query: dict[str, str],
        headers: dict[str, str],
        body: Any,
        matched: tuple[Handler, str, dict[str, str]] | None,
    ) -> Reply:
        emulator = self._emulator
        stats = emulator.stats
        if matched is None:
            return Reply(404, _TEXT, b"Not Found")
        handler, _, params = matched
        fault = emulator.faults.pick(method, path)
        if fault is not None:
            stats.faults += 1
            early = await _fault_before(fault)
            if early is not None:
                return early
        auth_host = headers.get("x-propelauth-url") or headers.get("host", "localhost")
        request = Request(method, path, params, query, body, auth_host)
        status, out = self._dispatch(handler, request)
        if fault is not None:
            late = await _fault_after(fault, status, out)
            if late is not None:
                return late
        stats.served += 1
        if isinstance(out, (bytes, str)):
            return Reply(status, _TEXT, out.encode() if isinstance(out, str) else out)
        return Reply(status, _JSON, b"" if out is None else _json_bytes(out))

    def _dispatch(self, handler: Handler, request: Request) -> tuple[int, Any]:
        if request.body is _NOT_JSON:
            return 400, {"body": ["Invalid JSON"]}
        state = self._emulator.state
        try:
            with state.lock:
                return 200, handler(state, request)
        except EmulatorError as exc:
            return exc.status, exc.body


async def _fault_before(fault: Fault) -> Reply | None:
    """The faults that strike before the request is applied (it then never happens)."""
    if fault.kind == "drop_before":
        return Reply(0, {}, b"", drop=True)
    if fault.kind == "delay" and not fault.after:
        await anyio.sleep(fault.seconds)
    if fault.kind == "status":
        if fault.html:
            return Reply(fault.status, {"content-type": "text/html"}, html_error_page(fault.status))
        return _json_reply(fault.status, {"message": f"Emulated failure ({fault.status})"})
    return None


async def _fault_after(fault: Fault, status: int, out: Any) -> Reply | None:
    """The faults that strike after the request was applied (the change is made)."""
    if fault.kind == "drop_after":
        return Reply(status, {}, b"", drop=True)
    if fault.kind == "delay" and fault.after:
        await anyio.sleep(fault.seconds)
    if fault.kind == "malformed_json" and status < 300:
        return Reply(200, _JSON, b"{not json at all")
    if fault.kind == "truncated_json" and status < 300:
        full = _json_bytes(out) if out is not None else b"{}"
        return Reply(200, _JSON, full[: max(1, len(full) // 2)])
    return None
