"""Emulated organizations and memberships: the rules the real service applies to them."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from .._endpoints import Endpoint
from ._request import Request
from ._state import EmulatorError, Membership, OrgRecord, State, bad_request, new_id, not_found

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


def remove_member(state: State, org_id: str, user_id: str) -> None:
    org = state.org(org_id)
    if org.members.pop(user_id, None) is None:
        raise not_found("membership")
    state.user_orgs.get(user_id, {}).pop(org_id, None)


def delete_org(state: State, org_id: str) -> None:
    org = state.org(org_id)
    for user_id in org.members:
        state.user_orgs.get(user_id, {}).pop(org_id, None)
    for key in [k for k in state.invites if k[0] == org_id]:
        del state.invites[key]
    del state.orgs[org_id]


ROUTES: dict[Endpoint, Handler] = {}

__all__ = ["ROUTES", "EmulatorError", "add_member", "create_org_record", "delete_org"]
