"""Access-token claims as types: who the user is, how they logged in, and their orgs."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import Enum
from types import MappingProxyType
from typing import Any

import attrs

from .._compat import AuthenticatedUserAliases
from ..errors import AccessDeniedError, TokenError
from ..models.membership import SINGLE_ROLE_IN_HIERARCHY, OrgMemberInfo


class LoginMethodKind(str, Enum):
    """How the user signed in to get the session the token belongs to."""

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


@attrs.frozen(kw_only=True, slots=False)  # __dict__-backed: see _new below
class AuthenticatedUser(AuthenticatedUserAliases):
    """The user an access token vouches for. Built by verification; never from user input.

    ``org_id_to_org_member_info`` holds every org the token names; for a token minted for one
    active org it holds just that org and ``active_org_id`` names it. Immutable all the way
    down (read-only mappings, tuples), so one instance can safely serve every request that
    carries the same token.

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
    properties: Mapping[str, Any] = attrs.field(factory=lambda: _EMPTY)
    legacy_user_id: str | None = None
    impersonator_user_id: str | None = None
    login_method: LoginMethod = attrs.field(factory=LoginMethod)
    org_id_to_org_member_info: Mapping[str, OrgMemberInfo] = attrs.field(factory=lambda: _NO_ORGS)
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


def frozen_json(value: Any) -> Any:
    """JSON made read-only all the way down: objects become read-only mappings (copies, never
    views of the caller's dict), arrays become tuples, scalars stay as they are."""
    kind = type(value)
    if kind is dict:
        return MappingProxyType(
            {k: frozen_json(v) if type(v) in _CONTAINERS else v for k, v in value.items()}
        )
    if kind is list:
        return tuple(frozen_json(v) if type(v) in _CONTAINERS else v for v in value)
    return value


_CONTAINERS = (dict, list)
_EMPTY: Mapping[str, Any] = MappingProxyType({})


# Verification builds a user (and its orgs) for every new token. A frozen attrs __init__ sets
# each field with a separate call, which cost more than all the other checks together; both
# classes are __dict__-backed, so one call sets every field. The tests compare the result with
# the class's own constructor, so a field added later cannot be forgotten here.
_new = object.__new__
_set = object.__setattr__


def org_member_info(entry: Any, *, active: bool = False) -> OrgMemberInfo | None:
    """One org of a token; ``None`` for an entry of ``org_id_to_org_member_info`` whose role is
    null (the official rule). The active org (``org_member_info``) must have a role.

    Written for speed (it runs for every org of every new token): direct indexing, one
    combined type check, ``"".join`` as a C-speed proof that a list holds only strings.
    """
    if type(entry) is not dict:
        raise TokenError("invalid_claims", "an org entry is not an object")
    role = entry.get("user_role")
    if type(role) is not str:
        if role is None and not active:
            return None
        raise TokenError("invalid_claims", "an org entry's user_role is not a string")
    try:
        org_id = entry["org_id"]
        org_name = entry["org_name"]
        url_safe_name = entry["url_safe_org_name"]
        inherited = entry["inherited_user_roles_plus_current_role"]
        permissions = entry["user_permissions"]
        metadata = entry["org_metadata"]
    except KeyError:
        missing = sorted(_REQUIRED_ORG_KEYS.difference(entry))
        raise TokenError("invalid_claims", f"an org entry lacks {', '.join(missing)}") from None
    get = entry.get
    legacy_org_id = get("legacy_org_id")
    structure = get("org_role_structure") or SINGLE_ROLE_IN_HIERARCHY
    additional = get("additional_roles") or _NO_ROLES
    if not (
        type(org_id) is str
        and type(org_name) is str
        and type(structure) is str
        and type(inherited) is list
        and type(permissions) is list
        and type(additional) is list
        and (url_safe_name is None or type(url_safe_name) is str)
        and (legacy_org_id is None or type(legacy_org_id) is str)
    ):
        raise TokenError("invalid_claims", "an org entry has a field of the wrong type")
    try:
        "".join(inherited)
        "".join(permissions)
        "".join(additional)
    except TypeError:
        raise TokenError(
            "invalid_claims", "an org entry's roles or permissions are not strings"
        ) from None
    info = _new(OrgMemberInfo)
    _set(
        info,
        "__dict__",
        {
            "org_id": org_id,
            "org_name": org_name,
            "user_role": role,
            "inherited_user_roles_plus_current_role": tuple(inherited),
            "user_permissions": tuple(permissions),
            "additional_roles": tuple(additional),
            "org_role_structure": structure,
            "url_safe_org_name": url_safe_name,
            "org_metadata": frozen_json(metadata)
            if type(metadata) is dict and metadata
            else _EMPTY,
            "legacy_org_id": legacy_org_id,
        },
    )
    return info


