"""Hostile or broken answers (issue 9, section 6): a body too large is refused while it
streams and is not retried; JSON nested too deeply is a typed error, never RecursionError."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from propelauth_async import (
    AsyncPropelAuth,
    BadRequestError,
    ConfigurationError,
    MalformedResponseError,
    ResponseTooLargeError,
)

from .conftest import API_KEY, USER_ID
from .hostile_server import HostileServer, hostile_server, stream

pytestmark = pytest.mark.anyio

LIMIT = 1 << 20  # 1 MiB
HUGE = 200 << 20  # 200 MiB, never read whole
DEEP = 100_000


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module")
def server() -> Iterator[HostileServer]:
    with hostile_server() as running:
        yield running


def _client(server: HostileServer) -> AsyncPropelAuth:
    return AsyncPropelAuth(
        server.url,
        API_KEY,
        max_response_bytes=LIMIT,
        backoff_base=0.001,
        backoff_cap=0.002,
        adaptive_rate_limit=False,
    )


@pytest.mark.parametrize("declared", [False, True], ids=["chunked", "content-length"])
async def test_a_huge_answer_is_refused_while_streaming_and_not_retried(
    server: HostileServer, declared: bool
) -> None:
    headers = {"content-length": str(HUGE + 2)} if declared else {}
    server.script = lambda: (200, headers, stream(HUGE))
    before_requests, before_bytes = server.requests, server.bytes_sent
    async with _client(server) as client:
        with pytest.raises(ResponseTooLargeError) as info:
            await client.users.fetch(USER_ID)
    assert info.value.limit == LIMIT
    assert info.value.status_code == 200
    assert server.requests - before_requests == 1  # a GET, and still not retried
    # Reading stopped at the limit: what left the server is the limit plus socket buffers,
    # a small fraction of the 200 MiB it would have sent.
    assert server.bytes_sent - before_bytes < HUGE // 8


async def test_a_huge_2xx_to_a_delete_is_still_done(server: HostileServer) -> None:
    server.script = lambda: (200, {}, stream(HUGE))
    async with _client(server) as client:
        assert await client.users.delete(USER_ID) is None


@pytest.mark.parametrize("status", [200, 400])
async def test_json_nested_100000_deep_is_a_typed_error(server: HostileServer, status: int) -> None:
    body = b"[" * DEEP + b"]" * DEEP
    server.script = lambda: (status, {"content-type": "application/json"}, [body])
    async with AsyncPropelAuth(server.url, API_KEY, max_retries=0) as client:
        expected = MalformedResponseError if status == 200 else BadRequestError
        with pytest.raises(expected) as info:
            await client.users.fetch(USER_ID)
    if status == 400:
        assert isinstance(info.value, BadRequestError)
        assert "[[[[" in str(info.value.body)  # an excerpt of what came back


def test_max_response_bytes_is_checked() -> None:
    for bad in (0, -1, 1.5, True):
        with pytest.raises(ConfigurationError, match="max_response_bytes"):
            AsyncPropelAuth("https://auth.example.com", API_KEY, max_response_bytes=bad)  # type: ignore[arg-type]
