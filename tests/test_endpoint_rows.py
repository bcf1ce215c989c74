"""The endpoint rows say what an answer means, and the requester does as they say: a lookup's
404 is ``None`` with no error built, a write's 404 is ``NotFoundError``, a page comes back as a
``Page`` of the row's model, and an endpoint's own error codes pick the class."""

from __future__ import annotations

from typing import Any

import pytest
import respx

from propelauth_async import (
    AsyncPropelAuth,
    IncorrectMfaCodeError,
    MalformedResponseError,
    NotFoundError,
    User,
    _endpoints,
    _transport,
)
from propelauth_async._endpoints import Missing
from propelauth_async.pagination import Page

from .conftest import USER_ID, user_json


def test_rows_are_consistent() -> None:
    for row in _endpoints.ALL:
        assert row.ours, row.path
        if row.missing is Missing.NONE:
            assert row.method == "GET", row.name
        if row.page is not None:
            assert row.method == "GET" and row.result is not None, row.name
    paged = {row.name for row in _endpoints.ALL if row.page is not None}
    assert len(paged) == 15
    assert _endpoints.FETCH_USERS_BY_IDS.replay_safe  # a POST that says so
    assert not _endpoints.CREATE_USER.replay_safe and _endpoints.DELETE_USER.replay_safe


async def test_a_lookup_404_is_none_and_builds_no_error(
    api: respx.MockRouter, client: AsyncPropelAuth, monkeypatch: pytest.MonkeyPatch
) -> None:
    built: list[int] = []
    original = _transport.error_from_response

    def counting(**kwargs: Any) -> Any:
        built.append(kwargs["status"])
        return original(**kwargs)

    monkeypatch.setattr(_transport, "error_from_response", counting)
    api.get(f"/user/{USER_ID}").respond(404, json={"error": "not found"})
    api.get(f"/user/{USER_ID}/mfa").respond(404, json={"error": "not found"})
    assert await client.users.fetch(USER_ID) is None
    assert await client.users.fetch_mfa_methods(USER_ID) is None
    assert built == []
    api.put(f"/user/{USER_ID}").respond(404, json={})
    with pytest.raises(NotFoundError):
        await client.users.update(USER_ID, first_name="Ada")
    assert built == [404]


async def test_an_empty_200_is_not_taken_for_a_missing_thing(
    api: respx.MockRouter, client: AsyncPropelAuth
) -> None:
    api.get(f"/user/{USER_ID}/mfa").respond(200, content=b"")
    with pytest.raises(MalformedResponseError):
        await client.users.fetch_mfa_methods(USER_ID)
    api.get(f"/user/{USER_ID}").respond(200, content=b"")
    with pytest.raises(MalformedResponseError):
        await client.users.fetch(USER_ID)


async def test_the_requester_returns_the_rows_types(
    api: respx.MockRouter, client: AsyncPropelAuth
) -> None:
    api.get(f"/user/{USER_ID}").respond(json=user_json())
    assert isinstance(await client.users.fetch(USER_ID), User)
    api.get("/user/query").respond(
        json={"users": [user_json()], "total_users": 1, "current_page": 0, "page_size": 10}
    )
    page = await client.users.query()
    assert isinstance(page, Page) and isinstance(page.items[0], User)


async def test_an_endpoints_own_error_codes_pick_the_class(
    api: respx.MockRouter, client: AsyncPropelAuth
) -> None:
    api.post("/mfa/step-up/verify-totp").respond(
        400, json={"error_code": "incorrect_mfa_code", "user_facing_error": "Wrong code"}
    )
    with pytest.raises(IncorrectMfaCodeError) as info:
        await client.mfa.verify_totp(
            action_type="pay",
            user_id=USER_ID,
            code="123456",
            grant_type="ONE_TIME_USE",
            valid_for_seconds=60,
        )
    assert info.value.__cause__ is None  # built as itself, not re-typed from another error
