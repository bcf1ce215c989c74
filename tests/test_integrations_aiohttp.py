"""aiohttp integration: setup() and its start-up checks, every org id source, the
optional-user decorator, debug, in-handler checks, end-user API keys, and the middleware type."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from propelauth_async import ConfigurationError
from propelauth_async.integrations import aiohttp as pa
from propelauth_async.integrations.aiohttp import (
    ApiKeyCache,
    from_request,
    header,
    json_field,
    path_param,
    query_param,
)

from ._web import (
    World,
    backend_limited_client,
    build_world,
    end_user_limited_client,
)


@pytest.fixture(scope="module")
def world() -> World:
    return build_world()


def build_app(world: World, **options: Any) -> web.Application:
    app = web.Application()
    pa.setup(app, **options)

    async def lifespan(app: web.Application) -> AsyncIterator[None]:
        async with world.emu.client() as client:
            app[pa.PROPELAUTH_CLIENT] = client
            yield

    app.cleanup_ctx.append(lifespan)

    def member_json(request: web.Request) -> web.Response:
        member = pa.get_org_member(request)
        return web.json_response({"role": member.user_role, "org": member.org_id})

    async def org_from_cookie(request: web.Request) -> str | None:
        return request.cookies.get("org")

    sources = {
        "/orgs/{orgId}/path": path_param("orgId"),
        "/query": query_param("org"),
        "/header": header("X-Org-Id"),
        "/callable": from_request(org_from_cookie),
    }
    for route, source in sources.items():

        @pa.require_org_member(source)
        async def handler(request: web.Request) -> web.Response:
            return member_json(request)

        app.router.add_get(route, handler)

    @pa.require_org_member(json_field("org.id"), permission="org:invite_users")
    async def by_body(request: web.Request) -> web.Response:
        payload = await request.json()  # the body is still there for the handler
        return web.json_response({"org": pa.get_org_member(request).org_id, "echo": payload})

    @pa.require_org_member(min_role="Admin")
    async def by_default(request: web.Request) -> web.Response:
        return member_json(request)

    @pa.require_user
    async def in_handler(request: web.Request) -> web.Response:
        user = pa.get_user(request)
        assert user is not None
        member = user.require_org_member(request.match_info["org_id"], min_role="Admin")
        return web.json_response({"org": member.org_id})

    async def undecorated(request: web.Request) -> web.Response:
        user = pa.get_user(request)  # the middleware verified it
        if user is None:
            return web.json_response({"signed_in": False})
        user.require_org_member(request.query.get("org_id"), min_role="Admin")  # 403 by setup
        return web.json_response({"signed_in": True})

    @pa.optional_user
    async def maybe(request: web.Request) -> web.Response:
        return web.json_response({"signed_in": pa.get_user(request) is not None})

    @pa.require_api_key()
    async def key(request: web.Request) -> web.Response:
        validation = pa.get_api_key(request)
        return web.json_response({"org": validation.org.org_id if validation.org else None})

    @pa.require_org_api_key(path_param("org_id"))
    async def org_key(request: web.Request) -> web.Response:
        return web.json_response({"org": pa.get_org_api_key(request).org.org_id})

    @pa.require_user_or_api_key()
    async def either(request: web.Request) -> web.Response:
        principal = pa.get_principal(request)
        return web.json_response({"kind": type(principal).__name__})

    app.router.add_post("/body", by_body)
    app.router.add_get("/orgs/{org_id}/default", by_default)
    app.router.add_get("/orgs/{org_id}/in-handler", in_handler)
    app.router.add_get("/undecorated", undecorated)
    app.router.add_get("/maybe", maybe)
    app.router.add_get("/key", key)
    app.router.add_get("/orgs/{org_id}/key", org_key)
    app.router.add_get("/either", either)
    return app


async def test_org_id_from_every_source(world: World) -> None:
    member, admin, org, other = (
        world.bearer("member"),
        world.bearer("admin"),
        world.org,
        world.other_org,
    )
    cases = [
        ("GET", f"/orgs/{org}/path", {}, None, member, 200),
        ("GET", f"/orgs/{other}/path", {}, None, admin, 403),
        ("GET", f"/query?org={org}", {}, None, member, 200),
        ("GET", "/query", {}, None, member, 403),
        ("GET", "/header", {"X-Org-Id": org}, None, member, 200),
        ("GET", "/header", {"X-Org-Id": other}, None, member, 403),
        ("GET", "/callable", {"Cookie": f"org={org}"}, None, member, 200),
        ("GET", "/callable", {}, None, member, 403),
        ("POST", "/body", {}, {"org": {"id": org}}, admin, 200),
        ("POST", "/body", {}, {"org": {"id": org}}, member, 403),  # lacks the permission
        ("POST", "/body", {}, {"org": {"id": other}}, admin, 403),
        ("GET", f"/orgs/{org}/default", {}, None, admin, 200),
        ("GET", f"/orgs/{org}/default", {}, None, member, 403),
        ("GET", f"/orgs/{org}/path", {}, None, {}, 401),
        ("GET", f"/orgs/{org}/path", {}, None, world.bearer("expired"), 401),
    ]
    async with TestClient(TestServer(build_app(world))) as http:
        for method, path, headers, body, auth, status in cases:
            answer = await http.request(method, path, headers={**headers, **auth}, json=body)
            assert answer.status == status, (method, path, await answer.text())
            assert answer.content_type == "application/json"
            if status == 200:
                assert (await answer.json())["org"] == org
            if status == 401:
                assert answer.headers["WWW-Authenticate"].startswith("Bearer")
        echoed = await http.post("/body", json={"org": {"id": org}}, headers=admin)
        assert (await echoed.json())["echo"] == {"org": {"id": org}}


async def test_in_handler_checks_and_optional_user(world: World) -> None:
    org = world.org
    async with TestClient(TestServer(build_app(world))) as http:
        ok = await http.get(f"/orgs/{org}/in-handler", headers=world.bearer("admin"))
        assert ok.status == 200
        denied = await http.get(f"/orgs/{org}/in-handler", headers=world.bearer("member"))
        assert (denied.status, await denied.json()) == (403, {"detail": "Forbidden"})
        # No decorator: setup()'s middleware verified the token and answers the 403.
        plain = await http.get(f"/undecorated?org_id={org}", headers=world.bearer("member"))
        assert plain.status == 403
        assert (await (await http.get("/undecorated")).json()) == {"signed_in": False}
        for headers, signed_in in ((world.bearer("member"), True), ({}, False)):
            answer = await http.get("/maybe", headers=headers)
            assert await answer.json() == {"signed_in": signed_in}
        junk = await http.get("/maybe", headers=world.bearer("expired"))
        assert await junk.json() == {"signed_in": False}


async def test_api_keys(world: World) -> None:
    org = world.org
    async with TestClient(TestServer(build_app(world))) as http:
        assert (await (await http.get("/key", headers=world.bearer("org_key"))).json()) == {
            "org": org
        }
        for headers in ({}, world.bearer("api_0000")):
            refused = await http.get("/key", headers=headers)
            assert refused.status == 401
            assert refused.headers["WWW-Authenticate"].startswith("Bearer")
        good = await http.get(f"/orgs/{org}/key", headers=world.bearer("org_key"))
        assert good.status == 200
        for name in ("other_org_key", "personal_key"):
            wrong = await http.get(f"/orgs/{org}/key", headers=world.bearer(name))
            assert wrong.status == 403, name
        kinds = {}
        for name in ("member", "org_key"):
            kinds[name] = await (await http.get("/either", headers=world.bearer(name))).json()
        assert kinds == {
            "member": {"kind": "AuthenticatedUser"},
            "org_key": {"kind": "ApiKeyValidation"},
        }
        assert (await http.get("/either")).status == 401


async def test_api_key_cache(world: World) -> None:
    now = [1000.0]
    cache = ApiKeyCache(ttl=5, clock=lambda: now[0])
    async with TestClient(TestServer(build_app(world, api_key_cache=cache))) as http:
        before = world.validations()
        for _ in range(3):
            assert (await http.get("/key", headers=world.bearer("org_key"))).status == 200
        assert world.validations() - before == 1
        now[0] += 6
        assert (await http.get("/key", headers=world.bearer("org_key"))).status == 200
        assert world.validations() - before == 2


def _keyed(client: Any) -> web.Application:
    app = web.Application()
    pa.setup(app, client)

    @pa.require_api_key()
    async def key(request: web.Request) -> web.Response:
        return web.json_response({})

    app.router.add_get("/key", key)
    return app


async def test_end_user_rate_limit_is_429_with_retry_after() -> None:
    async with TestClient(TestServer(_keyed(end_user_limited_client(7)))) as http:
        limited = await http.get("/key", headers={"Authorization": "Bearer api_hammering"})
    assert limited.status == 429
    assert limited.headers["Retry-After"] == "7"


async def test_backend_rate_limit_is_503() -> None:
    async with TestClient(TestServer(_keyed(backend_limited_client(7)))) as http:
        limited = await http.get("/key", headers={"Authorization": "Bearer api_fine"})
    assert limited.status == 503
    assert limited.headers["Retry-After"] == "7"


async def test_start_up_fails_without_a_client() -> None:
    app = web.Application()
    pa.setup(app)
    with pytest.raises(ConfigurationError, match=r"PROPELAUTH_CLIENT"):
        async with TestClient(TestServer(app)):
            pass


@pytest.mark.parametrize(
    ("source", "route", "words"),
    [
        ("org_id", "/orgs/{orgId}", "pass org_id=path_param('orgId')"),
        (path_param("org"), "/orgs/{orgId}", "does not have"),
        (json_field("org_id"), "/things", "carry no body"),
    ],
    ids=["camelCase path", "missing path param", "body on GET"],
)
async def test_misconfigured_route_fails_at_start_up(
    world: World, source: Any, route: str, words: str
) -> None:
    app = web.Application()
    pa.setup(app, world.emu.client())

    @pa.require_org_member(source)
    async def handler(request: web.Request) -> web.Response:
        return web.json_response({})

    app.router.add_get(route, handler)
    with pytest.raises(ConfigurationError) as caught:
        async with TestClient(TestServer(app)):
            pass
    assert f"GET {route}" in str(caught.value)
    assert words in str(caught.value)


async def test_without_setup_errors_are_clear(world: World) -> None:
    app = web.Application()  # no setup, no client: decorators still answer, never KeyError

    @pa.require_user
    async def me(request: web.Request) -> web.Response:
        return web.json_response({})

    async def peek(request: web.Request) -> web.Response:
        pa.get_user(request)  # no middleware, no decorator
        return web.json_response({})

    app.router.add_get("/me", me)
    app.router.add_get("/peek", peek)
    async with TestClient(TestServer(app)) as http:
        answer = await http.get("/me", headers=world.bearer("member"))
        assert answer.status == 500
        assert await answer.json() == {"detail": "Authentication is misconfigured"}
        with pytest.raises(ConfigurationError, match="setup"):
            pa.get_user(_bare_request())
        assert (await http.get("/peek")).status == 500


def _bare_request() -> web.Request:
    from aiohttp.test_utils import make_mocked_request

    return make_mocked_request("GET", "/")


async def test_debug_says_why(world: World) -> None:
    async with TestClient(TestServer(build_app(world, debug=True))) as http:
        denied = await http.get(f"/orgs/{world.org}/default", headers=world.bearer("member"))
        assert "role 'Admin'" in (await denied.json())["detail"]
        missing = await http.get("/key")
        assert await missing.json() == {"detail": "no API key"}
