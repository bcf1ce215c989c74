"""Access-token claims as types: who the user is, how they logged in, and their orgs."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import Enum
from typing import Any

import attrs

from .._compat import AuthenticatedUserAliases
from .._types import JSONObject
from ..errors import AccessDeniedError, TokenError
from ..models.membership import SINGLE_ROLE_IN_HIERARCHY, OrgMemberInfo


class LoginMethodKind(str, Enum):
    PASSWORD = "password"
    MAGIC_LINK = "magic_link"
    SOCIAL_SSO = "social_sso"
    EMAIL_CONFIRMATION_LINK = "email_confirmation_link"
    SAML_SSO = "saml_sso"
    IMPERSONATION = "impersonation"
    GENERATED_FROM_BACKEND_API = "generated_from_backend_api"
    UNKNOWN = "unknown"


@attrs.frozen(kw_only=True)
class LoginMethod:
    """How the session began. ``provider`` is set for social and SAML logins (``"Google"``,
    ``"Okta"``...), ``org_id`` for SAML. A method we do not know yet is ``UNKNOWN``."""

    kind: LoginMethodKind = LoginMethodKind.UNKNOWN
    provider: str | None = None
    org_id: str | None = None


_REQUIRED_ORG_KEYS = frozenset(
    (
        "org_id",
        "org_name",
        "org_metadata",
        "user_role",
        "url_safe_org_name",
        "inherited_user_roles_plus_current_role",
        "user_permissions",
    )
)
# LoginMethod is immutable: the common ones (no provider, no org) are shared, not rebuilt.
_PLAIN_LOGIN_METHODS = {kind.value: LoginMethod(kind=kind) for kind in LoginMethodKind}


@attrs.frozen(kw_only=True)
class AuthenticatedUser(AuthenticatedUserAliases):
    """The user an access token vouches for. Built by verification; never from user input.

    ``org_id_to_org_member_info`` holds every org the token names; for a token minted for one
    active org it holds just that org and ``active_org_id`` names it.

    ``email`` is always a string: PropelAuth puts it in every access token it issues, so a
    token without one is refused as ``invalid_claims`` rather than typed ``str | None`` for
    every caller. The official library's names (``get_active_org_id()``, ``user["email"]``)
    work too; see ``docs/migrating-from-propelauth-fastapi.md``.
    """

    user_id: str
    email: str
    first_name: str | None = None
    last_name: str | None = None
    username: str | None = None
    properties: JSONObject = attrs.field(factory=dict)
    legacy_user_id: str | None = None
    impersonator_user_id: str | None = None
    login_method: LoginMethod = attrs.field(factory=LoginMethod)
    org_id_to_org_member_info: dict[str, OrgMemberInfo] = attrs.field(factory=dict)
    active_org_id: str | None = None
    issued_at: int | None = None
    expires_at: int | None = None

    def is_impersonated(self) -> bool:
        return self.impersonator_user_id is not None

    def get_org(self, org_id: str) -> OrgMemberInfo | None:
        return self.org_id_to_org_member_info.get(org_id)

    def get_org_by_name(self, name: str) -> OrgMemberInfo | None:
        """By org name or url-safe name."""
        for info in self.org_id_to_org_member_info.values():
            if name in (info.org_name, info.url_safe_org_name):
                return info
        return None

    def get_orgs(self) -> list[OrgMemberInfo]:
        return list(self.org_id_to_org_member_info.values())

    def get_active_org(self) -> OrgMemberInfo | None:
        return None if self.active_org_id is None else self.get_org(self.active_org_id)

    def get_user_property(self, name: str) -> Any:
        return self.properties.get(name)

    def is_role_in_org(self, org_id: str, role: str) -> bool:
        info = self.get_org(org_id)
        return info is not None and info.is_role(role)

    def is_at_least_role_in_org(self, org_id: str, role: str) -> bool:
        info = self.get_org(org_id)
        return info is not None and info.is_at_least_role(role)

    def has_permission_in_org(self, org_id: str, permission: str) -> bool:
        info = self.get_org(org_id)
        return info is not None and info.has_permission(permission)

    def has_all_permissions_in_org(self, org_id: str, permissions: Iterable[str]) -> bool:
        info = self.get_org(org_id)
        return info is not None and info.has_all_permissions(permissions)

    def require_org_member(
        self,
        org_id: str | None,
        *,
        min_role: str | None = None,
        exact_role: str | None = None,
        permission: str | None = None,
        permissions: Iterable[str] | None = None,
    ) -> OrgMemberInfo:
        """The membership in ``org_id``, or :class:`AccessDeniedError` saying what is missing."""
        if not org_id:
            raise AccessDeniedError("no organization was named")
        info = self.get_org(org_id)
        if info is None:
            raise AccessDeniedError(f"user {self.user_id} is not a member of org {org_id}")
        if exact_role is not None and not info.is_role(exact_role):
            raise AccessDeniedError(
                f"this needs the role {exact_role!r} in org {org_id}; "
                f"the user is {info.user_role!r}"
            )
        if min_role is not None and not info.is_at_least_role(min_role):
            raise AccessDeniedError(
                f"this needs the role {min_role!r} or above in org {org_id}; "
                f"the user is {info.user_role!r}"
            )
        needed = [*([permission] if permission is not None else []), *(permissions or ())]
        missing = [p for p in needed if not info.has_permission(p)]
        if missing:
            raise AccessDeniedError(
                f"this needs the permission(s) {', '.join(missing)} in org {org_id}"
            )
        return info


def _text(claims: Mapping[str, Any], name: str) -> str | None:
    value = claims.get(name)
    if value is None or isinstance(value, str):
        return value
    raise TokenError("invalid_claims", f"the {name} claim is not a string")


def _email(claims: Mapping[str, Any]) -> str:
    email = _text(claims, "email")
    if not email:
        raise TokenError("invalid_claims", "the token has no email (PropelAuth always sets it)")
    return email


def _strings(value: Any, what: str) -> tuple[str, ...]:
    if isinstance(value, list) and (not value or set(map(type, value)) == {str}):
        return tuple(value)
    raise TokenError("invalid_claims", f"{what} must be a list of strings")


def org_member_info(entry: Any) -> OrgMemberInfo | None:
    """One org of a token; ``None`` for an entry whose role is null (the official rule)."""
    if not isinstance(entry, dict):
        raise TokenError("invalid_claims", "an org entry is not an object")
    if entry.get("user_role") is None:
        return None
    if not _REQUIRED_ORG_KEYS.issubset(entry.keys()):
        missing = sorted(_REQUIRED_ORG_KEYS.difference(entry))
        raise TokenError("invalid_claims", f"an org entry lacks {', '.join(missing)}")
    metadata = entry["org_metadata"]
    return OrgMemberInfo(
        org_id=str(entry["org_id"]),
        org_name=str(entry["org_name"]),
        user_role=str(entry["user_role"]),
        inherited_user_roles_plus_current_role=_strings(
            entry["inherited_user_roles_plus_current_role"], "inherited roles"
        ),
        user_permissions=_strings(entry["user_permissions"], "user_permissions"),
        additional_roles=_strings(entry.get("additional_roles") or [], "additional_roles"),
        org_role_structure=entry.get("org_role_structure") or SINGLE_ROLE_IN_HIERARCHY,
        url_safe_org_name=entry["url_safe_org_name"],
        org_metadata=dict(metadata) if isinstance(metadata, dict) else {},
        legacy_org_id=entry.get("legacy_org_id"),
    )


def _login_method(value: Any) -> LoginMethod:
    if not isinstance(value, dict):
        return _PLAIN_LOGIN_METHODS["unknown"]
    raw = value.get("login_method")
    if len(value) == 1 and raw in _PLAIN_LOGIN_METHODS:
        return _PLAIN_LOGIN_METHODS[raw]
    try:
        kind = LoginMethodKind(raw)
    except ValueError:
        kind = LoginMethodKind.UNKNOWN
    provider = value.get("provider")
    org_id = value.get("org_id")
    return LoginMethod(
        kind=kind,
        provider=provider if isinstance(provider, str) else None,
        org_id=org_id if isinstance(org_id, str) else None,
    )


def user_from_claims(claims: Mapping[str, Any]) -> AuthenticatedUser:
    """An :class:`AuthenticatedUser` from verified claims. Mutable parts (properties, org
    metadata) are copied: the claims may be shared between calls for the same token.

    ``org_member_info`` (a token for one active org) wins over ``org_id_to_org_member_info``.
    """
    user_id = claims.get("user_id")
    if not isinstance(user_id, str) or not user_id:
        raise TokenError("invalid_claims", "the token has no user_id")
    active = claims.get("org_member_info")
    orgs: dict[str, OrgMemberInfo] = {}
    active_org_id = None
    if active is not None:
        info = org_member_info(active)
        if info is not None:
            orgs[info.org_id] = info
            active_org_id = info.org_id
    else:
        entries = claims.get("org_id_to_org_member_info") or {}
        if not isinstance(entries, dict):
            raise TokenError("invalid_claims", "org_id_to_org_member_info is not an object")
        for entry in entries.values():
            info = org_member_info(entry)
            if info is not None:
                orgs[info.org_id] = info
    properties = claims.get("properties")
    return AuthenticatedUser(
        user_id=user_id,
        email=_email(claims),
        first_name=_text(claims, "first_name"),
        last_name=_text(claims, "last_name"),
        username=_text(claims, "username"),
        properties=dict(properties) if isinstance(properties, dict) else {},
        legacy_user_id=_text(claims, "legacy_user_id"),
        impersonator_user_id=_text(claims, "impersonator_user_id"),
        login_method=_login_method(claims.get("login_method")),
        org_id_to_org_member_info=orgs,
        active_org_id=active_org_id,
        issued_at=claims.get("iat"),
        expires_at=claims.get("exp"),
    )
