"""``client.api_keys``: end-user API keys, created for your users and validated by PropelAuth.

Key ids are hex strings (the official library's rule); anything else is refused before
sending. A token passed to a validation may carry a leading ``Bearer `` (any case): it is
stripped. The end-user-key rate limit answers 429 with ``wait_seconds``, which lands on
:class:`~propelauth_async.errors.RateLimitError` as ``retry_after`` (and is waited out, up to
``max_retry_wait``, like any 429).
"""

from __future__ import annotations

import datetime
import re
from typing import Any

from .. import _endpoints as endpoints
from .. import _validate as check
from .._convert import structure
from .._transport import Requester
from .._types import UNSET, JSONObject, Unpack, Unsettable
from ..errors import BadRequestError, InvalidArgumentError
from ..models.api_keys import (
    ApiKey,
    ApiKeyOrg,
    ApiKeyType,
    ApiKeyValidation,
    ImportedApiKey,
    NewApiKey,
    OrgApiKeyValidation,
    PersonalApiKeyValidation,
)
from ..models.membership import OrgMemberInfo
from ..models.users import User
from ..pagination import AsyncPager, PageOptions
from ._common import (
    drop_none,
    make_pager,
    paged_fetcher,
)

_HEX = re.compile(r"[0-9a-fA-F]+")
_BEARER = re.compile(r"^\s*bearer\s+", re.IGNORECASE)


def _key_id(value: object) -> str:
    if not isinstance(value, str) or len(value) > 256 or _HEX.fullmatch(value) is None:
        raise InvalidArgumentError(
            "api_key_id", "must be a hex string (the key's id, not its token)"
        )
    return value


def _token(value: object) -> str:
    token = _BEARER.sub("", check.text(value, "api_key_token")).strip()
    return check.text(token, "api_key_token")


def _org(data: Any) -> ApiKeyOrg | None:
    if not isinstance(data, dict):
        return None
    name = data.get("org_name", data.get("name"))
    return structure({**data, "org_name": name}, ApiKeyOrg)


def _user_in_org(data: Any, org: ApiKeyOrg | None) -> OrgMemberInfo | None:
    if not isinstance(data, dict) or data.get("user_role") is None:
        return None
    filled = {
        "org_id": data.get("org_id") or (org.org_id if org else ""),
        "org_name": data.get("org_name") or (org.org_name if org and org.org_name else ""),
        **{k: val for k, val in data.items() if k not in ("org_id", "org_name")},
    }
    return structure(filled, OrgMemberInfo)


def _validation(data: Any) -> ApiKeyValidation:
    if not isinstance(data, dict):
        data = {}
    org = _org(data.get("org"))
    user = data.get("user")
    return ApiKeyValidation(
        metadata=data.get("metadata") or {},
        user=structure(user, User) if isinstance(user, dict) else None,
        org=org,
        user_in_org=_user_in_org(data.get("user_in_org"), org),
    )


def _wrong_kind(what: str) -> BadRequestError:
    message = f"Not {what} API key"
    return BadRequestError(
        message, status_code=400, field_errors={"api_key_token": [message]}, path=endpoints.API_KEYS
    )


def _key_type(value: ApiKeyType | str) -> str:
    """Any non-empty type is sent: the server knows kinds of keys that :class:`ApiKeyType`
    (the documented ones, as a typed convenience) may not list yet."""
    if isinstance(value, ApiKeyType):
        return value.value
    return check.text(value, "api_key_type")


class _KeyList:
    """One of the two lists of keys, live or archived: the same filters, another endpoint."""

    def __init__(self, requester: Requester, endpoint: endpoints.Endpoint) -> None:
        self._requester = requester
        self._endpoint = endpoint

    def query(
        self,
        *,
        org_id: str | None = None,
        user_id: str | None = None,
        user_email: str | None = None,
        api_key_type: ApiKeyType | str | None = None,
        **paging: Unpack[PageOptions],
    ) -> AsyncPager[ApiKey]:
        """Keys filtered by org, user, user email or type: ``await`` it for one page, ``async
        for`` over it for every key. A page number or size not given is not sent (the
        server's defaults, 0 and 10, apply), as the official library does."""
        filters = {
            "org_id": check.maybe(check.uuid_str, org_id, "org_id"),
            "user_id": check.maybe(check.uuid_str, user_id, "user_id"),
            "user_email": check.maybe(check.email, user_email, "user_email"),
            "api_key_type": None if api_key_type is None else _key_type(api_key_type),
        }
        fetch = paged_fetcher(self._requester, self._endpoint, filters)
        return make_pager(fetch, **paging)


