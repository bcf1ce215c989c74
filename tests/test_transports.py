"""The two transports: which one is chosen, and how aiohttp's failures are classified.

The retry table rests on knowing whether a failed request may have reached the server; the
end-to-end fault tests in test_integration_users.py run over both transports.
"""

from __future__ import annotations

import asyncio
import random
import socket

import aiohttp
import anyio
import httpx
import pytest

from propelauth_async import AsyncPropelAuth, ConfigurationError, TransportError
from propelauth_async._aiohttp_transport import _classify
from propelauth_async.testing import serve_emulator

CREATE_PATH = "/api/backend/v1/user/"


def _chosen(client: AsyncPropelAuth) -> str | None:
    return client._http_client._transport.chosen  # type: ignore[attr-defined,no-any-return]


@pytest.mark.anyio
@pytest.mark.parametrize(("anyio_backend", "expected"), [("asyncio", "aiohttp"), ("trio", "httpx")])
async def test_auto_picks_aiohttp_on_asyncio_and_httpx_on_trio(
    anyio_backend: str, expected: str
) -> None:
    async with serve_emulator() as emu:
        uid = emu.add_user("ada@x.io")
        async with emu.client() as client:
            assert _chosen(client) is None  # nothing chosen before the first request
            assert await client.users.fetch(uid) is not None
            assert _chosen(client) == expected


async def test_explicit_choice_and_its_errors() -> None:
    async with serve_emulator() as emu:
        uid = emu.add_user("ada@x.io")
        async with emu.client(transport="httpx") as client:
            assert await client.users.fetch(uid) is not None
            assert _chosen(client) == "httpx"
    with pytest.raises(ConfigurationError):
        AsyncPropelAuth("https://auth.example.com", "k", transport="curl")  # type: ignore[arg-type]


def test_pool_keeps_every_connection_alive_and_follows_max_concurrency() -> None:
    client = AsyncPropelAuth("https://auth.example.com", "k", max_concurrency=256)
    limits = client._http_client._transport._limits  # type: ignore[attr-defined]
    assert (limits.max_connections, limits.max_keepalive_connections) == (256, 256)


def _connection_key() -> aiohttp.client_reqrep.ConnectionKey:
    return aiohttp.client_reqrep.ConnectionKey("h", 1, False, True, None, None, None)


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (aiohttp.ConnectionTimeoutError("t"), httpx.ConnectTimeout),
        (
            aiohttp.ClientConnectorError(_connection_key(), OSError(111, "refused")),
            httpx.ConnectError,
        ),
        (aiohttp.SocketTimeoutError("t"), httpx.ReadTimeout),
        (aiohttp.ServerTimeoutError("t"), httpx.ReadTimeout),
        (asyncio.TimeoutError(), httpx.ReadTimeout),
        # httpx-aiohttp 0.2 calls this one ConnectTimeout ("not sent"): it would replay a write.
        (aiohttp.ServerDisconnectedError(), httpx.RemoteProtocolError),
        (aiohttp.ClientOSError(104, "reset"), httpx.ReadError),
        (aiohttp.ClientPayloadError("cut"), httpx.ReadError),
        (aiohttp.ClientConnectionResetError("closing"), httpx.ReadError),
    ],
)
def test_aiohttp_failures_are_classified_by_what_may_have_been_sent(
    exc: BaseException, expected: type[Exception]
) -> None:
    assert type(_classify(exc)) is expected


async def test_refused_connection_is_not_sent_so_a_write_is_retried(both_transports: str) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again: nothing listens there
    async with AsyncPropelAuth(
        f"http://127.0.0.1:{port}", "k", max_retries=2, backoff_base=0.001, backoff_cap=0.002
    ) as client:
        with pytest.raises(TransportError) as info:
            await client.users.create(email="a@x.io")
        assert client.rate_limiter.requests_started == 3  # not sent: retried even for a POST
    assert "connection refused" in str(info.value)


async def test_cancelled_calls_leave_the_pool_usable(both_transports: str) -> None:
    async with serve_emulator() as emu:
        uid = emu.add_user("ada@x.io")
        rng = random.Random(3)
        async with emu.client(max_connections=4) as client:

            async def call(i: int) -> None:
                with anyio.move_on_after(rng.uniform(0.0, 0.004)):
                    if i % 2:
                        await client.users.fetch(uid)
                    else:
                        await client.users.create(email=f"c{i}@x.io")

            async with anyio.create_task_group() as group:
                for i in range(300):
                    group.start_soon(call, i)
            # A hang guard, not a speed check: a lost slot would make these wait out the
            # pool timeout and fail with TransportError.
            with anyio.fail_after(30.0):
                for _ in range(20):
                    assert await client.users.fetch(uid) is not None
        for i in range(0, 300, 2):
            assert len(emu.users_with_email(f"c{i}@x.io")) <= 1
