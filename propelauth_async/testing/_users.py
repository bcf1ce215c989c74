"""Emulated user endpoints: the rules the real service applies to users."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .. import _endpoints as endpoints
from . import _webhooks
from ._request import Request
from ._state import (
    EmulatorError,
    State,
    UserRecord,
    bad_request,
    new_id,
    not_found,
    now,
    paged,
    user_json,
)

Handler = Callable[[State, Request], Any]

_USER_ORDER: dict[str, Callable[[UserRecord], Any]] = {
    "CREATED_AT_ASC": lambda u: u.created_at,
    "CREATED_AT_DESC": lambda u: u.created_at,
    "LAST_ACTIVE_AT_ASC": lambda u: u.last_active_at or 0,
    "LAST_ACTIVE_AT_DESC": lambda u: u.last_active_at or 0,
    "EMAIL": lambda u: u.email.lower(),
    "USERNAME": lambda u: (u.username or "").lower(),
}


def create_user_record(state: State, fields: dict[str, Any]) -> UserRecord:
    """Create and index a user after the uniqueness checks; used by HTTP and by seeding."""
    email = fields["email"]
    state.check_unique(email=email, username=fields.get("username"))
    record = UserRecord(user_id=fields.pop("user_id", None) or new_id(), **fields)
    state.index_user(record)
    _webhooks.user_changed(state, "user.created", record)
    return record


def _lookup(state: State, record: UserRecord | None, req: Request) -> Any:
    if record is None:
        raise not_found("user")
    return user_json(state, record, include_orgs=req.query_bool("include_orgs"))


def fetch_user(state: State, req: Request) -> Any:
    return _lookup(state, state.users.get(req.uuid("user_id")), req)


def fetch_by_email(state: State, req: Request) -> Any:
    email = req.query.get("email") or ""
    return _lookup(state, state.user_by_email(email) if email else None, req)


def fetch_by_username(state: State, req: Request) -> Any:
    username = req.query.get("username") or ""
    return _lookup(state, state.user_by_username(username) if username else None, req)


def _batch(find: Callable[[State, str], UserRecord | None], field: str) -> Handler:
    def handle(state: State, req: Request) -> Any:
        include = req.query_bool("include_orgs")
        seen: dict[str, UserRecord] = {}
        for key in req.string_list(field):
            record = find(state, key)
            if record is not None:
                seen[record.user_id] = record
        return [user_json(state, r, include_orgs=include) for r in seen.values()]

    return handle


def query_users(state: State, req: Request) -> Any:
    page_size = req.query_int("page_size", 10, 1, 100)
    page_number = req.query_int("page_number", 0)
    order_by = req.query.get("order_by") or "CREATED_AT_ASC"
    if order_by not in _USER_ORDER:
        raise bad_request("order_by", "Invalid order")
    needle = (req.query_str("email_or_username") or "").lower()
    legacy = req.query_str("legacy_user_id")
    include = req.query_bool("include_orgs")
    users = [
        u
        for u in state.users.values()
        if (not needle or needle in u.email.lower() or needle in (u.username or "").lower())
        and (legacy is None or u.legacy_user_id == legacy)
    ]
    if order_by != "CREATED_AT_ASC":  # the dict is already in creation order
        users.sort(key=_USER_ORDER[order_by], reverse=order_by.endswith("_DESC"))
    page = paged(
        users, page_number=page_number, page_size=page_size, key="users", total_key="total_users"
    )
    page["users"] = [user_json(state, u, include_orgs=include) for u in page["users"]]
    return page


def query_users_in_org(state: State, req: Request) -> Any:
    org = state.org(req.uuid("org_id"))
    page_size = req.query_int("page_size", 10, 1, 100)
    page_number = req.query_int("page_number", 0)
    role = req.query_str("role")
    include = req.query_bool("include_orgs")
    members = [
        state.users[uid]
        for uid, member in org.members.items()
        if role is None or member.role == role or role in member.additional_roles
    ]
    page = paged(
        members, page_number=page_number, page_size=page_size, key="users", total_key="total_users"
    )
    page["users"] = [user_json(state, u, include_orgs=include) for u in page["users"]]
    return page


def create_user(state: State, req: Request) -> Any:
    email = req.email()
    password = req.field("password", str, None)
    if password is not None and len(password) < 8:
        raise bad_request("password", "Password must be at least 8 characters")
    record = create_user_record(
        state,
        {
            "email": email,
            "email_confirmed": req.field("email_confirmed", bool, False),
            "password": password,
            "username": req.text("username", None),
            "first_name": req.field("first_name", str, None),
            "last_name": req.field("last_name", str, None),
            "properties": req.field("properties", dict, {}),
            "update_password_required": req.field(
                "ask_user_to_update_password_on_login", bool, False
            ),
        },
    )
    if req.field("send_email_to_confirm_email_address", bool, True) and not record.email_confirmed:
        record.confirmation_emails_sent += 1
    return {"user_id": record.user_id}


def update_user(state: State, req: Request) -> Any:
    record = state.user(req.uuid("user_id"))
    body = req.json()
    if "username" in body and body["username"] is not None:
        username = req.text("username")
        state.check_unique(username=username, exclude=record.user_id)
        if record.username:
            state.by_username.pop(record.username.lower(), None)
        record.username = username
        state.by_username[username.lower()] = record.user_id
    elif "username" in body:
        if record.username:
            state.by_username.pop(record.username.lower(), None)
        record.username = None
    for name in ("first_name", "last_name", "picture_url", "legacy_user_id"):
        if name in body:
            setattr(record, name, req.field(name, str, None))
    for name in ("metadata", "properties"):
        if name in body:
            setattr(record, name, req.field(name, dict, {}))
    if "update_password_required" in body:
        record.update_password_required = req.field("update_password_required", bool)
    _webhooks.user_changed(state, "user.updated", record)
    return {}


def update_email(state: State, req: Request) -> Any:
    record = state.user(req.uuid("user_id"))
    email = req.email("new_email")
    require = req.field("require_email_confirmation", bool, True)
    state.check_unique(email=email, exclude=record.user_id)
    state.by_email.pop(record.email.lower(), None)
    record.email = email
    state.by_email[email.lower()] = record.user_id
    record.email_confirmed = not require
    if require:
        record.confirmation_emails_sent += 1
    _webhooks.user_changed(state, "user.updated", record)
    return {}


def update_password(state: State, req: Request) -> Any:
    record = state.user(req.uuid("user_id"))
    password = req.text("password")
    if len(password) < 8:
        raise bad_request("password", "Password must be at least 8 characters")
    record.password = password
    record.update_password_required = req.field("ask_user_to_update_password_on_login", bool, False)
    return {}


def _set(**changes: Any) -> Handler:
    def handle(state: State, req: Request) -> Any:
        record = state.user(req.uuid("user_id"))
        for name, value in changes.items():
            setattr(record, name, value() if callable(value) else value)
        return {}

    return handle


def delete_user(state: State, req: Request) -> Any:
    record = state.user(req.uuid("user_id"))
    state.remove_user(record.user_id)
    _webhooks.user_changed(state, "user.deleted", record)
    return {}


def resend_confirmation(state: State, req: Request) -> Any:
    record = state.user(req.uuid("user_id", req.text("user_id")))
    if record.email_confirmed:
        raise EmulatorError(400, {"user_facing_error": "Email is already confirmed"})
    record.confirmation_emails_sent += 1
    return {}


def signup_params(state: State, req: Request) -> Any:
    record = state.user(req.uuid("user_id"))
    return {"user_signup_query_parameters": dict(record.signup_query_parameters)}


def mfa_methods(state: State, req: Request) -> Any:
    record = state.user(req.uuid("user_id"))
    if record.mfa_phones:
        return {"mfa_setup": {"type": "Phone", "phone_numbers": list(record.mfa_phones)}}
    if record.mfa_totp or record.mfa_enabled:
        return {"mfa_setup": {"type": "Totp"}}
    return {"mfa_setup": None}


def oauth_tokens(state: State, req: Request) -> Any:
    return dict(state.user(req.uuid("user_id")).oauth_tokens)


def fresh_token(state: State, req: Request) -> Any:
    record = state.user(req.uuid("user_id"))
    token = record.oauth_tokens.get(req.params["provider"])
    if token is None:
        raise not_found("token")
    token["access_token"] = f"fresh-{new_id()}"
    return dict(token)


ROUTES: dict[endpoints.Endpoint, Handler] = {
    endpoints.FETCH_USER: fetch_user,
    endpoints.FETCH_USER_BY_EMAIL: fetch_by_email,
    endpoints.FETCH_USER_BY_USERNAME: fetch_by_username,
    endpoints.FETCH_USER_SIGNUP_PARAMS: signup_params,
    endpoints.FETCH_USERS_BY_IDS: _batch(lambda s, k: s.users.get(k), "user_ids"),
    endpoints.FETCH_USERS_BY_EMAILS: _batch(lambda s, k: s.user_by_email(k), "emails"),
    endpoints.FETCH_USERS_BY_USERNAMES: _batch(lambda s, k: s.user_by_username(k), "usernames"),
    endpoints.QUERY_USERS: query_users,
    endpoints.QUERY_USERS_IN_ORG: query_users_in_org,
    endpoints.CREATE_USER: create_user,
    endpoints.FETCH_USER_MFA_METHODS: mfa_methods,
    endpoints.FETCH_USER_OAUTH_TOKENS: oauth_tokens,
    endpoints.FETCH_FRESH_PROVIDER_TOKEN: fresh_token,
    endpoints.RESEND_EMAIL_CONFIRMATION: resend_confirmation,
    endpoints.LOGOUT_ALL_SESSIONS: _set(sessions_revoked_at=now),
    endpoints.UPDATE_USER_EMAIL: update_email,
    endpoints.UPDATE_USER: update_user,
    endpoints.CLEAR_USER_PASSWORD: _set(password=None, password_hash=None),
    endpoints.UPDATE_USER_PASSWORD: update_password,
    endpoints.DELETE_USER: delete_user,
    endpoints.DISABLE_USER: _set(enabled=False, sessions_revoked_at=now),
    endpoints.ENABLE_USER: _set(enabled=True),
    endpoints.DISABLE_USER_2FA: _set(mfa_enabled=False, mfa_totp=False, mfa_phones=lambda: []),
    endpoints.ENABLE_CAN_CREATE_ORGS: _set(can_create_orgs=True),
    endpoints.DISABLE_CAN_CREATE_ORGS: _set(can_create_orgs=False),
}
