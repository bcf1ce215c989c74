"""The transport's hard cases (issue 9): over-long and per-subject 429s, the one retry decision,
DELETE after a lost answer, closed clients, other event loops, and secrets in error chains."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import respx

from propelauth_async import (
    AsyncPropelAuth,
    BadRequestError,
    ClientClosedError,
    EndUserRateLimitError,
    NotFoundError,
    OutcomeUnknownError,
    PropelAuthError,
    RateLimitError,
    ServerError,
    TransportError,
    WrongEventLoopError,
)
from propelauth_async import _endpoints as endpoints
from propelauth_async._ratelimit import MAX_PAUSE, PauseTooLong, RateLimiter
from propelauth_async._retry import CallState, Failure, RetryPolicy, decide
from propelauth_async._transport import _reason

from .conftest import API_KEY, AUTH_URL, USER_ID, V1, user_json

pytestmark = pytest.mark.anyio

USER = f"/user/{USER_ID}"
BACKEND_429 = "Rate limited. Please wait 0.001 seconds before trying again."


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def fast(api: respx.MockRouter) -> AsyncIterator[AsyncPropelAuth]:
    async with AsyncPropelAuth(
        AUTH_URL,
        API_KEY,
        backoff_base=0.001,
        backoff_cap=0.002,
        total_timeout=10.0,
        adaptive_rate_limit=False,
    ) as client:
        yield client


# 2. Over-long 429s never freeze the client ------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "expected"), [("120", 120.0), ("3600", 3600.0), ("1e308", MAX_PAUSE)]
)
async def test_an_over_long_429_fails_that_call_and_every_other_call_at_once_without_sending(
    api: respx.MockRouter, fast: AsyncPropelAuth, header: str, expected: float
) -> None:
    limited = api.get(USER).respond(429, headers={"retry-after": header}, text="slow down")
    other = api.get("/user/email").respond(json=user_json())
    with pytest.raises(RateLimitError) as first:
        await fast.users.fetch(USER_ID)
    assert first.value.retry_after == expected
    assert limited.call_count == 1

    started = time.monotonic()
    for _ in range(3):
        with pytest.raises(RateLimitError) as later:
            await fast.users.fetch_by_email("ada@example.com")
        assert 0 < later.value.retry_after <= expected  # what is left of the pause
        assert later.value.retries_taken == 0
    assert other.call_count == 0  # refused without sending
    # It did not sleep through any part of the pause (a generous bound: no whole second).
    assert time.monotonic() - started < min(expected, 60.0)


def test_every_pause_is_finite_and_clamped() -> None:
    limiter = RateLimiter(adaptive=False)
    limiter.record_rate_limited(1e308)
    assert 0 < limiter.pause_left() <= MAX_PAUSE


async def test_the_bucket_never_holds_a_call_past_its_deadline() -> None:
    limiter = RateLimiter(rate=1.0, adaptive=False)  # one request a second
    await limiter.wait_turn(deadline=time.monotonic() + 0.1)
    started = time.monotonic()
    with pytest.raises(PauseTooLong) as info:
        await limiter.wait_turn(deadline=time.monotonic() + 0.1)
    # Raised at once: well under the second the bucket would have held it (a loose bound, so
    # that a starved machine does not fail it).
    assert time.monotonic() - started < 0.5
    assert 0.0 < info.value.left <= 1.0


async def test_a_call_never_waits_in_the_limiter_past_its_total_timeout(
    api: respx.MockRouter,
) -> None:
    async with AsyncPropelAuth(
        AUTH_URL, API_KEY, total_timeout=0.5, max_retry_wait=60.0, adaptive_rate_limit=False
    ) as client:
        limited = api.get(USER).respond(429, headers={"retry-after": "5"}, text="slow down")
        other = api.get("/user/email").respond(json=user_json())
        with pytest.raises(RateLimitError) as first:
            await client.users.fetch(USER_ID)  # 5 s is more than this call has left
        assert first.value.retry_after == 5.0
        assert limited.call_count == 1
        started = time.monotonic()
        with pytest.raises(RateLimitError) as later:
            await client.users.fetch_by_email("ada@example.com")
        assert time.monotonic() - started < 2.0  # raised at once, not after the 5 s pause
        assert later.value.retry_after is not None and later.value.retry_after > 2.0
        assert other.call_count == 0


async def test_a_short_pause_is_still_waited_out_by_the_other_calls(
    api: respx.MockRouter, fast: AsyncPropelAuth
) -> None:
    api.get(USER).mock(
        side_effect=[
            httpx.Response(429, headers={"retry-after-ms": "20"}),
            httpx.Response(200, json=user_json()),
        ]
    )
    assert await fast.users.fetch(USER_ID) is not None
    assert fast.rate_limiter.rate_limited == 1


# 3. Per-subject 429s ----------------------------------------------------------------------------

_FAMILIES: list[tuple[str, str, Any, Any]] = [
    (
        "api_keys.validate",
        "/end_user_api_keys/validate",
        lambda c: c.api_keys.validate("a" * 32),
        {"metadata": None, "user": None, "org": None, "user_in_org": None},
    ),
    (
        "api_keys.fetch",
        "/end_user_api_keys/abc123",
        lambda c: c.api_keys.fetch("abc123"),
        {
            "api_key_id": "abc123",
            "created_at": 1,
            "expires_at_seconds": None,
            "metadata": None,
            "user_id": None,
            "org_id": None,
        },
    ),
    (
        "users.resend_email_confirmation",
        "/resend_email_confirmation",
        lambda c: c.users.resend_email_confirmation(USER_ID),
        {},
    ),
    (
        "mfa.verify_totp",
        "/mfa/step-up/verify-totp",
        lambda c: c.mfa.verify_totp(
            action_type="pay",
            user_id=USER_ID,
            code="123456",
            grant_type="ONE_TIME_USE",
            valid_for_seconds=60,
        ),
        {"step_up_grant": "g-1"},
    ),
]
_SUBJECT_BODIES = {
    "api_keys.validate": {"wait_seconds": 30.0, "user_facing_error": "Too many requests"},
    "api_keys.fetch": {"wait_seconds": 30.0},
    "users.resend_email_confirmation": {"user_facing_error": "Please wait 30 seconds"},
    "mfa.verify_totp": {"user_facing_error": "Too many attempts", "wait_seconds": 30},
}


@pytest.mark.parametrize(("name", "path", "call", "ok"), _FAMILIES, ids=[f[0] for f in _FAMILIES])
async def test_a_per_subject_429_raises_at_once_and_never_touches_the_limiter(
    api: respx.MockRouter, fast: AsyncPropelAuth, name: str, path: str, call: Any, ok: Any
) -> None:
    route = api.route(path=path).respond(429, json=_SUBJECT_BODIES[name])
    with pytest.raises(EndUserRateLimitError) as info:
        await call(fast)
    assert route.call_count == 1  # not retried
    assert info.value.retry_after in (30.0, None)
    assert info.value.retries_taken == 0
    assert fast.rate_limiter.rate_limited == 0
    assert fast.rate_limiter.pause_left() == 0.0
    other = api.get(USER).respond(json=user_json())
    await fast.users.fetch(USER_ID)  # nobody else is held back
    assert other.call_count == 1


@pytest.mark.parametrize(("name", "path", "call", "ok"), _FAMILIES, ids=[f[0] for f in _FAMILIES])
async def test_a_backend_429_on_the_same_endpoint_pauses_and_retries(
    api: respx.MockRouter, fast: AsyncPropelAuth, name: str, path: str, call: Any, ok: Any
) -> None:
    route = api.route(path=path).mock(
        side_effect=[httpx.Response(429, text=BACKEND_429), httpx.Response(200, json=ok)]
    )
    await call(fast)
    assert route.call_count == 2
    assert fast.rate_limiter.rate_limited == 1


async def test_a_json_429_from_an_endpoint_limited_only_by_key_is_backend_wide(
    api: respx.MockRouter, fast: AsyncPropelAuth
) -> None:
    assert endpoints.FETCH_USER.rate_limit_scope is endpoints.RateLimitScope.BACKEND
    route = api.get(USER).mock(
        side_effect=[
            httpx.Response(429, json={"wait_seconds": 0.001}),
            httpx.Response(200, json=user_json()),
        ]
    )
    assert await fast.users.fetch(USER_ID) is not None
    assert route.call_count == 2


def test_every_end_user_api_key_and_step_up_row_declares_per_subject_429s() -> None:
    rows = [e for e in endpoints.ALL if e.name.startswith(("api_keys.", "mfa."))]
    rows.append(endpoints.RESEND_EMAIL_CONFIRMATION)
    assert rows
    assert all(e.rate_limit_scope is endpoints.RateLimitScope.SUBJECT_OR_BACKEND for e in rows)


# 4. One place decides every retry ---------------------------------------------------------------


async def test_put_503_then_400_counts_its_retry(
    api: respx.MockRouter, fast: AsyncPropelAuth
) -> None:
    route = api.put(USER).mock(
        side_effect=[
            httpx.Response(503, json={"error": "down"}),
            httpx.Response(400, json={"first_name": ["too long"]}),
        ]
    )
    with pytest.raises(BadRequestError) as info:
        await fast.users.update(USER_ID, first_name="x")
    assert route.call_count == 2
    assert info.value.retries_taken == 1


@pytest.mark.parametrize(
    ("answers", "error", "retries"),
    [
        ([httpx.Response(400, json={"x": ["bad"]})], BadRequestError, 0),
        ([httpx.Response(503)] * 3, ServerError, 2),  # max_retries=2
        ([httpx.Response(429, text=BACKEND_429)] * 6, RateLimitError, 5),
        (
            [httpx.Response(503), httpx.Response(429, headers={"retry-after": "999"})],
            RateLimitError,
            1,
        ),
        (
            [httpx.Response(503), httpx.Response(429, text=BACKEND_429), httpx.Response(404)],
            NotFoundError,
            2,
        ),
    ],
    ids=["final at once", "5xx exhausted", "429 exhausted", "over-long 429 on retry", "mixed"],
)
async def test_retries_taken_is_right_on_every_exit_path(
    api: respx.MockRouter,
    fast: AsyncPropelAuth,
    answers: list[httpx.Response],
    error: type[Exception],
    retries: int,
) -> None:
    route = api.put(USER).mock(side_effect=answers)
    with pytest.raises(error) as info:
        await fast.users.update(USER_ID, first_name="x")
    assert route.call_count == retries + 1
    assert info.value.retries_taken == retries  # type: ignore[attr-defined]


def test_decide_is_the_retry_table() -> None:
    policy = RetryPolicy(max_retries=1, max_rate_limit_retries=1, max_retry_wait=10.0)
    err = PropelAuthError("x")

    def verdict(failure: Failure, replay_safe: bool = True, **kw: Any) -> Any:
        state = kw.pop("state", CallState())
        return decide(failure, err, replay_safe=replay_safe, state=state, policy=policy, **kw)

    assert verdict(Failure.FINAL) is err
    assert verdict(Failure.SERVER, replay_safe=False) is err
    assert verdict(Failure.AMBIGUOUS, replay_safe=False) is err
    assert isinstance(verdict(Failure.NOT_SENT, replay_safe=False), float)
    assert verdict(Failure.RATE_LIMITED, replay_safe=False, server_wait=3.0) == 3.0
    assert verdict(Failure.RATE_LIMITED, server_wait=11.0) is err  # over max_retry_wait
    state = CallState(deadline=100.0)
    assert verdict(Failure.RATE_LIMITED, server_wait=3.0, state=state, now=98.0) is err
    state = CallState()
    assert isinstance(verdict(Failure.SERVER, state=state), float)
    assert verdict(Failure.SERVER, state=state) is err  # budget of 1 spent
    assert isinstance(verdict(Failure.RATE_LIMITED, state=state, server_wait=0.0), float)


# 5. DELETE after a lost answer ------------------------------------------------------------------


async def test_a_delete_whose_200_is_truncated_is_done(
    api: respx.MockRouter, fast: AsyncPropelAuth
) -> None:
    route = api.delete(USER).respond(200, content=b'{"user_id": "e9d3')
    assert await fast.users.delete(USER_ID) is None
    assert route.call_count == 1


async def test_a_delete_whose_answer_was_lost_then_404_is_done(
    api: respx.MockRouter, fast: AsyncPropelAuth
) -> None:
    route = api.delete(USER).mock(side_effect=[httpx.ReadTimeout("lost"), httpx.Response(404)])
    assert await fast.users.delete(USER_ID) is None
    assert route.call_count == 2


async def test_a_delete_of_an_unknown_id_after_a_definite_503_is_not_found(
    api: respx.MockRouter, fast: AsyncPropelAuth
) -> None:
    route = api.delete(USER).mock(
        side_effect=[
            httpx.Response(503, json={"error": "Service unavailable"}),
            httpx.Response(404, json={"error": "user not found"}),
        ]
    )
    with pytest.raises(NotFoundError) as info:
        await fast.users.delete(USER_ID)
    assert route.call_count == 2
    assert info.value.retries_taken == 1


async def test_a_write_whose_answer_is_unused_succeeds_on_any_2xx_body(
    api: respx.MockRouter, fast: AsyncPropelAuth
) -> None:
    route = api.put(USER).respond(200, content=b"<html>ok</html>")
    await fast.users.update(USER_ID, first_name="Ada")
    assert route.call_count == 1


# 8. Lifecycle and messages ----------------------------------------------------------------------


async def test_a_closed_client_says_so(api: respx.MockRouter) -> None:
    client = AsyncPropelAuth(AUTH_URL, API_KEY)
    await client.aclose()
    route = api.get(USER).respond(json=user_json())
    with pytest.raises(ClientClosedError, match="closed"):
        await client.users.fetch(USER_ID)
    assert route.call_count == 0


def test_use_from_a_second_event_loop_is_refused_clearly() -> None:
    with respx.mock(base_url=V1, using="httpx") as api:
        api.get(USER).respond(json=user_json())
        client = AsyncPropelAuth(AUTH_URL, API_KEY)
        asyncio.run(client.users.fetch(USER_ID))
        with pytest.raises(WrongEventLoopError, match="create the client inside the loop"):
            asyncio.run(client.users.fetch(USER_ID))


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_a_connection_error_names_the_host_and_the_reason() -> None:
    port = _closed_port()
    async with AsyncPropelAuth(
        f"http://127.0.0.1:{port}", API_KEY, max_retries=0, backoff_base=0.001, backoff_cap=0.002
    ) as client:
        with pytest.raises(TransportError) as info:
            await client.users.fetch(USER_ID)
    assert f"127.0.0.1:{port}" in str(info.value)
    assert "connection refused" in str(info.value)
    _assert_no_secret_reachable(info.value)


def test_the_reason_for_a_failed_name_lookup() -> None:
    exc = httpx.ConnectError("boom")
    exc.__cause__ = socket.gaierror(-2, "Name or service not known")
    assert _reason(exc) == "name resolution failed"


def _reachable(error: BaseException) -> list[Any]:
    """Every exception in ``error``'s chain, and every attribute value they hold."""
    found: list[Any] = []
    todo: list[BaseException] = [error]
    seen: set[int] = set()
    while todo:
        exc = todo.pop()
        if id(exc) in seen:
            continue
        seen.add(id(exc))
        found.append(exc)
        found.extend(vars(exc).values())
        todo.extend(e for e in (exc.__cause__, exc.__context__) if e is not None)
        todo.extend(getattr(exc, "exceptions", ()))
    return found


