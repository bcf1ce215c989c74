"""``client.users``: every user operation of the backend API.

Lookups return the model or ``None`` when the user does not exist; writes return ``None`` and
raise :class:`~propelauth_async.errors.NotFoundError` when the user does not exist.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .. import _endpoints as endpoints
from .. import _validate as check
from .._convert import structure
from .._transport import Requester
from .._types import UNSET, JSONObject, Unpack, Unsettable
from ..errors import MalformedResponseError
from ..models.users import (
    CreatedUser,
    MfaMethods,
    OAuthToken,
    SocialProvider,
    User,
    UserOrderBy,
)
from ..pagination import AsyncPager, PageOptions
from ._common import (
    NO_BODY,
    changes,
    drop_none,
    gather_chunks,
    make_pager,
    paged_fetcher,
)

BATCH_CHUNK_SIZE = 100
"""Keys per batch request; longer key lists are split and fetched a few chunks at a time."""


def _user_list(data: Any) -> list[User]:
    if isinstance(data, dict):  # tolerate {"users": [...]} as well as the documented bare array
        data = data.get("users")
    if not isinstance(data, list):
        raise MalformedResponseError("expected a list of users", status_code=200)
    return list(structure(data, tuple[User, ...], what="a list of users"))


class Users:
    """User operations. Reach it as ``client.users``."""

    def __init__(self, requester: Requester) -> None:
        self._requester = requester

    # Lookups -----------------------------------------------------------------------------------

    async def fetch(self, user_id: str, *, include_orgs: bool = False) -> User | None:
        """The user with this id, or ``None``."""
        uid = check.uuid_str(user_id, "user_id")
        query = {"include_orgs": check.flag(include_orgs, "include_orgs")}
        user: User | None = await self._requester.request(
            endpoints.FETCH_USER, path={"user_id": uid}, query=query
        )
        return user

    async def fetch_by_email(self, email: str, *, include_orgs: bool = False) -> User | None:
        """The user with this email address (case-insensitive on the server), or ``None``."""
        query = {
            "include_orgs": check.flag(include_orgs, "include_orgs"),
            "email": check.email(email),
        }
        user: User | None = await self._requester.request(
            endpoints.FETCH_USER_BY_EMAIL, query=query
        )
        return user

    async def fetch_by_username(self, username: str, *, include_orgs: bool = False) -> User | None:
        """The user with this username, or ``None``."""
        query = {
            "include_orgs": check.flag(include_orgs, "include_orgs"),
            "username": check.url_text(username, "username"),
        }
        user: User | None = await self._requester.request(
            endpoints.FETCH_USER_BY_USERNAME, query=query
        )
        return user

    async def fetch_batch_by_ids(
        self, user_ids: Iterable[str], *, include_orgs: bool = False
    ) -> dict[str, User]:
        """The users among ``user_ids`` that exist, keyed by user id.

        Any number of ids: duplicates are sent once and long lists are split into chunks.
        """
        ids = [check.uuid_str(uid, "user_ids") for uid in check.keys(user_ids, "user_ids")]
        users = await self._batch(endpoints.FETCH_USERS_BY_IDS, "user_ids", ids, include_orgs)
        return {user.user_id: user for user in users}

    async def fetch_batch_by_emails(
        self, emails: Iterable[str], *, include_orgs: bool = False
    ) -> dict[str, User]:
        """The users among ``emails`` that exist, keyed by the email the server returns."""
        keys = [check.email(e, "emails") for e in check.keys(emails, "emails")]
        users = await self._batch(endpoints.FETCH_USERS_BY_EMAILS, "emails", keys, include_orgs)
        return {user.email: user for user in users}

    async def fetch_batch_by_usernames(
        self, usernames: Iterable[str], *, include_orgs: bool = False
    ) -> dict[str, User]:
        """The users among ``usernames`` that exist, keyed by username."""
        keys = check.keys(usernames, "usernames")
        users = await self._batch(
            endpoints.FETCH_USERS_BY_USERNAMES, "usernames", keys, include_orgs
        )
        return {user.username: user for user in users if user.username is not None}

    async def _batch(
        self, endpoint: endpoints.Endpoint, field: str, keys: list[str], include_orgs: bool
    ) -> list[User]:
        query = {"include_orgs": check.flag(include_orgs, "include_orgs")}

        async def fetch(chunk: list[str]) -> list[User]:
            data = await self._requester.request(endpoint, query=query, json_body={field: chunk})
            return _user_list(data)

        return await gather_chunks(keys, BATCH_CHUNK_SIZE, fetch)

    def query(
        self,
        *,
        order_by: UserOrderBy | str = UserOrderBy.CREATED_AT_ASC,
        email_or_username: str | None = None,
        legacy_user_id: str | None = None,
        include_orgs: bool = False,
        **paging: Unpack[PageOptions],
    ) -> AsyncPager[User]:
        """Users filtered by a partial email or username, or a legacy id: ``await`` it for one
        page, ``async for user in ...`` for every one (``**paging``: see :class:`PageOptions`)."""
        filters = {
            "order_by": check.choice(order_by, UserOrderBy, "order_by"),
            "email_or_username": check.maybe(
                check.url_text, email_or_username, "email_or_username"
            ),
            "include_orgs": check.flag(include_orgs, "include_orgs"),
            "legacy_user_id": check.maybe(check.url_text, legacy_user_id, "legacy_user_id"),
        }
        fetch = paged_fetcher(self._requester, endpoints.QUERY_USERS, filters)
        return make_pager(fetch, **paging)

    iter = query
    """The 0.1 name of :meth:`query`, kept: ``async for user in client.users.iter():``."""

    def query_in_org(
        self,
        org_id: str,
        *,
        role: str | None = None,
        include_orgs: bool = False,
        **paging: Unpack[PageOptions],
    ) -> AsyncPager[User]:
        """The members of an organization, optionally only those with ``role``: ``await`` it
        for one page, ``async for`` over it for every member."""
        filters = {
            "include_orgs": check.flag(include_orgs, "include_orgs"),
            "role": check.maybe(check.url_text, role, "role"),
        }
        path = {"org_id": check.uuid_str(org_id, "org_id")}
        fetch = paged_fetcher(self._requester, endpoints.QUERY_USERS_IN_ORG, filters, path)
        return make_pager(fetch, **paging)

    iter_in_org = query_in_org
    """The 0.1 name of :meth:`query_in_org`, kept."""

    async def fetch_signup_query_params(self, user_id: str) -> dict[str, str] | None:
        """The query parameters the user signed up with, or ``None`` for a missing user."""
        uid = check.uuid_str(user_id, "user_id")
        data = await self._requester.request(
            endpoints.FETCH_USER_SIGNUP_PARAMS, path={"user_id": uid}
        )
        if data is None:  # no such user (the row reads a 404 as None)
            return None
        params = data.get("user_signup_query_parameters") if isinstance(data, dict) else None
        return structure(params or {}, dict[str, str], what="signup query parameters")

    async def fetch_mfa_methods(self, user_id: str) -> MfaMethods | None:
        """The user's MFA setup (``MfaMethods.type is None`` when none), or ``None``."""
        uid = check.uuid_str(user_id, "user_id")
        data = await self._requester.request(
            endpoints.FETCH_USER_MFA_METHODS, path={"user_id": uid}
        )
        if data is None:  # no such user (the row reads a 404 as None)
            return None
        setup = data.get("mfa_setup") if isinstance(data, dict) else None
        return structure(setup or {}, MfaMethods)

    async def fetch_oauth_tokens(self, user_id: str) -> dict[str, OAuthToken] | None:
        """The user's social-login tokens keyed by provider, or ``None`` for a missing user."""
        uid = check.uuid_str(user_id, "user_id")
        data = await self._requester.request(
            endpoints.FETCH_USER_OAUTH_TOKENS, path={"user_id": uid}
        )
        if data is None:  # no such user (the row reads a 404 as None)
            return None
        if isinstance(data, list):
            tokens = structure(data, tuple[OAuthToken, ...], what="OAuth tokens")
            return {t.token_provider or str(i): t for i, t in enumerate(tokens)}
        return structure(data or {}, dict[str, OAuthToken], what="OAuth tokens")

    async def fetch_fresh_provider_token(
        self, user_id: str, provider: SocialProvider | str
    ) -> OAuthToken | None:
        """A freshly refreshed token from ``provider``, or ``None`` when there is none."""
        uid = check.uuid_str(user_id, "user_id")
        name = check.choice(provider, SocialProvider, "provider").value
        token: OAuthToken | None = await self._requester.request(
            endpoints.FETCH_FRESH_PROVIDER_TOKEN, path={"user_id": uid, "provider": name}
        )
        return token

    # Writes ------------------------------------------------------------------------------------

    async def create(
        self,
        *,
        email: str,
        email_confirmed: bool = False,
        send_email_to_confirm_email_address: bool = True,
        ask_user_to_update_password_on_login: bool = False,
        password: str | None = None,
        username: str | None = None,
        first_name: str | None = None,
        last_name: str | None = None,
        properties: JSONObject | None = None,
        ignore_domain_restrictions: bool = False,
    ) -> CreatedUser:
        """Create a user. Never retried once sent: a lost answer raises ``OutcomeUnknownError``
        (look the user up by email before trying again)."""
        body: dict[str, object] = {
            "email": check.email(email),
            "email_confirmed": check.flag(email_confirmed, "email_confirmed"),
            "send_email_to_confirm_email_address": check.flag(
                send_email_to_confirm_email_address, "send_email_to_confirm_email_address"
            ),
            "ask_user_to_update_password_on_login": check.flag(
                ask_user_to_update_password_on_login, "ask_user_to_update_password_on_login"
            ),
            "ignore_domain_restrictions": check.flag(
                ignore_domain_restrictions, "ignore_domain_restrictions"
            ),
            **drop_none(
                password=check.maybe(check.text, password, "password"),
                username=check.maybe(check.text, username, "username"),
                first_name=check.maybe(check.string, first_name, "first_name"),
                last_name=check.maybe(check.string, last_name, "last_name"),
                properties=check.json_object(properties, "properties"),
            ),
        }
        created: CreatedUser = await self._requester.request(endpoints.CREATE_USER, json_body=body)
        return created

    async def update(
        self,
        user_id: str,
        *,
        username: Unsettable[str | None] = UNSET,
        first_name: Unsettable[str | None] = UNSET,
        last_name: Unsettable[str | None] = UNSET,
        picture_url: Unsettable[str | None] = UNSET,
        metadata: Unsettable[JSONObject | None] = UNSET,
        properties: Unsettable[JSONObject | None] = UNSET,
        update_password_required: Unsettable[bool] = UNSET,
        legacy_user_id: Unsettable[str | None] = UNSET,
    ) -> None:
        """Change the given fields; fields left ``UNSET`` are not sent and stay as they are."""
        body = changes(
            username=(username, check.nullable(check.text)),
            first_name=(first_name, check.nullable(check.string)),
            last_name=(last_name, check.nullable(check.string)),
            picture_url=(picture_url, check.nullable(check.text)),
            metadata=(metadata, check.json_object),
            properties=(properties, check.json_object),
            update_password_required=(update_password_required, check.flag),
            legacy_user_id=(legacy_user_id, check.nullable(check.text)),
        )
        await self._write(endpoints.UPDATE_USER, user_id, body)

    async def update_email(
        self, user_id: str, *, new_email: str, require_email_confirmation: bool = True
    ) -> None:
        """Change the email; with confirmation required, the change waits for the user."""
        body: dict[str, object] = {
            "new_email": check.email(new_email, "new_email"),
            "require_email_confirmation": check.flag(
                require_email_confirmation, "require_email_confirmation"
            ),
        }
        await self._write(endpoints.UPDATE_USER_EMAIL, user_id, body)

    async def update_password(
        self, user_id: str, *, password: str, ask_user_to_update_password_on_login: bool = False
    ) -> None:
        """Set a new password; ``ask_user_to_update_password_on_login`` makes them choose another at
        their next sign-in (for a password you handed them)."""
        body: dict[str, object] = {
            "password": check.text(password, "password"),
            "ask_user_to_update_password_on_login": check.flag(
                ask_user_to_update_password_on_login, "ask_user_to_update_password_on_login"
            ),
        }
        await self._write(endpoints.UPDATE_USER_PASSWORD, user_id, body)

    async def clear_password(self, user_id: str) -> None:
        """Remove the password: the user signs in by the other methods the project allows."""
        await self._write(endpoints.CLEAR_USER_PASSWORD, user_id)

    async def delete(self, user_id: str) -> None:
        """Delete the user and their memberships. Cannot be undone."""
        await self._write(endpoints.DELETE_USER, user_id)

    async def disable(self, user_id: str) -> None:
        """Block sign-in and end the user's sessions."""
        await self._write(endpoints.DISABLE_USER, user_id)

    async def enable(self, user_id: str) -> None:
        """Let a disabled user sign in again."""
        await self._write(endpoints.ENABLE_USER, user_id)

    async def disable_2fa(self, user_id: str) -> None:
        """Remove the user's MFA setup, for a user who lost their device."""
        await self._write(endpoints.DISABLE_USER_2FA, user_id)

    async def logout_all_sessions(self, user_id: str) -> None:
        """End every session of the user: refresh tokens stop working; access tokens already
        issued stay valid until they expire."""
        await self._write(endpoints.LOGOUT_ALL_SESSIONS, user_id)

    async def enable_can_create_orgs(self, user_id: str) -> None:
        """Let the user create organizations, whatever the project's default."""
        await self._write(endpoints.ENABLE_CAN_CREATE_ORGS, user_id)

    async def disable_can_create_orgs(self, user_id: str) -> None:
        """Stop the user from creating organizations, whatever the project's default."""
        await self._write(endpoints.DISABLE_CAN_CREATE_ORGS, user_id)

    async def resend_email_confirmation(self, user_id: str) -> None:
        """Send the confirmation email again. Not retried: it would send two emails."""
        body = {"user_id": check.uuid_str(user_id, "user_id")}
        await self._requester.request(endpoints.RESEND_EMAIL_CONFIRMATION, json_body=body)

    async def _write(
        self, endpoint: endpoints.Endpoint, user_id: str, body: dict[str, object] | None = None
    ) -> None:
        path = {"user_id": check.uuid_str(user_id, "user_id")}
        await self._requester.request(
            endpoint, path=path, json_body=NO_BODY if body is None else body
        )


__all__ = ["BATCH_CHUNK_SIZE", "Users"]
