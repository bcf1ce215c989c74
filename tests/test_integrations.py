"""FastAPI and aiohttp end to end with emulator-minted tokens: every outcome and its status."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager

import httpx
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient as FastAPITestClient

from propelauth_async import AsyncPropelAuth, AuthenticatedUser, OrgMemberInfo
from propelauth_async.integrations import aiohttp as pa_aiohttp
from propelauth_async.integrations.fastapi import FastAPIAuth
from propelauth_async.testing import Emulator, run_emulator

Tokens = dict[str, str]


@pytest.fixture(scope="module")
def world() -> Iterator[tuple[Emulator, str, Tokens]]:
    """A served emulator, an org, and one token per situation."""
    with run_emulator() as emu:
        org = emu.add_org("Acme")
        admin = emu.add_user("admin@acme.io")
        member = emu.add_user("member@acme.io")
        outsider = emu.add_user("outsider@else.io")
        emu.add_member(org, admin, "Admin")
        emu.add_member(org, member, "Member")
        forger = Emulator(auth_host=emu.auth_host)
        forger.add_user("x@x.io")
        tokens = {
            "admin": emu.mint_access_token(admin),
            "member": emu.mint_access_token(member),
            "outsider": emu.mint_access_token(outsider),
            "expired": emu.mint_access_token(admin, expires_in=-120),
            "forged": forger.mint_access_token(next(iter(forger.state.users))),
        }
        yield emu, org, tokens


# (headers, path kind, expected status)
CASES = [
    ("no header", None, "user", 401),
    ("bad scheme", "Basic YWxhZGRpbjpvcGVuc2VzYW1l", "user", 401),
    ("garbage", "Bearer not-a-token", "user", 401),
    ("expired", "expired", "user", 401),
    ("forged", "forged", "user", 401),
    ("valid", "member", "user", 200),
    ("valid, lowercase scheme", "member:bearer", "user", 200),
    ("not a member", "outsider", "admin", 403),
    ("role too low", "member", "admin", 403),
    ("permission missing", "member", "invite", 403),
    ("admin passes", "admin", "admin", 200),
    ("permission present", "admin", "invite", 200),
    ("optional without token", None, "optional", 200),
    ("optional with garbage", "Bearer junk", "optional", 200),
]


def _header(spec: str | None, tokens: Tokens) -> dict[str, str]:
    if spec is None:
        return {}
    if spec.startswith(("Basic", "Bearer")):
        return {"Authorization": spec}
    name, _, scheme = spec.partition(":")
    return {"Authorization": f"{scheme or 'Bearer'} {tokens[name]}"}


def _path(kind: str, org: str) -> str:
    return {
        "user": "/me",
        "optional": "/maybe",
        "admin": f"/orgs/{org}/admin",
        "invite": f"/invite?org_id={org}",
    }[kind]


# FastAPI -----------------------------------------------------------------------------------


def fastapi_app(emu: Emulator) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with emu.client() as client:
            app.state.propelauth = client
            yield

    app = FastAPI(lifespan=lifespan)
    auth = FastAPIAuth()

    @app.get("/me")
    async def me(user: AuthenticatedUser = Depends(auth.require_user)) -> dict[str, str | None]:
        return {"user_id": user.user_id, "email": user.email}

    @app.get("/maybe")
    async def maybe(
        user: AuthenticatedUser | None = Depends(auth.optional_user),
    ) -> dict[str, bool]:
        return {"signed_in": user is not None}

    @app.get("/orgs/{org_id}/admin")
    async def admin(
        member: OrgMemberInfo = Depends(auth.require_org_member(min_role="Admin")),
    ) -> dict[str, str]:
        return {"role": member.user_role}

    @app.get("/invite")
    async def invite(
        member: OrgMemberInfo = Depends(auth.require_org_member(permission="org:invite_users")),
    ) -> dict[str, str]:
        return {"role": member.user_role}

    return app


@pytest.fixture(scope="module")
def fastapi_client(world: tuple[Emulator, str, Tokens]) -> Iterator[FastAPITestClient]:
    with FastAPITestClient(fastapi_app(world[0])) as client:  # runs the lifespan
        yield client


@pytest.mark.parametrize(("case", "header", "kind", "status"), CASES, ids=[c[0] for c in CASES])
def test_fastapi(
    world: tuple[Emulator, str, Tokens],
    fastapi_client: FastAPITestClient,
    case: str,
    header: str | None,
    kind: str,
    status: int,
) -> None:
    _, org, tokens = world
    response = fastapi_client.get(_path(kind, org), headers=_header(header, tokens))
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    if status == 401:
        assert response.headers["www-authenticate"].startswith("Bearer")
    if kind == "optional":
        assert response.json() == {"signed_in": False}


def test_fastapi_openapi_shows_the_bearer_scheme(fastapi_client: FastAPITestClient) -> None:
    schema = fastapi_client.get("/openapi.json").json()
    assert schema["components"]["securitySchemes"]["PropelAuth"]["scheme"] == "bearer"
    assert {"PropelAuth": []} in schema["paths"]["/me"]["get"]["security"]


def test_fastapi_dependencies_are_async() -> None:
    import inspect

    auth = FastAPIAuth(client=AsyncPropelAuth("https://auth.example.com", "k"))
    assert inspect.iscoroutinefunction(auth.require_user)
    assert inspect.iscoroutinefunction(auth.optional_user)
    assert inspect.iscoroutinefunction(auth.require_org_member(min_role="Admin"))


def test_fastapi_debug_detail_and_503(world: tuple[Emulator, str, Tokens]) -> None:
    emu, _, tokens = world
    app = FastAPI()
    down = AsyncPropelAuth("http://127.0.0.1:9", "k", max_retries=0)  # nothing listens there
    auth = FastAPIAuth(client=down, debug=True)

    @app.get("/me")
    async def me(user: AuthenticatedUser = Depends(auth.require_user)) -> str:
        return user.user_id

    with FastAPITestClient(app) as client:
        junk = client.get("/me", headers={"Authorization": "Bearer x.y"})
        assert junk.status_code == 401  # refused before any key fetch
        assert "three base64url parts" in junk.json()["detail"]  # debug=True says why
        unavailable = client.get("/me", headers={"Authorization": f"Bearer {tokens['admin']}"})
        assert unavailable.status_code == 503
    with FastAPITestClient(fastapi_app(emu)) as client:  # debug off: no reason given
        expired = client.get("/me", headers={"Authorization": f"Bearer {tokens['expired']}"})
        assert expired.json() == {"detail": "Unauthorized"}


# aiohttp -----------------------------------------------------------------------------------


def aiohttp_app(emu: Emulator, *, middleware: bool) -> web.Application:
    app = web.Application(middlewares=[pa_aiohttp.propelauth_middleware()] if middleware else [])

    async def lifespan(app: web.Application) -> AsyncIterator[None]:
        async with emu.client() as client:
            app[pa_aiohttp.PROPELAUTH_CLIENT] = client
            yield

    app.cleanup_ctx.append(lifespan)

    @pa_aiohttp.require_user
    async def me(request: web.Request) -> web.Response:
        user = pa_aiohttp.get_user(request)
        assert user is not None
        return web.json_response({"user_id": user.user_id})

    async def maybe(request: web.Request) -> web.Response:
        if not middleware:
            await pa_aiohttp._authenticate(request)
        return web.json_response({"signed_in": pa_aiohttp.get_user(request) is not None})

    @pa_aiohttp.require_org_member(min_role="Admin")
    async def admin(request: web.Request) -> web.Response:
        return web.json_response({"role": pa_aiohttp.get_org_member(request).user_role})

    @pa_aiohttp.require_org_member(permission="org:invite_users")
    async def invite(request: web.Request) -> web.Response:
        return web.json_response({"role": pa_aiohttp.get_org_member(request).user_role})

    app.router.add_get("/me", me)
    app.router.add_get("/maybe", maybe)
    app.router.add_get("/orgs/{org_id}/admin", admin)
    app.router.add_get("/invite", invite)
    return app


@pytest.mark.parametrize("middleware", [True, False], ids=["middleware", "decorators only"])
async def test_aiohttp(world: tuple[Emulator, str, Tokens], middleware: bool) -> None:
    emu, org, tokens = world
    async with TestClient(TestServer(aiohttp_app(emu, middleware=middleware))) as client:
        for case, header, kind, status in CASES:
            response = await client.get(_path(kind, org), headers=_header(header, tokens))
            assert response.status == status, (case, await response.text())
            assert response.content_type == "application/json", case
            if status == 401:
                assert response.headers["WWW-Authenticate"].startswith("Bearer"), case
            if kind == "optional":
                assert await response.json() == {"signed_in": False}, case


async def test_aiohttp_key_unavailable_is_503() -> None:
    app = web.Application()
    app[pa_aiohttp.PROPELAUTH_CLIENT] = AsyncPropelAuth("http://127.0.0.1:9", "k", max_retries=0)

    @pa_aiohttp.require_user
    async def me(request: web.Request) -> web.Response:
        return web.json_response({})

    app.router.add_get("/me", me)
    async with TestClient(TestServer(app)) as client:
        response = await client.get("/me", headers={"Authorization": "Bearer a.b.c"})
        assert response.status == 503
    await app[pa_aiohttp.PROPELAUTH_CLIENT].aclose()


def test_integration_modules_are_not_imported_by_the_package() -> None:
    import subprocess
    import sys

    code = "import sys, propelauth_async; print('fastapi' in sys.modules, 'aiohttp' in sys.modules)"
    assert subprocess.check_output([sys.executable, "-c", code]).strip() == b"False False"
    assert httpx  # the package's own dependency, imported above for the type of TestClient
