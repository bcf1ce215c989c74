"""Emulated organizations, memberships and SAML/OIDC connections: the rules the real service
applies to them."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from .. import _endpoints as endpoints
from .._endpoints import Endpoint
from . import _webhooks
from ._request import Request
from ._state import (
    EmulatorError,
    Membership,
    OrgRecord,
    State,
    bad_request,
    new_id,
    not_found,
    paged,
)

Handler = Callable[[State, Request], Any]

_ORG_FIELDS = frozenset(attr for attr in OrgRecord.__annotations__ if attr != "members")


def slugify(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "org"


def _unique_slug(state: State, name: str) -> str:
    base = slug = slugify(name)
    taken = {org.url_safe_org_slug for org in state.orgs.values()}
    n = 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    return slug


def create_org_record(state: State, name: str, fields: dict[str, Any]) -> OrgRecord:
    state.require_b2b()
    if not name.strip():
        raise bad_request("name", "Must not be empty")
    unknown = set(fields) - _ORG_FIELDS
    if unknown:
        raise ValueError(f"unknown org fields: {sorted(unknown)}")
    max_users = fields.get("max_users")
    if max_users is not None and max_users < 1:
        raise bad_request("max_users", "Must be at least 1")
    mapping = fields.get("custom_role_mapping_name")
    if mapping is not None and mapping not in state.role_mappings:
        raise bad_request("custom_role_mapping_name", "Unknown role mapping")
    org = OrgRecord(
        org_id=fields.pop("org_id", None) or new_id(),
        name=name,
        url_safe_org_slug=fields.pop("url_safe_org_slug", None) or _unique_slug(state, name),
        **fields,
    )
    state.orgs[org.org_id] = org
    _webhooks.org_changed(state, "org.created", org)
    return org


def _email_domain(email: str) -> str:
    return email.rsplit("@", 1)[-1].lower()


def check_domain(org: OrgRecord, email: str, field: str = "email") -> None:
    """An org that restricts membership to its domain refuses other addresses."""
    if not org.domain_restrict or not org.domain:
        return
    allowed = {org.domain.lower(), *(d.lower() for d in org.extra_domains)}
    if _email_domain(email) not in allowed:
        raise bad_request(field, f"Members of this organization must have a {org.domain} email")


def check_roles(state: State, org: OrgRecord, role: str, additional: list[str]) -> None:
    hierarchy = state.hierarchy_of(org)
    if role not in hierarchy.roles:
        raise bad_request("role", f"Unknown role {role!r}")
    for extra in additional:
        if extra not in hierarchy.roles:
            raise bad_request("additional_roles", f"Unknown role {extra!r}")
    if additional and hierarchy.structure != "multi_role":
        raise bad_request("additional_roles", "Additional roles need a multi-role structure")


def check_capacity(org: OrgRecord, adding: int = 1) -> None:
    if org.max_users is not None and len(org.members) + adding > org.max_users:
        raise bad_request("org_id", "This organization has reached its maximum number of users")


def add_member(
    state: State, org_id: str, user_id: str, role: str | None, additional: list[str]
) -> None:
    org = state.org(org_id)
    user = state.users.get(user_id)
    if user is None:
        raise not_found("user")
    role = role or state.hierarchy_of(org).lowest
    check_roles(state, org, role, additional)
    if user_id in org.members:
        raise bad_request("user_id", "User is already a member of this organization")
    check_capacity(org)
    check_domain(org, user.email, "user_id")
    org.members[user_id] = Membership(role=role, additional_roles=list(additional))
    state.user_orgs.setdefault(user_id, {})[org_id] = None
    state.invites.pop((org_id, user.email.lower()), None)
    _webhooks.emit(state, "user.added_to_org", user_id=user_id, org_id=org_id, role=role)


def remove_member(state: State, org_id: str, user_id: str) -> None:
    org = state.org(org_id)
    if org.members.pop(user_id, None) is None:
        raise not_found("membership")
    state.user_orgs.get(user_id, {}).pop(org_id, None)
    _webhooks.emit(state, "user.removed_from_org", user_id=user_id, org_id=org_id)


def delete_org(state: State, org_id: str) -> None:
    org = state.org(org_id)
    for user_id in org.members:
        state.user_orgs.get(user_id, {}).pop(org_id, None)
    for key in [k for k in state.invites if k[0] == org_id]:
        del state.invites[key]
    del state.orgs[org_id]
    _webhooks.org_changed(state, "org.deleted", org)


# HTTP handlers ---------------------------------------------------------------------------------

_ORDER: dict[str, Callable[[OrgRecord], Any]] = {
    "CREATED_AT_ASC": lambda o: o.created_at,
    "CREATED_AT_DESC": lambda o: o.created_at,
    "NAME": lambda o: o.name.lower(),
}


def org_json(org: OrgRecord) -> dict[str, Any]:
    return {
        "org_id": org.org_id,
        "name": org.name,
        "url_safe_org_slug": org.url_safe_org_slug,
        "can_setup_saml": org.can_setup_saml,
        "is_saml_configured": org.is_saml_configured,
        "is_saml_in_test_mode": org.is_saml_in_test_mode,
        "max_users": org.max_users,
        "metadata": dict(org.metadata),
        "domain": org.domain,
        "extra_domains": list(org.extra_domains),
        "domain_autojoin": org.domain_autojoin,
        "domain_restrict": org.domain_restrict,
        "custom_role_mapping_name": org.custom_role_mapping_name,
        "legacy_org_id": org.legacy_org_id,
        "require_2fa_by": org.require_2fa_by,
        "password_rotation_enabled": org.password_rotation_enabled,
        "password_rotation_history_size": org.password_rotation_history_size,
        "password_rotation_period": org.password_rotation_period,
        "created_at": org.created_at,
    }


def _org_summary(org: OrgRecord) -> dict[str, Any]:
    keys = (
        "org_id",
        "name",
        "max_users",
        "is_saml_configured",
        "legacy_org_id",
        "metadata",
        "custom_role_mapping_name",
        "created_at",
    )
    full = org_json(org)
    return {k: full[k] for k in keys}


def fetch_org(state: State, req: Request) -> Any:
    return org_json(state.org(req.uuid("org_id")))


def query_orgs(state: State, req: Request) -> Any:
    state.require_b2b()
    page_size = req.query_int("page_size", 10, 1, 100)
    page_number = req.query_int("page_number", 0)
    order_by = req.query.get("order_by") or "CREATED_AT_ASC"
    if order_by not in _ORDER:
        raise bad_request("order_by", "Invalid order")
    name = (req.query_str("name") or "").lower()
    legacy = req.query_str("legacy_org_id")
    domain = (req.query_str("domain") or "").lower()
    orgs = [
        o
        for o in state.orgs.values()
        if name in o.name.lower()
        and (legacy is None or o.legacy_org_id == legacy)
        and (
            not domain
            or domain in {(o.domain or "").lower(), *(d.lower() for d in o.extra_domains)}
        )
    ]
    if order_by != "CREATED_AT_ASC":
        orgs.sort(key=_ORDER[order_by], reverse=order_by.endswith("_DESC"))
    page = paged(
        orgs, page_number=page_number, page_size=page_size, key="orgs", total_key="total_orgs"
    )
    page["orgs"] = [_org_summary(o) for o in page["orgs"]]
    return page


def create_org(state: State, req: Request) -> Any:
    fields = {
        "domain": req.field("domain", str, None) or None,
        "domain_autojoin": req.field("enable_auto_joining_by_domain", bool, False),
        "domain_restrict": req.field("members_must_have_matching_domain", bool, False),
        "max_users": req.field("max_users", int, None),
        "legacy_org_id": req.field("legacy_org_id", str, None) or None,
        "custom_role_mapping_name": req.field("custom_role_mapping_name", str, None),
    }
    org = create_org_record(state, req.text("name"), fields)
    return {"org_id": org.org_id, "name": org.name}


_UPDATABLE: dict[str, tuple[str, type | tuple[type, ...]]] = {
    "name": ("name", str),
    "can_setup_saml": ("can_setup_saml", bool),
    "metadata": ("metadata", dict),
    "max_users": ("max_users", int),
    "autojoin_by_domain": ("domain_autojoin", bool),
    "restrict_to_domain": ("domain_restrict", bool),
    "domain": ("domain", str),
    "extra_domains": ("extra_domains", list),
    "require_2fa_by": ("require_2fa_by", str),
    "password_rotation_enabled": ("password_rotation_enabled", bool),
    "password_rotation_history_size": ("password_rotation_history_size", int),
    "password_rotation_period": ("password_rotation_period", int),
    "legacy_org_id": ("legacy_org_id", str),
    "custom_role_mapping_name": ("custom_role_mapping_name", str),
}


def update_org(state: State, req: Request) -> Any:
    org = state.org(req.uuid("org_id"))
    body = req.json()
    changes: dict[str, Any] = {}
    for wire, (attr, kind) in _UPDATABLE.items():
        if wire in body:
            changes[attr] = req.field(wire, kind, None)
    if "name" in changes and not (changes["name"] or "").strip():
        raise bad_request("name", "Must not be empty")
    max_users = changes.get("max_users")
    if max_users is not None and max_users < max(1, len(org.members)):
        raise bad_request("max_users", "Must be at least 1 and at least the current member count")
    mapping = changes.get("custom_role_mapping_name")
    if mapping is not None and mapping not in state.role_mappings:
        raise bad_request("custom_role_mapping_name", "Unknown role mapping")
    for attr, value in changes.items():
        setattr(org, attr, [] if attr == "extra_domains" and value is None else value)
    _webhooks.org_changed(state, "org.updated", org)
    return {}


def delete_org_route(state: State, req: Request) -> Any:
    delete_org(state, req.uuid("org_id"))
    return {}


def add_user_route(state: State, req: Request) -> Any:
    add_member(
        state,
        req.uuid("org_id", req.text("org_id")),
        req.uuid("user_id", req.text("user_id")),
        req.text("role"),
        req.string_list("additional_roles"),
    )
    return {}


def remove_user_route(state: State, req: Request) -> Any:
    remove_member(
        state, req.uuid("org_id", req.text("org_id")), req.uuid("user_id", req.text("user_id"))
    )
    return {}


def change_role(state: State, req: Request) -> Any:
    org = state.org(req.uuid("org_id", req.text("org_id")))
    user_id = req.uuid("user_id", req.text("user_id"))
    member = org.members.get(user_id)
    if member is None:
        raise not_found("membership")
    role, additional = req.text("role"), req.string_list("additional_roles")
    check_roles(state, org, role, additional)
    old_role = member.role
    member.role, member.additional_roles = role, additional
    _webhooks.emit(
        state,
        "user.role_changed_within_org",
        user_id=user_id,
        org_id=org.org_id,
        old_role=old_role,
        new_role=role,
    )
    return {}


# SAML and OIDC connections -----------------------------------------------------------------

_OIDC_FIELDS = {
    "Generic": ("auth_url", "token_url", "userinfo_url"),
    "Okta": ("okta_sso_domain",),
    "Azure": ("entra_tenant_id",),
}


def _saml_switch(allowed: bool) -> Handler:
    def handle(state: State, req: Request) -> Any:
        state.org(req.uuid("org_id")).can_setup_saml = allowed
        return {}

    return handle


def saml_link(state: State, req: Request) -> Any:
    org = state.org(req.uuid("org_id"))
    expires = req.field("expires_in_seconds", int, 86400) if req.body else 86400
    if expires < 1:
        raise bad_request("expires_in_seconds", "Must be positive")
    org.can_setup_saml = True
    return {"url": f"https://{req.auth_host}/saml/setup/{org.org_id}/{new_id()}"}


def saml_sp_metadata(state: State, req: Request) -> Any:
    org = state.org(req.uuid("org_id"))
    base = f"https://{req.auth_host}/saml/{org.org_id}"
    return {
        "entity_id": f"{base}/metadata",
        "acs_url": f"{base}/acs",
        "logout_url": f"{base}/logout",
    }


def set_saml_idp(state: State, req: Request) -> Any:
    org = state.org(req.uuid("org_id", req.text("org_id")))
    org.saml = {
        name: req.text(name)
        for name in ("idp_entity_id", "idp_sso_url", "idp_certificate", "provider")
    }
    org.is_saml_configured, org.is_saml_in_test_mode = True, True
    return {}


def set_oidc_idp(state: State, req: Request) -> Any:
    org = state.org(req.uuid("org_id", req.text("org_id")))
    idp_type = req.text("idp_type")
    if idp_type not in _OIDC_FIELDS:
        raise bad_request("idp_type", "Must be Generic, Okta or Azure")
    settings = {
        name: req.text(name) for name in ("client_id", "client_secret", *_OIDC_FIELDS[idp_type])
    }
    org.saml = {
        "oidc": True,
        "idp_type": idp_type,
        "uses_pkce": req.field("uses_pkce", bool),
        **settings,
    }
    org.is_saml_configured, org.is_saml_in_test_mode = True, True
    return {}


def saml_go_live(state: State, req: Request) -> Any:
    org = state.org(req.uuid("org_id"))
    if not org.is_saml_configured:
        raise bad_request("org_id", "No SAML connection is configured")
    org.is_saml_in_test_mode = False
    return {}


def delete_saml(state: State, req: Request) -> Any:
    org = state.org(req.uuid("org_id"))
    if not org.is_saml_configured:
        raise not_found("SAML connection")
    org.saml, org.is_saml_configured, org.is_saml_in_test_mode = {}, False, False
    return {}


ROUTES: dict[Endpoint, Handler] = {
    endpoints.FETCH_ORG: fetch_org,
    endpoints.QUERY_ORGS: query_orgs,
    endpoints.CREATE_ORG: create_org,
    endpoints.UPDATE_ORG: update_org,
    endpoints.DELETE_ORG: delete_org_route,
    endpoints.ADD_USER_TO_ORG: add_user_route,
    endpoints.REMOVE_USER_FROM_ORG: remove_user_route,
    endpoints.CHANGE_USER_ROLE_IN_ORG: change_role,
    # The server cannot tell a subscription from an update: the same PUT, the same handler.
    endpoints.SUBSCRIBE_ORG_TO_ROLE_MAPPING: update_org,
    endpoints.ALLOW_ORG_SAML: _saml_switch(True),
    endpoints.DISALLOW_ORG_SAML: _saml_switch(False),
    endpoints.CREATE_SAML_CONNECTION_LINK: saml_link,
    endpoints.FETCH_SAML_SP_METADATA: saml_sp_metadata,
    endpoints.SET_SAML_IDP_METADATA: set_saml_idp,
    endpoints.SET_OIDC_IDP_METADATA: set_oidc_idp,
    endpoints.SAML_GO_LIVE: saml_go_live,
    endpoints.DELETE_SAML_CONNECTION: delete_saml,
}

__all__ = [
    "ROUTES",
    "EmulatorError",
    "add_member",
    "check_capacity",
    "check_domain",
    "check_roles",
    "create_org_record",
    "delete_org",
    "org_json",
]
