"""FastAPI integration: every org id source, misconfigured routes, in-handler checks,
end-user API keys (valid, invalid, rate-limited, cached) and the OpenAPI document."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from fastapi import Depends, FastAPI, Request
from fastapi.testclient import TestClient

from propelauth_async import AsyncPropelAuth, AuthenticatedUser, ConfigurationError, OrgMemberInfo
from propelauth_async.integrations.fastapi import (
    ApiKeyCache,
    FastAPIAuth,
    Principal,
    from_request,
    header,
    json_field,
    path_param,
    query_param,
)
from propelauth_async.models.api_keys import ApiKeyValidation, OrgApiKeyValidation

from ._web import (
    World,
    backend_limited_client,
    build_world,
    end_user_limited_client,
)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def world() -> World:
    return build_world()


def build_app(world: World, auth: FastAPIAuth) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with world.emu.client() as client:
            app.state.propelauth = client
            yield

    app = FastAPI(lifespan=lifespan)
    auth.install(app)

    def role(member: OrgMemberInfo) -> dict[str, str]:
        return {"role": member.user_role, "org": member.org_id}

    @app.get("/orgs/{orgId}/path")
    async def by_path(m: OrgMemberInfo = Depends(auth.require_org_member(path_param("orgId")))):
        return role(m)

    @app.get("/orgs/{org_id}/default")
    async def by_default(m: OrgMemberInfo = Depends(auth.require_org_member(min_role="Admin"))):
        return role(m)

    @app.get("/query")
    async def by_query(m: OrgMemberInfo = Depends(auth.require_org_member(query_param("org")))):
        return role(m)

    @app.get("/header")
    async def by_header(
        m: OrgMemberInfo = Depends(auth.require_org_member(org_id=header("X-Org-Id"))),
    ):
        return role(m)

    @app.post("/body")
    async def by_body(
        payload: dict[str, Any],
        m: OrgMemberInfo = Depends(auth.require_org_member(json_field("org.id"))),
    ):
        return {**role(m), "echo": payload["org"]["id"]}

    async def org_from_cookie(request: Request) -> str | None:
        return request.cookies.get("org")

    @app.get("/callable")
    async def by_callable(
        m: OrgMemberInfo = Depends(auth.require_org_member(from_request(org_from_cookie))),
    ):
        return role(m)

    @app.get("/in-handler/{org_id}")
    async def in_handler(org_id: str, user: AuthenticatedUser = Depends(auth.require_user)):
        member = auth.require_org_member(user, org_id, min_role="Admin")
        auth.require_org_member_with_permission(user, org_id, "org:invite_users")
        return role(member)

    @app.get("/model/{org_id}")
    async def model_check(org_id: str, user: AuthenticatedUser = Depends(auth.require_user)):
        return role(user.require_org_member(org_id, min_role="Admin"))  # 403 via install()

    @app.get("/maybe")
    async def maybe(user: AuthenticatedUser | None = Depends(auth.optional_user)):
        return {"signed_in": user is not None}

    @app.get("/key")
    async def key(v: ApiKeyValidation = Depends(auth.require_api_key())):
        return {"user": v.user.user_id if v.user else None, "org": v.org.org_id if v.org else None}

    @app.get("/org-key")
    async def org_key(v: OrgApiKeyValidation = Depends(auth.require_org_api_key())):
        return {"org": v.org.org_id}

    @app.get("/orgs/{org_id}/key")
    async def this_org_key(v: OrgApiKeyValidation = Depends(auth.require_org_api_key("org_id"))):
        return {"org": v.org.org_id}

    @app.get("/either")
    async def either(p: Principal = Depends(auth.require_user_or_api_key())):
        return {"kind": "user" if isinstance(p, AuthenticatedUser) else "api_key"}

    return app


@pytest.fixture(scope="module")
def http(world: World) -> Iterator[TestClient]:
    with TestClient(build_app(world, FastAPIAuth())) as client:
        yield client


def test_org_id_from_every_source(world: World, http: TestClient) -> None:
    admin, member, org = world.bearer("admin"), world.bearer("member"), world.org
    cases = [
        ("GET", f"/orgs/{org}/path", {}, None, member, 200),
        ("GET", f"/orgs/{world.other_org}/path", {}, None, admin, 403),
        ("GET", f"/orgs/{org}/default", {}, None, admin, 200),
        ("GET", f"/orgs/{org}/default", {}, None, member, 403),
        ("GET", f"/query?org={org}", {}, None, member, 200),
        ("GET", "/query", {}, None, member, 403),  # named nowhere: a plain 403
        ("GET", "/header", {"X-Org-Id": org}, None, member, 200),
        ("GET", "/header", {"X-Org-Id": world.other_org}, None, member, 403),
        ("POST", "/body", {}, {"org": {"id": org}}, member, 200),
        ("POST", "/body", {}, {"org": {"id": world.other_org}}, member, 403),
        ("POST", "/body", {}, {"org": {}}, member, 403),  # the body names no org
        ("GET", "/callable", {"Cookie": f"org={org}"}, None, member, 200),
        ("GET", "/callable", {}, None, member, 403),
        ("GET", f"/orgs/{org}/path", {}, None, {}, 401),
    ]
    for method, path, headers, body, auth, status in cases:
        answer = http.request(method, path, headers={**headers, **auth}, json=body)
        assert answer.status_code == status, (method, path, answer.text)
        assert answer.headers["content-type"] == "application/json"
        if status == 200:
            assert answer.json()["org"] == org
    echoed = http.post("/body", json={"org": {"id": org}}, headers=member)
    assert echoed.json()["echo"] == org  # the body is still there for the handler


def test_in_handler_checks_answer_403_not_500(world: World, http: TestClient) -> None:
    org = world.org
    assert http.get(f"/in-handler/{org}", headers=world.bearer("admin")).status_code == 200
    for path in (f"/in-handler/{org}", f"/model/{org}"):
        denied = http.get(path, headers=world.bearer("member"))
        assert denied.status_code == 403, path
        assert denied.json() == {"detail": "Forbidden"}


def test_optional_user(world: World, http: TestClient) -> None:
    assert http.get("/maybe").json() == {"signed_in": False}
    assert http.get("/maybe", headers=world.bearer("expired")).json() == {"signed_in": False}
    assert http.get("/maybe", headers=world.bearer("member")).json() == {"signed_in": True}


def test_api_keys_valid_and_invalid(world: World, http: TestClient) -> None:
    assert http.get("/key", headers=world.bearer("personal_key")).json()["user"] is not None
    assert http.get("/key", headers=world.bearer("org_key")).json()["org"] == world.org
    for headers in ({}, world.bearer("api_0000"), world.bearer("not a key at all")):
        refused = http.get("/key", headers=headers)
        assert refused.status_code == 401
        assert refused.headers["www-authenticate"].startswith("Bearer")
    assert http.get("/org-key", headers=world.bearer("org_key")).status_code == 200
    assert http.get("/org-key", headers=world.bearer("personal_key")).status_code == 403
    assert http.get(f"/orgs/{world.org}/key", headers=world.bearer("org_key")).status_code == 200
    other = http.get(f"/orgs/{world.org}/key", headers=world.bearer("other_org_key"))
    assert other.status_code == 403


def test_user_or_api_key(world: World, http: TestClient) -> None:
    assert http.get("/either", headers=world.bearer("member")).json() == {"kind": "user"}
    assert http.get("/either", headers=world.bearer("org_key")).json() == {"kind": "api_key"}
    assert http.get("/either", headers=world.bearer("expired")).status_code == 401
    assert http.get("/either", headers=world.bearer("api_nope")).status_code == 401
    assert http.get("/either").status_code == 401


def test_api_key_validations_are_cached_by_ttl(world: World) -> None:
    clock = Clock()
    auth = FastAPIAuth(api_key_cache=ApiKeyCache(ttl=5, clock=clock))
    with TestClient(build_app(world, auth)) as http:
        before = world.validations()
        for _ in range(3):
            assert http.get("/key", headers=world.bearer("org_key")).status_code == 200
        assert world.validations() - before == 1
        clock.now += 5.01
        assert http.get("/key", headers=world.bearer("org_key")).status_code == 200
        assert world.validations() - before == 2
        for _ in range(2):  # a bad key is never cached: each attempt is checked
            assert http.get("/key", headers=world.bearer("api_bad")).status_code == 401
    off = FastAPIAuth(api_key_cache=ApiKeyCache(ttl=0))
    with TestClient(build_app(world, off)) as http:
        before = world.validations()
        for _ in range(3):
            assert http.get("/key", headers=world.bearer("org_key")).status_code == 200
        assert world.validations() - before == 3


def _keyed_app(auth: FastAPIAuth) -> FastAPI:
    app = FastAPI()
    auth.install(app)

    @app.get("/key")
    async def key(v: ApiKeyValidation = Depends(auth.require_api_key())) -> dict[str, bool]:
        return {"ok": True}

    return app


def test_end_user_rate_limit_is_429_with_retry_after() -> None:
    auth = FastAPIAuth(client=end_user_limited_client(wait_seconds=7))
    with TestClient(_keyed_app(auth)) as http:
        limited = http.get("/key", headers={"Authorization": "Bearer api_hammering"})
    assert limited.status_code == 429
    assert limited.headers["retry-after"] == "7"


def test_backend_rate_limit_is_503_not_the_callers_fault() -> None:
    auth = FastAPIAuth(client=backend_limited_client(wait_seconds=7))
    with TestClient(_keyed_app(auth)) as http:
        limited = http.get("/key", headers={"Authorization": "Bearer api_fine"})
    assert limited.status_code == 503
    assert limited.headers["retry-after"] == "7"


def _misconfigured(dependency_source: Any, route: str, method: str = "get") -> FastAPI:
    app, auth = FastAPI(), FastAPIAuth()
    auth.install(app)

    async def handler(m: OrgMemberInfo = Depends(auth.require_org_member(dependency_source))):
        return {}

    getattr(app, method)(route)(handler)
    return app


@pytest.mark.parametrize(
    ("source", "route", "method", "words"),
    [
        ("org_id", "/orgs/{orgId}", "get", "pass org_id=path_param('orgId')"),
        (path_param("org"), "/orgs/{orgId}", "get", "does not have"),
        (json_field("org_id"), "/things", "get", "carry no body"),
    ],
    ids=["camelCase path", "missing path param", "body on GET"],
)
def test_misconfigured_route_fails_at_startup_naming_the_route(
    source: Any, route: str, method: str, words: str
) -> None:
    with (
        pytest.raises(ConfigurationError) as caught,
        TestClient(_misconfigured(source, route, method)),
    ):
        pass
    assert route in str(caught.value)
    assert words in str(caught.value)


def test_misconfigured_route_without_install_fails_on_first_use(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    app, auth = FastAPI(), FastAPIAuth(client=world.emu.client())

    @app.get("/orgs/{orgId}")
    async def handler(m: OrgMemberInfo = Depends(auth.require_org_member())) -> dict[str, str]:
        return {}

    caplog.set_level(logging.ERROR, "propelauth_async.integrations")
    with TestClient(app) as http:
        answer = http.get(f"/orgs/{world.org}", headers=world.bearer("admin"))
    assert answer.status_code == 500
    assert "GET /orgs/{orgId}" in caplog.text
    assert world.tokens["admin"] not in caplog.text


def test_openapi_documents_auth_answers(http: TestClient) -> None:
    paths = http.get("/openapi.json").json()["paths"]
    protected = paths["/orgs/{orgId}/path"]["get"]
    assert {"401", "403", "503"} <= set(protected["responses"])
    assert protected["responses"]["403"]["content"]["application/json"]["schema"]["required"] == [
        "detail"
    ]
    assert {"401", "429"} <= set(paths["/key"]["get"]["responses"])
    assert "403" not in paths["/key"]["get"]["responses"]
    assert "401" in paths["/in-handler/{org_id}"]["get"]["responses"]
    # optional auth: the empty requirement means "or no credentials at all"
    assert paths["/maybe"]["get"]["security"] == [{"PropelAuth": []}, {}]
    assert {} not in protected["security"]
    assert "401" not in paths["/maybe"]["get"]["responses"]


def test_debug_detail_says_why(world: World) -> None:
    auth = FastAPIAuth(debug=True)
    with TestClient(build_app(world, auth)) as http:
        denied = http.get(f"/orgs/{world.org}/default", headers=world.bearer("member"))
        assert "role 'Admin'" in denied.json()["detail"]
        missing = http.get("/key")
        assert missing.json() == {"detail": "no API key"}


def test_wrong_api_key_for_the_key_fetch_is_500_and_logged(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    wrong = AsyncPropelAuth(
        f"https://{world.emu.auth_host}",
        "not-the-emulators-key",
        transport=httpx.ASGITransport(app=world.emu.app),
        max_retries=0,
    )
    app, auth = FastAPI(), FastAPIAuth(client=wrong)

    @app.get("/me")
    async def me(user: AuthenticatedUser = Depends(auth.require_user)) -> str:
        return user.user_id

    caplog.set_level(logging.ERROR, "propelauth_async.integrations")
    with TestClient(app) as http:
        answer = http.get("/me", headers=world.bearer("admin"))
    assert answer.status_code == 500
    assert answer.json() == {"detail": "Authentication is misconfigured"}
    assert "misconfigured (GET /me)" in caplog.text
    assert "not-the-emulators-key" not in caplog.text


def test_key_unavailable_is_503(world: World) -> None:
    down = AsyncPropelAuth("http://127.0.0.1:9", "k", max_retries=0)  # nothing listens there
    app, auth = FastAPI(), FastAPIAuth(client=down)

    @app.get("/me")
    async def me(user: AuthenticatedUser = Depends(auth.require_user)) -> str:
        return user.user_id

    with TestClient(app) as http:
        assert http.get("/me", headers=world.bearer("admin")).status_code == 503
