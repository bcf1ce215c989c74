"""The official library's names on our claims types, so code moved over keeps working.

``propelauth-py`` spells some things differently (``user_assigned_role`` for ``user_role``,
``user_is_role()`` for ``is_role()``) and lets the claims be read like dicts
(``org["user_role"]``, ``user["email"]``). These mixins add those spellings as thin, typed
aliases of ours; docs/migrating-from-propelauth-fastapi.md maps every name. Dict access reads
the public fields only (and the official key aliases); it never allows writing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, cast

import attrs

__all__ = ["AuthenticatedUserAliases", "OrgMemberInfoAliases"]


class _ReadLikeADict:
    __slots__ = ()
    _KEY_ALIASES: ClassVar[Mapping[str, str]] = {}

    def __getitem__(self, key: str) -> Any:
        if not isinstance(key, str):
            raise KeyError(key)
        name = self._KEY_ALIASES.get(key, key)
        if name not in attrs.fields_dict(cast("type[attrs.AttrsInstance]", type(self))):
            raise KeyError(key)
        return getattr(self, name)

    def get(self, key: str, default: Any = None) -> Any:
        try:
            return self[key]
        except KeyError:
            return default

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self.get(key, _MISSING) is not _MISSING


_MISSING = object()


class OrgMemberInfoAliases(_ReadLikeADict):
    """``propelauth-py``'s ``OrgMemberInfo`` names."""

    __slots__ = ()
    _KEY_ALIASES: ClassVar[Mapping[str, str]] = {
        "user_assigned_role": "user_role",
        "user_inherited_roles_plus_current_role": "inherited_user_roles_plus_current_role",
        "assigned_additional_roles": "additional_roles",
    }

    if TYPE_CHECKING:
        user_role: str
        inherited_user_roles_plus_current_role: tuple[str, ...]
        additional_roles: tuple[str, ...]

        def is_role(self, role: str) -> bool: ...
        def is_at_least_role(self, role: str) -> bool: ...
        def has_permission(self, permission: str) -> bool: ...
        def has_all_permissions(self, permissions: Iterable[str]) -> bool: ...

    @property
    def user_assigned_role(self) -> str:
        """Alias of ``user_role``."""
        return self.user_role

    @property
    def user_inherited_roles_plus_current_role(self) -> tuple[str, ...]:
        """Alias of ``inherited_user_roles_plus_current_role`` (a tuple here, not a list)."""
        return self.inherited_user_roles_plus_current_role

    @property
    def assigned_additional_roles(self) -> tuple[str, ...]:
        """Alias of ``additional_roles``."""
        return self.additional_roles

    def user_is_role(self, role: str) -> bool:
        """Alias of :meth:`is_role`."""
        return self.is_role(role)

    def user_is_at_least_role(self, role: str) -> bool:
        """Alias of :meth:`is_at_least_role`."""
        return self.is_at_least_role(role)

    def user_has_permission(self, permission: str) -> bool:
        """Alias of :meth:`has_permission`."""
        return self.has_permission(permission)

    def user_has_all_permissions(self, permissions: Iterable[str]) -> bool:
        """Alias of :meth:`has_all_permissions`."""
        return self.has_all_permissions(permissions)


class AuthenticatedUserAliases(_ReadLikeADict):
    """``propelauth-py``'s ``User`` (the token's user) names."""

    __slots__ = ()

    if TYPE_CHECKING:
        active_org_id: str | None

    def get_active_org_id(self) -> str | None:
        """Alias of ``active_org_id``."""
        return self.active_org_id
