"""aiohttp integration: a middleware and decorators that put the ``AuthenticatedUser`` on the
request.

    app = web.Application(middlewares=[propelauth_middleware()])
    app[PROPELAUTH_CLIENT] = client          # or set it in a cleanup context (lifespan)

    @require_org_member(min_role="Admin")    # the org id comes from the path or query "org_id"
    async def billing(request: web.Request) -> web.Response:
        member = get_org_member(request)

The middleware verifies a token when one is sent and stores the user (or ``None``); without
the middleware the decorators verify on their own. A missing or invalid token on a protected
handler -> 401 with ``WWW-Authenticate: Bearer``; access denied -> 403; key unavailable -> 503;
bodies are JSON ``{"detail": ...}``.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Iterable

from aiohttp import web

from .._client import AsyncPropelAuth
from ..errors import AccessDeniedError, TokenError
from ..models.membership import OrgMemberInfo
from ..tokens import AuthenticatedUser, KeyUnavailableError

PROPELAUTH_CLIENT = web.AppKey("propelauth_client", AsyncPropelAuth)
_USER: web.RequestKey[AuthenticatedUser | None] = web.RequestKey("propelauth_user")
_ERROR: web.RequestKey[TokenError | None] = web.RequestKey("propelauth_error")
_MEMBER: web.RequestKey[OrgMemberInfo] = web.RequestKey("propelauth_org_member", OrgMemberInfo)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

__all__ = [
    "PROPELAUTH_CLIENT",
    "get_org_member",
    "get_user",
    "propelauth_middleware",
    "require_org_member",
    "require_user",
]


def _json_error(cls: type[web.HTTPException], detail: str, **headers: str) -> web.HTTPException:
    return cls(text=f'{{"detail": "{detail}"}}', content_type="application/json", headers=headers)


def _unauthorized(detail: str, error: str | None) -> web.HTTPException:
    challenge = "Bearer" if error is None else f'Bearer error="{error}"'
    return _json_error(web.HTTPUnauthorized, detail, **{"WWW-Authenticate": challenge})


async def _authenticate(request: web.Request) -> AuthenticatedUser | None:
    """The request's user, verifying the token once (here or in the middleware)."""
    if _USER in request:
        return request[_USER]
    header = request.headers.get("Authorization")
    request[_USER] = None
    request[_ERROR] = None
    if header:
        client = request.config_dict[PROPELAUTH_CLIENT]
        try:
            request[_USER] = await client.tokens.verify(header)
        except KeyUnavailableError:
            raise _json_error(
                web.HTTPServiceUnavailable, "authentication is unavailable, try again shortly"
            ) from None
        except TokenError as exc:
            request[_ERROR] = exc
    return request[_USER]


def propelauth_middleware() -> Callable[[web.Request, Handler], Awaitable[web.StreamResponse]]:
    """Verifies the bearer token of every request that has one (``get_user`` reads it)."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        await _authenticate(request)
        return await handler(request)

    return middleware


def get_user(request: web.Request) -> AuthenticatedUser | None:
    """The verified user, or ``None`` (no token, or an invalid one)."""
    return request.get(_USER)


def get_org_member(request: web.Request) -> OrgMemberInfo:
    """The membership checked by :func:`require_org_member`."""
    return request[_MEMBER]


async def _require(request: web.Request) -> AuthenticatedUser:
    user = await _authenticate(request)
    if user is None:
        error = request.get(_ERROR)
        if error is None:
            raise _unauthorized("Unauthorized", None)
        raise _unauthorized("Unauthorized", "invalid_token")
    return user


def require_user(handler: Handler) -> Handler:
    """Decorator: 401 unless the request carries a valid access token."""

    @functools.wraps(handler)
    async def wrapper(request: web.Request) -> web.StreamResponse:
        await _require(request)
        return await handler(request)

    return wrapper


def require_org_member(
    org_id_param: str = "org_id",
    *,
    min_role: str | None = None,
    exact_role: str | None = None,
    permission: str | None = None,
    permissions: Iterable[str] | None = None,
) -> Callable[[Handler], Handler]:
    """Decorator: 401 without a valid token; 403 unless the user is a member of the org named
    by the ``org_id_param`` path or query parameter, with the role and permissions asked."""
    needed = list(permissions or ())

    def decorate(handler: Handler) -> Handler:
        @functools.wraps(handler)
        async def wrapper(request: web.Request) -> web.StreamResponse:
            user = await _require(request)
            org_id = request.match_info.get(org_id_param) or request.query.get(org_id_param)
            try:
                request[_MEMBER] = user.require_org_member(
                    org_id,
                    min_role=min_role,
                    exact_role=exact_role,
                    permission=permission,
                    permissions=needed,
                )
            except AccessDeniedError:
                raise _json_error(web.HTTPForbidden, "Forbidden") from None
            return await handler(request)

        return wrapper

    return decorate
