"""Emulated migration from another auth system: users with their old ids and password hashes."""

from __future__ import annotations

from typing import Any

from .. import _endpoints as endpoints
from .._endpoints import Endpoint
from ._request import Request
from ._routes import Handler
from ._state import State
from ._users import create_user_record


def migrate_user(state: State, req: Request) -> Any:
    email = req.email()
    enabled = req.field("enabled", bool, True)
    record = create_user_record(
        state,
        {
            "email": email,
            "email_confirmed": req.field("email_confirmed", bool, False),
            "username": req.field("username", str, None),
            "first_name": req.field("first_name", str, None),
            "last_name": req.field("last_name", str, None),
            "picture_url": req.field("picture_url", str, None),
            "properties": req.field("properties", dict, {}),
            "password_hash": req.field("existing_password_hash", str, None),
            "legacy_user_id": req.field("existing_user_id", str, None),
            "update_password_required": req.field("update_password_required", bool, False),
            "enabled": enabled,
        },
    )
    if req.field("existing_mfa_base32_encoded_secret", str, None):
        record.mfa_totp = record.mfa_enabled = True
    return {"user_id": record.user_id}


def migrate_password(state: State, req: Request) -> Any:
    record = state.user(req.uuid("user_id", req.text("user_id")))
    record.password_hash = req.text("password_hash")
    record.password_hash_type = req.field("password_hash_type", str, None)
    return {}


ROUTES: dict[Endpoint, Handler] = {
    endpoints.MIGRATE_USER: migrate_user,
    endpoints.MIGRATE_USER_PASSWORD: migrate_password,
}
