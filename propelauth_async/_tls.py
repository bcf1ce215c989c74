"""One verifying TLS context, shared by every client of the process.

Building one loads the whole CA bundle, 40 to 50 ms of CPU. A service that makes a client per
tenant or per worker, and a test suite that makes one per test, paid that every time. A built
context is safe to share between clients, threads and event loops: it holds the trust store
and the protocol settings, never a connection or a credential of ours.
"""

from __future__ import annotations

import functools
import os
import ssl

import httpx


def default_ssl_context() -> ssl.SSLContext:
    """What httpx would build for ``verify=True``, built once per CA setting.

    ``SSL_CERT_FILE`` and ``SSL_CERT_DIR`` are read on every call, as httpx reads them for
    every client, so changing them still takes effect for the clients created afterwards.
    """
    return _context_for(os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR"))


@functools.lru_cache(maxsize=4)
def _context_for(cert_file: str | None, cert_dir: str | None) -> ssl.SSLContext:
    del cert_file, cert_dir  # the cache key: httpx reads the same variables itself
    return httpx.create_ssl_context()
