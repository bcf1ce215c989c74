"""Bad input is refused before anything is sent, with the parameter named."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
import respx

from propelauth_async import AsyncPropelAuth, InvalidArgumentError

from .conftest import USER_ID

Call = Callable[[AsyncPropelAuth], Awaitable[Any]]

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
    for call in (
        client.users.fetch(secret),
        client.users.fetch_by_email(secret),
        client.users.query(order_by=secret),
    ):
        with pytest.raises(InvalidArgumentError) as info:
            await call
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
