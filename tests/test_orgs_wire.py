"""Every org, member, invite and role-mapping operation: the exact request and parsed result."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
import respx

from propelauth_async import (
    UNSET,
    AsyncPropelAuth,
    AzureOidcIdp,
    CreatedOrg,
    FeatureNotEnabledError,
    GenericOidcIdp,
    InvalidArgumentError,
    OktaOidcIdp,
    Org,
    OrgOrderBy,
    PendingInvite,
    SamlIdpProvider,
)

from .conftest import ORG_ID, USER_ID, check_wire, user_json

Call = Callable[[AsyncPropelAuth], Awaitable[Any]]
ORG = {
    "org_id": ORG_ID,
    "name": "Acme",
    "url_safe_org_slug": "acme",
    "max_users": 10,
    "metadata": {"tier": "gold"},
    "extra_domains": ["acme.io"],
    "domain_autojoin": True,
}

# (call, method, path, expected query, expected body, answer, check of the result)
WIRE: list[tuple[str, Call, str, str, dict[str, str], Any, Any, Callable[[Any], bool]]] = [
    (
        "create minimal",
        lambda c: c.orgs.create("Acme"),
        "POST",
        "/org/",
        {},
        {
            "name": "Acme",
            "enable_auto_joining_by_domain": False,
            "members_must_have_matching_domain": False,
        },
        {"org_id": ORG_ID, "name": "Acme"},
        lambda r: r == CreatedOrg(org_id=ORG_ID, name="Acme"),
    ),
    (
        "create full",
        lambda c: c.orgs.create(
            "Acme",
            domain="acme.io",
            enable_auto_joining_by_domain=True,
            members_must_have_matching_domain=True,
            max_users=50,
            custom_role_mapping_name="Pro",
            legacy_org_id="L-1",
        ),
        "POST",
        "/org/",
        {},
        {
            "name": "Acme",
            "enable_auto_joining_by_domain": True,
            "members_must_have_matching_domain": True,
            "domain": "acme.io",
            "max_users": 50,
            "custom_role_mapping_name": "Pro",
            "legacy_org_id": "L-1",
        },
        {"org_id": ORG_ID, "name": "Acme"},
        lambda r: r.org_id == ORG_ID,
    ),
    (
        "fetch",
        lambda c: c.orgs.fetch(ORG_ID),
        "GET",
        f"/org/{ORG_ID}",
        {},
        None,
        ORG,
        lambda r: (
            isinstance(r, Org)
            and r.url_safe_org_slug == "acme"
            and r.extra_domains == ("acme.io",)
            and r.metadata == {"tier": "gold"}
        ),
    ),
    (
        "query",
        lambda c: c.orgs.query(
            page_size=5,
            page_number=1,
            order_by=OrgOrderBy.NAME,
            name="ac",
            legacy_org_id="L",
            domain="acme.io",
        ),
        "GET",
        "/org/query",
        {
            "page_size": "5",
            "page_number": "1",
            "order_by": "NAME",
            "name": "ac",
            "legacy_org_id": "L",
            "domain": "acme.io",
        },
        None,
        {
            "orgs": [ORG],
            "total_orgs": 6,
            "current_page": 1,
            "page_size": 5,
            "has_more_results": False,
        },
        lambda r: r.total == 6 and r.items[0].name == "Acme" and not r.has_more,
    ),
    (
        "query defaults",
        lambda c: c.orgs.query(),
        "GET",
        "/org/query",
        {"page_size": "10", "page_number": "0", "order_by": "CREATED_AT_ASC"},
        None,
        {
            "orgs": [],
            "total_orgs": 0,
            "current_page": 0,
            "page_size": 10,
            "has_more_results": False,
        },
        lambda r: r.items == (),
    ),
    (
        "update",
        lambda c: c.orgs.update(
            ORG_ID,
            name="Acme 2",
            can_setup_saml=True,
            metadata={"a": 1},
            max_users=None,
            enable_auto_joining_by_domain=True,
            members_must_have_matching_domain=False,
            domain="acme.io",
            extra_domains=["a.io"],
            require_2fa_by="2026-01-01",
            password_rotation_enabled=True,
            password_rotation_history_size=3,
            password_rotation_period=90,
            legacy_org_id="L-2",
        ),
        "PUT",
        f"/org/{ORG_ID}",
        {},
        {
            "name": "Acme 2",
            "can_setup_saml": True,
            "metadata": {"a": 1},
            "max_users": None,
            "autojoin_by_domain": True,
            "restrict_to_domain": False,
            "domain": "acme.io",
            "extra_domains": ["a.io"],
            "require_2fa_by": "2026-01-01",
            "password_rotation_enabled": True,
            "password_rotation_history_size": 3,
            "password_rotation_period": 90,
            "legacy_org_id": "L-2",
        },
        {},
        lambda r: r is None,
    ),
    (
        "update one field",
        lambda c: c.orgs.update(ORG_ID, name="X", domain=UNSET),
        "PUT",
        f"/org/{ORG_ID}",
        {},
        {"name": "X"},
        {},
        lambda r: r is None,
    ),
    (
        "subscribe",
        lambda c: c.orgs.subscribe_to_role_mapping(ORG_ID, "Pro"),
        "PUT",
        f"/org/{ORG_ID}",
        {},
        {"custom_role_mapping_name": "Pro"},
        {},
        lambda r: r is None,
    ),
    (
        "delete",
        lambda c: c.orgs.delete(ORG_ID),
        "DELETE",
        f"/org/{ORG_ID}",
        {},
        None,
        {},
        lambda r: r is None,
    ),
    (
        "members page",
        lambda c: c.orgs.query_members(ORG_ID, role="Admin"),
        "GET",
        f"/user/org/{ORG_ID}",
        {"page_size": "10", "page_number": "0", "include_orgs": "false", "role": "Admin"},
        None,
        {
            "users": [user_json()],
            "total_users": 1,
            "current_page": 0,
            "page_size": 10,
            "has_more_results": False,
        },
        lambda r: r.items[0].user_id == USER_ID,
    ),
    (
        "add user",
        lambda c: c.orgs.add_user(org_id=ORG_ID, user_id=USER_ID, role="Admin"),
        "POST",
        "/org/add_user",
        {},
        {"user_id": USER_ID, "org_id": ORG_ID, "role": "Admin", "additional_roles": []},
        {},
        lambda r: r is None,
    ),
    (
        "remove user",
        lambda c: c.orgs.remove_user(org_id=ORG_ID, user_id=USER_ID),
        "POST",
        "/org/remove_user",
        {},
        {"user_id": USER_ID, "org_id": ORG_ID},
        {},
        lambda r: r is None,
    ),
    (
        "change role",
        lambda c: c.orgs.change_role(
            org_id=ORG_ID, user_id=USER_ID, role="Member", additional_roles=["Billing"]
        ),
        "POST",
        "/org/change_role",
        {},
        {"user_id": USER_ID, "org_id": ORG_ID, "role": "Member", "additional_roles": ["Billing"]},
        {},
        lambda r: r is None,
    ),
    (
        "allow saml",
        lambda c: c.orgs.allow_saml(ORG_ID),
        "POST",
        f"/org/{ORG_ID}/allow_saml",
        {},
        None,
        {},
        lambda r: r is None,
    ),
    (
        "disallow saml",
        lambda c: c.orgs.disallow_saml(ORG_ID),
        "POST",
        f"/org/{ORG_ID}/disallow_saml",
        {},
        None,
        {},
        lambda r: r is None,
    ),
    (
        "saml link",
        lambda c: c.orgs.create_saml_connection_link(ORG_ID, expires_in_seconds=600),
        "POST",
        f"/org/{ORG_ID}/create_saml_connection_link",
        {},
        {"expires_in_seconds": 600},
        {"url": "https://auth/x/SECRET"},
        lambda r: r.url == "https://auth/x/SECRET" and "SECRET" not in repr(r),
    ),
    (
        "saml link default",
        lambda c: c.orgs.create_saml_connection_link(ORG_ID),
        "POST",
        f"/org/{ORG_ID}/create_saml_connection_link",
        {},
        {},
        {"url": "u"},
        lambda r: r.url == "u",
    ),
    (
        "sp metadata",
        lambda c: c.orgs.fetch_saml_sp_metadata(ORG_ID),
        "GET",
        f"/saml_sp_metadata/{ORG_ID}",
        {},
        None,
        {"entity_id": "e", "acs_url": "a", "logout_url": "l"},
        lambda r: r.acs_url == "a",
    ),
    (
        "saml idp",
        lambda c: c.orgs.set_saml_idp_metadata(
            ORG_ID,
            idp_entity_id="e",
            idp_sso_url="https://idp/sso",
            idp_certificate="CERT",
            provider=SamlIdpProvider.OKTA,
        ),
        "POST",
        "/saml_idp_metadata",
        {},
        {
            "org_id": ORG_ID,
            "idp_entity_id": "e",
            "idp_sso_url": "https://idp/sso",
            "idp_certificate": "CERT",
            "provider": "Okta",
        },
        {},
        lambda r: r is None,
    ),
    (
        "oidc generic",
        lambda c: c.orgs.set_oidc_idp_metadata(
            ORG_ID,
            client_id="cid",
            client_secret="cs",
            uses_pkce=True,
            idp=GenericOidcIdp(
                auth_url="https://a", token_url="https://t", userinfo_url="https://u"
            ),
        ),
        "POST",
        "/oidc_idp_metadata",
        {},
        {
            "org_id": ORG_ID,
            "client_id": "cid",
            "client_secret": "cs",
            "uses_pkce": True,
            "idp_type": "Generic",
            "auth_url": "https://a",
            "token_url": "https://t",
            "userinfo_url": "https://u",
        },
        {},
        lambda r: r is None,
    ),
    (
        "oidc okta",
        lambda c: c.orgs.set_oidc_idp_metadata(
            ORG_ID,
            client_id="cid",
            client_secret="cs",
            uses_pkce=False,
            idp=OktaOidcIdp(okta_sso_domain="acme.okta.com"),
        ),
        "POST",
        "/oidc_idp_metadata",
        {},
        {
            "org_id": ORG_ID,
            "client_id": "cid",
            "client_secret": "cs",
            "uses_pkce": False,
            "idp_type": "Okta",
            "okta_sso_domain": "acme.okta.com",
        },
        {},
        lambda r: r is None,
    ),
    (
        "oidc azure",
        lambda c: c.orgs.set_oidc_idp_metadata(
            ORG_ID,
            client_id="cid",
            client_secret="cs",
            uses_pkce=False,
            idp=AzureOidcIdp(entra_tenant_id="t-1"),
        ),
        "POST",
        "/oidc_idp_metadata",
        {},
        {
            "org_id": ORG_ID,
            "client_id": "cid",
            "client_secret": "cs",
            "uses_pkce": False,
            "idp_type": "Azure",
            "entra_tenant_id": "t-1",
        },
        {},
        lambda r: r is None,
    ),
    (
        "go live",
        lambda c: c.orgs.saml_go_live(ORG_ID),
        "POST",
        f"/saml_idp_metadata/go_live/{ORG_ID}",
        {},
        None,
        {},
        lambda r: r is None,
    ),
    (
        "delete saml",
        lambda c: c.orgs.delete_saml_connection(ORG_ID),
        "DELETE",
        f"/saml_idp_metadata/{ORG_ID}",
        {},
        None,
        {},
        lambda r: r is None,
    ),
    (
        "invite by email",
        lambda c: c.invites.invite_by_email(email="new@acme.io", org_id=ORG_ID, role="Member"),
        "POST",
        "/invite_user",
        {},
        {"email": "new@acme.io", "org_id": ORG_ID, "role": "Member", "additional_roles": []},
        {},
        lambda r: r is None,
    ),
    (
        "invite by id",
        lambda c: c.invites.invite_by_user_id(
            user_id=USER_ID, org_id=ORG_ID, role="Admin", additional_roles=["Billing"]
        ),
        "POST",
        "/invite_user_by_id",
        {},
        {"user_id": USER_ID, "org_id": ORG_ID, "role": "Admin", "additional_roles": ["Billing"]},
        {},
        lambda r: r is None,
    ),
    (
        "pending for org",
        lambda c: c.invites.query_pending(org_id=ORG_ID, page_size=3),
        "GET",
        "/pending_org_invites",
        {"page_number": "0", "page_size": "3", "org_id": ORG_ID},
        None,
        {
            "invites": [
                {
                    "invitee_email": "n@a.io",
                    "org_id": ORG_ID,
                    "org_name": "Acme",
                    "role_in_org": "Member",
                    "additional_roles_in_org": [],
                    "created_at": 1,
                    "expires_at": 2,
                    "inviter_email": None,
                    "inviter_user_id": None,
                }
            ],
            "total_invites": 1,
            "current_page": 0,
            "page_size": 3,
            "has_more_results": False,
        },
        lambda r: isinstance(r.items[0], PendingInvite) and r.items[0].role_in_org == "Member",
    ),
    (
        "pending everywhere",
        lambda c: c.invites.query_pending(),
        "GET",
        "/pending_org_invites",
        {"page_number": "0", "page_size": "10"},
        None,
        {"invites": [], "total_invites": 0, "has_more_results": False},
        lambda r: r.total == 0,
    ),
    (
        "role mappings",
        lambda c: c.role_mappings.fetch_all(),
        "GET",
        "/custom_role_mappings",
        {},
        None,
        {
            "custom_role_mappings": [
                {
                    "custom_role_mapping_name": "Pro",
                    "num_orgs_subscribed": 2,
                    "roles": [{"name": "Owner", "permissions": ["x"]}],
                }
            ]
        },
        lambda r: r[0].custom_role_mapping_name == "Pro" and r[0].roles[0].permissions == ("x",),
    ),
]


@pytest.mark.parametrize(
    ("call", "method", "path", "query", "body", "answer", "check"),
    [case[1:] for case in WIRE],
    ids=[case[0] for case in WIRE],
)
async def test_wire(
    api: respx.MockRouter,
    client: AsyncPropelAuth,
    call: Call,
    method: str,
    path: str,
    query: dict[str, str],
    body: Any,
    answer: Any,
    check: Callable[[Any], bool],
) -> None:
    await check_wire(api, client, call, method, path, query, body, answer, check)


async def test_revoke_is_a_delete_with_a_body_and_empty_200_is_success(
    api: respx.MockRouter, client: AsyncPropelAuth
) -> None:
    route = api.delete("/pending_org_invites").respond(200, content=b"")
    assert await client.invites.revoke(org_id=ORG_ID, invitee_email="n@acme.io") is None
    assert json.loads(route.calls.last.request.content) == {
        "org_id": ORG_ID,
        "invitee_email": "n@acme.io",
    }


async def test_fetch_missing_org_is_none(api: respx.MockRouter, client: AsyncPropelAuth) -> None:
    api.get(f"/org/{ORG_ID}").respond(404)
    assert await client.orgs.fetch(ORG_ID) is None
    api.get(f"/saml_sp_metadata/{ORG_ID}").respond(404)
    assert await client.orgs.fetch_saml_sp_metadata(ORG_ID) is None


async def test_426_is_feature_not_enabled(api: respx.MockRouter, client: AsyncPropelAuth) -> None:
    api.get("/org/query").respond(
        426, text="Cannot use organizations unless B2B support is enabled"
    )
    with pytest.raises(FeatureNotEnabledError, match="B2B"):
        await client.orgs.query()


async def test_org_pager_carries_filters(api: respx.MockRouter, client: AsyncPropelAuth) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        number = int(request.url.params["page_number"])
        orgs = [{**ORG, "org_id": f"00000000-0000-4000-8000-00000000000{number}"}]
        return httpx.Response(
            200,
            json={
                "orgs": orgs,
                "total_orgs": 3,
                "current_page": number,
                "page_size": 1,
                "has_more_results": number < 2,
            },
        )

    route = api.get("/org/query").mock(side_effect=answer)
    orgs = [o async for o in client.orgs.iter(page_size=1, name="Ac", order_by="NAME")]
    assert len(orgs) == 3
    assert route.call_count == 3
    assert {c.request.url.params["name"] for c in route.calls} == {"Ac"}
    assert {c.request.url.params["order_by"] for c in route.calls} == {"NAME"}


BAD: list[tuple[str, Call]] = [
    ("org_id", lambda c: c.orgs.fetch("acme")),
    ("org_id", lambda c: c.orgs.update("nope", name="x")),
    ("name", lambda c: c.orgs.create("  ")),
    ("name", lambda c: c.orgs.update(ORG_ID, name="")),
    ("max_users", lambda c: c.orgs.create("Acme", max_users=0)),
    ("max_users", lambda c: c.orgs.update(ORG_ID, max_users=-3)),
    ("role", lambda c: c.orgs.add_user(org_id=ORG_ID, user_id=USER_ID, role="")),
    ("role", lambda c: c.orgs.change_role(org_id=ORG_ID, user_id=USER_ID, role=" ")),
    ("user_id", lambda c: c.orgs.remove_user(org_id=ORG_ID, user_id="bob")),
    ("email", lambda c: c.invites.invite_by_email(email="", org_id=ORG_ID, role="Member")),
    ("org_id", lambda c: c.invites.invite_by_email(email="a@b.io", org_id="x", role="Member")),
    ("role", lambda c: c.invites.invite_by_user_id(user_id=USER_ID, org_id=ORG_ID, role="")),
    ("org_id", lambda c: c.invites.query_pending(org_id="acme")),
    ("invitee_email", lambda c: c.invites.revoke(org_id=ORG_ID, invitee_email="nope")),
    (
        "idp_certificate",
        lambda c: c.orgs.set_saml_idp_metadata(
            ORG_ID, idp_entity_id="e", idp_sso_url="u", idp_certificate="", provider="Okta"
        ),
    ),
    (
        "provider",
        lambda c: c.orgs.set_saml_idp_metadata(
            ORG_ID, idp_entity_id="e", idp_sso_url="u", idp_certificate="c", provider="Myspace"
        ),
    ),
    (
        "idp",
        lambda c: c.orgs.set_oidc_idp_metadata(
            ORG_ID, client_id="c", client_secret="s", uses_pkce=True, idp="Okta"
        ),
    ),  # type: ignore[arg-type]
    (
        "idp.okta_sso_domain",
        lambda c: c.orgs.set_oidc_idp_metadata(
            ORG_ID,
            client_id="c",
            client_secret="s",
            uses_pkce=True,
            idp=OktaOidcIdp(okta_sso_domain=""),
        ),
    ),
    (
        "additional_roles",
        lambda c: c.orgs.add_user(
            org_id=ORG_ID, user_id=USER_ID, role="Admin", additional_roles="Billing"
        ),
    ),
    ("order_by", lambda c: c.orgs.query(order_by="SIZE")),
    ("custom_role_mapping_name", lambda c: c.orgs.subscribe_to_role_mapping(ORG_ID, "")),
]


@pytest.mark.parametrize(("parameter", "call"), BAD)
async def test_bad_input_refused_before_sending(
    api: respx.MockRouter, client: AsyncPropelAuth, parameter: str, call: Call
) -> None:
    with pytest.raises(InvalidArgumentError) as info:
        await call(client)
    assert info.value.parameter == parameter
    assert not api.calls
