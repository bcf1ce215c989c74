"""The one error hierarchy of propelauth_async.

Every exception this library raises on purpose derives from :class:`PropelAuthError`, so
``except PropelAuthError`` is enough to catch all of them. Messages are built from the method,
the path and the server's own words; they never carry the API key, a request header or a token.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = [
    "AccessDeniedError",
    "APIError",
    "AuthenticationError",
    "BadRequestError",
    "ClientClosedError",
    "ConfigurationError",
    "ConflictError",
    "EndUserRateLimitError",
    "FeatureNotEnabledError",
    "ForbiddenError",
    "IncorrectMfaCodeError",
    "InvalidArgumentError",
    "MalformedResponseError",
    "MfaNotEnabledError",
    "NotFoundError",
    "OutcomeUnknownError",
    "PropelAuthError",
    "RateBudgetUnavailableError",
    "RateLimitError",
    "ResponseTooLargeError",
    "ServerError",
    "TokenError",
    "TransportError",
    "UserNotFoundError",
    "WrongEventLoopError",
]


class PropelAuthError(Exception):
    """Base class of every error propelauth_async raises."""


class ConfigurationError(PropelAuthError):
    """The client was configured wrongly (bad auth URL, missing API key); nothing was sent."""


class InvalidArgumentError(PropelAuthError, ValueError):
    """An argument was refused before any request was sent.

    ``parameter`` names the argument so that a caller validating user input can point at it.
    """

    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(f"{parameter}: {message}")
        self.parameter = parameter


class APIError(PropelAuthError):
    """The server answered with an error status.

    ``field_errors`` maps a field name to the server's messages for it, whatever key the server
    used for them (``field_to_errors``, ``field_errors``, ``user_facing_errors`` or a bare
    ``{field: [messages]}`` body). ``body`` is the parsed JSON body, or a short excerpt of a
    non-JSON one.
    """

    status_code: int

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        method: str = "",
        path: str = "",
        error_code: str | None = None,
        user_facing_error: str | None = None,
        field_errors: Mapping[str, list[str]] | None = None,
        body: Any = None,
        request_id: str | None = None,
        retries_taken: int = 0,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status_code = status_code
        self.method = method
        self.path = path
        self.error_code = error_code
        self.user_facing_error = user_facing_error
        self.field_errors: dict[str, list[str]] = dict(field_errors or {})
        self.body = body
        self.request_id = request_id
        self.retries_taken = retries_taken

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status_code={self.status_code}, message={self.message!r})"


class BadRequestError(APIError):
    """400: the server refused the input; see ``field_errors``."""


class AuthenticationError(APIError):
    """401: the API key is missing, wrong or revoked. Never retried."""


class ForbiddenError(APIError):
    """403: the key may not do this (or, for access tokens, the user does not exist)."""


class NotFoundError(APIError):
    """404: the thing written to does not exist. Lookups return ``None`` instead."""


class UserNotFoundError(NotFoundError):
    """The user an operation names does not exist (step-up MFA, access tokens)."""


class ConflictError(APIError):
    """409: the change conflicts with the current state (a duplicate email, say)."""


class FeatureNotEnabledError(APIError):
    """426: the feature (B2B organizations, SAML, API keys...) is not enabled for the project."""


class MfaNotEnabledError(APIError):
    """Step-up MFA was asked of a user who has no MFA set up."""


class IncorrectMfaCodeError(APIError):
    """The MFA code given was wrong."""


class RateLimitError(APIError):
    """429 that was not absorbed by retries.

    ``retry_after`` is the number of seconds the server asked us to wait, when it said.
    """

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("status_code", 429)
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class EndUserRateLimitError(RateLimitError):
    """429 about one end user or one subject (an end user's API key, a user's MFA attempts,
    a confirmation email asked for too often), not about our API key.

    It is raised at once, never retried, and never pauses the client: one end user who hammers
    a service must not freeze that service's PropelAuth client for everyone else.
    """


class ServerError(APIError):
    """5xx (and 408): the server failed; retried automatically when that is safe."""


class TransportError(PropelAuthError):
    """No usable HTTP response: connection refused or reset, timeout, TLS failure."""

    def __init__(self, message: str, *, method: str = "", path: str = "") -> None:
        super().__init__(message)
        self.method = method
        self.path = path


class RateBudgetUnavailableError(TransportError):
    """The shared rate budget (Redis) could not be reached and its policy is ``"fail"``;
    nothing was sent."""


class ClientClosedError(PropelAuthError, RuntimeError):
    """The client was used after ``aclose()`` (or after its ``async with`` block ended)."""


class WrongEventLoopError(ConfigurationError, RuntimeError):
    """The client was used from an event loop other than the one it first ran on.

    A client's connection pool belongs to one event loop. Create the client inside the loop
    that uses it (in your app's lifespan, or in a fixture), one per loop.
    """


class OutcomeUnknownError(TransportError):
    """A write may or may not have been applied: the request left us and no answer came back.

    It is never retried automatically, because replaying it could apply the write twice
    (two users, two invites, two emails). Look the thing up, then decide.
    """


class MalformedResponseError(TransportError):
    """The server answered 2xx with a body that is not the JSON we expected."""

    def __init__(self, message: str, *, status_code: int, method: str = "", path: str = "") -> None:
        super().__init__(message, method=method, path=path)
        self.status_code = status_code


class ResponseTooLargeError(TransportError):
    """The answer's body was larger than the client's ``max_response_bytes``; reading stopped.

    It is never retried: a server that sent too much once will very probably do so again.
    """

    def __init__(
        self, message: str, *, status_code: int, limit: int, method: str = "", path: str = ""
    ) -> None:
        super().__init__(message, method=method, path=path)
        self.status_code = status_code
        self.limit = limit


class TokenError(PropelAuthError):
    """An access token was refused by local verification.

    ``reason`` is a short machine-readable word (``expired``, ``bad_signature``, ``malformed``...).
    """

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


class AccessDeniedError(TokenError):
    """The token is valid, but the user is not a member of the org or lacks the role/permission."""

    def __init__(self, message: str) -> None:
        super().__init__("access_denied", message)
