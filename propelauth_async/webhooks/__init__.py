"""Verified PropelAuth webhooks (delivered through Svix): signature checks and typed events.

>>> verifier = WebhookVerifier(os.environ["PROPELAUTH_WEBHOOK_SECRET"])   # whsec_...
>>> event = verifier.verify(raw_body, request.headers)    # or WebhookVerificationError
>>> if isinstance(event, UserCreated): ...

Framework helpers: :func:`propelauth_async.webhooks.fastapi.webhook_event` (a dependency) and
:func:`propelauth_async.webhooks.aiohttp.webhook_handler` (a handler decorator). Needs the
``webhooks`` extra (``standardwebhooks``).
"""

from ._verifier import WebhookVerificationError, WebhookVerifier
from .events import (
    EVENT_TYPES,
    OrgApiKeyDeleted,
    OrgCreated,
    OrgDeleted,
    OrgEvent,
    OrgSamlRemoved,
    OrgSamlSetup,
    OrgUpdated,
    UserAddedToOrg,
    UserCreated,
    UserDeleted,
    UserDisabled,
    UserEnabled,
    UserEvent,
    UserInOrgEvent,
    UserRemovedFromOrg,
    UserRoleChangedWithinOrg,
    UserUpdated,
    WebhookEvent,
    parse_event,
)

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
    "WebhookVerificationError",
    "WebhookVerifier",
    "parse_event",
]


def refusal_status(error: WebhookVerificationError) -> int:
    """409 for a replay (a message already handled), 400 for every other refusal."""
    return 409 if error.reason == "replayed" else 400
