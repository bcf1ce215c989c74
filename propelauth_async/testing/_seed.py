"""Seed files: the emulator's state as a JSON document, loaded at start and saved on demand.

One format serves both jobs. A hand-written seed names only what a test needs (users by email,
orgs by name, members by email); a saved state spells out every record with its id, so a dev
instance restarted from it is the one that was stopped::

    {
      "users": [{"email": "ada@acme.io", "first_name": "Ada"}],
      "orgs": [{"name": "Acme", "members": [{"email": "ada@acme.io", "role": "Admin"}]}],
      "api_keys": [{"user_email": "ada@acme.io", "token": "api_dev_key"}]
    }
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

from ._orgs import add_member, create_org_record
from ._roles import RoleHierarchy
from ._state import ApiKeyRecord, EmulatorError, InviteRecord, State, new_id
from ._users import create_user_record

FORMAT_VERSION = 1
Seed = Mapping[str, Any] | str | os.PathLike[str]
"""A seed: the document itself, or the path of a JSON file holding it."""

_TOP_LEVEL = frozenset(
    {
        "version",
        "settings",
        "roles",
        "role_mappings",
        "users",
        "orgs",
        "invites",
        "api_keys",
        "api_key_usage",
        "employees",
        "scim_groups",
        "magic_links",
        "grants",
        "sms_challenges",
    }
)


class SeedError(ValueError):
    """A seed file or document the emulator cannot load; says where and why."""


def read_seed(seed: Seed) -> Mapping[str, Any]:
    if isinstance(seed, Mapping):
        return seed
    path = Path(seed)
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SeedError(f"cannot read the seed file {path}: {exc.strerror}") from None
    except ValueError as exc:
        raise SeedError(f"{path} is not valid JSON: {exc}") from None
    if not isinstance(document, dict):
        raise SeedError(f"{path} must hold a JSON object")
    return document


def load(state: State, seed: Seed) -> None:
    """Add what ``seed`` describes to ``state`` (under its lock), with the API's own checks."""
    document = read_seed(seed)
    unknown = set(document) - _TOP_LEVEL
    if unknown:
        raise SeedError(f"unknown seed sections: {sorted(unknown)}")
    version = document.get("version", FORMAT_VERSION)
    if version != FORMAT_VERSION:
        raise SeedError(
            f"seed format version {version} is not supported (this is {FORMAT_VERSION})"
        )
    with state.lock:
        try:
            _load(state, document)
        except (EmulatorError, KeyError, TypeError, ValueError) as exc:
            if isinstance(exc, SeedError):
                raise
            raise SeedError(f"invalid seed: {_reason(exc)}") from None


def _reason(exc: Exception) -> str:
    if isinstance(exc, EmulatorError):
        return json.dumps(exc.body) if not isinstance(exc.body, str) else exc.body
    if isinstance(exc, KeyError):
        return f"missing field {exc.args[0]!r}"
    return str(exc)


def _roles(data: Mapping[str, Any]) -> RoleHierarchy:
    fields = dict(data)
    if "roles" in fields:
        fields["roles"] = tuple(fields["roles"])
    return RoleHierarchy(**fields)


def _user_id(state: State, item: Mapping[str, Any], id_key: str, email_key: str) -> str | None:
    if item.get(id_key):
        return str(item[id_key])
    email = item.get(email_key)
    if email is None:
        return None
    record = state.user_by_email(email)
    if record is None:
        raise SeedError(f"no seeded user has the email {email!r}")
    return record.user_id


def _org_id(state: State, item: Mapping[str, Any]) -> str | None:
    if item.get("org_id"):
        return str(item["org_id"])
    name = item.get("org_name")
    if name is None:
        return None
    found = [org.org_id for org in state.orgs.values() if org.name == name]
    if len(found) != 1:
        raise SeedError(f"{len(found)} seeded orgs are named {name!r}; name one by org_id")
    return found[0]


