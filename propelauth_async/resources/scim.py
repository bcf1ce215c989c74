"""``client.scim``: the SCIM groups an organization's identity provider has pushed."""

from __future__ import annotations

from typing import Any

from .. import _endpoints as endpoints
from .. import _validate as check
from .._convert import structure
from .._transport import Requester
from ..models.flows import ScimGroup, ScimGroupMember, ScimGroupSummary
from ..pagination import AsyncPager, FetchPage, Page
from ._common import NOT_FOUND, lookup, make_pager, paged_fetcher


class Scim:
    """Reach it as ``client.scim``."""

    def __init__(self, requester: Requester) -> None:
        self._requester = requester

    async def query_groups(
        self, org_id: str, *, user_id: str | None = None, page_size: int = 10, page_number: int = 0
    ) -> Page[ScimGroupSummary]:
        """One page of the org's SCIM groups, optionally only those ``user_id`` belongs to."""
        fetch = self._groups_fetcher(org_id, user_id)
        return await fetch(check.page_number(page_number), check.page_size(page_size))

    def iter_groups(
        self,
        org_id: str,
        *,
        user_id: str | None = None,
        page_size: int = 100,
        start_page: int = 0,
        max_items: int | None = None,
        prefetch: bool = False,
    ) -> AsyncPager[ScimGroupSummary]:
        return make_pager(
            self._groups_fetcher(org_id, user_id), page_size, start_page, max_items, prefetch
        )

    def _groups_fetcher(self, org_id: str, user_id: str | None) -> FetchPage[ScimGroupSummary]:
        oid = check.uuid_str(org_id, "org_id")
        uid = None if user_id is None else check.uuid_str(user_id, "user_id")

        return paged_fetcher(
            self._requester,
            endpoints.FETCH_ORG_SCIM_GROUPS,
            ScimGroupSummary,
            items_key="groups",
            total_key="total_groups",
            page_key="page_number",
            filters={"user_id": uid},
            path={"org_id": oid},
        )

    async def fetch_group(
        self,
        org_id: str,
        group_id: str,
        *,
        members_page_size: int = 10,
        members_page_number: int = 0,
    ) -> ScimGroup | None:
        """The group with one page of its members, or ``None`` when it does not exist."""
        data = await lookup(
            self._requester,
            endpoints.FETCH_SCIM_GROUP,
            path={
                "org_id": check.uuid_str(org_id, "org_id"),
                "group_id": check.segment(group_id, "group_id"),
            },
            query={
                "members_page_size": check.page_size(members_page_size, "members_page_size"),
                "members_page_number": check.page_number(
                    members_page_number, "members_page_number"
                ),
            },
        )
        if data is NOT_FOUND:
            return None
        if isinstance(data, dict):
            data = {
                "members_total": data.get("total_members"),
                "members_page_number": members_page_number,
                "members_page_size": members_page_size,
                **data,
            }
        return structure(data, ScimGroup)

    def iter_group_members(
        self, org_id: str, group_id: str, *, page_size: int = 100, prefetch: bool = False
    ) -> AsyncPager[ScimGroupMember]:
        """Every member of a SCIM group, page after page (a missing group yields nothing)."""
        oid, gid = check.uuid_str(org_id, "org_id"), check.segment(group_id, "group_id")

        async def fetch(page_number: int, size: int) -> Page[ScimGroupMember]:
            group = await self.fetch_group(
                oid, gid, members_page_size=size, members_page_number=page_number
            )
            members: tuple[ScimGroupMember, ...] = () if group is None else group.members
            total: Any = None if group is None else group.members_total
            more = len(members) == size if total is None else (page_number + 1) * size < total
            return Page(
                items=members,
                total=total,
                page_number=page_number,
                page_size=size,
                has_more=bool(members) and more,
            )

        return make_pager(fetch, page_size, 0, None, prefetch)


__all__ = ["Scim"]
