"""Emulated access-token creation: real RS256 tokens for a user, optionally for one org."""

from __future__ import annotations

from typing import Any

from .. import _endpoints as endpoints
from .._endpoints import Endpoint
from ._request import Request
from ._routes import Handler
from ._state import EmulatorError, State, bad_request
from ._tokens import mint


def create_access_token(state: State, req: Request) -> Any:
    if not state.access_tokens_enabled:
        raise EmulatorError(404, "Access token creation is not enabled")
    user_id = req.uuid("user_id", req.text("user_id"))
    minutes = req.field("duration_in_minutes", int)
    if not 1 <= minutes <= 1440:
        raise bad_request("duration_in_minutes", "Must be between 1 and 1440")
    active = req.field("active_org_id", str, None)
    if user_id not in state.users:
        raise EmulatorError(403, {"user_id": ["User not found"]})
    token = mint(
        state,
        user_id,
        issuer=f"https://{req.auth_host}",
        expires_in=minutes * 60,
        active_org_id=active,
    )
    return {"access_token": token}


ROUTES: dict[Endpoint, Handler] = {
    endpoints.CREATE_ACCESS_TOKEN: create_access_token,
}
