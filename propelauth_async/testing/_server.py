"""Serving the emulator over real HTTP: uvicorn on 127.0.0.1, in a thread of its own.

A thread (not a task on the caller's loop) means the same server works under asyncio, under
trio, and for synchronous clients such as the official library in side-by-side benchmarks.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from typing import Any

from ._faults import ConnectionDropped

_STARTUP_TIMEOUT = 10.0


class _HideEmulatedDrops(logging.Filter):
    """uvicorn logs every exception from the app; an emulated drop is not a bug."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], ConnectionDropped))


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
        self._server = uvicorn.Server(config)
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
        self._server.should_exit = True
        self._thread.join(timeout=5.0)
        if self._thread.is_alive():  # pragma: no cover - only if a handler hangs
            self._server.force_exit = True
            self._thread.join(timeout=5.0)
        self._sock.close()
        logging.getLogger("uvicorn.error").removeFilter(_FILTER)
