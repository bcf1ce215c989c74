"""FastAPI: dependencies for access tokens and end-user API keys, in-handler org checks, and
``install(app)`` for error answers, start-up route checks and the OpenAPI document.

    app = FastAPI(lifespan=lifespan)        # the lifespan sets app.state.propelauth
    auth = FastAPIAuth()
    auth.install(app)

    @app.get("/orgs/{orgId}/billing")
    async def billing(member: OrgMemberInfo = Depends(
        auth.require_org_member(path_param("orgId"), min_role="Admin"))): ...

Dependencies are ``async`` (no thread-pool hop per request, unlike the official integration)
and verify tokens locally. Outcomes are JSON ``{"detail": ...}``: no or invalid credentials ->
401 with ``WWW-Authenticate: Bearer``; a valid token without the membership, role or
permission -> 403; the end user's API-key rate limit -> 429 with ``Retry-After``; a
misconfigured service (wrong API key for the key fetch, a route whose org id source cannot
exist) -> 500, logged; the verification key or PropelAuth unreachable -> 503. With
``debug=True`` the detail says which check failed (never the token or key itself).

``install(app)`` also turns ``AccessDeniedError`` and ``TokenError`` raised anywhere in a
handler (``user.require_org_member(...)``) into 403 and 401 instead of a plain-text 500,
checks every route's org id source when the app starts, and documents 401/403/429/503 on
protected routes (optional auth is shown as optional).
"""

from __future__ import annotations

import weakref
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator
from contextlib import asynccontextmanager
from typing import Any, NoReturn, overload

import attrs
from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.dependencies.models import Dependant
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

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
from ._api_keys import ApiKeyCache, as_org_key, is_access_token, validate_api_key
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

ClientGetter = Callable[[Request], AsyncPropelAuth]
Principal = AuthenticatedUser | ApiKeyValidation

__all__ = [
    "ApiKeyCache",
    "FastAPIAuth",
    "OrgIdSource",
    "Principal",
    "from_request",
    "header",
    "json_field",
    "path_or_query",
    "path_param",
    "query_param",
]


_ERROR_BODY = {
    "application/json": {
        "schema": {
            "type": "object",
            "properties": {"detail": {"type": "string"}},
            "required": ["detail"],
        }
    }
}


@attrs.frozen
class _Marker:
    """What a dependency means for the OpenAPI document and the start-up route check."""

    statuses: tuple[int, ...]
    optional: bool = False
    source: OrgIdSource | None = None


_MARKERS: weakref.WeakKeyDictionary[Callable[..., Any], _Marker] = weakref.WeakKeyDictionary()
_DESCRIPTIONS = {
    401: "Missing or invalid credentials",
    403: "Authenticated, but not allowed here",
    429: "Too many requests for this API key (see Retry-After)",
    503: "Authentication is temporarily unavailable",
}


def _client_from_app_state(request: Request) -> AsyncPropelAuth:
    client = getattr(request.app.state, "propelauth", None)
    if not isinstance(client, AsyncPropelAuth):
        raise ConfigurationError(
            "no PropelAuth client: set app.state.propelauth in your lifespan, "
            "or pass FastAPIAuth(client=...) or FastAPIAuth(get_client=...)"
        )
    return client


def _route_label(route: Any) -> str:
    if isinstance(route, APIRoute):
        return f"{','.join(sorted(route.methods or ()))} {route.path}"
    return str(getattr(route, "path", "?"))


def _walk(dependant: Dependant) -> Iterator[Callable[..., Any]]:
    for sub in dependant.dependencies:
        if sub.call is not None:
            yield sub.call
        yield from _walk(sub)


def _markers(route: APIRoute) -> list[_Marker]:
    found = []
    for call in _walk(route.dependant):
        try:
            marker = _MARKERS.get(call)
        except TypeError:  # an unhashable callable (a class instance): not ours
            continue
        if marker is not None:
            found.append(marker)
    return found


def _check(route: Any, source: OrgIdSource) -> None:
    if isinstance(route, APIRoute):
        check_route(source, _route_label(route), route.param_convertors.keys(), route.methods or ())


