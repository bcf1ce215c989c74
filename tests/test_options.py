"""Per-call options (``with_options`` views) and the grouped settings objects."""

from __future__ import annotations

import httpx
import pytest

from propelauth_async import (
    AsyncPropelAuth,
    ClientClosedError,
    ConfigurationError,
    InvalidArgumentError,
    Pacing,
    RateLimitError,
    RetryPolicy,
    ServerError,
    TokenSettings,
)
from propelauth_async._retry import Failure
from propelauth_async.tokens import verifier

from ._scripted import Script, ok, too_many
from .conftest import API_KEY, AUTH_URL, USER_ID


def _offline(**options: object) -> AsyncPropelAuth:
    """A client that sends nothing (and builds no TLS context, which costs ~0.1 s each)."""
    transport = httpx.MockTransport(lambda request: httpx.Response(500))
    return AsyncPropelAuth(AUTH_URL, API_KEY, transport=transport, **options)  # type: ignore[arg-type]


def test_view_shares_pool_limiter_and_key_but_not_namespaces() -> None:
    client = _offline()
    view = client.with_options(max_retries=0)
    assert view.rate_limiter is client.rate_limiter
    assert view._http_client is client._http_client
    assert view.tokens is client.tokens
    assert view.users is not client.users
    assert view.orgs._requester is view._requester  # type: ignore[attr-defined]
    assert client.users._requester is client._requester  # type: ignore[attr-defined]
    assert repr(view) == repr(client) and API_KEY not in repr(view)


async def test_no_retries_for_the_view_only() -> None:
    script = Script(httpx.Response(503, text=""), ok())
    async with script.client() as client:
        with pytest.raises(ServerError) as raised:
            await client.with_options(max_retries=0).users.fetch(USER_ID)
        assert raised.value.retries_taken == 0
        assert len(script.requests) == 1
        assert await client.users.fetch(USER_ID) is not None  # the client still retries
    assert len(script.requests) == 2


async def test_timeout_of_the_view_reaches_every_attempt() -> None:
    script = Script(httpx.Response(503, text=""), ok())
    async with script.client(timeout=30.0) as client:
        await client.with_options(timeout=1.5, total_timeout=None).users.fetch(USER_ID)
        await client.users.fetch(USER_ID)
    first, retry, plain = (r.extensions["timeout"] for r in script.requests)
    assert first == retry == {"connect": 1.5, "read": 1.5, "write": 1.5, "pool": 1.5}
    assert plain["read"] == 30.0


async def test_total_timeout_of_the_view_clips_a_retry() -> None:
    script = Script(httpx.Response(503, text=""), ok())
    async with script.client() as client:
        view = client.with_options(total_timeout=100.0, timeout=httpx.Timeout(5.0, read=50.0))
        await view.users.fetch(USER_ID)
    clipped = script.requests[1].extensions["timeout"]
    assert clipped["connect"] == 5.0 and 49.0 < clipped["read"] <= 50.0


async def test_a_429_seen_through_a_view_pauses_the_client() -> None:
    script = Script(too_many(ms=60_000))
    async with script.client(max_retry_wait=1.0) as client:
        with pytest.raises(RateLimitError):
            await client.with_options(max_rate_limit_retries=0).users.fetch(USER_ID)
        assert client.rate_limiter.pause_left() > 30
        sent = len(script.requests)
        with pytest.raises(RateLimitError, match="was not sent"):
            await client.users.fetch(USER_ID)  # refused without sending: the pause is shared
    assert len(script.requests) == sent


def test_options_not_given_are_kept_and_views_stack() -> None:
    client = _offline(max_retries=4, total_timeout=30.0)
    view = client.with_options(max_retry_wait=5.0).with_options(timeout=2.0)
    policy = view._requester.policy
    assert (policy.max_retries, policy.total_timeout, policy.max_retry_wait) == (4, 30.0, 5.0)
    assert view._requester.timeout == httpx.Timeout(2.0)
    assert client._requester.policy.max_retry_wait == 60.0
    assert client._requester.timeout is None


