"""A FastAPI service that authenticates with PropelAuth access tokens, verified locally.

    pip install -e '.[dev]'
    PROPELAUTH_AUTH_URL=https://auth.example.com PROPELAUTH_API_KEY=... \
        uvicorn examples.fastapi_service:app
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI

from propelauth_async import ApiKeyValidation, AsyncPropelAuth, AuthenticatedUser, OrgMemberInfo
from propelauth_async.integrations.fastapi import FastAPIAuth


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    async with AsyncPropelAuth.from_env() as client:
        await client.check()  # a wrong API key or auth URL fails the deploy, not a request
        await client.tokens.prefetch()  # the first request does not wait for the key
        app.state.propelauth = client
        yield


app = FastAPI(lifespan=lifespan)
auth = FastAPIAuth()
auth.install(app)  # 403/401 for checks in handlers, start-up route checks, OpenAPI answers


@app.get("/me")
async def me(user: AuthenticatedUser = Depends(auth.require_user)) -> dict[str, object]:
    return {"user_id": user.user_id, "email": user.email, "orgs": len(user.get_orgs())}


@app.get("/orgs/{org_id}/members")
async def members(
    org_id: str, member: OrgMemberInfo = Depends(auth.require_org_member(min_role="Admin"))
) -> dict[str, object]:
    client: AsyncPropelAuth = app.state.propelauth
    page = await client.orgs.query_members(org_id, page_size=50)
    return {"you": member.user_role, "members": [u.email for u in page.items], "total": page.total}


@app.get("/api/usage")
async def usage(key: ApiKeyValidation = Depends(auth.require_api_key())) -> dict[str, object]:
    """For your customers' scripts: an end-user API key instead of a session."""
    return {
        "org": key.org.org_id if key.org else None,
        "user": key.user.email if key.user else None,
    }
