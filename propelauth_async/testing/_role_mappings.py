"""Emulated custom role mappings: named role hierarchies that orgs can subscribe to."""

from __future__ import annotations

from typing import Any

from .. import _endpoints as endpoints
from .._endpoints import Endpoint
from ._request import Request
from ._routes import Handler
from ._state import State


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
    endpoints.FETCH_CUSTOM_ROLE_MAPPINGS: role_mappings,
}
