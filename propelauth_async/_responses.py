"""Turning an HTTP status and body into a result or one of our typed errors.

PropelAuth's error bodies come in several shapes: the whole body as ``{field: [messages]}``,
``field_to_errors``, ``field_errors``, ``user_facing_errors`` (each endpoint family picks one),
``user_facing_error`` / ``error_code`` strings, a plain-text 429, or an HTML page from a proxy.
They are all read here, once, so that callers see ``field_errors`` whatever the server used.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from . import errors

_STATUS_CLASSES: dict[int, type[errors.APIError]] = {
    400: errors.BadRequestError,
    401: errors.AuthenticationError,
    403: errors.ForbiddenError,
    404: errors.NotFoundError,
    408: errors.ServerError,
    409: errors.ConflictError,
    426: errors.FeatureNotEnabledError,
    429: errors.RateLimitError,
}
_FIELD_KEYS = ("field_to_errors", "field_errors", "user_facing_errors")
_MESSAGE_KEYS = ("message", "user_facing_error", "error", "detail")
_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")
EXCERPT_CHARS = 200

ErrorMeaning = type[errors.APIError] | tuple[type[errors.APIError], str]
"""An endpoint's own meaning of an error code or a status: the class to raise, and optionally
what the answer means, in place of the server's wording."""


def decode_json(content: bytes) -> Any:
    """The parsed body; ``None`` for an empty one. Raises ``ValueError`` on bad JSON, and on
    JSON nested too deeply to parse (a hostile ``[[[[...`` would raise ``RecursionError``)."""
    if not content or content.isspace():
        return None
    try:
        return json.loads(content)
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None


def _as_messages(value: Any) -> list[str] | None:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    return None


def _field_map(value: Any) -> dict[str, list[str]]:
    if not isinstance(value, Mapping):
        return {}
    out: dict[str, list[str]] = {}
    for key, raw in value.items():
        messages = _as_messages(raw)
        if messages is not None:
            out[str(key)] = messages
    return out


def parse_error_body(body: Any) -> tuple[dict[str, list[str]], str | None, str | None, str | None]:
    """``(field_errors, user_facing_error, error_code, message)`` from a decoded error body."""
    if not isinstance(body, Mapping):
        return {}, None, None, None
    fields: dict[str, list[str]] = {}
    for key in _FIELD_KEYS:  # one body may use several keys for the same field: keep every message
        for name, messages in _field_map(body.get(key)).items():
            merged = fields.setdefault(name, [])
            merged.extend(m for m in messages if m not in merged)
    known = set(_FIELD_KEYS) | set(_MESSAGE_KEYS) | {"error_code", "wait_seconds", "request_id"}
    if not fields and not (known & set(body)):
        # The common PropelAuth 400: the whole body is {field: [messages]}.
        fields = _field_map(body)
    user_facing = body.get("user_facing_error")
    code = body.get("error_code")
    message = next((body[k] for k in _MESSAGE_KEYS if isinstance(body.get(k), str)), None)
    return (
        fields,
        user_facing if isinstance(user_facing, str) else None,
        code if isinstance(code, str) else None,
        message,
    )


def excerpt(content: bytes) -> str:
    """A short, single-line, tag-free excerpt of a non-JSON body (an HTML 502 page, say)."""
    text = content[: EXCERPT_CHARS * 8].decode("utf-8", "replace")
    text = _SPACE.sub(" ", _TAG.sub(" ", text)).strip()
    return text[:EXCERPT_CHARS] + ("..." if len(text) > EXCERPT_CHARS else "")


def _summary(status: int, fields: Mapping[str, list[str]], message: str | None, text: str) -> str:
    if message:
        return message
    if fields:
        parts = [f"{name}: {'; '.join(msgs)}" for name, msgs in list(fields.items())[:5]]
        return ", ".join(parts)
    return text or f"HTTP {status}"


def error_from_response(
    *,
    status: int,
    content: bytes,
    headers: Mapping[str, str],
    method: str,
    path: str,
    retry_after: float | None = None,
    classes: Mapping[str | int, ErrorMeaning] | None = None,
) -> errors.APIError:
    """The typed error for a non-2xx answer. ``classes`` are the endpoint's own meanings of an
    ``error_code`` or a status (its row's ``error_classes``): a class, or a class and what the
    answer means, which then replaces the server's wording; 401 and 429 keep their own."""
    try:
        body: Any = decode_json(content)
        text = ""
    except ValueError:
        body = excerpt(content)
        text = body
    if isinstance(body, str) and not text:
        text = excerpt(body.encode())
    fields, user_facing, code, message = parse_error_body(body)
    cls = _STATUS_CLASSES.get(status)
    if cls is None:
        cls = errors.ServerError if status >= 500 else errors.APIError
    meaning = None
    if classes and status not in (401, 429):
        own = classes.get(code or "") or classes.get(status)
        if isinstance(own, tuple):
            own, meaning = own
        cls = own or cls
    said = meaning or _summary(status, fields, message, text)
    summary = f"{method} {path} failed with {status}: {said}"
    kwargs: dict[str, Any] = {
        "status_code": status,
        "method": method,
        "path": path,
        "error_code": code,
        "user_facing_error": user_facing,
        "field_errors": fields,
        "body": body,
        "request_id": headers.get("x-request-id"),
    }
    if cls is errors.RateLimitError:
        return errors.RateLimitError(summary, retry_after=retry_after, **kwargs)
    return cls(summary, **kwargs)