class ApiKeys:
    """Reach it as ``client.api_keys``.

    ``query_current`` lists live keys and ``query_archived`` deleted ones; both take the same
    filters. ``iter_current`` and ``iter_archived`` are their 0.1 names, kept.
    """

    def __init__(self, requester: Requester) -> None:
        self._requester = requester
        #: Live keys: ``await`` for one page, ``async for`` for every key.
        self.query_current = _KeyList(requester, endpoints.FETCH_CURRENT_API_KEYS).query
        #: Deleted (archived) keys: ``await`` for one page, ``async for`` for every key.
        self.query_archived = _KeyList(requester, endpoints.FETCH_ARCHIVED_API_KEYS).query
        #: The 0.1 name of :attr:`query_current`, kept.
        self.iter_current = self.query_current
        #: The 0.1 name of :attr:`query_archived`, kept.
        self.iter_archived = self.query_archived

    async def fetch(self, api_key_id: str) -> ApiKey | None:
        """The key (current or archived), or ``None`` when there is no such key."""
        path = {"api_key_id": _key_id(api_key_id)}
        key: ApiKey | None = await self._requester.request(endpoints.FETCH_API_KEY, path=path)
        return key

    async def create(
        self,
        *,
        org_id: str | None = None,
        user_id: str | None = None,
        expires_at_seconds: int | None = None,
        metadata: JSONObject | None = None,
        display_name: str | None = None,
    ) -> NewApiKey:
        """A new key for a user, an org, or a user within an org. Hand ``api_key_token`` to
        its owner now: it cannot be read again. Not retried once sent."""
        body = self._owner_fields(org_id, user_id, expires_at_seconds, metadata, display_name)
        answer: NewApiKey = await self._requester.request(endpoints.CREATE_API_KEY, json_body=body)
        return answer

    async def import_key(
        self,
        *,
        api_key_token: str,
        org_id: str | None = None,
        user_id: str | None = None,
        expires_at_seconds: int | None = None,
        metadata: JSONObject | None = None,
        display_name: str | None = None,
    ) -> ImportedApiKey:
        """Bring over a key your users already hold (sent as ``imported_api_key``)."""
        body = {
            "imported_api_key": _token(api_key_token),
            **self._owner_fields(org_id, user_id, expires_at_seconds, metadata, display_name),
        }
        answer: ImportedApiKey = await self._requester.request(
            endpoints.IMPORT_API_KEY, json_body=body
        )
        return answer

    @staticmethod
    def _owner_fields(
        org_id: str | None,
        user_id: str | None,
        expires_at_seconds: int | None,
        metadata: JSONObject | None,
        display_name: str | None,
    ) -> dict[str, object]:
        return drop_none(
            org_id=None if org_id is None else check.uuid_str(org_id, "org_id"),
            user_id=None if user_id is None else check.uuid_str(user_id, "user_id"),
            expires_at_seconds=None
            if expires_at_seconds is None
            else check.int_range(expires_at_seconds, "expires_at_seconds", 1, None),
            metadata=check.json_object(metadata, "metadata"),
            display_name=None if display_name is None else check.text(display_name, "display_name"),
        )

    async def update(
        self,
        api_key_id: str,
        *,
        expires_at_seconds: Unsettable[int] = UNSET,
        metadata: Unsettable[JSONObject] = UNSET,
        never_expire: bool = False,
    ) -> None:
        """Change the expiry (or make the key never expire) and the metadata."""
        body: dict[str, object] = {}
        if check.flag(never_expire, "never_expire") and expires_at_seconds is not UNSET:
            raise InvalidArgumentError("never_expire", "cannot be combined with expires_at_seconds")
        if expires_at_seconds is not UNSET:
            body["expires_at_seconds"] = check.int_range(
                expires_at_seconds, "expires_at_seconds", 1, None
            )
        if metadata is not UNSET:
            body["metadata"] = check.json_object(metadata, "metadata")
        if never_expire:
            body["set_to_never_expire"] = True
        await self._requester.request(
            endpoints.UPDATE_API_KEY, path={"api_key_id": _key_id(api_key_id)}, json_body=body
        )

    async def delete(self, api_key_id: str) -> None:
        """Archive the key: it stops validating and moves to the archived list."""
        await self._requester.request(
            endpoints.DELETE_API_KEY, path={"api_key_id": _key_id(api_key_id)}
        )

    async def validate(self, api_key_token: str) -> ApiKeyValidation:
        """Who the key belongs to; ``NotFoundError`` or ``BadRequestError`` for a bad key."""
        data = await self._requester.request(
            endpoints.VALIDATE_API_KEY, json_body={"api_key_token": _token(api_key_token)}
        )
        return _validation(data)

    async def validate_personal(self, api_key_token: str) -> PersonalApiKeyValidation:
        """Like :meth:`validate`, for keys that belong to a user alone."""
        result = await self.validate(api_key_token)
        if result.user is None or result.org is not None:
            raise _wrong_kind("a personal")
        return PersonalApiKeyValidation(metadata=result.metadata, user=result.user)

    async def validate_org(self, api_key_token: str) -> OrgApiKeyValidation:
        """Like :meth:`validate`, for keys that belong to an org."""
        result = await self.validate(api_key_token)
        if result.org is None:
            raise _wrong_kind("an org")
        return OrgApiKeyValidation(
            metadata=result.metadata,
            org=result.org,
            user=result.user,
            user_in_org=result.user_in_org,
        )

    async def validate_imported(self, api_key_token: str) -> ApiKeyValidation:
        """Validate a key that was brought in with :meth:`import_key`."""
        data = await self._requester.request(
            endpoints.VALIDATE_IMPORTED_API_KEY, json_body={"api_key_token": _token(api_key_token)}
        )
        return _validation(data)

    async def fetch_usage(
        self,
        date: datetime.date | str,
        *,
        org_id: str | None = None,
        user_id: str | None = None,
        api_key_id: str | None = None,
    ) -> int:
        """How many validations were counted on ``date``, for an org, a user or one key."""
        query = {
            "date": check.day(date, "date").isoformat(),
            "org_id": None if org_id is None else check.uuid_str(org_id, "org_id"),
            "user_id": None if user_id is None else check.uuid_str(user_id, "user_id"),
            "api_key_id": None if api_key_id is None else _key_id(api_key_id),
        }
        data = await self._requester.request(endpoints.FETCH_API_KEY_USAGE, query=query)
        count = data.get("count") if isinstance(data, dict) else None
        return structure(count, int, what="an API key usage count")


__all__ = ["ApiKeys"]
