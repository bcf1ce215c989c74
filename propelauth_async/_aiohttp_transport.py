"""The fast transport: httpx's API over aiohttp's connector (the ``[aiohttp]`` extra).

httpcore's pool spends most of a loaded client's time deciding which connection is idle (37% at
64 concurrent requests, measured); aiohttp's connector does the same job for a fraction of the
CPU. ``httpx-aiohttp`` (the package behind openai-python's ``DefaultAioHttpClient``) plugs it in
under ``httpx.AsyncClient``, so the rest of the library is unchanged.

One thing is ours: the retry table rests on knowing whether a failed request may have reached
the server, and httpx-aiohttp 0.2 maps every ``aiohttp.ClientConnectionError`` to
``httpx.ConnectTimeout`` ("nothing was sent") -- a server that drops the connection after
applying a write included. That would replay the write. So every aiohttp failure is classified
again here, from the aiohttp exception itself: only a failure to connect means "not sent".
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator

import aiohttp
import httpx
import httpx_aiohttp


def _classify(exc: BaseException) -> httpx.TransportError:
    message = f"{type(exc).__name__}: {exc}"
    if isinstance(exc, aiohttp.ConnectionTimeoutError):  # no connection in time: not sent
        return httpx.ConnectTimeout(message)
    if isinstance(exc, aiohttp.ClientConnectorError):  # connecting failed: not sent
        return httpx.ConnectError(message)
    if isinstance(exc, (aiohttp.ServerTimeoutError, asyncio.TimeoutError)):
        return httpx.ReadTimeout(message)
    if isinstance(exc, (aiohttp.ServerDisconnectedError, aiohttp.ClientResponseError)):
        return httpx.RemoteProtocolError(message)
    if isinstance(exc, aiohttp.InvalidURL):
        return httpx.UnsupportedProtocol(message)
    return httpx.ReadError(message)  # payload cut short, reset, anything else: may have applied


def _aiohttp_cause(exc: BaseException) -> BaseException | None:
    cause = exc.__cause__
    if isinstance(cause, (aiohttp.ClientError, asyncio.TimeoutError)):
        return cause
    return None


@contextlib.contextmanager
def _reclassified() -> Iterator[None]:
    """Raise every aiohttp failure inside, raw or already mapped by httpx-aiohttp, as the
    httpx error :func:`_classify` gives it; other httpx errors pass through."""
    try:
        yield
    except httpx.TransportError as exc:
        cause = _aiohttp_cause(exc)
        if cause is None:
            raise
        raise _classify(cause) from cause
    except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
        raise _classify(exc) from exc


class _Stream(httpx.AsyncByteStream):
    """The response body, with read failures classified like the request's."""

    def __init__(self, inner: httpx.AsyncByteStream) -> None:
        self._inner = inner

    async def __aiter__(self) -> AsyncIterator[bytes]:
        with _reclassified():
            async for chunk in self._inner:
                yield chunk

    async def aclose(self) -> None:
        # the connection is discarded either way
        with contextlib.suppress(httpx.TransportError, aiohttp.ClientError, asyncio.TimeoutError):
            await self._inner.aclose()


class AiohttpTransport(httpx_aiohttp.AiohttpTransport):
    """httpx-aiohttp's transport with the failure classification the retry table needs."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        with _reclassified():
            response = await super().handle_async_request(request)
        assert isinstance(response.stream, httpx.AsyncByteStream)
        response.stream = _Stream(response.stream)
        return response

    async def aclose(self) -> None:
        """Close the session, then give the loop one turn: aiohttp closes each connection's
        socket in a callback, which a loop that ends right after the client (``asyncio.run``,
        a test) would never run, leaving an unclosed socket behind."""
        await super().aclose()
        await asyncio.sleep(0)
