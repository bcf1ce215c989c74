"""``client.role_mappings``: the custom role mappings an org can subscribe to."""

from __future__ import annotations

from typing import Any

from .. import _endpoints as endpoints
from .._convert import structure
from .._transport import Requester
from ..models.orgs import CustomRoleMapping


class RoleMappings:
    """Reach it as ``client.role_mappings``; subscribe an org with
    ``client.orgs.subscribe_to_role_mapping``."""

    def __init__(self, requester: Requester) -> None:
        self._requester = requester

    async def fetch_all(self) -> list[CustomRoleMapping]:
        """Every custom role mapping of the project, with how many orgs use it."""
        data: Any = await self._requester.request(endpoints.FETCH_CUSTOM_ROLE_MAPPINGS)
        items = data.get("custom_role_mappings") if isinstance(data, dict) else None
        return list(structure(items or [], tuple[CustomRoleMapping, ...], what="role mappings"))


__all__ = ["RoleMappings"]
