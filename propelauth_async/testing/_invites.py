"""Emulated org invites: pending until the invitee joins, revoked by org and email."""

from __future__ import annotations

from typing import Any

import attrs

from .. import _endpoints as endpoints
from .._endpoints import Endpoint
from ._orgs import check_capacity, check_domain, check_roles
from ._request import Request
from ._routes import Handler
from ._state import InviteRecord, State, bad_request, not_found, paged


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
    return {}  # JSON, as the official client parses it (an empty body crashes it)


ROUTES: dict[Endpoint, Handler] = {
    endpoints.INVITE_USER_TO_ORG: invite_by_email,
    endpoints.INVITE_USER_TO_ORG_BY_ID: invite_by_user_id,
    endpoints.FETCH_PENDING_INVITES: pending_invites,
    endpoints.REVOKE_PENDING_INVITE: revoke_invite,
}
