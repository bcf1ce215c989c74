"""Emulated magic links, migration, step-up MFA, employees and SCIM groups."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from typing import Any

from .. import _endpoints as E
from .._endpoints import Endpoint
from ._request import Request
from ._state import EmulatorError, State, bad_request, new_id, not_found, now, paged
from ._users import create_user_record

Handler = Callable[[State, Request], Any]


# Magic links and migration ---------------------------------------------------------------------


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


# Step-up MFA ---------------------------------------------------------------------------------


def totp_code(user_id: str) -> str:
    """The emulator's current authenticator code for a user (stable, so tests can read it)."""
    return str(int(hashlib.sha256(user_id.encode()).hexdigest(), 16) % 1_000_000).zfill(6)


def _mfa_error(code: str, status: int = 400, **extra: object) -> EmulatorError:
    return EmulatorError(status, {"error_code": code, **extra})


def _step_up_user(state: State, req: Request, fields_key: str) -> Any:
    if not state.step_up_enabled:
        raise _mfa_error("feature_gated", 403, user_facing_error="Step-up MFA is not enabled")
    try:
        user_id = req.uuid("user_id", req.text("user_id"))
    except EmulatorError:
        fields: dict[str, object] = {fields_key: {"user_id": "Invalid"}}
        raise _mfa_error("invalid_request_fields", 400, **fields) from None
    user = state.users.get(user_id)
    if user is None:
        raise _mfa_error("user_not_found", 404)
    return user


def _grant(state: State, req: Request, user_id: str) -> dict[str, str]:
    grant_type = req.field("grant_type", str, "ONE_TIME_USE")
    seconds = req.field("valid_for_seconds", int, 300)
    if grant_type not in ("ONE_TIME_USE", "TIME_BASED") or seconds < 1:
        raise _mfa_error("invalid_request_fields", field_to_errors={"grant_type": ["Invalid"]})
    grant = f"grant_{secrets.token_hex(16)}"
    state.grants[grant] = {
        "user_id": user_id,
        "action_type": req.text("action_type"),
        "type": grant_type,
        "expires_at": now() + seconds,
    }
    return {"step_up_grant": grant}


def verify_totp(state: State, req: Request) -> Any:
    user = _step_up_user(state, req, "field_to_errors")
    if not (user.mfa_totp or user.mfa_enabled):
        raise _mfa_error("mfa_not_enabled")
    if req.field("code", str, "") != totp_code(user.user_id):
        raise _mfa_error("incorrect_mfa_code")
    return _grant(state, req, user.user_id)


def verify_grant(state: State, req: Request) -> Any:
    user = _step_up_user(state, req, "user_facing_errors")
    grant = state.grants.get(req.field("grant", str, ""))
    valid = (
        grant is not None
        and grant["user_id"] == user.user_id
        and grant["action_type"] == req.field("action_type", str, "")
        and grant["expires_at"] >= now()
    )
    if not valid:
        raise _mfa_error(
            "invalid_request_fields",
            field_errors={"grant": "grant_not_found"},
            user_facing_errors={"grant": "Grant not found"},
        )
    if grant is not None and grant["type"] == "ONE_TIME_USE":
        del state.grants[req.field("grant", str)]
    return {}


def send_sms(state: State, req: Request) -> Any:
    user = _step_up_user(state, req, "user_facing_errors")
    phone_id = req.field("mfa_phone_id", str, "")
    if phone_id not in {p.get("mfa_phone_id") for p in user.mfa_phones}:
        raise _mfa_error(
            "invalid_request_fields", user_facing_errors={"mfa_phone_id": "Unknown phone"}
        )
    challenge_id = new_id()
    state.sms_challenges[challenge_id] = {
        "user_id": user.user_id,
        "code": str(secrets.randbelow(1_000_000)).zfill(6),
        "action_type": req.text("action_type"),
        "grant_type": req.field("grant_type", str, "ONE_TIME_USE"),
        "valid_for_seconds": req.field("valid_for_seconds", int, 300),
    }
    return {"challenge_id": challenge_id}


def verify_sms(state: State, req: Request) -> Any:
    user = _step_up_user(state, req, "user_facing_errors")
    challenge = state.sms_challenges.get(req.field("challenge_id", str, ""))
    if challenge is None or challenge["user_id"] != user.user_id:
        raise _mfa_error(
            "invalid_request_fields", user_facing_errors={"challenge_id": "Unknown challenge"}
        )
    if req.field("code", str, "") != challenge["code"]:
        raise _mfa_error("incorrect_mfa_code")
    del state.sms_challenges[req.field("challenge_id", str)]
    grant = f"grant_{secrets.token_hex(16)}"
    state.grants[grant] = {
        "user_id": user.user_id,
        "action_type": challenge["action_type"],
        "type": challenge["grant_type"],
        "expires_at": now() + challenge["valid_for_seconds"],
    }
    return {"step_up_grant": grant}


# Employees and SCIM --------------------------------------------------------------------------


def employee(state: State, req: Request) -> Any:
    email = state.employees.get(req.uuid("employee_id"))
    if email is None:
        raise not_found("employee")
    return {"email": email}


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
    E.CREATE_MAGIC_LINK: magic_link,
    E.MIGRATE_USER: migrate_user,
    E.MIGRATE_USER_PASSWORD: migrate_password,
    E.VERIFY_STEP_UP_TOTP: verify_totp,
    E.VERIFY_STEP_UP_GRANT: verify_grant,
    E.SEND_SMS_MFA_CODE: send_sms,
    E.VERIFY_SMS_CHALLENGE: verify_sms,
    E.FETCH_EMPLOYEE: employee,
    E.FETCH_ORG_SCIM_GROUPS: scim_groups,
    E.FETCH_SCIM_GROUP: scim_group,
}
