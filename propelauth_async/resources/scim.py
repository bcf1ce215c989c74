"""``client.scim``: the SCIM groups an organization's identity provider has pushed."""

from __future__ import annotations

from typing import Any

from .. import _endpoints as endpoints
from .. import _validate as check
from .._convert import structure
from .._results import DEFAULT_PAGE_SIZE
from .._transport import Requester
from .._types import Unpack
from ..models.flows import ScimGroup, ScimGroupMember, ScimGroupSummary
from ..pagination import AsyncPager, Page, PageOptions
from ._common import make_pager, paged_fetcher


class Scim:
    """Reach it as ``client.scim``."""

    def __init__(self, requester: Requester) -> None:
        self._requester = requester

    def query_groups(
        self,
        org_id: str,
        *,
        user_id: str | None = None,
        **paging: Unpack[PageOptions],
    ) -> AsyncPager[ScimGroupSummary]:
        """The org's SCIM groups, optionally only those ``user_id`` belongs to: ``await`` it for
        one page, ``async for`` over it for every group."""
        fetch = paged_fetcher(
            self._requester,
            endpoints.FETCH_ORG_SCIM_GROUPS,
            {"user_id": check.maybe(check.uuid_str, user_id, "user_id")},
            {"org_id": check.uuid_str(org_id, "org_id")},
        )
        return make_pager(fetch, **paging)

    iter_groups = query_groups
    """The 0.1 name of :meth:`query_groups`, kept."""

    async def fetch_group(
        self,
        org_id: str,
        group_id: str,
        *,
        members_page_size: int = 10,
        members_page_number: int = 0,
    ) -> ScimGroup | None:
        """The group with one page of its members, or ``None`` when it does not exist."""
        data = await self._requester.request(
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
        if data is None:  # no such group (the row reads a 404 as None)
            return None
        if isinstance(data, dict):
            data = {
                "members_total": data.get("total_members"),
                "members_page_number": members_page_number,
                "members_page_size": members_page_size,
                **data,
            }
        return structure(data, ScimGroup)

    def query_group_members(
        self,
        org_id: str,
        group_id: str,
        **paging: Unpack[PageOptions],
    ) -> AsyncPager[ScimGroupMember]:
        """The members of a SCIM group (a missing group has none): ``await`` it for one page,
        ``async for`` over it for every member. Each page comes with the group's details."""
        oid, gid = check.uuid_str(org_id, "org_id"), check.segment(group_id, "group_id")

        async def fetch(number: int | None, size: int | None) -> Page[ScimGroupMember]:
            page_number, page_size = number or 0, size or DEFAULT_PAGE_SIZE
            group = await self.fetch_group(
                oid, gid, members_page_size=page_size, members_page_number=page_number
            )
            members: tuple[ScimGroupMember, ...] = () if group is None else group.members
            total: Any = None if group is None else group.members_total
            more = (
                len(members) == page_size
                if total is None
                else (page_number + 1) * page_size < total
            )
            return Page(
                items=members,
                total=total,
                page_number=page_number,
                page_size=page_size,
                has_more=bool(members) and more,
            )

        return make_pager(fetch, **paging)

    iter_group_members = query_group_members
    """The 0.1 name of :meth:`query_group_members`, kept."""


__all__ = ["Scim"]