def _load(state: State, doc: Mapping[str, Any]) -> None:
    settings = doc.get("settings", {})
    state.b2b_enabled = settings.get("b2b_enabled", state.b2b_enabled)
    state.step_up_enabled = settings.get("step_up_mfa_enabled", state.step_up_enabled)
    state.access_tokens_enabled = settings.get("access_tokens_enabled", state.access_tokens_enabled)
    if "roles" in doc:
        state.roles = _roles(doc["roles"])
    for name, roles in doc.get("role_mappings", {}).items():
        state.role_mappings[name] = _roles(roles)
    for user in doc.get("users", []):
        create_user_record(state, {"email_confirmed": True, **user})
    for org in doc.get("orgs", []):
        fields = dict(org)
        members = fields.pop("members", [])
        record = create_org_record(state, fields.pop("name"), fields)
        for member in members:
            user_id = _user_id(state, member, "user_id", "email")
            if user_id is None:
                raise SeedError(f"a member of {record.name!r} needs a user_id or an email")
            add_member(
                state,
                record.org_id,
                user_id,
                member.get("role"),
                list(member.get("additional_roles", [])),
            )
    for invite in doc.get("invites", []):
        pending = InviteRecord(**invite)
        state.invites[(pending.org_id, pending.invitee_email.lower())] = pending
    for key in doc.get("api_keys", []):
        fields = dict(key)
        user_id = _user_id(state, fields, "user_id", "user_email")
        org_id = _org_id(state, fields)
        for ref in ("user_email", "org_name"):
            fields.pop(ref, None)
        fields.update(user_id=user_id, org_id=org_id)
        fields.setdefault("api_key_id", secrets.token_hex(16))
        fields.setdefault("token", f"api_{secrets.token_hex(24)}")
        api_key = ApiKeyRecord(**fields)
        state.api_keys[api_key.api_key_id] = api_key
    for usage in doc.get("api_key_usage", []):
        state.api_key_usage[(usage["date"], usage["api_key_id"])] = int(usage["count"])
    for employee in doc.get("employees", []):
        state.employees[employee.get("employee_id") or new_id()] = employee["email"]
    for group in doc.get("scim_groups", []):
        fields = dict(group)
        org_id = _org_id(state, fields)
        if org_id is None:
            raise SeedError("a SCIM group needs an org_id or an org_name")
        state.org(org_id)
        group_id = fields.get("group_id") or new_id()
        state.scim_groups.setdefault(org_id, {})[group_id] = {
            "group_id": group_id,
            "display_name": fields["display_name"],
            "external_id_from_idp": fields.get("external_id_from_idp"),
            "members": list(fields.get("members", [])),
        }
    state.magic_links.extend(doc.get("magic_links", []))
    state.grants.update(doc.get("grants", {}))
    state.sms_challenges.update(doc.get("sms_challenges", {}))


def _roles_json(roles: RoleHierarchy) -> dict[str, Any]:
    return {
        "roles": list(roles.roles),
        "permissions": {k: list(v) for k, v in roles.permissions.items()},
        "structure": roles.structure,
        "default_role": roles.default_role,
    }


def dump(state: State) -> dict[str, Any]:
    """Every record of ``state``, ids included, in the seed format."""
    with state.lock:
        orgs = []
        for org in state.orgs.values():
            fields = attrs.asdict(org)
            members = fields.pop("members")
            fields["members"] = [{"user_id": user_id, **m} for user_id, m in members.items()]
            orgs.append(fields)
        # user_orgs is rebuilt from the members on load; the user records carry the rest.
        return {
            "version": FORMAT_VERSION,
            "settings": {
                "b2b_enabled": state.b2b_enabled,
                "step_up_mfa_enabled": state.step_up_enabled,
                "access_tokens_enabled": state.access_tokens_enabled,
            },
            "roles": _roles_json(state.roles),
            "role_mappings": {n: _roles_json(r) for n, r in state.role_mappings.items()},
            "users": [attrs.asdict(u) for u in state.users.values()],
            "orgs": orgs,
            "invites": [attrs.asdict(i) for i in state.invites.values()],
            "api_keys": [attrs.asdict(k) for k in state.api_keys.values()],
            "api_key_usage": [
                {"date": day, "api_key_id": key_id, "count": count}
                for (day, key_id), count in state.api_key_usage.items()
            ],
            "employees": [{"employee_id": i, "email": e} for i, e in state.employees.items()],
            "scim_groups": [
                {"org_id": org_id, **group}
                for org_id, groups in state.scim_groups.items()
                for group in groups.values()
            ],
            "magic_links": list(state.magic_links),
            "grants": dict(state.grants),
            "sms_challenges": dict(state.sms_challenges),
        }


def save(state: State, path: str | os.PathLike[str]) -> None:
    """Write :func:`dump` to ``path`` atomically: a crash mid-write leaves the old file."""
    target = Path(path)
    partial = target.with_name(target.name + ".partial")
    partial.write_text(json.dumps(dump(state), indent=2) + "\n", encoding="utf-8")
    os.replace(partial, target)
