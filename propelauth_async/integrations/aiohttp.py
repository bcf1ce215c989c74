"""aiohttp: a set-up function, decorators for access tokens and end-user API keys, and getters.

    app = web.Application()
    setup(app, debug=False)                       # middleware + start-up checks
    app.cleanup_ctx.append(propelauth_client)     # sets app[PROPELAUTH_CLIENT] (your lifespan)

    @require_org_member(path_param("orgId"), min_role="Admin")
    async def billing(request: web.Request) -> web.Response:
        member = get_org_member(request)

``setup`` (or ``web.Application(middlewares=[propelauth_middleware()])``) verifies the bearer
token of every request that has one, and turns ``AccessDeniedError``/``TokenError`` raised in
any handler (``user.require_org_member(...)``) into 403/401 JSON answers. The decorators work
without it. When the app starts, ``setup`` checks that ``app[PROPELAUTH_CLIENT]`` is set and
that every decorated route can supply its org id; a failure stops the start with a message
naming the route.

Answers are JSON ``{"detail": ...}``: 401 with ``WWW-Authenticate: Bearer``, 403, 429 with
``Retry-After`` (the end user's API-key limit), 500 for a misconfigured service (logged), 503
when authentication is unavailable. ``debug=True`` says which check failed.
"""

from __future__ import annotations

import functools
import re
import weakref
from collections.abc import Awaitable, Callable, Iterable

import attrs
from aiohttp import web
from aiohttp.typedefs import Middleware

from .._client import AsyncPropelAuth
from ..errors import (
    AccessDeniedError,
    ConfigurationError,
    EndUserRateLimitError,
    PropelAuthError,
    TokenError,
)
from ..models.api_keys import ApiKeyValidation, OrgApiKeyValidation
from ..models.membership import OrgMemberInfo
from ..tokens import AuthenticatedUser
from ._answers import Answer, answer_for, unauthorized
from ._api_keys import (
    ApiKeyCache,
    as_org_key,
    bearer_credentials,
    is_access_token,
    validate_api_key,
)
from ._org_id import (
    OrgIdSource,
    OrgIdSpec,
    as_source,
    call_getter,
    check_route,
    from_json,
    from_request,
    header,
    json_field,
    path_or_query,
    path_param,
    query_param,
)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
Principal = AuthenticatedUser | ApiKeyValidation


@attrs.frozen
class Settings:
    debug: bool = False
    api_key_cache: ApiKeyCache = attrs.field(factory=ApiKeyCache)


PROPELAUTH_CLIENT = web.AppKey("propelauth_client", AsyncPropelAuth)
PROPELAUTH_SETTINGS = web.AppKey("propelauth_settings", Settings)
_USER: web.RequestKey[AuthenticatedUser | None] = web.RequestKey("propelauth_user")
_ERROR: web.RequestKey[TokenError | None] = web.RequestKey("propelauth_error")
_MEMBER: web.RequestKey[OrgMemberInfo] = web.RequestKey("propelauth_org_member", OrgMemberInfo)
_API_KEY: web.RequestKey[ApiKeyValidation] = web.RequestKey("propelauth_api_key", ApiKeyValidation)
_PRINCIPAL: web.RequestKey[Principal] = web.RequestKey("propelauth_principal")
_ORG_API_KEY: web.RequestKey[OrgApiKeyValidation] = web.RequestKey(
    "propelauth_org_api_key", OrgApiKeyValidation
)
_DEBUG: web.RequestKey[bool] = web.RequestKey("propelauth_debug", bool)
_DEFAULT_SETTINGS = Settings()
_SOURCES: weakref.WeakKeyDictionary[Handler, OrgIdSource] = weakref.WeakKeyDictionary()
# Routes already checked against a source (weak: a route of a discarded app is forgotten).
_CHECKED: weakref.WeakKeyDictionary[web.AbstractRoute, set[OrgIdSource]] = (
    weakref.WeakKeyDictionary()
)
_NO_CREDENTIALS = "missing_credentials"
# Raised by a handler, these become answers; others (a NotFoundError from the handler's own
# calls, say) are the handler's business.
_HANDLER_ERRORS = (TokenError, ConfigurationError, EndUserRateLimitError)

