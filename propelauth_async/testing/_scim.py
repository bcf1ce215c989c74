"""Emulated SCIM groups, as an org's identity provider pushes them (``Emulator.add_scim_group``)."""

from __future__ import annotations

from typing import Any

from .. import _endpoints as endpoints
from .._endpoints import Endpoint
from ._request import Request
from ._routes import Handler
from ._state import State, not_found, paged


def _groups(state: State, req: Request) -> dict[str, dict[str, Any]]:
    org = state.org(req.uuid("org_id"))
    return state.scim_groups.get(org.org_id, {})


def _summary(group: dict[str, Any]) -> dict[str, Any]:
    return {k: group[k] for k in ("group_id", "display_name", "external_id_from_idp")}


def scim_groups(state: State, req: Request) -> Any:
    user_id = req.query_str("user_id")
    groups = [g for g in _groups(state, req).values() if user_id is None or user_id in g["members"]]
    page = paged(
        groups,
        page_number=req.query_int("page_number", 0),
        page_size=req.query_int("page_size", 10, 1, 100),
        key="groups",
        total_key="total_groups",
    )
    return {
        "groups": [_summary(g) for g in page["groups"]],
        "page_number": page["current_page"],
        "page_size": page["page_size"],
        "total_groups": page["total_groups"],
    }


def scim_group(state: State, req: Request) -> Any:
    group = _groups(state, req).get(req.params["group_id"])
    if group is None:
        raise not_found("SCIM group")
    size = req.query_int("members_page_size", 10, 1, 100)
    number = req.query_int("members_page_number", 0)
    members = group["members"][number * size : (number + 1) * size]
    return {
        **_summary(group),
        "members": [{"user_id": m} for m in members],
        "total_members": len(group["members"]),
    }


ROUTES: dict[Endpoint, Handler] = {
    endpoints.FETCH_ORG_SCIM_GROUPS: scim_groups,
    endpoints.FETCH_SCIM_GROUP: scim_group,
}
