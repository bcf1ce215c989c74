"""The retry table of DESIGN section 3, row by row, on asyncio and on trio."""

from __future__ import annotations

import email.utils
import logging
import time
import types
from collections.abc import AsyncIterator
from typing import Any

import anyio
import httpx
import pytest
import respx

from propelauth_async import (
    AsyncPropelAuth,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    FeatureNotEnabledError,
    ForbiddenError,
    MalformedResponseError,
    NotFoundError,
    OutcomeUnknownError,
    RateLimitError,
    ServerError,
    TransportError,
    _budget,
    _ratelimit,
    _retry,
    _transport,
)
from propelauth_async._retry import retry_after_seconds

from .conftest import API_KEY, AUTH_URL, USER_ID, user_json

pytestmark = pytest.mark.anyio

USER_PATH = f"/user/{USER_ID}"


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def fast(api: respx.MockRouter) -> AsyncIterator[AsyncPropelAuth]:
    async with AsyncPropelAuth(
        AUTH_URL,
        API_KEY,
        backoff_base=0.001,
        backoff_cap=0.005,
        total_timeout=10.0,
        adaptive_rate_limit=False,  # pacing is tested in test_ratelimit.py
    ) as client:
        yield client


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Records every anyio.sleep the library asks for and skips it: a fake clock that the
    limiter and the deadline read moves forward by the delay instead."""
    recorded: list[float] = []
    real_sleep, real_monotonic = anyio.sleep, time.monotonic
    skipped = [0.0]

    async def fake_sleep(delay: float) -> None:
        recorded.append(delay)
        skipped[0] += delay
        await real_sleep(0)

    clock = types.SimpleNamespace(monotonic=lambda: real_monotonic() + skipped[0], time=time.time)
    monkeypatch.setattr(anyio, "sleep", fake_sleep)
    monkeypatch.setattr(_budget, "time", clock)
    monkeypatch.setattr(_ratelimit, "time", clock)
    monkeypatch.setattr(_transport, "time", clock)
    monkeypatch.setattr(_retry, "time", clock)
    return recorded


def ok() -> httpx.Response:
    return httpx.Response(200, json=user_json())


# Failures where nothing left the client: retried for reads and writes alike --------------------


@pytest.mark.parametrize("exc", [httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout])
async def test_not_sent_is_retried_for_reads_and_writes(
    api: respx.MockRouter, fast: AsyncPropelAuth, exc: type[Exception]
) -> None:
    read = api.get(USER_PATH).mock(side_effect=[exc("boom"), ok()])
    write = api.post("/user/").mock(
        side_effect=[exc("boom"), httpx.Response(200, json={"user_id": USER_ID})]
    )
    assert await fast.users.fetch(USER_ID) is not None
    assert (await fast.users.create(email="a@b.io")).user_id == USER_ID
    assert (read.call_count, write.call_count) == (2, 2)


async def test_not_sent_gives_up_after_max_retries(
    api: respx.MockRouter, fast: AsyncPropelAuth
) -> None:
    route = api.get(USER_PATH).mock(side_effect=httpx.ConnectError("refused"))
    with pytest.raises(TransportError) as info:
        await fast.users.fetch(USER_ID)
    assert route.call_count == 3  # first attempt + max_retries=2
    assert not isinstance(info.value, OutcomeUnknownError)


# Failures after the request left: retried only when replay-safe ---------------------------------


@pytest.mark.parametrize(
    "exc", [httpx.ReadTimeout, httpx.WriteTimeout, httpx.ReadError, httpx.RemoteProtocolError]
)
async def test_ambiguous_failure_retries_a_get(
    api: respx.MockRouter, fast: AsyncPropelAuth, exc: type[Exception]
) -> None:
    route = api.get(USER_PATH).mock(side_effect=[exc("lost"), ok()])
    assert await fast.users.fetch(USER_ID) is not None
    assert route.call_count == 2


@pytest.mark.parametrize(
    "exc", [httpx.ReadTimeout, httpx.WriteTimeout, httpx.ReadError, httpx.RemoteProtocolError]
)
async def test_ambiguous_failure_never_replays_a_post(
    api: respx.MockRouter, fast: AsyncPropelAuth, exc: type[Exception]
) -> None:
    route = api.post("/user/").mock(side_effect=[exc("lost"), httpx.Response(200, json={})])
    with pytest.raises(OutcomeUnknownError, match="not retried"):
        await fast.users.create(email="a@b.io")
    assert route.call_count == 1


async def test_idempotent_post_is_replayed(api: respx.MockRouter, fast: AsyncPropelAuth) -> None:
    route = api.post(f"{USER_PATH}/disable").mock(
        side_effect=[httpx.ReadTimeout("lost"), httpx.Response(200, json={})]
    )
    await fast.users.disable(USER_ID)
    assert route.call_count == 2


async def test_put_is_replayed(api: respx.MockRouter, fast: AsyncPropelAuth) -> None:
    route = api.put(USER_PATH).mock(side_effect=[httpx.Response(503), httpx.Response(200, json={})])
    await fast.users.update(USER_ID, first_name="A")
    assert route.call_count == 2


@pytest.mark.parametrize("status", [500, 502, 503, 504, 408])
async def test_server_errors_retry_reads(
    api: respx.MockRouter, fast: AsyncPropelAuth, status: int
) -> None:
    route = api.get(USER_PATH).mock(side_effect=[httpx.Response(status), ok()])
    assert await fast.users.fetch(USER_ID) is not None
    assert route.call_count == 2


@pytest.mark.parametrize("status", [500, 502, 503, 504, 408])
async def test_server_errors_never_replay_writes(
    api: respx.MockRouter, fast: AsyncPropelAuth, status: int
) -> None:
    route = api.post("/user/").mock(return_value=httpx.Response(status, text="oops"))
    with pytest.raises(ServerError) as info:
        await fast.users.create(email="a@b.io")
    assert info.value.status_code == status
    assert route.call_count == 1


async def test_server_errors_exhaust_retries(api: respx.MockRouter, fast: AsyncPropelAuth) -> None:
    route = api.get(USER_PATH).mock(return_value=httpx.Response(503))
    with pytest.raises(ServerError) as info:
        await fast.users.fetch(USER_ID)
    assert route.call_count == 3
    assert info.value.retries_taken == 2


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (400, BadRequestError),
        (401, AuthenticationError),
        (403, ForbiddenError),
        (404, NotFoundError),
        (409, ConflictError),
        (426, FeatureNotEnabledError),
    ],
)
async def test_other_4xx_are_never_retried(
    api: respx.MockRouter, fast: AsyncPropelAuth, status: int, error: type[Exception]
) -> None:
    route = api.put(USER_PATH).mock(return_value=httpx.Response(status, json={"x": ["bad"]}))
    with pytest.raises(error):
        await fast.users.update(USER_ID, first_name="A")
    assert route.call_count == 1


async def test_delete_whose_answer_was_lost_counts_a_later_404_as_done(
    api: respx.MockRouter, fast: AsyncPropelAuth
) -> None:
    route = api.delete(USER_PATH).mock(
        side_effect=[httpx.ReadTimeout("lost"), httpx.Response(404, json={})]
    )
    await fast.users.delete(USER_ID)
    assert route.call_count == 2


async def test_malformed_success_body(api: respx.MockRouter, fast: AsyncPropelAuth) -> None:
    read = api.get(USER_PATH).mock(side_effect=[httpx.Response(200, text='{"user_id": "tr'), ok()])
    assert await fast.users.fetch(USER_ID) is not None
    assert read.call_count == 2
    write = api.post("/user/").mock(return_value=httpx.Response(200, text="<html>"))
    with pytest.raises(MalformedResponseError):
        await fast.users.create(email="a@b.io")
    assert write.call_count == 1


# 429 -----------------------------------------------------------------------------------------


def limited(**headers: str) -> httpx.Response:
    return httpx.Response(429, headers=headers, text="")


@pytest.mark.parametrize(
    ("response", "expected"),
    [
        (limited(**{"retry-after-ms": "1500"}), 1.5),
        (limited(**{"retry-after": "3"}), 3.0),
        (limited(**{"x-ratelimit-reset": "4"}), 4.0),
        (httpx.Response(429, json={"wait_seconds": 2.5, "error_code": "rate_limited"}), 2.5),
        (httpx.Response(429, text="Rate limited. Please wait 6 seconds before trying again."), 6.0),
    ],
)
async def test_429_is_retried_for_writes_honouring_the_wait(
    api: respx.MockRouter,
    fast: AsyncPropelAuth,
    sleeps: list[float],
    response: httpx.Response,
    expected: float,
) -> None:
    route = api.post("/user/").mock(
        side_effect=[response, httpx.Response(200, json={"user_id": USER_ID})]
    )
    assert (await fast.users.create(email="a@b.io")).user_id == USER_ID
    assert route.call_count == 2
    assert pytest.approx(expected) in sleeps


async def test_429_http_date(
    api: respx.MockRouter, fast: AsyncPropelAuth, sleeps: list[float]
) -> None:
    when = email.utils.formatdate(time.time() + 5, usegmt=True)
    api.get(USER_PATH).mock(side_effect=[limited(**{"retry-after": when}), ok()])
    await fast.users.fetch(USER_ID)
    assert any(3.0 <= s <= 5.5 for s in sleeps)


async def test_429_over_the_cap_raises_at_once(
    api: respx.MockRouter, fast: AsyncPropelAuth, sleeps: list[float]
) -> None:
    route = api.get(USER_PATH).mock(return_value=limited(**{"retry-after": "120"}))
    with pytest.raises(RateLimitError) as info:
        await fast.users.fetch(USER_ID)
    assert info.value.retry_after == 120.0
    assert route.call_count == 1
    assert not [s for s in sleeps if s > 1]


async def test_429_without_hint_backs_off_and_gives_up(
    api: respx.MockRouter, fast: AsyncPropelAuth
) -> None:
    route = api.get(USER_PATH).mock(return_value=limited())
    with pytest.raises(RateLimitError) as info:
        await fast.users.fetch(USER_ID)
    assert route.call_count == 6  # first attempt + max_rate_limit_retries=5
    assert info.value.retries_taken == 5


async def test_total_deadline_stops_retrying(api: respx.MockRouter, sleeps: list[float]) -> None:
    route = api.get(USER_PATH).mock(return_value=limited(**{"retry-after": "0.2"}))
    async with AsyncPropelAuth(AUTH_URL, API_KEY, total_timeout=0.5) as client:
        with pytest.raises(RateLimitError):
            await client.users.fetch(USER_ID)
    assert sum(sleeps) < 0.5  # no wait ran past the deadline (on the virtual clock)
    assert 2 <= route.call_count <= 3


async def test_cancellation_during_backoff_propagates_at_once(api: respx.MockRouter) -> None:
    route = api.get(USER_PATH).mock(return_value=limited(**{"retry-after": "30"}))
    async with AsyncPropelAuth(AUTH_URL, API_KEY) as client:
        start = time.monotonic()
        with anyio.move_on_after(0.2) as scope:
            await client.users.fetch(USER_ID)
        assert scope.cancelled_caught
        assert time.monotonic() - start < 2.0
    assert route.call_count == 1


async def test_a_429_pauses_sibling_coroutines(api: respx.MockRouter) -> None:
    seen: list[float] = []
    limited_once = anyio.Event()

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(time.monotonic())
        if not limited_once.is_set():
            limited_once.set()
            return limited(**{"retry-after": "0.2"})
        return ok()

    api.get(USER_PATH).mock(side_effect=answer)
    # Without pacing after the 429 (tested in test_ratelimit.py), only the pause holds them.
    async with AsyncPropelAuth(AUTH_URL, API_KEY, adaptive_rate_limit=False) as client:

        async def sibling() -> None:
            await limited_once.wait()  # the server has answered 429; the client may not know yet
            with anyio.fail_after(5):
                while client.rate_limiter.rate_limited == 0:  # noqa: ASYNC110 - a counter
                    await anyio.sleep(0.001)
            await client.users.fetch(USER_ID)  # starts while the first coroutine is told to wait

        async with anyio.create_task_group() as group:
            group.start_soon(client.users.fetch, USER_ID)
            group.start_soon(sibling)
    assert len(seen) == 3
    assert seen[1] - seen[0] >= 0.18  # the sibling's only request waited out the pause
    assert client.rate_limiter.rate_limited == 1


async def test_one_log_line_per_retry_without_secrets(
    api: respx.MockRouter, fast: AsyncPropelAuth, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    api.get(USER_PATH).mock(side_effect=[httpx.Response(503), httpx.ReadTimeout("x"), ok()])
    await fast.users.fetch(USER_ID)
    retries = [r for r in caplog.records if r.name == "propelauth_async"]
    assert len(retries) == 2
    assert "GET /api/backend/v1/user/" in retries[0].getMessage()
    assert "attempt 1" in retries[0].getMessage()
    assert all(API_KEY not in r.getMessage() for r in caplog.records)
    assert API_KEY not in caplog.text


# The Retry-After parser on its own ------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "body", "expected"),
    [
        ({"retry-after-ms": "250", "retry-after": "9"}, b"", 0.25),
        ({"retry-after": "2.5"}, b"", 2.5),
        ({"retry-after": "Sun, 09 Sep 2001 01:46:30 GMT"}, b"", 0.0),
        ({"retry-after": "Sun, 09 Sep 2001 01:46:50 GMT"}, b"", 10.0),
        ({"x-ratelimit-reset": "1000000100"}, b"", 100.0),
        ({"retry-after": "soon"}, b"", None),
        ({"retry-after": "-4"}, b"", None),
        ({}, b'{"wait_seconds": 3}', 3.0),
        ({}, b'{"user_facing_error": "Please wait 8 seconds"}', 8.0),
        ({}, b"Rate limited. Please wait 12 seconds before trying again.", 12.0),
        ({}, b"<html>slow down</html>", None),
    ],
)
def test_retry_after_parser(headers: dict[str, str], body: bytes, expected: Any) -> None:
    assert retry_after_seconds(headers, body, now=1_000_000_000.0) == expected
