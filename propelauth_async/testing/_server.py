"""Serving the emulator over real HTTP: uvicorn on 127.0.0.1, in a thread of its own.

A thread (not a task on the caller's loop) means the same server works under asyncio, under
trio, and for synchronous clients such as the official library in side-by-side benchmarks.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import socket
import threading
import time
from typing import Any

from ._faults import ConnectionDropped

_STARTUP_TIMEOUT = 10.0
_SHUTDOWN_GRACE = 2.0  # seconds for cancelled handlers to answer


class _HideEmulatedDrops(logging.Filter):
    """uvicorn logs every exception from the app; an emulated drop is not a bug, and neither is
    a handler cancelled by :meth:`ThreadServer.stop` (one held by an injected delay)."""

    def filter(self, record: logging.LogRecord) -> bool:
        dropped = (ConnectionDropped, asyncio.CancelledError)
        return not (record.exc_info and isinstance(record.exc_info[1], dropped))


_FILTER = _HideEmulatedDrops()


class ThreadServer:
    """uvicorn serving ``app`` on a port of 127.0.0.1 (a free one when ``port`` is 0)."""

    def __init__(self, app: Any, *, host: str = "127.0.0.1", port: int = 0) -> None:
        try:
            import uvicorn  # the testing extra; imported only when a server is started
        except ImportError:
            raise RuntimeError(
                "serving the emulator needs uvicorn: pip install 'propelauth-async[testing]'"
            ) from None

        # IPPROTO_TCP, not 0: asyncio only sets TCP_NODELAY on the accepted sockets of a
        # listener whose proto says TCP. Without it each kept-alive answer waited ~40 ms for
        # a delayed ACK (Nagle), which made every request after the first ten times slower.
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            self._sock.bind((host, port))
        except OSError:
            self._sock.close()
            raise
        self.host = host
        self.port: int = self._sock.getsockname()[1]
        config = uvicorn.Config(
            app,
            lifespan="off",
            log_config=None,
            log_level="error",
            access_log=False,
            timeout_keep_alive=30,
        )
        self._server = _quick_server_class()(config)
        self._thread = threading.Thread(
            target=self._server.run,
            kwargs={"sockets": [self._sock]},
            name=f"propelauth-emulator-{self.port}",
            daemon=True,
        )

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> None:
        logging.getLogger("uvicorn.error").addFilter(_FILTER)
        self._thread.start()
        deadline = time.monotonic() + _STARTUP_TIMEOUT
        while not self._server.started:
            if not self._thread.is_alive():
                self._sock.close()
                raise RuntimeError("the emulator's server failed to start")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the emulator's server did not start in time")
            time.sleep(0.002)

    def stop(self) -> None:
        self._server.request_exit()
        self._thread.join(timeout=5.0)
        if self._thread.is_alive():  # pragma: no cover - only if a handler hangs
            self._server.force_exit = True
            self._thread.join(timeout=5.0)
        self._sock.close()
        logging.getLogger("uvicorn.error").removeFilter(_FILTER)


@functools.cache
def _quick_server_class() -> Any:
    """uvicorn's server, made to stop as soon as it is told to.

    uvicorn polls its exit flag every 0.1 s, then sleeps a fixed 0.1 s before waiting for every
    handler to finish. Tests serve an emulator each, so that was a fifth of a second per test,
    and the length of any injected delay still running. Here a stop wakes the loop at once and
    cancels the emulator's handlers that are still running: the test that started them is over.
    Defined on first use because uvicorn is an optional dependency (the ``testing`` extra).
    """
    import uvicorn

    class QuickServer(uvicorn.Server):
        _loop: asyncio.AbstractEventLoop | None = None
        _wake: asyncio.Event | None = None

        def request_exit(self) -> None:
            """Ask the server to stop; safe to call from any thread."""
            self.should_exit = True
            loop, wake = self._loop, self._wake
            if loop is not None and wake is not None:
                with contextlib.suppress(RuntimeError):  # the loop has already closed
                    loop.call_soon_threadsafe(wake.set)

        async def main_loop(self) -> None:
            self._loop = asyncio.get_running_loop()
            self._wake = asyncio.Event()
            counter = 0
            while not await self.on_tick(counter):  # on_tick keeps the Date header current
                counter = (counter + 1) % 864_000
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), 0.1)

        async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
            for server in self.servers:
                server.close()
            for sock in sockets or []:
                sock.close()
            handlers = list(self.server_state.tasks)
            for task in handlers:
                task.cancel()
            for connection in list(self.server_state.connections):
                connection.shutdown()
            if handlers:  # a cancelled handler still answers 500 and closes its connection
                await asyncio.wait(handlers, timeout=_SHUTDOWN_GRACE)
            await asyncio.sleep(0)  # closed connections report themselves lost

    return QuickServer