_NO_ROLES: list[str] = []


def _login_method(value: Any) -> LoginMethod:
    if type(value) is not dict:
        return _PLAIN_LOGIN_METHODS["unknown"]
    raw = value.get("login_method")
    if type(raw) is not str:
        return _PLAIN_LOGIN_METHODS["unknown"]
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
        provider=provider if type(provider) is str else None,
        org_id=org_id if type(org_id) is str else None,
    )


def user_from_claims(claims: Mapping[str, Any]) -> AuthenticatedUser:
    """An :class:`AuthenticatedUser` from verified claims, immutable all the way down and
    sharing nothing mutable with ``claims``.

    ``org_member_info`` (a token for one active org) wins over ``org_id_to_org_member_info``.
    """
    get = claims.get
    user_id = get("user_id")
    if type(user_id) is not str or not user_id:
        raise TokenError("invalid_claims", "the token has no user_id")
    active = get("org_member_info")
    active_org_id = None
    if active is not None:
        info = org_member_info(active, active=True)
        assert info is not None
        active_org_id = info.org_id
        orgs: Mapping[str, OrgMemberInfo] = MappingProxyType({active_org_id: info})
    else:
        entries = get("org_id_to_org_member_info") or _EMPTY
        if type(entries) is not dict and entries is not _EMPTY:
            raise TokenError("invalid_claims", "org_id_to_org_member_info is not an object")
        found = {}
        for entry in entries.values():
            info = org_member_info(entry)
            if info is not None:
                found[info.org_id] = info
        orgs = MappingProxyType(found) if found else _NO_ORGS
    email = get("email")
    first_name = get("first_name")
    last_name = get("last_name")
    username = get("username")
    legacy_user_id = get("legacy_user_id")
    impersonator_user_id = get("impersonator_user_id")
    # One chained check, no temporary list or set: this runs for every new token.
    if not (
        type(email) is str
        and email
        and (first_name is None or type(first_name) is str)
        and (last_name is None or type(last_name) is str)
        and (username is None or type(username) is str)
        and (legacy_user_id is None or type(legacy_user_id) is str)
        and (impersonator_user_id is None or type(impersonator_user_id) is str)
    ):
        wrong = next(
            (n for n in _TEXT_CLAIMS if not (get(n) is None or type(get(n)) is str)), "email"
        )
        if not email:
            raise TokenError("invalid_claims", "the token has no email (PropelAuth always sets it)")
        raise TokenError("invalid_claims", f"the {wrong} claim is not a string")
    properties = get("properties")
    user = _new(AuthenticatedUser)
    _set(
        user,
        "__dict__",
        {
            "user_id": user_id,
            "email": email,
            "first_name": first_name,
            "last_name": last_name,
            "username": username,
            "properties": (
                frozen_json(properties) if type(properties) is dict and properties else _EMPTY
            ),
            "legacy_user_id": legacy_user_id,
            "impersonator_user_id": impersonator_user_id,
            "login_method": _login_method(get("login_method")),
            "org_id_to_org_member_info": orgs,
            "active_org_id": active_org_id,
            "issued_at": get("iat"),
            "expires_at": get("exp"),
        },
    )
    return user


_TEXT_CLAIMS = (
    "email",
    "first_name",
    "last_name",
    "username",
    "legacy_user_id",
    "impersonator_user_id",
)
_NO_ORGS: Mapping[str, OrgMemberInfo] = MappingProxyType({})
