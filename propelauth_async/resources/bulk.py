"""``client.bulk``: the same user and membership calls, over any number of items.

Each method returns a :class:`~propelauth_async.bulk.BulkJob` running the ordinary resource
method per item, so every request goes through the client's shared rate limiter, pacing and
retry rules; the job adds bounded concurrency, lazy input, per-item results and progress.

The bulk calls live in their own namespace rather than as ``users.create_many`` and friends
because they share one set of knobs (``concurrency``, ``window``, ``ordered``, ``total``,
``on_progress``) and one result type, and read as one family in code and docs.
"""

from __future__ import annotations

import sys
from collections.abc import Awaitable, Callable, Collection, Mapping
from typing import Any, TypeVar

import attrs

from .. import _validate as check
from .._types import UNSET, JSONObject, Unsettable
from ..bulk import (
    NOT_APPLIED,
    BulkJob,
    ItemResult,
    JobOptions,
    Outcome,
    Source,
    _NotApplied,
    each,
    run_item,
)
from ..errors import BadRequestError, InvalidArgumentError, NotFoundError, PropelAuthError
from ..models.users import CreatedUser, User
from .orgs import Orgs
from .users import BATCH_CHUNK_SIZE, Users

# Imported for real, not only for type checkers: get_type_hints() of these methods must work.
if sys.version_info >= (3, 11):
    from typing import Unpack
else:  # pragma: no cover - Python 3.10
    from typing_extensions import Unpack

ItemT = TypeVar("ItemT", bound=attrs.AttrsInstance)
T = TypeVar("T")


@attrs.frozen(kw_only=True)
class NewUser:
    """One user to create: the arguments of ``client.users.create``."""

    email: str
    email_confirmed: bool = False
    send_email_to_confirm_email_address: bool = True
    ask_user_to_update_password_on_login: bool = False
    password: str | None = attrs.field(default=None, repr=False)
    username: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    properties: JSONObject | None = None
    ignore_domain_restrictions: bool = False


@attrs.frozen(kw_only=True)
class UserChanges:
    """Changes to one user: the arguments of ``client.users.update`` (``UNSET`` fields are
    left as they are; ``None`` clears a field)."""

    user_id: str
    username: Unsettable[str | None] = UNSET
    first_name: Unsettable[str | None] = UNSET
    last_name: Unsettable[str | None] = UNSET
    picture_url: Unsettable[str | None] = UNSET
    metadata: Unsettable[JSONObject | None] = UNSET
    properties: Unsettable[JSONObject | None] = UNSET
    update_password_required: Unsettable[bool] = UNSET
    legacy_user_id: Unsettable[str | None] = UNSET


@attrs.frozen(kw_only=True)
class NewMembership:
    """One user to add to one organization with a role."""

    org_id: str
    user_id: str
    role: str
    additional_roles: tuple[str, ...] = ()


def _as(cls: type[ItemT], item: ItemT | Mapping[str, Any], name: str) -> ItemT:
    """The item itself, or one built from a mapping of its fields (a CSV or JSON row)."""
    if isinstance(item, cls):
        return item
    if not isinstance(item, Mapping):
        raise InvalidArgumentError(name, f"must be a {cls.__name__} or a mapping of its fields")
    known = {f.name for f in attrs.fields(cls)}
    unknown = sorted(str(key) for key in item if key not in known)
    if unknown:
        raise InvalidArgumentError(name, f"unknown field(s): {', '.join(unknown)}")
    for field in attrs.fields(cls):
        # Flags are the one kind of field no later check looks at: "no" must not become True.
        if isinstance(field.default, bool) and not isinstance(item.get(field.name, False), bool):
            raise InvalidArgumentError(field.name, "must be true or false")
    try:
        return cls(**item)
    except TypeError:
        raise InvalidArgumentError(name, f"a required field is missing ({cls.__name__})") from None


def _fields(item: attrs.AttrsInstance, skip: str) -> dict[str, Any]:
    return {
        f.name: getattr(item, f.name)
        for f in attrs.fields(type(item))
        if f.name != skip and getattr(item, f.name) is not UNSET
    }


