"""Svix signature verification, with the parts that must be ours made explicit.

We use ``standardwebhooks`` (the Standard Webhooks reference library, which the ``svix`` SDK
itself delegates to, with no dependencies of its own) for the secret format (``whsec_`` +
base64) and the HMAC-SHA256 signature. We do not call its ``verify``: its timestamp tolerance
is fixed at 5 minutes against the wall clock, and a malformed ``svix-signature`` entry escapes
from it as ``ValueError``. So the headers, the tolerance (configurable, with an injectable
clock), the constant-time comparison against every signature in the header, and replay
protection are here, in a few lines each.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import hmac
import json
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any

from standardwebhooks import Webhook

from ..errors import ConfigurationError, PropelAuthError
from .events import WebhookEvent, parse_event

Clock = Callable[[], float]

__all__ = ["WebhookVerificationError", "WebhookVerifier"]


class WebhookVerificationError(PropelAuthError):
    """A webhook delivery was refused. ``reason``: ``missing_headers``, ``bad_timestamp``,
    ``too_old``, ``too_new``, ``bad_signature``, ``not_raw_body``, ``bad_payload`` or
    ``replayed``. Messages never carry the secret or a signature."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


def _header(headers: Mapping[str, str], name: str) -> str | None:
    """Svix sends ``svix-*``; Standard Webhooks senders send ``webhook-*``; any case."""
    lowered = {k.lower(): v for k, v in headers.items()}
    return lowered.get(f"svix-{name}") or lowered.get(f"webhook-{name}")


class WebhookVerifier:
    """Verifies PropelAuth (Svix) webhook deliveries against the endpoint's ``whsec_`` secret.

    ``tolerance`` is how far the ``svix-timestamp`` may be from now, in seconds (5 minutes by
    default, like Svix). With ``replay_protection`` (on by default) a message id that was
    already accepted is refused for as long as its timestamp is within the tolerance (after
    that the timestamp check refuses it anyway); at most ``max_remembered`` ids are kept.
    The memory is this process's: several workers each keep their own.
    """

    def __init__(
        self,
        secret: str,
        *,
        tolerance: float = 300.0,
        replay_protection: bool = True,
        max_remembered: int = 100_000,
        clock: Clock = time.time,
    ) -> None:
        if not isinstance(secret, str) or not secret.strip():
            raise ConfigurationError("a webhook secret is required (whsec_...)")
        try:
            self._webhook = Webhook(secret.strip())
        except Exception:  # binascii.Error, EmptyWebhookSecretError...: never echo the secret
            raise ConfigurationError(
                "the webhook secret is not a valid whsec_ secret (copy it from the dashboard)"
            ) from None
        if not (math.isfinite(tolerance) and tolerance > 0):
            raise ConfigurationError("tolerance must be a positive number of seconds")
        self.tolerance = tolerance
        self.replay_protection = replay_protection
        self.max_remembered = max_remembered
        self._clock = clock
        self._seen: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        protection = self.replay_protection
        return f"WebhookVerifier(tolerance={self.tolerance}, replay_protection={protection})"

    def verify(
        self, body: bytes | str, headers: Mapping[str, str], *, remember: bool = True
    ) -> WebhookEvent:
        """The typed event of a genuine delivery, or :class:`WebhookVerificationError`.

        ``body`` must be the raw request body, exactly as received: a parsed and
        re-serialised body has other bytes and fails. ``remember=False`` leaves the message
        id unrecorded (call :meth:`remember` once the event is handled, so that a delivery
        whose handling failed can be retried by Svix)."""
        payload, message_id, timestamp = self.verify_payload(body, headers)
        event = parse_event(payload, message_id=message_id, timestamp=timestamp)
        if remember:
            self.remember(event)
        return event

    def verify_payload(
        self, body: bytes | str, headers: Mapping[str, str]
    ) -> tuple[dict[str, Any], str, int]:
        """The checks of :meth:`verify`, giving the raw JSON payload, message id, timestamp."""
        if isinstance(body, str):
            body = body.encode()
        if not isinstance(body, (bytes, bytearray, memoryview)):
            raise WebhookVerificationError(
                "not_raw_body",
                f"pass the raw request body (bytes), not a parsed {type(body).__name__}",
            )
        raw = bytes(body)
        message_id = _header(headers, "id")
        stamp = _header(headers, "timestamp")
        signatures = _header(headers, "signature")
        if not (message_id and stamp and signatures):
            raise WebhookVerificationError(
                "missing_headers", "svix-id, svix-timestamp and svix-signature are required"
            )
        if not stamp.isascii() or not stamp.isdigit() or len(stamp) > 12:
            raise WebhookVerificationError("bad_timestamp", "svix-timestamp is not a Unix time")
        timestamp = int(stamp)
        now = self._clock()
        if timestamp < now - self.tolerance:
            raise WebhookVerificationError("too_old", "the delivery's timestamp is too old")
        if timestamp > now + self.tolerance:
            raise WebhookVerificationError("too_new", "the delivery's timestamp is in the future")
        try:
            text = raw.decode()
        except UnicodeDecodeError:
            raise WebhookVerificationError("bad_signature", "the body is not UTF-8") from None
        when = datetime.datetime.fromtimestamp(timestamp, tz=datetime.timezone.utc)
        expected = base64.b64decode(self._webhook.sign(message_id, when, text).split(",", 1)[1])
        if not any(hmac.compare_digest(expected, given) for given in _v1(signatures)):
            raise WebhookVerificationError("bad_signature", "no signature matches the secret")
        if self.replay_protection and self._seen_recently(message_id, now):
            raise WebhookVerificationError("replayed", "this message id was already accepted")
        try:
            payload = json.loads(text)
        except ValueError:
            raise WebhookVerificationError("bad_payload", "the body is not JSON") from None
        if not isinstance(payload, dict):
            raise WebhookVerificationError("bad_payload", "the body is not a JSON object")
        return payload, message_id, timestamp

    def remember(self, event: WebhookEvent) -> None:
        """Record the event's message id as handled (replay protection)."""
        if not self.replay_protection:
            return
        with self._lock:
            self._seen[event.message_id] = event.timestamp + self.tolerance
            self._seen.move_to_end(event.message_id)
            while len(self._seen) > self.max_remembered:
                self._seen.popitem(last=False)

    def _seen_recently(self, message_id: str, now: float) -> bool:
        with self._lock:
            expiry = self._seen.get(message_id)
            if expiry is not None and expiry < now:
                del self._seen[message_id]
                return False
            return expiry is not None


def _v1(header: str) -> list[bytes]:
    """Every well-formed ``v1,<base64>`` signature of a space-separated header; others are
    skipped (a sender may add new versions)."""
    found = []
    for entry in header.split():
        version, _, value = entry.partition(",")
        if version != "v1" or not value:
            continue
        try:
            found.append(base64.b64decode(value, validate=True))
        except (binascii.Error, ValueError):
            continue
    return found
