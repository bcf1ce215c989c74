"""Bad input is refused before anything is sent, with the parameter named."""

from __future__ import annotations

import datetime
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
import respx

from propelauth_async import AsyncPropelAuth, GenericOidcIdp, InvalidArgumentError

from .conftest import USER_ID

Call = Callable[[AsyncPropelAuth], Awaitable[Any]]


def _nested(depth: int) -> dict[str, Any]:
    value: dict[str, Any] = {}
    for _ in range(depth):
        value = {"a": value}
    return value


DEEP = _nested(1_000)
SELF_REFERENCING: dict[str, Any] = {}
SELF_REFERENCING["me"] = SELF_REFERENCING

CASES: list[tuple[str, Call]] = [
    ("user_id", lambda c: c.users.fetch("not-a-uuid")),
    ("user_id", lambda c: c.users.fetch("")),
    ("user_id", lambda c: c.users.delete("../org/x")),
    ("user_id", lambda c: c.users.update("12345", first_name="x")),
    ("email", lambda c: c.users.fetch_by_email("")),
    ("email", lambda c: c.users.fetch_by_email("no-at-sign")),
    ("email", lambda c: c.users.create(email="@example.com")),
    ("username", lambda c: c.users.fetch_by_username("  ")),
    ("page_size", lambda c: c.users.query(page_size=0)),
    ("page_size", lambda c: c.users.query(page_size=101)),
    ("page_number", lambda c: c.users.query(page_number=-1)),
    ("order_by", lambda c: c.users.query(order_by="NEWEST")),
    ("user_ids", lambda c: c.users.fetch_batch_by_ids(["", USER_ID])),
    ("user_ids", lambda c: c.users.fetch_batch_by_ids(["nope"])),
    ("user_ids", lambda c: c.users.fetch_batch_by_ids(USER_ID)),
    ("emails", lambda c: c.users.fetch_batch_by_emails(["a@b.c", "   "])),
    ("usernames", lambda c: c.users.fetch_batch_by_usernames([""])),
    ("password", lambda c: c.users.update_password(USER_ID, password="")),
    ("password", lambda c: c.users.create(email="a@b.c", password="")),
    ("new_email", lambda c: c.users.update_email(USER_ID, new_email="nope")),
    ("org_id", lambda c: c.users.query_in_org("acme")),
    ("role", lambda c: c.users.query_in_org(USER_ID, role="")),
    ("provider", lambda c: c.users.fetch_fresh_provider_token(USER_ID, "myspace")),
    ("metadata", lambda c: c.users.update(USER_ID, metadata={1: "x"})),  # type: ignore[dict-item]
    ("properties", lambda c: c.users.create(email="a@b.c", properties=[1])),  # type: ignore[arg-type]
    # Each of these escaped as something else in 0.1 (issue 9, item 7):
    ("username", lambda c: c.users.fetch_by_username("\ud800")),  # UnicodeEncodeError
    ("email", lambda c: c.users.fetch_by_email("a" * 100_000 + "@example.com")),  # InvalidURL
    ("email_or_username", lambda c: c.users.query(email_or_username="a" * 100_000)),
    ("date", lambda c: c.api_keys.fetch_usage(20240101)),  # type: ignore[arg-type]
    ("date", lambda c: c.api_keys.fetch_usage(datetime.datetime(2024, 1, 1))),
    (
        "user_signup_query_parameters",
        lambda c: c.magic_links.create(
            email="a@b.c",
            user_signup_query_parameters="ref",  # type: ignore[arg-type]
        ),
    ),
    ("user_id", lambda c: c.users.fetch(DEEP)),  # type: ignore[arg-type]
    ("metadata", lambda c: c.users.update(USER_ID, metadata=DEEP)),  # RecursionError
    ("metadata", lambda c: c.users.update(USER_ID, metadata=SELF_REFERENCING)),
    ("user_ids", lambda c: c.users.fetch_batch_by_ids(None)),  # type: ignore[arg-type]
    ("extra_domains", lambda c: c.orgs.update(USER_ID, extra_domains=5)),  # type: ignore[arg-type]
    ("include_orgs", lambda c: c.users.fetch(USER_ID, include_orgs="\ud800")),  # type: ignore[arg-type]
    (
        "uses_pkce",
        lambda c: c.orgs.set_oidc_idp_metadata(
            USER_ID,
            client_id="c",
            client_secret="s",
            uses_pkce="false",
            idp=GenericOidcIdp(auth_url="a", token_url="t", userinfo_url="u"),
        ),
    ),  # type: ignore[arg-type]
    ("max_users", lambda c: c.orgs.update(USER_ID, max_users="10")),  # type: ignore[arg-type]
    ("page_number", lambda c: c.users.query(page_number=10**5000)),
    ("order_by", lambda c: c.users.query(order_by={"a": 1})),  # type: ignore[arg-type]
    ("group_id", lambda c: c.scim.fetch_group(USER_ID, "..")),
    ("authorization_header_or_token", lambda c: c.tokens.verify(b"Bearer x")),  # type: ignore[arg-type]
]


@pytest.mark.parametrize(("parameter", "call"), CASES)
async def test_refused_before_sending(
    api: respx.MockRouter, client: AsyncPropelAuth, parameter: str, call: Call
) -> None:
    with pytest.raises(InvalidArgumentError) as info:
        await call(client)
    assert info.value.parameter == parameter
    assert isinstance(info.value, ValueError)
    assert not api.calls


def test_pagers_check_their_arguments_when_built() -> None:
    client = AsyncPropelAuth("https://auth.example.com", "k")
    with pytest.raises(InvalidArgumentError, match="page_size"):
        client.users.iter(page_size=500)
    with pytest.raises(InvalidArgumentError, match="max_items"):
        client.users.iter(max_items=-1)
    with pytest.raises(InvalidArgumentError, match="org_id"):
        client.users.iter_in_org("nope")


async def test_uuids_are_normalised(api: respx.MockRouter, client: AsyncPropelAuth) -> None:
    route = api.get(f"/user/{USER_ID}").respond(404)
    await client.users.fetch(USER_ID.upper())
    assert route.called


async def test_long_values_are_never_echoed(api: respx.MockRouter, client: AsyncPropelAuth) -> None:
    secret = "eyJhbGciOiJSUzI1NiJ9.eyJ1c2VyX2lkIjoiMSJ9.c2lnbmF0dXJl-SECRET"
    calls: list[Call] = [
        lambda c: c.users.fetch(secret),
        lambda c: c.users.fetch_by_email(secret),
        lambda c: c.users.query(order_by=secret),
    ]
    for call in calls:
        with pytest.raises(InvalidArgumentError) as info:
            await call(client)
        assert "SECRET" not in str(info.value)
        assert "eyJ" not in str(info.value)
    with pytest.raises(InvalidArgumentError, match="'bob'"):
        await client.users.fetch("bob")  # short values are shown, they help


async def test_values_that_are_not_json_are_refused(
    api: respx.MockRouter, client: AsyncPropelAuth
) -> None:
    import datetime

    with pytest.raises(InvalidArgumentError, match="not JSON"):
        await client.users.update(USER_ID, metadata={"when": datetime.datetime.now()})
    with pytest.raises(InvalidArgumentError, match="not JSON"):
        await client.users.update(USER_ID, properties={"score": float("nan")})
    assert not api.calls
