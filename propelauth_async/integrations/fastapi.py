"""FastAPI dependencies: ``require_user``, ``optional_user`` and ``require_org_member(...)``.

They are ``async`` (no thread-pool hop per request, unlike the official integration), verify
the token locally with ``client.tokens``, and use FastAPI's ``HTTPBearer`` so the OpenAPI
document shows the bearer scheme::

    auth = FastAPIAuth()          # uses app.state.propelauth, set in your lifespan

    @app.get("/orgs/{org_id}/billing")
    async def billing(member: OrgMemberInfo = Depends(auth.require_org_member(min_role="Admin"))):
        ...

Outcomes: no or malformed header, or an invalid token -> 401 with ``WWW-Authenticate: Bearer``;
a valid token without the membership, role or permission -> 403; the verification key
unavailable -> 503. Bodies are FastAPI's usual JSON ``{"detail": ...}``; with ``debug=True``
the detail says which check failed (never the token itself).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from .._client import AsyncPropelAuth
from ..errors import AccessDeniedError, TokenError
from ..models.membership import OrgMemberInfo
from ..tokens import AuthenticatedUser, KeyUnavailableError

ClientGetter = Callable[[Request], AsyncPropelAuth]

__all__ = ["FastAPIAuth"]


def _client_from_app_state(request: Request) -> AsyncPropelAuth:
    client = getattr(request.app.state, "propelauth", None)
    if not isinstance(client, AsyncPropelAuth):
        raise RuntimeError(
            "no PropelAuth client: set app.state.propelauth in your lifespan, "
            "or pass FastAPIAuth(client=...) or FastAPIAuth(get_client=...)"
        )
    return client


class FastAPIAuth:
    """Builds the dependencies for one app. ``client`` (or ``get_client(request)``) gives
    the :class:`AsyncPropelAuth`; by default it is read from ``app.state.propelauth``."""

    def __init__(
        self,
        client: AsyncPropelAuth | None = None,
        *,
        get_client: ClientGetter | None = None,
        debug: bool = False,
    ) -> None:
        if client is not None and get_client is not None:
            raise ValueError("pass client or get_client, not both")
        if client is not None:
            get_client = lambda request: client  # noqa: E731
        self._get_client: ClientGetter = get_client or _client_from_app_state
        self._debug = debug
        bearer = HTTPBearer(
            auto_error=False,
            scheme_name="PropelAuth",
            description="A PropelAuth access token: Authorization: Bearer <token>",
        )

        async def require_user(
            request: Request,
            credentials: HTTPAuthorizationCredentials | None = Depends(bearer),  # noqa: B008
        ) -> AuthenticatedUser:
            """The user behind the request's access token; 401 without a valid one."""
            if credentials is None:
                raise self._unauthorized("no bearer token", error=None)
            return await self._verify(request, credentials.credentials)

        async def optional_user(
            request: Request,
            credentials: HTTPAuthorizationCredentials | None = Depends(bearer),  # noqa: B008
        ) -> AuthenticatedUser | None:
            """The user, or ``None`` when there is no valid token (never 401)."""
            if credentials is None:
                return None
            try:
                return await self._verify(request, credentials.credentials)
            except HTTPException as exc:
                if exc.status_code == 503:
                    raise
                return None

        self.require_user = require_user
        self.optional_user = optional_user

    async def _verify(self, request: Request, token: str) -> AuthenticatedUser:
        try:
            return await self._get_client(request).tokens.verify(token)
        except KeyUnavailableError:
            raise HTTPException(
                503, detail="authentication is unavailable, try again shortly"
            ) from None
        except TokenError as exc:
            raise self._unauthorized(exc.message, error="invalid_token") from None

    def _unauthorized(self, message: str, *, error: str | None) -> HTTPException:
        challenge = "Bearer" if error is None else f'Bearer error="{error}"'
        detail = message if self._debug else "Unauthorized"
        return HTTPException(401, detail=detail, headers={"WWW-Authenticate": challenge})

    def require_org_member(
        self,
        org_id_param: str = "org_id",
        *,
        min_role: str | None = None,
        exact_role: str | None = None,
        permission: str | None = None,
        permissions: Iterable[str] | None = None,
    ) -> Callable[..., Awaitable[OrgMemberInfo]]:
        """A dependency giving the user's membership of the org named by the path or query
        parameter ``org_id_param``, checked for the role and permissions asked; 403 if not."""
        needed = list(permissions or ())
        require_user = self.require_user

        async def dependency(
            request: Request,
            user: AuthenticatedUser = Depends(require_user),  # noqa: B008
        ) -> OrgMemberInfo:
            org_id = request.path_params.get(org_id_param) or request.query_params.get(org_id_param)
            try:
                return user.require_org_member(
                    org_id,
                    min_role=min_role,
                    exact_role=exact_role,
                    permission=permission,
                    permissions=needed,
                )
            except AccessDeniedError as exc:
                raise HTTPException(
                    403, detail=exc.message if self._debug else "Forbidden"
                ) from None

        return dependency

    def __repr__(self) -> str:
        return f"FastAPIAuth(debug={self._debug})"