def _assert_no_secret_reachable(error: BaseException) -> None:
    for value in _reachable(error):
        assert not isinstance(value, (httpx.Request, httpx.Response, httpx.HTTPError))
        assert API_KEY not in repr(value) and API_KEY not in str(value)
        request = getattr(value, "request", None)
        if isinstance(value, BaseException) and request is not None:
            pytest.fail(f"{type(value).__name__} carries a request")


@pytest.mark.parametrize(
    "effect",
    [httpx.ReadTimeout("lost"), httpx.RemoteProtocolError("dropped"), httpx.ConnectError("no")],
    ids=["read timeout", "dropped", "connect"],
)
async def test_no_error_chains_an_httpx_object_carrying_the_key(
    api: respx.MockRouter, fast: AsyncPropelAuth, effect: Exception
) -> None:
    api.post("/user/").mock(side_effect=effect)
    api.get(USER).mock(side_effect=effect)
    with pytest.raises(PropelAuthError) as created:
        await fast.users.create(email="ada@example.com")
    if not isinstance(effect, httpx.ConnectError):
        assert isinstance(created.value, OutcomeUnknownError)
    _assert_no_secret_reachable(created.value)
    with pytest.raises(TransportError) as fetched:
        await fast.users.fetch(USER_ID)
    _assert_no_secret_reachable(fetched.value)


async def test_api_errors_after_retries_chain_nothing_carrying_the_key(
    api: respx.MockRouter, fast: AsyncPropelAuth
) -> None:
    route = api.get(USER).mock(
        side_effect=[httpx.ReadTimeout("x"), httpx.Response(500, text="oops"), httpx.Response(502)]
    )
    with pytest.raises(ServerError) as info:
        await fast.users.fetch(USER_ID)
    _assert_no_secret_reachable(info.value)
    assert route.call_count == 3  # one budget for every transient failure (max_retries=2)
    assert info.value.retries_taken == 2
