"""Role hierarchies: which roles a role includes, and which permissions it grants."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import attrs

from ..models.membership import MULTI_ROLE, SINGLE_ROLE_IN_HIERARCHY

DEFAULT_ROLES = ("Owner", "Admin", "Member")
DEFAULT_PERMISSIONS: Mapping[str, Sequence[str]] = {
    "Owner": ("org:manage_billing", "org:delete"),
    "Admin": ("org:invite_users", "org:manage_users"),
    "Member": ("org:read",),
}


@attrs.frozen(kw_only=True)
class RoleHierarchy:
    """Roles from the highest to the lowest, with each role's own permissions.

    In a single-role hierarchy a member holds one role and every role below it; their
    permissions are those of all the roles they hold. In a ``multi_role`` structure a member
    holds an assigned role plus additional roles, none implying another.
    """

    roles: tuple[str, ...] = DEFAULT_ROLES
    permissions: Mapping[str, Sequence[str]] = attrs.field(
        factory=lambda: dict(DEFAULT_PERMISSIONS)
    )
    structure: str = SINGLE_ROLE_IN_HIERARCHY
    default_role: str | None = None

    def __attrs_post_init__(self) -> None:
        if not self.roles:
            raise ValueError("a role hierarchy needs at least one role")
        if self.structure not in (SINGLE_ROLE_IN_HIERARCHY, MULTI_ROLE):
            raise ValueError(f"unknown role structure {self.structure!r}")

    @property
    def lowest(self) -> str:
        return self.default_role or self.roles[-1]

    def inherited(self, role: str, additional: Sequence[str] = ()) -> list[str]:
        if self.structure == MULTI_ROLE:
            return [role, *[r for r in additional if r != role]]
        index = self.roles.index(role)
        return list(self.roles[index:])

    def permissions_of(self, role: str, additional: Sequence[str] = ()) -> list[str]:
        out: dict[str, None] = {}
        for held in self.inherited(role, additional):
            for permission in self.permissions.get(held, ()):
                out[permission] = None
        return list(out)

    def rank(self, role: str) -> int:
        return self.roles.index(role)
