"""One table from our errors to HTTP answers, shared by the FastAPI and aiohttp integrations.

Order matters: a key-configuration error is both a ``TokenError`` and a ``ConfigurationError``
and must answer 500 (the service is misconfigured; retrying will not help), while an unavailable
key answers 503 (transient). Invalid tokens are never logged (they are the client's problem and
a flood of them must not flood the logs); 500s are logged at ERROR, 503s at WARNING, without
the token, the key or the request's headers.
"""

from __future__ import annotations

import logging
import math

import attrs

from ..errors import (
    AccessDeniedError,
    AuthenticationError,
    ConfigurationError,
    EndUserRateLimitError,
    ForbiddenError,
    PropelAuthError,
    RateLimitError,
    ServerError,
    TokenError,
    TransportError,
)
from ..tokens import KeyUnavailableError

logger = logging.getLogger("propelauth_async.integrations")


@attrs.frozen
class Answer:
    status: int
    detail: str
    headers: dict[str, str] = attrs.field(factory=dict)


def _retry_after(seconds: float | None) -> dict[str, str]:
    if seconds is None or not math.isfinite(seconds) or seconds < 0:
        return {}
    return {"Retry-After": str(max(1, math.ceil(seconds)))}


def unauthorized(detail: str, *, invalid: bool) -> Answer:
    challenge = 'Bearer error="invalid_token"' if invalid else "Bearer"
    return Answer(401, detail, {"WWW-Authenticate": challenge})


def answer_for(exc: PropelAuthError, *, debug: bool, route: str = "") -> Answer | None:
    """The answer for an error met while authenticating a request, or None when the error is
    not ours to answer (the framework's own handling applies)."""
    where = f" ({route})" if route else ""
    if isinstance(exc, EndUserRateLimitError):
        detail = exc.message if debug else "Too many requests for this API key"
        return Answer(429, detail, _retry_after(exc.retry_after))
    if isinstance(exc, (ConfigurationError, AuthenticationError, ForbiddenError)):
        logger.error("authentication is misconfigured%s: %s", where, exc)
        return Answer(500, str(exc) if debug else "Authentication is misconfigured")
    if isinstance(exc, KeyUnavailableError):
        logger.warning("authentication unavailable%s: %s", where, exc)
        return Answer(503, "Authentication is unavailable, try again shortly")
    if isinstance(exc, (RateLimitError, ServerError, TransportError)):
        retry_after = exc.retry_after if isinstance(exc, RateLimitError) else None
        logger.warning("authentication unavailable%s: %s", where, type(exc).__name__)
        return Answer(
            503, "Authentication is unavailable, try again shortly", _retry_after(retry_after)
        )
    if isinstance(exc, AccessDeniedError):
        return Answer(403, exc.message if debug else "Forbidden")
    if isinstance(exc, TokenError):
        return unauthorized(exc.message if debug else "Unauthorized", invalid=True)
    return None
