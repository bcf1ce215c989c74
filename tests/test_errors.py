"""Status codes to error classes, error bodies to field errors, and no secret in any message."""

from __future__ import annotations

import httpx
import pytest
import respx

from propelauth_async import (
    APIError,
    AsyncPropelAuth,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    FeatureNotEnabledError,
    ForbiddenError,
    NotFoundError,
    PropelAuthError,
    RateLimitError,
    ServerError,
)
from propelauth_async._responses import error_from_response

from .conftest import API_KEY, USER_ID


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, BadRequestError),
        (401, AuthenticationError),
        (403, ForbiddenError),
        (404, NotFoundError),
        (409, ConflictError),
        (426, FeatureNotEnabledError),
        (429, RateLimitError),
        (500, ServerError),
        (502, ServerError),
        (503, ServerError),
        (418, APIError),
    ],
)
def test_status_classes(status: int, cls: type[APIError]) -> None:
    error = error_from_response(status=status, content=b"{}", headers={}, method="GET", path="/p")
    assert type(error) is cls
    assert isinstance(error, PropelAuthError)
    assert error.status_code == status


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        (
            b'{"email": ["already taken"], "password": ["too short"]}',
            {"email": ["already taken"], "password": ["too short"]},
        ),
        (b'{"field_to_errors": {"email": ["bad"]}}', {"email": ["bad"]}),
        (
            b'{"field_errors": {"grant": "grant_not_found"}, "error_code": "invalid_request_fields"}',
            {"grant": ["grant_not_found"]},
        ),
        (b'{"user_facing_errors": {"code": "Wrong code"}}', {"code": ["Wrong code"]}),
    ],
)
def test_field_errors_whatever_the_key(body: bytes, fields: dict[str, list[str]]) -> None:
    error = error_from_response(status=400, content=body, headers={}, method="POST", path="/u")
    assert error.field_errors == fields


def test_user_facing_error_and_code() -> None:
    error = error_from_response(
        status=400,
        content=b'{"user_facing_error": "Email not confirmed", "error_code": "email_unconfirmed"}',
        headers={"x-request-id": "req-1"},
        method="POST",
        path="/x",
    )
    assert error.user_facing_error == "Email not confirmed"
    assert error.error_code == "email_unconfirmed"
    assert error.request_id == "req-1"
    assert "Email not confirmed" in str(error)


def test_html_body_gives_a_short_excerpt() -> None:
    page = b"<html><head><title>502 Bad Gateway</title></head><body>" + b"x" * 5000 + b"</body>"
    error = error_from_response(status=502, content=page, headers={}, method="GET", path="/u")
    assert isinstance(error, ServerError)
    assert "502 Bad Gateway" in str(error)
    assert "<" not in str(error)
    assert len(str(error)) < 300


async def test_errors_never_carry_the_key(api: respx.MockRouter, client: AsyncPropelAuth) -> None:
    api.get(f"/user/{USER_ID}").respond(401, text="integration_api_key is incorrect")
    with pytest.raises(AuthenticationError) as info:
        await client.users.fetch(USER_ID)
    error = info.value
    for text in (str(error), repr(error), repr(error.body), str(error.__dict__)):
        assert API_KEY not in text
    assert error.method == "GET"
    assert error.path == f"/api/backend/v1/user/{USER_ID}"


async def test_rate_limit_error_carries_the_wait(api: respx.MockRouter) -> None:
    api.get(f"/user/{USER_ID}").respond(429, headers={"retry-after": "90"})
    async with AsyncPropelAuth("https://auth.example.com", API_KEY) as client:
        with pytest.raises(RateLimitError) as info:
            await client.users.fetch(USER_ID)
    assert info.value.retry_after == 90
    assert "429" in str(info.value)


async def test_transport_errors_are_ours(api: respx.MockRouter, client: AsyncPropelAuth) -> None:
    api.get(f"/user/{USER_ID}").mock(side_effect=httpx.ConnectError("refused"))
    with pytest.raises(PropelAuthError) as info:
        await client.users.fetch(USER_ID)
    assert not isinstance(info.value, httpx.HTTPError)
    assert API_KEY not in str(info.value)
