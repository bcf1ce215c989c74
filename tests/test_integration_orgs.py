"""Every org, member, invite and role-mapping operation end to end against the served emulator."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from propelauth_async import (
    AsyncPropelAuth,
    BadRequestError,
    FeatureNotEnabledError,
    GenericOidcIdp,
    NotFoundError,
    OktaOidcIdp,
    OrgOrderBy,
    OutcomeUnknownError,
)
from propelauth_async.testing import Emulator, Fault, RoleHierarchy, serve_emulator


@pytest_asyncio.fixture
async def emu() -> AsyncIterator[Emulator]:
    async with serve_emulator() as emulator:
        yield emulator


@pytest_asyncio.fixture
async def client(emu: Emulator) -> AsyncIterator[AsyncPropelAuth]:
    async with emu.client() as c:
        yield c


async def test_create_fetch_query_update_delete(emu: Emulator, client: AsyncPropelAuth) -> None:
    created = await client.orgs.create(
        "Acme Corp",
        domain="acme.io",
        enable_auto_joining_by_domain=True,
        max_users=5,
        legacy_org_id="L-1",
    )
    await client.orgs.create("Beta")
    await client.orgs.create("Gamma", legacy_org_id="L-3")
    org = await client.orgs.fetch(created.org_id)
    assert org is not None
    assert (org.name, org.url_safe_org_slug, org.domain, org.domain_autojoin, org.max_users) == (
        "Acme Corp",
        "acme-corp",
        "acme.io",
        True,
        5,
    )
    assert await client.orgs.fetch("00000000-0000-4000-8000-000000000000") is None
    page = await client.orgs.query(page_size=2, order_by=OrgOrderBy.NAME)
    assert [o.name for o in page.items] == ["Acme Corp", "Beta"]
    assert (page.total, page.has_more) == (3, True)
    assert [o.name for o in (await client.orgs.query(name="gam")).items] == ["Gamma"]
    assert [o.name for o in (await client.orgs.query(legacy_org_id="L-1")).items] == ["Acme Corp"]
    assert [o.name for o in (await client.orgs.query(domain="acme.io")).items] == ["Acme Corp"]
    assert [o.name async for o in client.orgs.iter(page_size=1)] == ["Acme Corp", "Beta", "Gamma"]
    await client.orgs.update(
        created.org_id,
        name="Acme",
        metadata={"tier": "gold"},
        members_must_have_matching_domain=True,
        extra_domains=["acme.dev"],
        legacy_org_id="L-9",
        require_2fa_by="2027-01-01",
        password_rotation_enabled=True,
        password_rotation_period=90,
    )
    org = await client.orgs.fetch(created.org_id)
    assert org is not None
    assert (org.name, org.metadata, org.domain_restrict, org.extra_domains, org.legacy_org_id) == (
        "Acme",
        {"tier": "gold"},
        True,
        ("acme.dev",),
        "L-9",
    )
    assert (org.require_2fa_by, org.password_rotation_enabled, org.password_rotation_period) == (
        "2027-01-01",
        True,
        90,
    )
    await client.orgs.delete(created.org_id)
    assert await client.orgs.fetch(created.org_id) is None
    with pytest.raises(NotFoundError):
        await client.orgs.update(created.org_id, name="x")


async def test_members_roles_and_limits(emu: Emulator, client: AsyncPropelAuth) -> None:
    org = (await client.orgs.create("Acme", max_users=2)).org_id
    ada, bob, cy = (emu.add_user(f"{n}@x.io") for n in ("ada", "bob", "cy"))
    await client.orgs.add_user(org_id=org, user_id=ada, role="Owner")
    await client.orgs.add_user(org_id=org, user_id=bob, role="Member")
    with pytest.raises(BadRequestError, match="maximum"):
        await client.orgs.add_user(org_id=org, user_id=cy, role="Member")
    with pytest.raises(BadRequestError, match="Unknown role"):
        await client.orgs.change_role(org_id=org, user_id=bob, role="Emperor")
    await client.orgs.change_role(org_id=org, user_id=bob, role="Admin")
    user = await client.users.fetch(bob, include_orgs=True)
    assert user is not None
    assert user.org_id_to_org_info is not None
    info = user.org_id_to_org_info[org]
    assert (info.user_role, info.inherited_user_roles_plus_current_role) == (
        "Admin",
        ("Admin", "Member"),
    )
    assert info.has_all_permissions(["org:invite_users", "org:read"])
    assert not info.has_permission("org:delete")
    admins = await client.orgs.query_members(org, role="Admin")
    assert [u.user_id for u in admins.items] == [bob]
    assert sorted([u.user_id async for u in client.orgs.iter_members(org)]) == sorted([ada, bob])
    await client.orgs.remove_user(org_id=org, user_id=bob)
    with pytest.raises(NotFoundError):
        await client.orgs.remove_user(org_id=org, user_id=bob)
    await client.orgs.add_user(org_id=org, user_id=cy, role="Member")  # room again


async def test_domain_restriction_on_add_and_invite(emu: Emulator, client: AsyncPropelAuth) -> None:
    org = (
        await client.orgs.create("Acme", domain="acme.io", members_must_have_matching_domain=True)
    ).org_id
    outsider = emu.add_user("eve@evil.io")
    with pytest.raises(BadRequestError, match=r"acme\.io"):
        await client.orgs.add_user(org_id=org, user_id=outsider, role="Member")
    with pytest.raises(BadRequestError, match=r"acme\.io"):
        await client.invites.invite_by_email(email="eve@evil.io", org_id=org, role="Member")
    await client.invites.invite_by_email(email="new@acme.io", org_id=org, role="Member")


async def test_invites_listed_revoked_and_removed_with_org(
    emu: Emulator, client: AsyncPropelAuth
) -> None:
    acme = (await client.orgs.create("Acme")).org_id
    beta = (await client.orgs.create("Beta")).org_id
    known = emu.add_user("known@x.io")
    await client.invites.invite_by_email(email="a@x.io", org_id=acme, role="Member")
    await client.invites.invite_by_user_id(user_id=known, org_id=acme, role="Admin")
    await client.invites.invite_by_email(email="b@x.io", org_id=beta, role="Owner")
    with pytest.raises(BadRequestError, match="Unknown role"):
        await client.invites.invite_by_email(email="c@x.io", org_id=acme, role="Emperor")
    everywhere = await client.invites.query_pending()
    assert everywhere.total == 3
    for_acme = [i async for i in client.invites.iter_pending(org_id=acme, page_size=1)]
    assert sorted(i.invitee_email for i in for_acme) == ["a@x.io", "known@x.io"]
    assert {i.org_name for i in for_acme} == {"Acme"}
    await client.invites.revoke(org_id=acme, invitee_email="a@x.io")
    with pytest.raises(NotFoundError):
        await client.invites.revoke(org_id=acme, invitee_email="a@x.io")
    await client.orgs.delete(beta)
    remaining = await client.invites.query_pending()
    assert [i.invitee_email for i in remaining.items] == ["known@x.io"]


async def test_role_mappings(emu: Emulator, client: AsyncPropelAuth) -> None:
    emu.add_role_mapping(
        "Pro", RoleHierarchy(roles=("Boss", "Staff"), permissions={"Boss": ("x",)})
    )
    org = (await client.orgs.create("Acme")).org_id
    mappings = await client.role_mappings.fetch_all()
    assert [(m.custom_role_mapping_name, m.num_orgs_subscribed) for m in mappings] == [("Pro", 0)]
    await client.orgs.subscribe_to_role_mapping(org, "Pro")
    assert (await client.role_mappings.fetch_all())[0].num_orgs_subscribed == 1
    user = emu.add_user("ada@x.io")
    await client.orgs.add_user(org_id=org, user_id=user, role="Boss")
    with pytest.raises(BadRequestError):
        await client.orgs.subscribe_to_role_mapping(org, "Nope")


async def test_saml_and_oidc(emu: Emulator, client: AsyncPropelAuth) -> None:
    org = (await client.orgs.create("Acme")).org_id
    await client.orgs.allow_saml(org)
    assert (await client.orgs.fetch(org)).can_setup_saml is True  # type: ignore[union-attr]
    await client.orgs.disallow_saml(org)
    assert (await client.orgs.fetch(org)).can_setup_saml is False  # type: ignore[union-attr]
    link = await client.orgs.create_saml_connection_link(org, expires_in_seconds=3600)
    assert link.url.startswith("https://")
    sp = await client.orgs.fetch_saml_sp_metadata(org)
    assert sp is not None
    assert sp.acs_url.endswith("/acs")
    with pytest.raises(BadRequestError):
        await client.orgs.saml_go_live(org)
    await client.orgs.set_saml_idp_metadata(
        org,
        idp_entity_id="e",
        idp_sso_url="https://idp/sso",
        idp_certificate="CERT",
        provider="Okta",
    )
    fetched = await client.orgs.fetch(org)
    assert fetched is not None
    assert (fetched.is_saml_configured, fetched.is_saml_in_test_mode) == (True, True)
    await client.orgs.saml_go_live(org)
    assert (await client.orgs.fetch(org)).is_saml_in_test_mode is False  # type: ignore[union-attr]
    await client.orgs.delete_saml_connection(org)
    assert (await client.orgs.fetch(org)).is_saml_configured is False  # type: ignore[union-attr]
    await client.orgs.set_oidc_idp_metadata(
        org,
        client_id="cid",
        client_secret="cs",
        uses_pkce=True,
        idp=GenericOidcIdp(auth_url="https://a", token_url="https://t", userinfo_url="https://u"),
    )
    await client.orgs.set_oidc_idp_metadata(
        org,
        client_id="cid",
        client_secret="cs",
        uses_pkce=False,
        idp=OktaOidcIdp(okta_sso_domain="acme.okta.com"),
    )
    assert emu.state.orgs[org].saml["idp_type"] == "Okta"


async def test_every_org_endpoint_is_426_without_b2b() -> None:
    async with serve_emulator(b2b_enabled=False) as emu, emu.client() as client:
        org_id = "00000000-0000-4000-8000-000000000000"
        user_id = emu.add_user("a@x.io")
        calls = [
            client.orgs.create("Acme"),
            client.orgs.fetch(org_id),
            client.orgs.query(),
            client.orgs.update(org_id, name="x"),
            client.orgs.delete(org_id),
            client.orgs.query_members(org_id),
            client.orgs.add_user(org_id=org_id, user_id=user_id, role="Member"),
            client.orgs.remove_user(org_id=org_id, user_id=user_id),
            client.orgs.change_role(org_id=org_id, user_id=user_id, role="Member"),
            client.orgs.allow_saml(org_id),
            client.orgs.create_saml_connection_link(org_id),
            client.orgs.fetch_saml_sp_metadata(org_id),
            client.orgs.saml_go_live(org_id),
            client.invites.invite_by_email(email="b@x.io", org_id=org_id, role="Member"),
            client.invites.query_pending(),
            client.invites.revoke(org_id=org_id, invitee_email="b@x.io"),
            client.role_mappings.fetch_all(),
        ]
        for call in calls:
            with pytest.raises(FeatureNotEnabledError):
                await call


@pytest.mark.asyncio
async def test_a_write_cut_before_any_answer_is_unknown_not_done(
    emu: Emulator, client: AsyncPropelAuth
) -> None:
    """A write whose answer the client never reads (add a member) is done on any 2xx status;
    a connection cut before any status line is not a 2xx, over real HTTP too."""
    org_id, user_id = emu.add_org("Acme"), emu.add_user("ada@acme.io")
    emu.inject(Fault.drop_before(), method="POST", path="*/org/add_user")
    with pytest.raises(OutcomeUnknownError):
        await client.orgs.add_user(org_id=org_id, user_id=user_id, role="Member")
    assert org_id not in (emu.user(user_id).org_id_to_org_info or {})  # type: ignore[union-attr]

    emu.inject(Fault.drop_after(), method="POST", path="*/org/add_user")
    await client.orgs.add_user(org_id=org_id, user_id=user_id, role="Member")  # 200, then cut
    assert org_id in (emu.user(user_id).org_id_to_org_info or {})  # type: ignore[union-attr]