__all__ = [
    "PROPELAUTH_CLIENT",
    "PROPELAUTH_SETTINGS",
    "ApiKeyCache",
    "OrgIdSource",
    "Principal",
    "Settings",
    "from_request",
    "get_api_key",
    "get_org_api_key",
    "get_org_member",
    "get_principal",
    "get_user",
    "header",
    "json_field",
    "optional_user",
    "path_or_query",
    "path_param",
    "propelauth_middleware",
    "query_param",
    "require_api_key",
    "require_org_api_key",
    "require_org_member",
    "require_user",
    "require_user_or_api_key",
    "setup",
]


# Set-up --------------------------------------------------------------------------------------


def setup(
    app: web.Application,
    client: AsyncPropelAuth | None = None,
    *,
    debug: bool = False,
    api_key_cache: ApiKeyCache | None = None,
) -> None:
    """Install the middleware, the settings and the start-up checks on ``app``. ``client``
    may also be put in ``app[PROPELAUTH_CLIENT]`` later, before the app starts (a cleanup
    context is the usual place); ``api_key_cache`` defaults to 10 s and 10,000 keys."""
    cache = api_key_cache if api_key_cache is not None else ApiKeyCache()
    app[PROPELAUTH_SETTINGS] = Settings(debug=debug, api_key_cache=cache)
    if client is not None:
        app[PROPELAUTH_CLIENT] = client
    app.middlewares.append(propelauth_middleware())
    app.on_startup.append(_check_at_startup)


async def _check_at_startup(app: web.Application) -> None:
    if PROPELAUTH_CLIENT not in app:
        raise ConfigurationError(
            "app[PROPELAUTH_CLIENT] is not set when the app starts: put your AsyncPropelAuth "
            "there in a cleanup context (or pass it to setup(app, client))"
        )
    for route in app.router.routes():
        source = _SOURCES.get(route.handler)
        if source is not None and route.method != "HEAD":  # add_get's HEAD twin: same check
            check_route(source, _label(route), _path_params(route.resource), {route.method})


def _label(route: web.AbstractRoute) -> str:
    resource = route.resource
    return f"{route.method} {resource.canonical if resource is not None else '?'}"


def _path_params(resource: web.AbstractResource | None) -> set[str]:
    if resource is None:
        return set()
    return set(re.findall(r"\{([^}:]+)", resource.canonical))


def _settings(request: web.Request) -> Settings:
    return request.config_dict.get(PROPELAUTH_SETTINGS, _DEFAULT_SETTINGS)


def _client(request: web.Request) -> AsyncPropelAuth:
    client = request.config_dict.get(PROPELAUTH_CLIENT)
    if client is None:
        raise ConfigurationError(
            "app[PROPELAUTH_CLIENT] is not set: put your AsyncPropelAuth there before the app "
            "starts (setup(app) checks it at start-up)"
        )
    return client


def _respond(request: web.Request, exc: PropelAuthError) -> web.Response | None:
    override = request.get(_DEBUG)
    debug = _settings(request).debug if override is None else override
    answer: Answer | None
    if isinstance(exc, TokenError) and exc.reason == _NO_CREDENTIALS:
        answer = unauthorized(exc.message if debug else "Unauthorized", invalid=False)
    else:
        answer = answer_for(exc, debug=debug, route=_label(request.match_info.route))
    if answer is None:
        return None
    return web.json_response(
        {"detail": answer.detail}, status=answer.status, headers=answer.headers
    )


