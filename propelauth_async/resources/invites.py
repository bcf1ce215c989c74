"""``client.invites``: inviting people into organizations, and the invites still pending."""

from __future__ import annotations

from collections.abc import Collection

from .. import _endpoints as endpoints
from .. import _validate as check
from .._transport import Requester
from .._types import Unpack
from ..models.orgs import PendingInvite
from ..pagination import AsyncPager, PageOptions
from ._common import make_pager, paged_fetcher, role_body


class Invites:
    """Org invites. Reach it as ``client.invites``.

    Inviting sends an email, so an invite is never retried once it may have reached the server:
    a lost answer raises ``OutcomeUnknownError`` (check ``query_pending`` before inviting again).
    """

    def __init__(self, requester: Requester) -> None:
        self._requester = requester

    async def invite_by_email(
        self, *, email: str, org_id: str, role: str, additional_roles: Collection[str] = ()
    ) -> None:
        """Invite someone, whether or not they have an account yet."""
        body = {"email": check.email(email), **role_body(org_id, role, additional_roles)}
        await self._requester.request(endpoints.INVITE_USER_TO_ORG, json_body=body)

    async def invite_by_user_id(
        self, *, user_id: str, org_id: str, role: str, additional_roles: Collection[str] = ()
    ) -> None:
        """Invite an existing user."""
        body = {
            "user_id": check.uuid_str(user_id, "user_id"),
            **role_body(org_id, role, additional_roles),
        }
        await self._requester.request(endpoints.INVITE_USER_TO_ORG_BY_ID, json_body=body)

    def query_pending(
        self,
        *,
        org_id: str | None = None,
        **paging: Unpack[PageOptions],
    ) -> AsyncPager[PendingInvite]:
        """Pending invites, across the project or for one org: ``await`` it for one page,
        ``async for`` over it for every invite."""
        fetch = paged_fetcher(
            self._requester,
            endpoints.FETCH_PENDING_INVITES,
            {"org_id": check.maybe(check.uuid_str, org_id, "org_id")},
        )
        return make_pager(fetch, **paging)

    iter_pending = query_pending
    """The 0.1 name of :meth:`query_pending`, kept."""

    async def revoke(self, *, org_id: str, invitee_email: str) -> None:
        """Revoke a pending invite. Sent as a DELETE with a JSON body; an empty 200 is success."""
        body = {
            "org_id": check.uuid_str(org_id, "org_id"),
            "invitee_email": check.email(invitee_email, "invitee_email"),
        }
        await self._requester.request(endpoints.REVOKE_PENDING_INVITE, json_body=body)


__all__ = ["Invites"]
