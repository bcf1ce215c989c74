"""A tiny HTTP/1.1 server that answers badly on purpose, for transport tests.

It runs in a thread on 127.0.0.1 (so it serves asyncio and trio alike) and answers every
request with the current ``script``: a status, headers, and a body produced chunk by chunk. It
counts the requests it got and the body bytes it managed to send before the client hung up.
"""

from __future__ import annotations

import contextlib
import socket
import socketserver
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

Script = Callable[[], tuple[int, dict[str, str], Iterable[bytes]]]


class HostileServer:
    def __init__(self) -> None:
        self.script: Script = lambda: (200, {}, [b"{}"])
        self.requests = 0
        self.bytes_sent = 0
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _handle(self, conn: socket.socket) -> None:
        head = b""
        while b"\r\n\r\n" not in head:
            data = conn.recv(65536)
            if not data:
                return
            head += data
        declared = 0
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                declared = int(line.split(b":", 1)[1])
        body = head.split(b"\r\n\r\n", 1)[1]
        while len(body) < declared:
            body += conn.recv(65536)
        with self._lock:
            self.requests += 1
        status, headers, chunks = self.script()
        lines = [f"HTTP/1.1 {status} X", "connection: close"]
        lines += [f"{k}: {v}" for k, v in headers.items()]
        chunked = "content-length" not in {k.lower() for k in headers}
        if chunked:
            lines.append("transfer-encoding: chunked")
        conn.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        for chunk in chunks:
            frame = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n" if chunked else chunk
            conn.sendall(frame)
            with self._lock:
                self.bytes_sent += len(chunk)
        if chunked:
            conn.sendall(b"0\r\n\r\n")


def stream(total: int, chunk: int = 1 << 20) -> Iterator[bytes]:
    """``total`` bytes of a JSON string, a chunk at a time (never held whole)."""
    piece = b"a" * chunk
    yield b'"'
    sent = 0
    while sent < total:
        yield piece
        sent += chunk
    yield b'"'


@contextmanager
def hostile_server() -> Iterator[HostileServer]:
    server = HostileServer()

    class Handler(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            # The client hanging up (OSError) is the point of some scripts.
            with contextlib.suppress(OSError):
                server._handle(self.request)

    class Threaded(socketserver.ThreadingTCPServer):
        daemon_threads = True
        allow_reuse_address = True

    with Threaded(("127.0.0.1", 0), Handler) as tcp:
        server.port = int(tcp.server_address[1])
        thread = threading.Thread(target=tcp.serve_forever, daemon=True)
        thread.start()
        try:
            yield server
        finally:
            tcp.shutdown()
