"""PropelAuth webhook events as types. Unknown event types are passed through, never refused.

PropelAuth's payloads are flat JSON objects carrying ``event_type`` and the ids that matter
(see docs.propelauth.com, "Webhooks"). Each class below types the fields its events carry;
everything, typed or not, stays in ``payload``. An event type this version does not know
becomes a plain :class:`WebhookEvent` with its ``event_type`` and ``payload``, so a new
PropelAuth event never makes a webhook route fail. ``org.updated`` carries only the org id by
design (fetch the org for its current state: deliveries can arrive out of order).
"""

from __future__ import annotations

from typing import Any

import attrs

from .._types import JSONObject

__all__ = [
    "EVENT_TYPES",
    "OrgApiKeyDeleted",
    "OrgCreated",
    "OrgDeleted",
    "OrgEvent",
    "OrgSamlRemoved",
    "OrgSamlSetup",
    "OrgUpdated",
    "UserAddedToOrg",
    "UserCreated",
    "UserDeleted",
    "UserDisabled",
    "UserEnabled",
    "UserEvent",
    "UserInOrgEvent",
    "UserRemovedFromOrg",
    "UserRoleChangedWithinOrg",
    "UserUpdated",
    "WebhookEvent",
    "parse_event",
]


@attrs.frozen(kw_only=True)
class WebhookEvent:
    """Any event. ``message_id`` is the ``svix-id`` (the same on every retry of a delivery:
    use it to make your handling idempotent); ``timestamp`` is ``svix-timestamp``."""

    event_type: str
    message_id: str
    timestamp: int
    payload: JSONObject = attrs.field(factory=dict, repr=False)


@attrs.frozen(kw_only=True)
class UserEvent(WebhookEvent):
    """An event about one user."""

    user_id: str
    email: str | None = None


@attrs.frozen(kw_only=True)
class UserCreated(UserEvent):
    """``user.created``: a user signed up or was created through the API."""

    first_name: str | None = None
    last_name: str | None = None
    username: str | None = None
    email_confirmed: bool | None = None


@attrs.frozen(kw_only=True)
class UserUpdated(UserEvent):
    """``user.updated``: the user's profile changed."""

    pass


@attrs.frozen(kw_only=True)
class UserDeleted(UserEvent):
    """``user.deleted``."""

    pass


@attrs.frozen(kw_only=True)
class UserDisabled(UserEvent):
    """``user.disabled``: the user can no longer sign in."""

    pass


@attrs.frozen(kw_only=True)
class UserEnabled(UserEvent):
    """``user.enabled``: a disabled user can sign in again."""

    pass


@attrs.frozen(kw_only=True)
class OrgEvent(WebhookEvent):
    """An event about one organization."""

    org_id: str


@attrs.frozen(kw_only=True)
class OrgCreated(OrgEvent):
    """``org.created``."""

    name: str | None = None


@attrs.frozen(kw_only=True)
class OrgUpdated(OrgEvent):
    """``org.updated``."""

    pass


@attrs.frozen(kw_only=True)
class OrgDeleted(OrgEvent):
    """``org.deleted``."""

    pass


@attrs.frozen(kw_only=True)
class OrgSamlSetup(OrgEvent):
    """``org.saml_setup``: the org finished setting up SAML."""

    pass


@attrs.frozen(kw_only=True)
class OrgSamlRemoved(OrgEvent):
    """``org.saml_removed``."""

    pass


@attrs.frozen(kw_only=True)
class OrgApiKeyDeleted(OrgEvent):
    """``org.api_key_deleted``: an org API key was deleted."""

    api_key_id: str | None = None


@attrs.frozen(kw_only=True)
class UserInOrgEvent(WebhookEvent):
    """An event about one user's membership of one organization."""

    user_id: str
    org_id: str


@attrs.frozen(kw_only=True)
class UserAddedToOrg(UserInOrgEvent):
    """``user.added_to_org``."""

    role: str | None = None


@attrs.frozen(kw_only=True)
class UserRemovedFromOrg(UserInOrgEvent):
    """``user.removed_from_org``."""

    pass


@attrs.frozen(kw_only=True)
class UserRoleChangedWithinOrg(UserInOrgEvent):
    """``user.role_changed_within_org``: ``old_role`` and ``new_role``."""

    old_role: str | None = None
    new_role: str | None = None


EVENT_TYPES: dict[str, type[WebhookEvent]] = {
    "user.created": UserCreated,
    "user.updated": UserUpdated,
    "user.deleted": UserDeleted,
    "user.disabled": UserDisabled,
    "user.enabled": UserEnabled,
    "org.created": OrgCreated,
    "org.updated": OrgUpdated,
    "org.deleted": OrgDeleted,
    "org.saml_setup": OrgSamlSetup,
    "org.saml_removed": OrgSamlRemoved,
    "org.api_key_deleted": OrgApiKeyDeleted,
    "user.added_to_org": UserAddedToOrg,
    "user.removed_from_org": UserRemovedFromOrg,
    "user.role_changed_within_org": UserRoleChangedWithinOrg,
}
_BASE_FIELDS = {"event_type", "message_id", "timestamp", "payload"}


def _fits(value: Any, field: attrs.Attribute[Any]) -> bool:
    kind = str(field.type)
    if value is None:
        return "None" in kind
    if "bool" in kind:
        return isinstance(value, bool)
    return isinstance(value, str)


def parse_event(payload: JSONObject, *, message_id: str, timestamp: int) -> WebhookEvent:
    """The typed event for a verified payload. A known type whose payload lacks a field it
    needs (or has one of the wrong type) is passed through as a plain :class:`WebhookEvent`
    rather than refused: the delivery is genuine, only its shape is new."""
    event_type = payload.get("event_type", payload.get("type"))
    if not isinstance(event_type, str):
        event_type = ""
    base: dict[str, Any] = {
        "event_type": event_type,
        "message_id": message_id,
        "timestamp": timestamp,
    }
    cls = EVENT_TYPES.get(event_type)
    if cls is not None:
        fields: dict[str, Any] = {}
        for field in attrs.fields(cls):
            if field.name in _BASE_FIELDS:
                continue
            required = field.default is attrs.NOTHING
            value = payload.get(field.name)
            if value is None and not required:
                continue
            if not _fits(value, field):
                break
            fields[field.name] = value
        else:
            return cls(**base, **fields, payload=dict(payload))
    return WebhookEvent(**base, payload=dict(payload))