class Bulk:
    """Bulk operations. Reach it as ``client.bulk``.

    Every method takes the items (an iterable or async iterable, read lazily) and the job
    options: ``concurrency`` (items in flight), ``window`` (items started but not yet handed
    out, 4 x concurrency by default), ``ordered`` (results in input order, or as they
    complete), ``total`` (for progress when the input has no length) and ``on_progress``.
    """

    def __init__(self, users: Users, orgs: Orgs) -> None:
        self._users = users
        self._orgs = orgs

    def create_users(
        self,
        users: Source[NewUser | Mapping[str, Any]],
        *,
        existing_ok: bool = False,
        **options: Unpack[JobOptions],
    ) -> BulkJob[NewUser | Mapping[str, Any], CreatedUser]:
        """Create each user. A create whose answer was lost is never sent again: the user is
        looked up by email, and the result says what the lookup found (``reconciled``).

        With ``existing_ok``, a user refused because the email is taken counts as done too
        (``OK``, ``reconciled``, the existing user's id): what resuming an interrupted import
        needs, since the rows in flight when it stopped were created but never recorded.
        """

        async def find(item: NewUser | Mapping[str, Any]) -> CreatedUser | _NotApplied:
            user = await self._users.fetch_by_email(_as(NewUser, item, "users").email)
            return NOT_APPLIED if user is None else CreatedUser(user_id=user.user_id)

        async def create(item: NewUser | Mapping[str, Any]) -> CreatedUser:
            return await self._users.create(**_fields(_as(NewUser, item, "users"), ""))

        async def run(
            unit: list[tuple[int, NewUser | Mapping[str, Any]]],
        ) -> list[ItemResult[NewUser | Mapping[str, Any], CreatedUser]]:
            results = []
            for index, item in unit:
                result = await run_item(index, item, create, find)
                error = result.error
                if (
                    existing_ok
                    and isinstance(error, BadRequestError)
                    and "email" in error.field_errors
                ):
                    result = await _existing(result, find)
                results.append(result)
            return results

        return BulkJob(users, run, source_name="users", **options)

    def update_users(
        self,
        changes: Source[UserChanges | Mapping[str, Any]],
        **options: Unpack[JobOptions],
    ) -> BulkJob[UserChanges | Mapping[str, Any], None]:
        """Apply each change set (updates are safe to send twice, so they are retried)."""

        async def update(item: UserChanges | Mapping[str, Any]) -> None:
            change = _as(UserChanges, item, "changes")
            await self._users.update(change.user_id, **_fields(change, "user_id"))

        return BulkJob(
            changes,
            each(update),
            source_name="changes",
            **options,
        )

    def delete_users(
        self,
        user_ids: Source[str],
        *,
        missing_ok: bool = True,
        **options: Unpack[JobOptions],
    ) -> BulkJob[str, bool]:
        """Delete each user. The value is ``True`` when this job deleted the user and, with
        ``missing_ok``, ``False`` when it was already gone (a delete retried after a lost
        answer sees the user gone too); without ``missing_ok`` that is a ``NotFoundError``."""

        async def delete(user_id: str) -> bool:
            try:
                await self._users.delete(user_id)
            except NotFoundError:
                if missing_ok:
                    return False
                raise
            return True

        return BulkJob(
            user_ids,
            each(delete),
            source_name="user_ids",
            **options,
        )

    def fetch_users(
        self,
        user_ids: Source[str],
        *,
        include_orgs: bool = False,
        **options: Unpack[JobOptions],
    ) -> BulkJob[str, User | None]:
        """Each user, or ``None`` for an id that does not exist. Ids go 100 to a request
        (the batch endpoint), so ``concurrency`` (4 by default) and ``window`` count batches."""
        options.setdefault("concurrency", 4)

        async def fetch(unit: list[tuple[int, str]]) -> list[ItemResult[str, User | None]]:
            results: dict[int, ItemResult[str, User | None]] = {}
            valid: dict[int, str] = {}
            for index, user_id in unit:
                try:
                    valid[index] = check.uuid_str(user_id, "user_ids")
                except InvalidArgumentError as exc:
                    results[index] = ItemResult(
                        index=index, item=user_id, outcome=Outcome.FAILED, error=exc
                    )
            if valid:
                batch = await run_item(
                    -1,
                    list(valid.values()),
                    lambda ids: self._users.fetch_batch_by_ids(ids, include_orgs=include_orgs),
                )
                found = batch.value or {}
                for index, user_id in valid.items():
                    results[index] = ItemResult(
                        index=index,
                        item=user_id,
                        outcome=batch.outcome,
                        value=found.get(user_id),
                        error=batch.error,
                    )
            return [results[index] for index, _ in unit]

        return BulkJob(
            user_ids,
            fetch,
            source_name="user_ids",
            unit_size=BATCH_CHUNK_SIZE,
            **options,
        )

    def add_org_members(
        self,
        memberships: Source[NewMembership | Mapping[str, Any]],
        **options: Unpack[JobOptions],
    ) -> BulkJob[NewMembership | Mapping[str, Any], None]:
        """Add each user to an organization. Adding is not safe to send twice, so after a
        lost answer the user's memberships are looked up instead (``reconciled``)."""

        async def add(item: NewMembership | Mapping[str, Any]) -> None:
            m = _as(NewMembership, item, "memberships")
            await self._orgs.add_user(
                org_id=m.org_id, user_id=m.user_id, role=m.role, additional_roles=_roles(m)
            )

        async def find(item: NewMembership | Mapping[str, Any]) -> _NotApplied | None:
            m = _as(NewMembership, item, "memberships")
            user = await self._users.fetch(m.user_id, include_orgs=True)
            member = user is not None and m.org_id in (user.org_id_to_org_info or {})
            return None if member else NOT_APPLIED

        return BulkJob(
            memberships,
            each(add, find),
            source_name="memberships",
            **options,
        )


async def _existing(
    refused: ItemResult[T, CreatedUser],
    find: Callable[[T], Awaitable[CreatedUser | _NotApplied]],
) -> ItemResult[T, CreatedUser]:
    """A create refused for a taken email, as done when the lookup finds that user."""
    try:
        found = await find(refused.item)
    except PropelAuthError:
        return refused
    if found is NOT_APPLIED:
        return refused
    return attrs.evolve(refused, outcome=Outcome.OK, value=found, error=None, reconciled=True)


def _roles(membership: NewMembership) -> Collection[str]:
    roles = membership.additional_roles
    if isinstance(roles, str):
        raise InvalidArgumentError("additional_roles", "must be a list of roles, not one string")
    return roles


__all__ = ["Bulk", "NewMembership", "NewUser", "UserChanges"]
