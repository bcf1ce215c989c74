"""Emulated end-user API keys: tokens that validate, expire, archive on delete, count usage."""

from __future__ import annotations

import datetime
import secrets
from typing import Any

from .. import _endpoints as endpoints
from .._endpoints import Endpoint
from ._request import Request
from ._routes import Handler
from ._state import ApiKeyRecord, EmulatorError, State, bad_request, now, paged, user_json

_KEY_TYPES = ("all", "org", "personal")


def _key_json(key: ApiKeyRecord) -> dict[str, Any]:
    return {
        "api_key_id": key.api_key_id,
        "created_at": key.created_at,
        "expires_at_seconds": key.expires_at_seconds,
        "metadata": dict(key.metadata),
        "user_id": key.user_id,
        "org_id": key.org_id,
        "display_name": key.display_name,
    }


def _key(state: State, req: Request) -> ApiKeyRecord:
    key = state.api_keys.get(req.params["api_key_id"])
    if key is None:
        raise EmulatorError(404, {"api_key_id": ["API key not found"]})
    return key


def _owner(state: State, req: Request) -> dict[str, Any]:
    org_id = req.field("org_id", str, None)
    user_id = req.field("user_id", str, None)
    if org_id is None and user_id is None:
        raise bad_request("user_id", "An API key needs a user, an org, or both")
    if org_id is not None:
        state.org(req.uuid("org_id", org_id))
    if user_id is not None:
        state.user(req.uuid("user_id", user_id))
    expires = req.field("expires_at_seconds", int, None)
    if expires is not None and expires <= now():
        raise bad_request("expires_at_seconds", "Must be in the future")
    return {
        "org_id": org_id,
        "user_id": user_id,
        "expires_at_seconds": expires,
        "metadata": req.field("metadata", dict, {}),
        "display_name": req.field("display_name", str, None),
    }


def create_key(state: State, req: Request) -> Any:
    token = f"api_{secrets.token_hex(24)}"
    key = ApiKeyRecord(api_key_id=secrets.token_hex(16), token=token, **_owner(state, req))
    state.api_keys[key.api_key_id] = key
    return {"api_key_id": key.api_key_id, "api_key_token": token}


def import_key(state: State, req: Request) -> Any:
    token = req.text("imported_api_key")
    if any(k.token == token for k in state.api_keys.values()):
        raise bad_request("imported_api_key", "This key was already imported")
    key = ApiKeyRecord(
        api_key_id=secrets.token_hex(16), token=token, imported=True, **_owner(state, req)
    )
    state.api_keys[key.api_key_id] = key
    return {"api_key_id": key.api_key_id}


def fetch_key(state: State, req: Request) -> Any:
    return _key_json(_key(state, req))


def _lister(archived: bool) -> Handler:
    def handle(state: State, req: Request) -> Any:
        org_id, user_id = req.query_str("org_id"), req.query_str("user_id")
        email = req.query_str("user_email")
        owner = state.user_by_email(email) if email else None
        kind = req.query_str("api_key_type") or "all"
        if kind not in _KEY_TYPES:
            raise bad_request("api_key_type", f"Unknown API key type {kind!r}")
        keys = [
            k
            for k in state.api_keys.values()
            if k.archived == archived
            and (org_id is None or k.org_id == org_id)
            and (user_id is None or k.user_id == user_id)
            and (email is None or (owner is not None and k.user_id == owner.user_id))
            and (kind == "all" or (kind == "org") == (k.org_id is not None))
        ]
        page = paged(
            keys,
            page_number=req.query_int("page_number", 0),
            page_size=req.query_int("page_size", 10, 1, 100),
            key="api_keys",
            total_key="total_api_keys",
        )
        page["api_keys"] = [_key_json(k) for k in page["api_keys"]]
        return page

    return handle


def update_key(state: State, req: Request) -> Any:
    key = _key(state, req)
    if key.archived:
        raise EmulatorError(404, {"api_key_id": ["API key not found"]})
    body = req.json()
    if body.get("set_to_never_expire"):
        key.expires_at_seconds = None
    elif "expires_at_seconds" in body:
        key.expires_at_seconds = req.field("expires_at_seconds", int)
    if "metadata" in body:
        key.metadata = req.field("metadata", dict, {})
    return {}


def delete_key(state: State, req: Request) -> Any:
    key = _key(state, req)
    if key.archived:
        raise EmulatorError(404, {"api_key_id": ["API key not found"]})
    key.archived = True
    return {}


def _validator(imported: bool) -> Handler:
    def handle(state: State, req: Request) -> Any:
        token = req.text("api_key_token")
        key = next(
            (
                k
                for k in state.api_keys.values()
                if k.token == token and not k.archived and k.imported == imported
            ),
            None,
        )
        if key is None:
            raise EmulatorError(404, {"api_key_token": ["API key not found"]})
        if key.expires_at_seconds is not None and key.expires_at_seconds < now():
            raise bad_request("api_key_token", "API key has expired")
        day = datetime.date.today().isoformat()
        state.api_key_usage[(day, key.api_key_id)] = (
            state.api_key_usage.get((day, key.api_key_id), 0) + 1
        )
        result: dict[str, Any] = {"metadata": dict(key.metadata)}
        if key.user_id is not None and key.user_id in state.users:
            user = state.users[key.user_id]
            result["user"] = user_json(state, user, include_orgs=True)
        if key.org_id is not None and key.org_id in state.orgs:
            org = state.orgs[key.org_id]
            result["org"] = {
                "org_id": org.org_id,
                "org_name": org.name,
                "max_users": org.max_users,
                "is_saml_configured": org.is_saml_configured,
                "legacy_org_id": org.legacy_org_id,
                "metadata": dict(org.metadata),
                "custom_role_mapping_name": org.custom_role_mapping_name,
            }
            if key.user_id is not None and key.user_id in org.members:
                result["user_in_org"] = state.member_info(org, key.user_id)
        return result

    return handle


def usage(state: State, req: Request) -> Any:
    day = req.query.get("date") or ""
    try:
        datetime.date.fromisoformat(day)
    except ValueError:
        raise bad_request("date", "Must be YYYY-MM-DD") from None
    org_id, user_id, key_id = (req.query_str(n) for n in ("org_id", "user_id", "api_key_id"))
    count = 0
    for (when, kid), n in state.api_key_usage.items():
        key = state.api_keys[kid]
        if (
            when == day
            and (key_id is None or kid == key_id)
            and (org_id is None or key.org_id == org_id)
            and (user_id is None or key.user_id == user_id)
        ):
            count += n
    return {"count": count}


ROUTES: dict[Endpoint, Handler] = {
    endpoints.FETCH_API_KEY: fetch_key,
    endpoints.FETCH_CURRENT_API_KEYS: _lister(archived=False),
    endpoints.FETCH_ARCHIVED_API_KEYS: _lister(archived=True),
    endpoints.CREATE_API_KEY: create_key,
    endpoints.UPDATE_API_KEY: update_key,
    endpoints.DELETE_API_KEY: delete_key,
    # One POST validates every kind of key; the client's personal/org checks read the answer.
    **dict.fromkeys(
        (
            endpoints.VALIDATE_API_KEY,
            endpoints.VALIDATE_PERSONAL_API_KEY,
            endpoints.VALIDATE_ORG_API_KEY,
        ),
        _validator(imported=False),
    ),
    endpoints.VALIDATE_IMPORTED_API_KEY: _validator(imported=True),
    endpoints.FETCH_API_KEY_USAGE: usage,
    endpoints.IMPORT_API_KEY: import_key,
}
