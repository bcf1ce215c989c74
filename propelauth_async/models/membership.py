"""A user's membership of one organization, as the API and access tokens describe it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from .._compat import OrgMemberInfoAliases

SINGLE_ROLE_IN_HIERARCHY = "single_role_in_hierarchy"
MULTI_ROLE = "multi_role"


@attrs.frozen(kw_only=True, slots=False)  # __dict__-backed: built fast from tokens
class OrgMemberInfo(OrgMemberInfoAliases):
    """One org the user belongs to, with the role and permissions the server computed.

    Field names are the wire names. ``inherited_user_roles_plus_current_role`` comes from the
    server (the role hierarchy is not recomputed locally), so :meth:`is_at_least_role` is only
    as current as the token or response it came from.
    """

    org_id: str
    org_name: str
    user_role: str
    inherited_user_roles_plus_current_role: tuple[str, ...] = ()
    user_permissions: tuple[str, ...] = ()
    additional_roles: tuple[str, ...] = ()
    org_role_structure: str = SINGLE_ROLE_IN_HIERARCHY
    url_safe_org_name: str | None = None
    org_metadata: Mapping[str, Any] = attrs.field(factory=dict)
    legacy_org_id: str | None = None

    @property
    def assigned_roles(self) -> tuple[str, ...]:
        """The assigned role, plus the additional ones in a multi-role project."""
        if self.org_role_structure == MULTI_ROLE:
            return (self.user_role, *self.additional_roles)
        return (self.user_role,)

    def is_role(self, role: str) -> bool:
        """Exactly this role (or, in a multi-role project, one of the additional roles)."""
        return role in self.assigned_roles

    def is_at_least_role(self, role: str) -> bool:
        """This role or one above it in the hierarchy; in a multi-role project, :meth:`is_role`."""
        if self.org_role_structure == MULTI_ROLE:
            return self.is_role(role)
        return role in self.inherited_user_roles_plus_current_role

    def has_permission(self, permission: str) -> bool:
        return permission in self.user_permissions

    def has_all_permissions(self, permissions: Iterable[str]) -> bool:
        return all(p in self.user_permissions for p in permissions)
