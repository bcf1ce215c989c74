"""Choosing the HTTP transport under the pooled ``httpx.AsyncClient``.

``"auto"`` (the default) uses the aiohttp transport on asyncio when the ``[aiohttp]`` extra is
installed (three times the official SDK's throughput at 64 concurrent requests, and no collapse
at 256), and httpx's own everywhere else: on trio, and without the extra. The choice is made at
the first request, on the event loop that sends it, so a client may be built outside any loop.
"""

from __future__ import annotations

import importlib.util
from typing import Literal

import httpx

from ._tls import default_ssl_context
from ._transport import reclaim_orphaned_connections, running_asyncio_loop
from .errors import ConfigurationError

TransportChoice = Literal["auto", "httpx", "aiohttp"]


def aiohttp_available() -> bool:
    """Whether the ``[aiohttp]`` extra (``httpx-aiohttp`` and ``aiohttp``) is installed."""
    return importlib.util.find_spec("httpx_aiohttp") is not None


class AutoTransport(httpx.AsyncBaseTransport):
    """Builds the chosen transport at its first request, then hands every request to it."""

    def __init__(self, choice: TransportChoice, limits: httpx.Limits) -> None:
        if choice == "aiohttp" and not aiohttp_available():
            raise ConfigurationError(
                "transport='aiohttp' needs the aiohttp extra: "
                "pip install 'propelauth-async[aiohttp]'"
            )
        self.choice = choice
        self._limits = limits
        self._inner: httpx.AsyncBaseTransport | None = None

    @property
    def chosen(self) -> str | None:
        """``"aiohttp"`` or ``"httpx"`` once the first request picked one, else ``None``."""
        if self._inner is None:
            return None
        return "httpx" if isinstance(self._inner, httpx.AsyncHTTPTransport) else "aiohttp"

    def _build(self) -> httpx.AsyncBaseTransport:
        on_asyncio = running_asyncio_loop() is not None
        if self.choice == "aiohttp" and not on_asyncio:
            raise ConfigurationError("transport='aiohttp' works on asyncio only (this is trio)")
        if self.choice == "aiohttp" or (
            self.choice == "auto" and on_asyncio and aiohttp_available()
        ):
            from ._aiohttp_transport import AiohttpTransport

            return AiohttpTransport(verify=default_ssl_context(), limits=self._limits)
        transport = httpx.AsyncHTTPTransport(verify=default_ssl_context(), limits=self._limits)
        reclaim_orphaned_connections(transport)
        return transport

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self._inner is None:
            self._inner = self._build()
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        if self._inner is not None:
            await self._inner.aclose()
