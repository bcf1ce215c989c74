"""Emulated org invites and custom role mappings."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs

from .. import _endpoints as E
from .._endpoints import Endpoint
from ._orgs import check_capacity, check_domain, check_roles
from ._request import Request
from ._state import InviteRecord, State, bad_request, not_found, paged

Handler = Callable[[State, Request], Any]


def _invite(state: State, req: Request, email: str) -> Any:
    org = state.org(req.uuid("org_id", req.text("org_id")))
    role, additional = req.text("role"), req.string_list("additional_roles")
    check_roles(state, org, role, additional)
    check_domain(org, email)
    existing = state.user_by_email(email)
    if existing is not None and existing.user_id in org.members:
        raise bad_request("email", "User is already a member of this organization")
    pending = sum(1 for key in state.invites if key[0] == org.org_id)
    check_capacity(org, adding=pending + 1)
    state.invites[(org.org_id, email.lower())] = InviteRecord(
        invitee_email=email, org_id=org.org_id, role_in_org=role, additional_roles_in_org=additional
    )
    return {}


def invite_by_email(state: State, req: Request) -> Any:
    return _invite(state, req, req.email())


def invite_by_user_id(state: State, req: Request) -> Any:
    return _invite(state, req, state.user(req.uuid("user_id", req.text("user_id"))).email)


def pending_invites(state: State, req: Request) -> Any:
    state.require_b2b()
    org_id = req.query_str("org_id")
    if org_id is not None:
        org_id = state.org(req.uuid("org_id", org_id)).org_id
    invites = [i for i in state.invites.values() if org_id is None or i.org_id == org_id]
    page = paged(
        invites,
        page_number=req.query_int("page_number", 0),
        page_size=req.query_int("page_size", 10, 1, 100),
        key="invites",
        total_key="total_invites",
    )
    page["invites"] = [
        {**attrs.asdict(i), "org_name": state.orgs[i.org_id].name} for i in page["invites"]
    ]
    return page


def revoke_invite(state: State, req: Request) -> Any:
    org = state.org(req.uuid("org_id", req.text("org_id")))
    if state.invites.pop((org.org_id, req.email("invitee_email").lower()), None) is None:
        raise not_found("invite")
    return None  # the real service answers 200 with an empty body


def role_mappings(state: State, req: Request) -> Any:
    state.require_b2b()
    used: dict[str, int] = {}
    for org in state.orgs.values():
        if org.custom_role_mapping_name:
            used[org.custom_role_mapping_name] = used.get(org.custom_role_mapping_name, 0) + 1
    return {
        "custom_role_mappings": [
            {
                "custom_role_mapping_name": name,
                "num_orgs_subscribed": used.get(name, 0),
                "roles": [
                    {"name": r, "permissions": list(h.permissions.get(r, ()))} for r in h.roles
                ],
            }
            for name, h in state.role_mappings.items()
        ]
    }


ROUTES: dict[Endpoint, Handler] = {
    E.INVITE_USER_TO_ORG: invite_by_email,
    E.INVITE_USER_TO_ORG_BY_ID: invite_by_user_id,
    E.FETCH_PENDING_INVITES: pending_invites,
    E.REVOKE_PENDING_INVITE: revoke_invite,
    E.FETCH_CUSTOM_ROLE_MAPPINGS: role_mappings,
}
