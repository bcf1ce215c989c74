"""``client.magic_links``: one-time sign-in (or sign-up) links."""

from __future__ import annotations

from collections.abc import Mapping

from .. import _endpoints as endpoints
from .. import _validate as check
from .._transport import Requester
from ..models.flows import MagicLink
from ._common import drop_none


class MagicLinks:
    """Reach it as ``client.magic_links``. Creating a link is never retried once sent."""

    def __init__(self, requester: Requester) -> None:
        self._requester = requester

    async def create(
        self,
        *,
        email: str,
        redirect_to_url: str | None = None,
        expires_in_hours: int | None = None,
        create_new_user_if_one_doesnt_exist: bool | None = None,
        user_signup_query_parameters: Mapping[str, str] | None = None,
        expire_after_first_use: bool | None = None,
        requires_interstitial: bool | None = None,
    ) -> MagicLink:
        """A link that signs ``email`` in; valid ``expires_in_hours`` (1 to 168) hours."""
        body = {
            "email": check.email(email),
            **drop_none(
                redirect_to_url=check.maybe(check.text, redirect_to_url, "redirect_to_url"),
                expires_in_hours=check.maybe(_hours, expires_in_hours, "expires_in_hours"),
                user_signup_query_parameters=check.string_map(
                    user_signup_query_parameters, "user_signup_query_parameters"
                ),
                create_new_user_if_one_doesnt_exist=check.maybe(
                    check.flag,
                    create_new_user_if_one_doesnt_exist,
                    "create_new_user_if_one_doesnt_exist",
                ),
                expire_after_first_use=check.maybe(
                    check.flag, expire_after_first_use, "expire_after_first_use"
                ),
                requires_interstitial=check.maybe(
                    check.flag, requires_interstitial, "requires_interstitial"
                ),
            ),
        }
        answer: MagicLink = await self._requester.request(
            endpoints.CREATE_MAGIC_LINK, json_body=body
        )
        return answer


def _hours(value: object, name: str) -> int:
    return check.int_range(value, name, 1, 168)


__all__ = ["MagicLinks"]
