"""Every user operation: the exact request on the wire and the parsed result."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
import respx

from propelauth_async import (
    UNSET,
    AsyncPropelAuth,
    BadRequestError,
    CreatedUser,
    NotFoundError,
    OrgMemberInfo,
    SocialProvider,
    User,
    UserOrderBy,
)
from propelauth_async.resources import users as users_module

from .conftest import API_KEY, ORG_ID, USER_ID, user_json

OTHER_ID = "0b1c52f4-8a5a-4a1b-9a55-6a0f7f1f2e11"


def body_of(route: respx.Route) -> Any:
    return json.loads(route.calls.last.request.content)


def query_of(route: respx.Route) -> dict[str, str]:
    return dict(route.calls.last.request.url.params)


async def test_fetch_sends_headers_and_parses_every_field(
    api: respx.MockRouter, client: AsyncPropelAuth
) -> None:
    org = {
        "org_id": ORG_ID,
        "org_name": "Acme",
        "user_role": "Admin",
        "inherited_user_roles_plus_current_role": ["Admin", "Member"],
        "user_permissions": ["read"],
        "url_safe_org_name": "acme",
    }
    payload = user_json(
        org_id_to_org_info={ORG_ID: org, "x": {**org, "org_id": "x", "user_role": None}},
        impersonator_user_id=OTHER_ID,
        brand_new_field="ignored",
    )
    route = api.get(f"/user/{USER_ID}").respond(json=payload)

    user = await client.users.fetch(USER_ID, include_orgs=True)

    request = route.calls.last.request
    assert request.method == "GET"
    assert query_of(route) == {"include_orgs": "true"}
    assert request.headers["authorization"] == f"Bearer {API_KEY}"
    assert request.headers["x-propelauth-url"] == "auth.example.com"
    assert request.headers["user-agent"].startswith("propelauth-async/")
    assert isinstance(user, User)
    assert user.email == "ada@example.com"
    assert user.properties == {"plan": "pro"}
    assert user.metadata == {"crm": "A-17"}
    assert user.impersonator_user_id == OTHER_ID
    assert user.created_at_datetime is not None and user.created_at_datetime.year == 2022
    assert user.org_id_to_org_info is not None
    assert list(user.org_id_to_org_info) == [ORG_ID]  # the null-role entry is skipped
    info = user.org_id_to_org_info[ORG_ID]
    assert isinstance(info, OrgMemberInfo)
    assert info.is_at_least_role("Member") and not info.is_role("Member")


async def test_fetch_missing_fields_become_none(
    api: respx.MockRouter, client: AsyncPropelAuth
) -> None:
    api.get(f"/user/{USER_ID}").respond(json={"user_id": USER_ID, "email": "a@b.c"})
    user = await client.users.fetch(USER_ID)
    assert user is not None
    assert user.username is None and user.enabled is None and user.org_id_to_org_info is None


@pytest.mark.parametrize(
    ("call", "path", "query"),
    [
        (lambda c: c.users.fetch(USER_ID), f"/user/{USER_ID}", {"include_orgs": "false"}),
        (
            lambda c: c.users.fetch_by_email("ada@example.com", include_orgs=True),
            "/user/email",
            {"include_orgs": "true", "email": "ada@example.com"},
        ),
        (
            lambda c: c.users.fetch_by_username("ada"),
            "/user/username",
            {"include_orgs": "false", "username": "ada"},
        ),
    ],
)
async def test_lookups_send_exact_query_and_return_none_on_404(
    api: respx.MockRouter, client: AsyncPropelAuth, call: Any, path: str, query: dict[str, str]
) -> None:
    route = api.get(path).mock(
        side_effect=[httpx.Response(200, json=user_json()), httpx.Response(404, json={})]
    )
    found = await call(client)
    assert isinstance(found, User)
    assert query_of(route) == query
    assert await call(client) is None


@pytest.mark.parametrize(
    ("method", "path", "field", "keys", "key_of"),
    [
        ("fetch_batch_by_ids", "/user/user_ids", "user_ids", [USER_ID, OTHER_ID], "user_id"),
        ("fetch_batch_by_emails", "/user/emails", "emails", ["a@x.io", "b@x.io"], "email"),
        ("fetch_batch_by_usernames", "/user/usernames", "usernames", ["ada", "bob"], "username"),
    ],
)
async def test_batch_fetch_wire_and_keys(
    api: respx.MockRouter,
    client: AsyncPropelAuth,
    method: str,
    path: str,
    field: str,
    keys: list[str],
    key_of: str,
) -> None:
    returned = [
        user_json(USER_ID, email="a@x.io", username="ada"),
        user_json(OTHER_ID, email="b@x.io", username="bob"),
    ]
    route = api.post(path).respond(json=returned)
    result = await getattr(client.users, method)([*keys, keys[0]], include_orgs=True)
    assert route.call_count == 1
    assert body_of(route) == {field: keys}  # the duplicate is sent once
    assert query_of(route) == {"include_orgs": "true"}
    assert set(result) == {u[key_of] for u in returned}
    assert all(isinstance(u, User) for u in result.values())


async def test_batch_fetch_is_chunked(
    api: respx.MockRouter, client: AsyncPropelAuth, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(users_module, "BATCH_CHUNK_SIZE", 2)
    ids = [f"00000000-0000-4000-8000-00000000000{i}" for i in range(5)]

    def answer(request: httpx.Request) -> httpx.Response:
        asked = json.loads(request.content)["user_ids"]
        return httpx.Response(200, json=[user_json(uid) for uid in asked])

    route = api.post("/user/user_ids").mock(side_effect=answer)
    result = await client.users.fetch_batch_by_ids(ids)
    assert route.call_count == 3
    sent = sorted(json.loads(call.request.content)["user_ids"] for call in route.calls)
    assert sent == [ids[0:2], ids[2:4], ids[4:5]]
    assert list(result) == ids


async def test_batch_fetch_of_nothing_sends_nothing(
    api: respx.MockRouter, client: AsyncPropelAuth
) -> None:
    assert await client.users.fetch_batch_by_ids([]) == {}
    assert not api.calls


async def test_query_sends_every_filter(api: respx.MockRouter, client: AsyncPropelAuth) -> None:
    route = api.get("/user/query").respond(
        json={
            "users": [user_json()],
            "total_users": 31,
            "current_page": 2,
            "page_size": 10,
            "has_more_results": True,
        }
    )
    page = await client.users.query(
        page_size=10,
        page_number=2,
        order_by=UserOrderBy.LAST_ACTIVE_AT_DESC,
        email_or_username="ada",
        legacy_user_id="L-1",
        include_orgs=True,
    )
    assert query_of(route) == {
        "page_size": "10",
        "page_number": "2",
        "order_by": "LAST_ACTIVE_AT_DESC",
        "email_or_username": "ada",
        "include_orgs": "true",
        "legacy_user_id": "L-1",
    }
    assert (page.total, page.page_number, page.page_size, page.has_more) == (31, 2, 10, True)
    assert page.items[0].user_id == USER_ID


async def test_query_defaults_match_the_official_wire(
    api: respx.MockRouter, client: AsyncPropelAuth
) -> None:
    route = api.get("/user/query").respond(json={"users": [], "total_users": 0})
    page = await client.users.query(order_by="EMAIL")
    assert query_of(route) == {
        "page_size": "10",
        "page_number": "0",
        "order_by": "EMAIL",
        "include_orgs": "false",
    }
    assert page.items == () and page.has_more is False


async def test_iter_walks_all_pages_with_filters(
    api: respx.MockRouter, client: AsyncPropelAuth
) -> None:
    ids = [f"00000000-0000-4000-8000-0000000000{i:02d}" for i in range(5)]

    def answer(request: httpx.Request) -> httpx.Response:
        number = int(request.url.params["page_number"])
        size = int(request.url.params["page_size"])
        chunk = ids[number * size : (number + 1) * size]
        more = (number + 1) * size < len(ids)
        return httpx.Response(
            200,
            json={
                "users": [user_json(i) for i in chunk],
                "total_users": len(ids),
                "current_page": number,
                "page_size": size,
                "has_more_results": more,
            },
        )

    route = api.get("/user/query").mock(side_effect=answer)
    seen = [u.user_id async for u in client.users.iter(page_size=2, email_or_username="x")]
    assert seen == ids
    assert route.call_count == 3  # no probe request after has_more_results=false
    assert all(call.request.url.params["email_or_username"] == "x" for call in route.calls)


async def test_users_in_org_page_and_pager(api: respx.MockRouter, client: AsyncPropelAuth) -> None:
    route = api.get(f"/user/org/{ORG_ID}").respond(
        json={
            "users": [user_json()],
            "total_users": 1,
            "current_page": 0,
            "page_size": 5,
            "has_more_results": False,
        }
    )
    page = await client.users.query_in_org(ORG_ID, page_size=5, role="Admin", include_orgs=True)
    assert query_of(route) == {
        "page_size": "5",
        "page_number": "0",
        "include_orgs": "true",
        "role": "Admin",
    }
    assert page.total == 1
    assert [u.user_id async for u in client.users.iter_in_org(ORG_ID)] == [USER_ID]
    assert route.calls.last.request.url.params["page_size"] == "100"
    assert "role" not in route.calls.last.request.url.params


async def test_create_sends_official_defaults(
    api: respx.MockRouter, client: AsyncPropelAuth
) -> None:
    route = api.post("/user/").respond(json={"user_id": USER_ID})
    created = await client.users.create(email="ada@example.com")
    assert created == CreatedUser(user_id=USER_ID)
    assert body_of(route) == {
        "email": "ada@example.com",
        "email_confirmed": False,
        "send_email_to_confirm_email_address": True,
        "ask_user_to_update_password_on_login": False,
        "ignore_domain_restrictions": False,
    }


async def test_create_sends_every_field(api: respx.MockRouter, client: AsyncPropelAuth) -> None:
    route = api.post("/user/").respond(json={"user_id": USER_ID, "extra": 1})
    await client.users.create(
        email="ada@example.com",
        email_confirmed=True,
        send_email_to_confirm_email_address=False,
        ask_user_to_update_password_on_login=True,
        password="correct horse",
        username="ada",
        first_name="Ada",
        last_name="Lovelace",
        properties={"plan": "pro"},
        ignore_domain_restrictions=True,
    )
    assert body_of(route) == {
        "email": "ada@example.com",
        "email_confirmed": True,
        "send_email_to_confirm_email_address": False,
        "ask_user_to_update_password_on_login": True,
        "ignore_domain_restrictions": True,
        "password": "correct horse",
        "username": "ada",
        "first_name": "Ada",
        "last_name": "Lovelace",
        "properties": {"plan": "pro"},
    }


async def test_update_sends_only_given_fields(
    api: respx.MockRouter, client: AsyncPropelAuth
) -> None:
    route = api.put(f"/user/{USER_ID}").respond(json={})
    await client.users.update(USER_ID, first_name="Ada", last_name=None, metadata={"a": 1})
    assert body_of(route) == {"first_name": "Ada", "last_name": None, "metadata": {"a": 1}}
    await client.users.update(
        USER_ID,
        username="ada2",
        picture_url="https://p",
        properties={"x": True},
        update_password_required=True,
        legacy_user_id="L-9",
        first_name=UNSET,
    )
    assert body_of(route) == {
        "username": "ada2",
        "picture_url": "https://p",
        "properties": {"x": True},
        "update_password_required": True,
        "legacy_user_id": "L-9",
    }


WRITES = [
    (
        "update_email",
        {"new_email": "n@x.io"},
        "PUT",
        "/email",
        {"new_email": "n@x.io", "require_email_confirmation": True},
    ),
    (
        "update_password",
        {"password": "pw"},
        "PUT",
        "/password",
        {"password": "pw", "ask_user_to_update_password_on_login": False},
    ),
    ("clear_password", {}, "PUT", "/clear_password", None),
    ("delete", {}, "DELETE", "", None),
    ("disable", {}, "POST", "/disable", None),
    ("enable", {}, "POST", "/enable", None),
    ("disable_2fa", {}, "POST", "/disable_2fa", None),
    ("logout_all_sessions", {}, "POST", "/logout_all_sessions", None),
    ("enable_can_create_orgs", {}, "PUT", "/can_create_orgs/enable", None),
    ("disable_can_create_orgs", {}, "PUT", "/can_create_orgs/disable", None),
]


@pytest.mark.parametrize(("method", "kwargs", "verb", "suffix", "body"), WRITES)
async def test_user_writes(
    api: respx.MockRouter,
    client: AsyncPropelAuth,
    method: str,
    kwargs: dict[str, Any],
    verb: str,
    suffix: str,
    body: Any,
) -> None:
    route = api.route(method=verb, path=f"/user/{USER_ID}{suffix}").respond(json={})
    assert await getattr(client.users, method)(USER_ID, **kwargs) is None
    request = route.calls.last.request
    assert request.method == verb
    assert (json.loads(request.content) if request.content else None) == body
    route.respond(404, json={})
    with pytest.raises(NotFoundError):
        await getattr(client.users, method)(USER_ID, **kwargs)


async def test_update_email_and_password_options(
    api: respx.MockRouter, client: AsyncPropelAuth
) -> None:
    email = api.put(f"/user/{USER_ID}/email").respond(json={})
    await client.users.update_email(USER_ID, new_email="n@x.io", require_email_confirmation=False)
    assert body_of(email)["require_email_confirmation"] is False
    pw = api.put(f"/user/{USER_ID}/password").respond(json={})
    await client.users.update_password(
        USER_ID, password="pw", ask_user_to_update_password_on_login=True
    )
    assert body_of(pw)["ask_user_to_update_password_on_login"] is True


async def test_resend_email_confirmation(api: respx.MockRouter, client: AsyncPropelAuth) -> None:
    route = api.post("/resend_email_confirmation").respond(json={})
    await client.users.resend_email_confirmation(USER_ID)
    assert body_of(route) == {"user_id": USER_ID}


async def test_signup_query_params(api: respx.MockRouter, client: AsyncPropelAuth) -> None:
    route = api.get(f"/user/{USER_ID}/signup_query_parameters").mock(
        side_effect=[
            httpx.Response(200, json={"user_signup_query_parameters": {"utm": "ad"}}),
            httpx.Response(404),
        ]
    )
    assert await client.users.fetch_signup_query_params(USER_ID) == {"utm": "ad"}
    assert await client.users.fetch_signup_query_params(USER_ID) is None
    assert route.call_count == 2


async def test_mfa_methods(api: respx.MockRouter, client: AsyncPropelAuth) -> None:
    phone = {
        "type": "Phone",
        "phone_numbers": [{"mfa_phone_number_suffix": "42", "mfa_phone_id": "p1"}],
    }
    api.get(f"/user/{USER_ID}/mfa").mock(
        side_effect=[
            httpx.Response(200, json={"mfa_setup": phone}),
            httpx.Response(200, json={"mfa_setup": {"type": "Totp"}}),
            httpx.Response(200, json={"mfa_setup": None}),
            httpx.Response(404),
        ]
    )
    methods = await client.users.fetch_mfa_methods(USER_ID)
    assert methods is not None and methods.type == "Phone"
    assert methods.phone_numbers[0].mfa_phone_id == "p1"
    totp = await client.users.fetch_mfa_methods(USER_ID)
    assert totp is not None and totp.type == "Totp" and totp.enabled
    none = await client.users.fetch_mfa_methods(USER_ID)
    assert none is not None and not none.enabled
    assert await client.users.fetch_mfa_methods(USER_ID) is None


async def test_oauth_tokens_never_show_secrets(
    api: respx.MockRouter, client: AsyncPropelAuth
) -> None:
    token = {
        "access_token": "ya29.SECRET-ACCESS",
        "refresh_token": "1//SECRET-REFRESH",
        "token_provider": "google",
        "token_expiration": 1700000000,
        "authorized_scopes": ["email"],
    }
    api.get(f"/user/{USER_ID}/oauth_token").respond(json={"google": token})
    tokens = await client.users.fetch_oauth_tokens(USER_ID)
    assert tokens is not None
    assert tokens["google"].access_token == "ya29.SECRET-ACCESS"
    assert "SECRET" not in repr(tokens)
    fresh = api.get(f"/user/{USER_ID}/github/fresh_token").respond(json=token)
    got = await client.users.fetch_fresh_provider_token(USER_ID, SocialProvider.GITHUB)
    assert got is not None and got.refresh_token == "1//SECRET-REFRESH"
    assert fresh.call_count == 1
    fresh.respond(404)
    assert await client.users.fetch_fresh_provider_token(USER_ID, "github") is None


async def test_a_failing_chunk_raises_the_typed_error_itself(
    api: respx.MockRouter, client: AsyncPropelAuth, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(users_module, "BATCH_CHUNK_SIZE", 1)
    api.post("/user/user_ids").respond(400, json={"user_ids": ["bad"]})
    with pytest.raises(BadRequestError):  # not an ExceptionGroup
        await client.users.fetch_batch_by_ids([USER_ID, OTHER_ID])
