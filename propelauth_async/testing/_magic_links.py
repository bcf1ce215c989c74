"""Emulated magic links: each one recorded, so a test can read its one-time code."""

from __future__ import annotations

import secrets
from typing import Any

from .. import _endpoints as endpoints
from .._endpoints import Endpoint
from ._request import Request
from ._routes import Handler
from ._state import State, bad_request, now
from ._users import create_user_record


def magic_link(state: State, req: Request) -> Any:
    email = req.email()
    hours = req.field("expires_in_hours", int, 24)
    if not 1 <= hours <= 168:
        raise bad_request("expires_in_hours", "Must be between 1 and 168")
    user = state.user_by_email(email)
    if user is None:
        if not req.field("create_new_user_if_one_doesnt_exist", bool, True):
            raise bad_request("email", "No user has this email")
        params = req.field("user_signup_query_parameters", dict, {})
        user = create_user_record(state, {"email": email, "signup_query_parameters": params})
    code = secrets.token_urlsafe(24)
    state.magic_links.append(
        {
            "email": user.email,
            "user_id": user.user_id,
            "code": code,
            "expires_at": now() + hours * 3600,
            "redirect_to_url": req.field("redirect_to_url", str, None),
            "expire_after_first_use": req.field("expire_after_first_use", bool, True),
            "requires_interstitial": req.field("requires_interstitial", bool, False),
        }
    )
    return {"url": f"https://{req.auth_host}/api/v1/magic_link?token={code}"}


ROUTES: dict[Endpoint, Handler] = {
    endpoints.CREATE_MAGIC_LINK: magic_link,
}
