"""``client.access_tokens``: mint short-lived access tokens for a user (tests, automation)."""

from __future__ import annotations

import attrs

from .. import _endpoints as endpoints
from .. import _validate as check
from .._transport import Requester
from ._common import drop_none


@attrs.frozen(kw_only=True)
class CreatedAccessToken:
    """A freshly minted access token. It is a credential: kept out of ``repr``."""

    access_token: str = attrs.field(repr=False)


class AccessTokens:
    """Reach it as ``client.access_tokens``."""

    def __init__(self, requester: Requester) -> None:
        self._requester = requester

    async def create(
        self, user_id: str, *, duration_in_minutes: int, active_org_id: str | None = None
    ) -> CreatedAccessToken:
        """An access token for ``user_id``, valid 1 to 1440 minutes, optionally for one org.

        Raises :class:`~propelauth_async.errors.UserNotFoundError` for a missing user (the
        server answers 403) and :class:`FeatureNotEnabledError` when access-token creation is
        not enabled for the project (it answers 404). Each call mints a new token, so a call
        whose answer was lost is not retried.
        """
        body = {
            "user_id": check.uuid_str(user_id, "user_id"),
            "duration_in_minutes": check.int_range(
                duration_in_minutes, "duration_in_minutes", 1, 1440
            ),
            **drop_none(
                active_org_id=None
                if active_org_id is None
                else check.uuid_str(active_org_id, "active_org_id")
            ),
        }
        # This endpoint's 403 means "no such user" and its 404 "the feature is off": its row
        # maps them to UserNotFoundError and FeatureNotEnabledError.
        token: CreatedAccessToken = await self._requester.request(
            endpoints.CREATE_ACCESS_TOKEN, json_body=body
        )
        return token


__all__ = ["AccessTokens", "CreatedAccessToken"]
