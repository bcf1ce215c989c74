"""Signed webhook deliveries from the emulator, so a test can drive its own webhook route.

Register an endpoint with ``emu.add_webhook_endpoint(url)`` (or ``app=`` an ASGI app, reached
in process). From then on every user and org change (HTTP or seeding) queues an event shaped
like PropelAuth's, and ``await emu.deliver_webhooks()`` POSTs the queue with Svix headers
(``svix-id``, ``svix-timestamp``, ``svix-signature``), signed with the endpoint's ``whsec_``
secret by ``standardwebhooks``. Delivery is explicit so that tests stay deterministic; each
delivery's status is recorded. Without an endpoint nothing is queued.

Events emitted: user.created, user.updated, user.deleted, org.created, org.updated,
org.deleted, user.added_to_org, user.removed_from_org, user.role_changed_within_org; any other
with ``emu.emit_webhook(event_type, **fields)``.
"""

from __future__ import annotations

import base64
import datetime
import json
import secrets
import threading
import time
import weakref
from collections.abc import Callable, Iterable
from typing import Any

import attrs
import httpx

from ._state import OrgRecord, State, UserRecord

Clock = Callable[[], float]


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


@attrs.frozen
class WebhookEndpoint:
    """Where the emulator posts webhook events, signed with ``secret`` as Svix signs them;
    ``event_types`` None means every event."""

    url: str
    secret: str = attrs.field(repr=False)
    event_types: frozenset[str] | None = None
    app: Any = attrs.field(default=None, repr=False, eq=False)

    def wants(self, event_type: str) -> bool:
        return self.event_types is None or event_type in self.event_types


@attrs.frozen
class WebhookDelivery:
    """One POST: what was sent and how the endpoint answered (``status`` None: no answer)."""

    url: str
    message_id: str
    event_type: str
    payload: dict[str, Any]
    status: int | None
    error: str | None = None


class WebhookOutbox:
    def __init__(self, clock: Clock = time.time) -> None:
        self.endpoints: list[WebhookEndpoint] = []
        self.pending: list[tuple[WebhookEndpoint, str, dict[str, Any]]] = []
        self.deliveries: list[WebhookDelivery] = []
        self.clock = clock
        self._lock = threading.Lock()

    def emit(self, event_type: str, payload: dict[str, Any]) -> None:
        body = {"event_type": event_type, **payload}
        with self._lock:
            for endpoint in self.endpoints:
                if endpoint.wants(event_type):
                    self.pending.append((endpoint, f"msg_{secrets.token_hex(12)}", body))

    def signed(self, endpoint: WebhookEndpoint, message_id: str, body: bytes) -> dict[str, str]:
        from standardwebhooks import Webhook

        timestamp = int(self.clock())
        when = datetime.datetime.fromtimestamp(timestamp, tz=datetime.timezone.utc)
        signature = Webhook(endpoint.secret).sign(message_id, when, body.decode())
        return {
            "content-type": "application/json",
            "svix-id": message_id,
            "svix-timestamp": str(timestamp),
            "svix-signature": signature,
        }

    async def deliver(self, *, request_timeout: float = 10.0) -> list[WebhookDelivery]:
        with self._lock:
            batch, self.pending = self.pending, []
        done = []
        for endpoint, message_id, payload in batch:
            body = json.dumps(payload, separators=(",", ":")).encode()
            headers = self.signed(endpoint, message_id, body)
            transport = httpx.ASGITransport(app=endpoint.app) if endpoint.app else None
            status: int | None = None
            error = None
            try:
                async with httpx.AsyncClient(transport=transport, timeout=request_timeout) as http:
                    status = (
                        await http.post(endpoint.url, content=body, headers=headers)
                    ).status_code
            except httpx.HTTPError as exc:
                error = type(exc).__name__
            event_type = str(payload["event_type"])
            done.append(
                WebhookDelivery(endpoint.url, message_id, event_type, payload, status, error)
            )
        with self._lock:
            self.deliveries.extend(done)
        return done


_OUTBOXES: weakref.WeakKeyDictionary[State, WebhookOutbox] = weakref.WeakKeyDictionary()


def outbox(state: State) -> WebhookOutbox:
    """The state's outbox, created on first registration."""
    found = _OUTBOXES.get(state)
    if found is None:
        found = _OUTBOXES[state] = WebhookOutbox()
    return found


def forget(state: State) -> None:
    """Drop the state's endpoints, queue and deliveries (the emulator's reset)."""
    _OUTBOXES.pop(state, None)


def add_endpoint(
    state: State,
    url: str,
    *,
    secret: str | None,
    event_types: Iterable[str] | None,
    app: Any,
) -> WebhookEndpoint:
    endpoint = WebhookEndpoint(
        url=url,
        secret=secret or new_secret(),
        event_types=None if event_types is None else frozenset(event_types),
        app=app,
    )
    outbox(state).endpoints.append(endpoint)
    return endpoint


def emit(state: State, event_type: str, **payload: Any) -> None:
    """Queue an event for every endpoint that wants it; nothing when none is registered."""
    found = _OUTBOXES.get(state)
    if found is not None and found.endpoints:
        found.emit(event_type, payload)


def user_changed(state: State, event_type: str, user: UserRecord) -> None:
    fields: dict[str, Any] = {"user_id": user.user_id, "email": user.email}
    if event_type == "user.created":
        fields.update(
            email_confirmed=user.email_confirmed,
            first_name=user.first_name,
            last_name=user.last_name,
            username=user.username,
        )
    emit(state, event_type, **fields)


def org_changed(state: State, event_type: str, org: OrgRecord) -> None:
    fields: dict[str, Any] = {"org_id": org.org_id}
    if event_type == "org.created":
        fields["name"] = org.name
    emit(state, event_type, **fields)