@pytest.mark.parametrize(
    "options",
    [{"max_retries": -1}, {"timeout": 0}, {"timeout": "5"}, {"total_timeout": 0}],
)
def test_bad_view_options_are_refused(options: dict[str, object]) -> None:
    client = _offline()
    with pytest.raises(InvalidArgumentError):
        client.with_options(**options)  # type: ignore[arg-type]


async def test_closing_the_client_closes_its_views_and_not_the_reverse() -> None:
    script = Script()
    client = script.client()
    async with client.with_options(max_retries=0) as view:
        await view.users.fetch(USER_ID)
    assert await client.users.fetch(USER_ID) is not None  # the view's exit closed nothing
    await client.aclose()
    with pytest.raises(ClientClosedError):
        await view.users.fetch(USER_ID)


# Settings objects -------------------------------------------------------------------------------


def test_settings_objects_and_flat_keywords() -> None:
    client = _offline(
        retries=RetryPolicy(max_retries=7, backoff_base=2.0),
        pacing=Pacing(rate_limit=5.0, burst=3),
        max_retries=1,  # a flat keyword wins over its object's field
        adaptive_rate_limit=False,  # 0.1 keyword: sets pacing.adaptive
    )
    policy = client._requester.policy
    assert (policy.max_retries, policy.backoff_base) == (1, 2.0)
    assert client.rate_limiter.current_rate == 5.0
    assert client.rate_limiter.budget._burst == 3  # type: ignore[attr-defined]
    assert client.rate_limiter.budget._adaptive is False  # type: ignore[attr-defined]


def test_token_settings_reach_client_tokens() -> None:
    client = _offline(tokens=TokenSettings(max_token_bytes=100), token_leeway=5.0)
    assert client.tokens._max_token_bytes == 100
    assert client._token_settings.leeway == 5.0


def test_token_settings_defaults_are_the_verifiers() -> None:
    defaults = TokenSettings()
    assert defaults.leeway == verifier.DEFAULT_LEEWAY
    assert defaults.max_token_bytes == verifier.DEFAULT_MAX_TOKEN_BYTES
    assert defaults.cache_size == verifier.DEFAULT_CACHE_SIZE


@pytest.mark.parametrize(
    ("options", "named"),
    [
        ({"rate_limit": 0}, "rate_limit"),
        ({"pacing": Pacing(), "max_concurrency": 0}, "max_concurrency"),
        ({"max_retry_wait": -1}, "max_retry_wait"),
        ({"token_leeway": -1}, "token_leeway"),
        ({"retries": {"max_retries": 1}}, "RetryPolicy"),
        ({"max_retires": 1}, "max_retires"),  # a typo is named, not ignored
    ],
)
def test_bad_settings_name_the_keyword(options: dict[str, object], named: str) -> None:
    with pytest.raises(ConfigurationError, match=named):
        _offline(**options)


def test_settings_objects_check_their_fields() -> None:
    with pytest.raises(InvalidArgumentError, match="burst"):
        Pacing(burst=0)
    with pytest.raises(InvalidArgumentError, match="max_retries"):
        RetryPolicy(max_retries=1.5)  # type: ignore[arg-type]
    with pytest.raises(InvalidArgumentError, match="key_refresh_interval"):
        TokenSettings(key_refresh_interval=0)


def test_rate_limit_backoff_starts_slower_unless_chosen(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("propelauth_async._retry.random.uniform", lambda low, high: high)
    policy = RetryPolicy(backoff_base=0.25, backoff_cap=8.0)
    assert policy.backoff(0, Failure.SERVER) == 0.25
    assert policy.backoff(0, Failure.RATE_LIMITED) == 1.0
    assert RetryPolicy(backoff_base=0.25, backoff_cap=0.5).backoff(0, Failure.RATE_LIMITED) == 0.5
    assert RetryPolicy(backoff_base=2.0).backoff(0, Failure.RATE_LIMITED) == 2.0
    assert RetryPolicy(rate_limit_backoff_base=0.0).backoff(3, Failure.RATE_LIMITED) == 0.0
