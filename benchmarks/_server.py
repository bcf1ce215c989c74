"""Shared by the bulk benchmarks: the emulator in a process of its own, and the official client.

The server runs in a child process (pinned to CPU 0 with ``--pin``, the client to CPU 1), so
it neither shares the client's GIL nor its core. The parent talks to it over a pipe: change the
rate limit mid-run, read its counters. The official library always calls
https://propelauth-api.com, so its requests are redirected to the emulator by a rewriting
transport, and it is given the verifier key so that it fetches none at construction.
"""

from __future__ import annotations

import multiprocessing
import os
from multiprocessing.connection import Connection
from typing import Any

import httpx

USER_EMAIL = "ada@example.com"


def _serve(conn: Connection, options: dict[str, Any], cpu: int | None) -> None:
    if cpu is not None and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {cpu})
    from propelauth_async.testing import Emulator, run_emulator

    emulator = Emulator(**options)
    uid = emulator.add_user(USER_EMAIL)
    with run_emulator(emulator) as emu:
        conn.send((emu.url, emu.api_key, uid, emu.public_key_pem, emu.issuer))
        while True:
            command, *args = conn.recv()
            if command == "stop":
                return
            if command == "set_limit":
                emu.set_rate_limit(*args)
            if command == "reset":
                emu.stats.requests = emu.stats.rate_limited = emu.stats.served = 0
                if emu.bucket is not None:
                    emu.set_rate_limit(emu.bucket.rate, emu.bucket.burst)
            conn.send((emu.stats.requests, emu.stats.rate_limited))


class ServerProcess:
    """``with ServerProcess(rate_limit=200, burst=20, retry_after_format="seconds") as srv``."""

    def __init__(self, *, pin: bool = False, **options: Any) -> None:
        self._options = options
        self._pin = pin

    def __enter__(self) -> ServerProcess:
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        cpu = 0 if self._pin else None
        self._process = context.Process(target=_serve, args=(child, self._options, cpu))
        self._process.start()
        if self._pin and hasattr(os, "sched_setaffinity"):
            os.sched_setaffinity(0, {1})
        self.url, self.api_key, self.user_id, self.public_key_pem, self.issuer = self._conn.recv()
        return self

    def _ask(self, *command: Any) -> tuple[int, int]:
        self._conn.send(command)
        answer: tuple[int, int] = self._conn.recv()
        return answer

    def stats(self) -> tuple[int, int]:
        """(requests, answered 429) since the start or the last reset."""
        return self._ask("stats")

    def reset(self) -> None:
        """Zero the counters and refill the bucket, between two measured runs."""
        self._ask("reset")

    def set_limit(self, rate: float, burst: int | None = None) -> None:
        self._ask("set_limit", rate, burst)

    def __exit__(self, *exc_info: object) -> None:
        self._conn.send(("stop",))
        self._process.join(timeout=10)


class Redirect(httpx.AsyncBaseTransport):
    """Sends the official async client's requests to the emulator instead."""

    def __init__(self, target: str, limits: httpx.Limits | None = None) -> None:
        self._target = httpx.URL(target)
        self._inner = httpx.AsyncHTTPTransport(limits=limits or httpx.Limits())

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        request.url = request.url.copy_with(
            scheme=self._target.scheme, host=self._target.host, port=self._target.port
        )
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()


def official_auth(server: ServerProcess) -> tuple[Any, httpx.AsyncClient]:
    """The official AsyncAuth with its default client settings (100 connections, 20 kept
    alive, 5 s timeout), pointed at the emulator."""
    from propelauth_py import init_base_async_auth
    from propelauth_py.api import TokenVerificationMetadata

    http = httpx.AsyncClient(
        transport=Redirect(
            server.url, httpx.Limits(max_connections=100, max_keepalive_connections=20)
        ),
        timeout=5.0,
    )
    metadata = TokenVerificationMetadata(verifier_key=server.public_key_pem, issuer=server.issuer)
    return init_base_async_auth(server.url, server.api_key, metadata, http), http
