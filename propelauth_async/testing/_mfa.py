"""Emulated step-up MFA: TOTP codes a test can compute, SMS challenges, one-time and timed
grants."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from .. import _endpoints as endpoints
from .._endpoints import Endpoint
from ._request import Request
from ._routes import Handler
from ._state import EmulatorError, State, new_id, now


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


ROUTES: dict[Endpoint, Handler] = {
    endpoints.VERIFY_STEP_UP_TOTP: verify_totp,
    endpoints.VERIFY_STEP_UP_GRANT: verify_grant,
    endpoints.SEND_SMS_MFA_CODE: send_sms,
    endpoints.VERIFY_SMS_CHALLENGE: verify_sms,
}
