"""The official library's names on our claims, and email as the tokens guarantee it."""

from __future__ import annotations

import pytest

from propelauth_async import TokenError
from propelauth_async.testing import Emulator
from propelauth_async.testing._tokens import access_token_claims


async def test_official_names_read_the_same_values() -> None:
    emu = Emulator()
    org = emu.add_org("Acme")
    user_id = emu.add_user("ada@acme.io", first_name="Ada")
    emu.add_member(org, user_id, "Admin")
    async with emu.client() as client:
        user = await client.tokens.verify(emu.mint_access_token(user_id, active_org_id=org))
    member = user.get_org(org)
    assert member is not None
    assert user.get_active_org_id() == user.active_org_id == org
    assert user["email"] == user.get("email") == user.email == "ada@acme.io"
    assert user.get("no_such_field", "dflt") == "dflt"
    assert member.user_assigned_role == member["user_role"] == member["user_assigned_role"]
    assert member.user_assigned_role == "Admin"
    inherited = member.inherited_user_roles_plus_current_role
    assert member.user_inherited_roles_plus_current_role == inherited
    assert member["inherited_user_roles_plus_current_role"] == inherited
    assert member.assigned_additional_roles == member["additional_roles"] == ()
    for role in ("Owner", "Admin", "Member"):
        assert member.user_is_role(role) == member.is_role(role)
        assert member.user_is_at_least_role(role) == member.is_at_least_role(role)
    assert member.user_is_at_least_role("Member") and not member.user_is_role("Member")
    assert member.user_has_permission("org:invite_users") == member.has_permission(
        "org:invite_users"
    )
    assert member.user_has_all_permissions([]) is True
    assert "user_role" in member and "_KEY_ALIASES" not in member
    with pytest.raises(KeyError):
        member["__class__"]
    with pytest.raises(TypeError):
        member["user_role"] = "Owner"  # type: ignore[index]


async def test_a_token_without_email_is_refused() -> None:
    emu = Emulator()
    user_id = emu.add_user("ada@acme.io")
    claims = access_token_claims(
        emu.state, emu.state.users[user_id], issuer=emu.issuer, expires_in=600
    )
    del claims["email"]
    async with emu.client() as client:
        with pytest.raises(TokenError) as caught:
            await client.tokens.verify(emu.key.sign(claims))
    assert caught.value.reason == "invalid_claims"
    assert "email" in caught.value.message
