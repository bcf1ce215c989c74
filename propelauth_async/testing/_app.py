"""The emulator's ASGI application: routing, authentication, rate limiting, faults, dispatch.

Routes come from the client's own endpoint table, so the emulator and the client can never
disagree on a path or a method.
"""

from __future__ import annotations

import json
import re
import urllib.parse
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from typing import TYPE_CHECKING, Any

import anyio

from .._endpoints import Endpoint
from ._faults import ConnectionDropped, Fault
from ._ratelimit import limit_headers, rate_limited_response
from ._request import Request
from ._state import EmulatorError

if TYPE_CHECKING:
    from .emulator import Emulator

Handler = Callable[[Any, Request], Any]
Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]

_HTML_ERROR = (
    "<html><head><title>{status} Bad Gateway</title></head><body><center><h1>{status} "
    "Bad Gateway</h1></center><hr><center>nginx</center></body></html>"
)


class Router:
    """Literal paths first, then templates, so ``/user/email`` never matches ``/user/{id}``."""

    def __init__(self, routes: Mapping[Endpoint, Handler]) -> None:
        self._literal: dict[tuple[str, str], Handler] = {}
        self._templates: list[tuple[str, re.Pattern[str], str, Handler]] = []
        for endpoint, handler in routes.items():
            if "{" not in endpoint.path:
                self._literal[(endpoint.method, endpoint.path)] = handler
                continue
            pattern = re.sub(r"\\\{([a-z_]+)\\\}", r"(?P<\1>[^/]+)", re.escape(endpoint.path))
            self._templates.append(
                (endpoint.method, re.compile(pattern + "$"), endpoint.path, handler)
            )
        # More literal segments first: /user/{id}/mfa before /user/{id}/{provider}/fresh_token.
        self._templates.sort(key=lambda t: -len(re.sub(r"\{[a-z_]+\}", "", t[2])))

    def match(self, method: str, path: str) -> tuple[Handler, dict[str, str]] | None:
        handler = self._literal.get((method, path))
        if handler is not None:
            return handler, {}
        for verb, pattern, _, candidate in self._templates:
            if verb != method:
                continue
            found = pattern.match(path)
            if found is not None:
                params = {k: urllib.parse.unquote(v) for k, v in found.groupdict().items()}
                return candidate, params
        return None


def _json_bytes(body: Any) -> bytes:
    return json.dumps(body, separators=(",", ":")).encode()


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
        status, headers, content, fault = await self._handle(scope, body)
        if fault is not None and fault.kind in ("drop_before", "drop_after"):
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [(b"content-length", b"1000")],
                }
            )
            raise ConnectionDropped("emulated connection drop")
        raw_headers = [(k.encode(), v.encode()) for k, v in headers.items()]
        raw_headers.append((b"content-length", str(len(content)).encode()))
        await send({"type": "http.response.start", "status": status, "headers": raw_headers})
        await send({"type": "http.response.body", "body": content})

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _handle(
        self, scope: Scope, body: bytes
    ) -> tuple[int, dict[str, str], bytes, Fault | None]:
        emulator = self._emulator
        stats = emulator.stats
        stats.requests += 1
        method: str = scope["method"]
        path: str = scope.get("raw_path", b"").decode() or scope["path"]
        path = path.split("?", 1)[0]
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        api_key = headers.get("authorization", "").removeprefix("Bearer ").strip()
        if api_key != emulator.api_key:
            stats.unauthorized += 1
            return 401, {"content-type": "text/plain"}, b"Unauthorized", None
        if emulator.bucket is None:
            return await self._admitted(method, path, scope, headers, body)
        admission = emulator.bucket.take(api_key)
        extra = limit_headers(admission) if emulator.rate_limit_headers else {}
        if admission.wait > 0:
            stats.rate_limited += 1
            answer, content = rate_limited_response(admission.wait, emulator.retry_after_format)
            return 429, {**answer, **extra}, content, None
        status, answer, content, fault = await self._admitted(method, path, scope, headers, body)
        return status, {**answer, **extra} if answer else answer, content, fault

    async def _admitted(
        self, method: str, path: str, scope: Scope, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes, Fault | None]:
        emulator = self._emulator
        stats = emulator.stats
        matched = self._router.match(method, path)
        if matched is None:
            return 404, {"content-type": "text/plain"}, b"Not Found", None
        handler, params = matched
        fault = emulator.faults.pick(method, path)
        if fault is not None:
            stats.faults += 1
            early = await self._fault_before(fault)
            if early is not None:
                return early
        status, out = self._dispatch(handler, method, path, params, scope, headers, body)
        if fault is not None:
            if fault.kind == "drop_after":
                return status, {}, b"", fault
            if fault.kind == "delay" and fault.after:
                await anyio.sleep(fault.seconds)
            if fault.kind == "malformed_json" and status < 300:
                return 200, {"content-type": "application/json"}, b"{not json at all", None
            if fault.kind == "truncated_json" and status < 300:
                full = _json_bytes(out) if out is not None else b"{}"
                cut = full[: max(1, len(full) // 2)]
                return 200, {"content-type": "application/json"}, cut, None
        stats.served += 1
        if isinstance(out, (bytes, str)):
            text = out.encode() if isinstance(out, str) else out
            return status, {"content-type": "text/plain; charset=utf-8"}, text, None
        content = b"" if out is None else _json_bytes(out)
        return status, {"content-type": "application/json"}, content, None

    async def _fault_before(
        self, fault: Fault
    ) -> tuple[int, dict[str, str], bytes, Fault | None] | None:
        if fault.kind == "drop_before":
            return 200, {}, b"", fault
        if fault.kind == "delay" and not fault.after:
            await anyio.sleep(fault.seconds)
        if fault.kind == "status":
            if fault.html:
                page = _HTML_ERROR.format(status=fault.status).encode()
                return fault.status, {"content-type": "text/html"}, page, None
            body = _json_bytes({"message": f"Emulated failure ({fault.status})"})
            return fault.status, {"content-type": "application/json"}, body, None
        return None

    def _dispatch(
        self,
        handler: Handler,
        method: str,
        path: str,
        params: dict[str, str],
        scope: Scope,
        headers: dict[str, str],
        body: bytes,
    ) -> tuple[int, Any]:
        query = dict(urllib.parse.parse_qsl(scope.get("query_string", b"").decode()))
        try:
            decoded = json.loads(body) if body.strip() else None
        except ValueError:
            return 400, {"body": ["Invalid JSON"]}
        auth_host = headers.get("x-propelauth-url") or headers.get("host", "localhost")
        request = Request(method, path, params, query, decoded, auth_host)
        emulator = self._emulator
        try:
            with emulator.state.lock:
                return 200, handler(emulator.state, request)
        except EmulatorError as exc:
            return exc.status, exc.body