def _guarded(handler: Handler, check: Callable[[web.Request], Awaitable[None]]) -> Handler:
    """Run ``check`` then the handler. Any of our errors from the check, and the ones that
    mean 401/403/429/500 from the handler, become their JSON answers."""

    @functools.wraps(handler)
    async def wrapper(request: web.Request) -> web.StreamResponse:
        try:
            await check(request)
        except PropelAuthError as exc:
            response = _respond(request, exc)
            if response is None:
                raise
            return response
        try:
            return await handler(request)
        except _HANDLER_ERRORS as exc:
            response = _respond(request, exc)
            if response is None:  # pragma: no cover - every error caught here is answered
                raise
            return response

    return wrapper


def propelauth_middleware(*, debug: bool | None = None) -> Middleware:
    """Verifies the bearer token of every request that has one (``get_user`` reads it) and
    answers our errors raised in handlers. ``debug`` overrides the ``setup`` setting."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        if debug is not None:
            request[_DEBUG] = debug
        try:
            await _authenticate(request)
            return await handler(request)
        except _HANDLER_ERRORS as exc:
            response = _respond(request, exc)
            if response is None:  # pragma: no cover - every error caught here is answered
                raise
            return response

    return middleware


# Access tokens -------------------------------------------------------------------------------


async def _authenticate(request: web.Request) -> AuthenticatedUser | None:
    """The request's user, verifying the token once (here or in the middleware). Errors that
    mean the service cannot judge tokens (500/503) are raised; an invalid token is kept."""
    if _USER in request:
        return request[_USER]
    request[_USER] = None
    request[_ERROR] = None
    token = bearer_credentials(request.headers.get("Authorization"))
    if token is not None and is_access_token(token):
        try:
            request[_USER] = await _client(request).tokens.verify(token)
        except TokenError as exc:
            if isinstance(exc, ConfigurationError) or exc.reason == "key_unavailable":
                raise
            request[_ERROR] = exc
    elif token is not None:
        request[_ERROR] = TokenError("malformed", "the bearer token is not an access token")
    return request[_USER]


async def _require(request: web.Request) -> AuthenticatedUser:
    user = await _authenticate(request)
    if user is not None:
        return user
    error = request.get(_ERROR)
    raise error or TokenError(_NO_CREDENTIALS, "no bearer token")


def get_user(request: web.Request) -> AuthenticatedUser | None:
    """The verified user, or ``None`` (no token, or an invalid one). Needs the middleware
    (``setup``) or a decorator on the handler; without either it raises, never guesses."""
    if _USER not in request:
        raise ConfigurationError(
            "get_user() found no authentication on this request: call setup(app) (or add "
            "propelauth_middleware()), or decorate the handler with @require_user/@optional_user"
        )
    return request[_USER]


def get_org_member(request: web.Request) -> OrgMemberInfo:
    """The membership checked by :func:`require_org_member`."""
    return request[_MEMBER]


def get_api_key(request: web.Request) -> ApiKeyValidation:
    """The validation made by :func:`require_api_key` or :func:`require_org_api_key`."""
    return request[_API_KEY]


def get_org_api_key(request: web.Request) -> OrgApiKeyValidation:
    """The org key validation made by :func:`require_org_api_key`."""
    return request[_ORG_API_KEY]


def get_principal(request: web.Request) -> Principal:
    """The user or API key accepted by :func:`require_user_or_api_key`."""
    return request[_PRINCIPAL]


def require_user(handler: Handler) -> Handler:
    """Decorator: 401 unless the request carries a valid access token."""

    async def check(request: web.Request) -> None:
        await _require(request)

    return _guarded(handler, check)


def optional_user(handler: Handler) -> Handler:
    """Decorator: verify a token when one is sent; ``get_user`` gives the user or ``None``
    (never 401; still 500/503 when the service cannot judge tokens at all)."""

    async def check(request: web.Request) -> None:
        await _authenticate(request)

    return _guarded(handler, check)


async def _org_id(source: OrgIdSource, request: web.Request) -> str | None:
    route = request.match_info.route
    checked = _CHECKED.setdefault(route, set())
    if source not in checked:
        check_route(source, _label(route), _path_params(route.resource), {route.method})
        checked.add(source)
    name = source.name
    if source.kind == "path":
        return request.match_info.get(name) or None
    if source.kind == "path_or_query":
        return request.match_info.get(name) or request.query.get(name) or None
    if source.kind == "query":
        return request.query.get(name) or None
    if source.kind == "header":
        return request.headers.get(name) or None
    if source.kind == "json":
        return from_json(await request.read(), name)
    return await call_getter(source, request)


def require_org_member(
    org_id: OrgIdSpec = "org_id",
    *,
    min_role: str | None = None,
    exact_role: str | None = None,
    permission: str | None = None,
    permissions: Iterable[str] | None = None,
) -> Callable[[Handler], Handler]:
    """Decorator: 401 without a valid token; 403 unless the user is a member of the org
    named by ``org_id`` (a source: ``path_param("orgId")``, ``query_param``, ``header``,
    ``json_field``, a callable of the request; a string is a path or query parameter), with
    the role and permissions asked. ``get_org_member(request)`` gives the membership."""
    source = as_source(org_id)
    needed = [*([permission] if permission is not None else []), *(permissions or ())]

    def decorate(handler: Handler) -> Handler:
        async def check(request: web.Request) -> None:
            user = await _require(request)
            named = await _org_id(source, request)
            request[_MEMBER] = user.require_org_member(
                named, min_role=min_role, exact_role=exact_role, permissions=needed
            )

        wrapper = _guarded(handler, check)
        _SOURCES[wrapper] = source
        return wrapper

    return decorate


# End-user API keys ---------------------------------------------------------------------------


async def _api_key(request: web.Request, *, what: str = "no API key") -> ApiKeyValidation:
    key = bearer_credentials(request.headers.get("Authorization"))
    if key is None:
        raise TokenError(_NO_CREDENTIALS, what)
    return await validate_api_key(_client(request), key, _settings(request).api_key_cache)


def require_api_key() -> Callable[[Handler], Handler]:
    """Decorator: the end-user API key sent as ``Authorization: Bearer <key>`` must validate
    (401 otherwise; 429 with ``Retry-After`` over the key's own limit). ``get_api_key``."""

    def decorate(handler: Handler) -> Handler:
        async def check(request: web.Request) -> None:
            request[_API_KEY] = await _api_key(request)

        return _guarded(handler, check)

    return decorate


def require_org_api_key(org_id: OrgIdSpec | None = None) -> Callable[[Handler], Handler]:
    """Like :func:`require_api_key`, for keys that belong to an org (403 for a personal key);
    with ``org_id`` (any source), for that org. ``get_org_api_key`` gives the validation."""
    source = None if org_id is None else as_source(org_id)

    def decorate(handler: Handler) -> Handler:
        async def check(request: web.Request) -> None:
            validation = await _api_key(request)
            named = None if source is None else await _org_id(source, request)
            if source is not None and named is None:
                raise AccessDeniedError("no organization was named")
            request[_API_KEY] = validation
            request[_ORG_API_KEY] = as_org_key(validation, named)

        wrapper = _guarded(handler, check)
        if source is not None:
            _SOURCES[wrapper] = source
        return wrapper

    return decorate


def require_user_or_api_key() -> Callable[[Handler], Handler]:
    """Decorator: an access token or an end-user API key in ``Authorization: Bearer``,
    whichever is presented; ``get_principal`` gives the user or the key's validation."""

    def decorate(handler: Handler) -> Handler:
        async def check(request: web.Request) -> None:
            credentials = bearer_credentials(request.headers.get("Authorization"))
            principal: Principal
            if credentials is not None and is_access_token(credentials):
                principal = await _require(request)
            else:
                principal = await _api_key(request, what="no bearer token or API key")
            request[_PRINCIPAL] = principal

        return _guarded(handler, check)

    return decorate