class FastAPIAuth:
    """Builds the dependencies for one app. ``client`` (or ``get_client(request)``) gives
    the :class:`AsyncPropelAuth`; by default it is read from ``app.state.propelauth``.

    ``api_key_cache`` remembers API-key validations (default: 10 s, 10,000 keys; pass
    ``ApiKeyCache(ttl=0)`` to validate every request)."""

    def __init__(
        self,
        client: AsyncPropelAuth | None = None,
        *,
        get_client: ClientGetter | None = None,
        debug: bool = False,
        api_key_cache: ApiKeyCache | None = None,
    ) -> None:
        if client is not None and get_client is not None:
            raise ValueError("pass client or get_client, not both")
        if client is not None:
            get_client = lambda request: client  # noqa: E731
        self._get_client: ClientGetter = get_client or _client_from_app_state
        self._debug = debug
        self.api_key_cache = api_key_cache if api_key_cache is not None else ApiKeyCache()
        # Sources already checked per route (APIRoute is unhashable: by id, with a weak
        # reference so that a new route at a recycled id is checked afresh).
        self._checked: dict[int, tuple[weakref.ref[Any], set[OrgIdSource]]] = {}
        bearer = HTTPBearer(
            auto_error=False,
            scheme_name="PropelAuth",
            description="A PropelAuth access token, or where a route says so an end-user "
            "API key: Authorization: Bearer <token>",
        )
        self._bearer = bearer

        async def require_user(
            request: Request,
            credentials: HTTPAuthorizationCredentials | None = Depends(bearer),  # noqa: B008
        ) -> AuthenticatedUser:
            """The user behind the request's access token; 401 without a valid one."""
            if credentials is None:
                self._fail(unauthorized(self._say("no bearer token"), invalid=False))
            return await self._verify(request, credentials.credentials)

        async def optional_user(
            request: Request,
            credentials: HTTPAuthorizationCredentials | None = Depends(bearer),  # noqa: B008
        ) -> AuthenticatedUser | None:
            """The user, or ``None`` without a valid token (never 401; still 500/503 when
            the service cannot judge tokens at all)."""
            if credentials is None:
                return None
            try:
                return await self._verify(request, credentials.credentials)
            except HTTPException as exc:
                if exc.status_code >= 500:
                    raise
                return None

        self.require_user = require_user
        self.optional_user = optional_user
        _MARKERS[require_user] = _Marker((401, 503))
        _MARKERS[optional_user] = _Marker((503,), optional=True)

    # Answers ---------------------------------------------------------------------------------

    def _say(self, reason: str) -> str:
        return reason if self._debug else "Unauthorized"

    @staticmethod
    def _fail(answer: Answer) -> NoReturn:
        raise HTTPException(answer.status, detail=answer.detail, headers=answer.headers or None)

    def _raise(self, exc: PropelAuthError, request: Request) -> NoReturn:
        answer = answer_for(exc, debug=self._debug, route=_route_label(request.scope.get("route")))
        if answer is None:
            raise exc
        self._fail(answer)

    async def _verify(self, request: Request, token: str) -> AuthenticatedUser:
        try:
            return await self._get_client(request).tokens.verify(token)
        except PropelAuthError as exc:
            self._raise(exc, request)

    async def _api_key(self, request: Request, key: str) -> ApiKeyValidation:
        try:
            return await validate_api_key(self._get_client(request), key, self.api_key_cache)
        except PropelAuthError as exc:
            self._raise(exc, request)

    # Org checks ------------------------------------------------------------------------------

    async def _org_id(self, source: OrgIdSource, request: Request) -> str | None:
        route = request.scope.get("route")
        if isinstance(route, APIRoute):
            known = self._checked.get(id(route))
            if known is None or known[0]() is not route:
                known = self._checked[id(route)] = (weakref.ref(route), set())
            if source not in known[1]:
                _check(route, source)
                known[1].add(source)
        name = source.name
        if source.kind == "path":
            return request.path_params.get(name) or None
        if source.kind == "path_or_query":
            return request.path_params.get(name) or request.query_params.get(name) or None
        if source.kind == "query":
            return request.query_params.get(name) or None
        if source.kind == "header":
            return request.headers.get(name) or None
        if source.kind == "json":
            return from_json(await request.body(), name)
        return await call_getter(source, request)

    def _member(
        self,
        user: AuthenticatedUser,
        org_id: str | None,
        min_role: str | None,
        exact_role: str | None,
        permissions: list[str],
    ) -> OrgMemberInfo:
        try:
            return user.require_org_member(
                org_id, min_role=min_role, exact_role=exact_role, permissions=permissions
            )
        except AccessDeniedError as exc:
            self._fail(Answer(403, exc.message if self._debug else "Forbidden"))

    @overload
    def require_org_member(
        self,
        user: AuthenticatedUser,
        /,
        org_id: str | None,
        *,
        min_role: str | None = None,
        exact_role: str | None = None,
        permission: str | None = None,
        permissions: Iterable[str] | None = None,
    ) -> OrgMemberInfo: ...

    @overload
    def require_org_member(
        self,
        org_id: OrgIdSpec = "org_id",
        *,
        min_role: str | None = None,
        exact_role: str | None = None,
        permission: str | None = None,
        permissions: Iterable[str] | None = None,
    ) -> Callable[..., Awaitable[OrgMemberInfo]]: ...

    def require_org_member(
        self,
        *args: Any,
        org_id: Any = None,
        min_role: str | None = None,
        exact_role: str | None = None,
        permission: str | None = None,
        permissions: Iterable[str] | None = None,
    ) -> OrgMemberInfo | Callable[..., Awaitable[OrgMemberInfo]]:
        """Two uses, like the official integration and more:

        - inside a handler, ``auth.require_org_member(user, org_id, min_role="Admin")`` returns
          the :class:`OrgMemberInfo` or answers 403;
        - as a dependency, ``Depends(auth.require_org_member(path_param("orgId"), ...))``
          reads the org id from the source given (default: the path or query parameter
          ``org_id``), checks the membership, and gives the ``OrgMemberInfo``.
        """
        needed = [*([permission] if permission is not None else []), *(permissions or ())]
        checks = (min_role, exact_role, needed)
        if args and isinstance(args[0], AuthenticatedUser):
            if len(args) > 2:
                raise TypeError("require_org_member(user, org_id, *, ...) takes two arguments")
            return self._member(args[0], args[1] if len(args) == 2 else org_id, *checks)
        if len(args) > 1 or (args and org_id is not None):
            raise TypeError("require_org_member(org_id_source, *, ...) takes one source")
        source = as_source(args[0] if args else org_id or "org_id")
        require_user = self.require_user

        async def dependency(
            request: Request,
            user: AuthenticatedUser = Depends(require_user),  # noqa: B008
        ) -> OrgMemberInfo:
            try:
                named = await self._org_id(source, request)
            except PropelAuthError as exc:
                self._raise(exc, request)
            return self._member(user, named, *checks)

        _MARKERS[dependency] = _Marker((401, 403, 503), source=source)
        return dependency

    def require_org_member_with_minimum_role(
        self, user: AuthenticatedUser, org_id: str | None, minimum_required_role: str
    ) -> OrgMemberInfo:
        return self._member(user, org_id, minimum_required_role, None, [])

    def require_org_member_with_exact_role(
        self, user: AuthenticatedUser, org_id: str | None, role: str
    ) -> OrgMemberInfo:
        return self._member(user, org_id, None, role, [])

    def require_org_member_with_permission(
        self, user: AuthenticatedUser, org_id: str | None, permission: str
    ) -> OrgMemberInfo:
        return self._member(user, org_id, None, None, [permission])

    def require_org_member_with_all_permissions(
        self, user: AuthenticatedUser, org_id: str | None, permissions: Iterable[str]
    ) -> OrgMemberInfo:
        return self._member(user, org_id, None, None, list(permissions))

    # End-user API keys -----------------------------------------------------------------------

    def require_api_key(self) -> Callable[..., Awaitable[ApiKeyValidation]]:
        """A dependency giving the validation of the end-user API key sent as
        ``Authorization: Bearer <key>``: 401 for a missing or bad key, 429 when the key is
        over its own rate limit."""
        bearer = self._bearer

        async def dependency(
            request: Request,
            credentials: HTTPAuthorizationCredentials | None = Depends(bearer),  # noqa: B008
        ) -> ApiKeyValidation:
            if credentials is None:
                self._fail(unauthorized(self._say("no API key"), invalid=False))
            return await self._api_key(request, credentials.credentials)

        _MARKERS[dependency] = _Marker((401, 429, 503))
        return dependency

    def require_org_api_key(
        self, org_id: OrgIdSpec | None = None
    ) -> Callable[..., Awaitable[OrgApiKeyValidation]]:
        """Like :meth:`require_api_key`, for keys that belong to an org (403 for a personal
        key). With ``org_id`` (any org id source), the key must belong to that org."""
        source = None if org_id is None else as_source(org_id)
        require_api_key = self.require_api_key()

        async def dependency(
            request: Request,
            validation: ApiKeyValidation = Depends(require_api_key),  # noqa: B008
        ) -> OrgApiKeyValidation:
            try:
                named = None if source is None else await self._org_id(source, request)
                if source is not None and named is None:
                    raise AccessDeniedError("no organization was named")
                return as_org_key(validation, named)
            except PropelAuthError as exc:
                self._raise(exc, request)

        _MARKERS[dependency] = _Marker((401, 403, 429, 503), source=source)
        return dependency

    def require_user_or_api_key(self) -> Callable[..., Awaitable[Principal]]:
        """A dependency accepting either credential in ``Authorization: Bearer``: an access
        token (three dot-separated parts) gives an :class:`AuthenticatedUser`, anything else
        is validated as an end-user API key and gives its :class:`ApiKeyValidation`."""
        bearer = self._bearer

        async def dependency(
            request: Request,
            credentials: HTTPAuthorizationCredentials | None = Depends(bearer),  # noqa: B008
        ) -> Principal:
            if credentials is None:
                self._fail(unauthorized(self._say("no bearer token or API key"), invalid=False))
            if is_access_token(credentials.credentials):
                return await self._verify(request, credentials.credentials)
            return await self._api_key(request, credentials.credentials)

        _MARKERS[dependency] = _Marker((401, 429, 503))
        return dependency

    # The app ---------------------------------------------------------------------------------

    def install(self, app: FastAPI) -> None:
        """Error answers for our errors raised in handlers, org id sources checked when the
        app starts, and 401/403/429/503 (and optional auth) in the OpenAPI document."""

        async def handle(request: Request, exc: Exception) -> JSONResponse:
            assert isinstance(exc, PropelAuthError)
            route = _route_label(request.scope.get("route"))
            answer = answer_for(exc, debug=self._debug, route=route)
            if answer is None:  # pragma: no cover - only our own errors are registered
                raise exc
            return JSONResponse(
                {"detail": answer.detail}, status_code=answer.status, headers=answer.headers
            )

        for error in (TokenError, EndUserRateLimitError, ConfigurationError):
            app.add_exception_handler(error, handle)

        lifespan = app.router.lifespan_context

        @asynccontextmanager
        async def checked(app_: Any) -> AsyncIterator[Any]:
            self.check_routes(app)
            async with lifespan(app_) as state:
                yield state

        app.router.lifespan_context = checked
        generate = app.openapi

        def openapi() -> dict[str, Any]:
            if app.openapi_schema is not None:
                return app.openapi_schema
            optional = _document(app)
            schema = generate()
            for path, method in optional:
                operation = schema.get("paths", {}).get(path, {}).get(method)
                if operation is not None and {} not in operation.get("security", [{}]):
                    operation["security"].append({})
            return schema

        app.openapi = openapi  # type: ignore[method-assign]

    def check_routes(self, app: FastAPI) -> None:
        """Raise ``ConfigurationError`` naming the first route whose org id source cannot
        exist. ``install`` runs it when the app starts; call it yourself in a test if you like."""
        for route in app.routes:
            if isinstance(route, APIRoute):
                for marker in _markers(route):
                    if marker.source is not None:
                        _check(route, marker.source)

    def __repr__(self) -> str:
        return f"FastAPIAuth(debug={self._debug}, api_key_cache={self.api_key_cache!r})"


def _document(app: FastAPI) -> list[tuple[str, str]]:
    """Add our answers to every protected route; return the (path, method) pairs whose only
    authentication is optional."""
    optional: list[tuple[str, str]] = []
    for route in app.routes:
        if not isinstance(route, APIRoute):
            continue
        markers = _markers(route)
        if not markers:
            continue
        for status in sorted({s for m in markers for s in m.statuses}):
            route.responses.setdefault(
                status, {"description": _DESCRIPTIONS[status], "content": _ERROR_BODY}
            )
        if all(m.optional for m in markers):
            optional.extend((route.path_format, m.lower()) for m in route.methods or ())
    return optional
