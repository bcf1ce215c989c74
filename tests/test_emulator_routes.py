"""The emulator serves every row of the endpoint table, each from the module that mirrors the
client's, and its router never lets two routes collide unnoticed."""

from __future__ import annotations

import importlib
import re
from collections import defaultdict
from pathlib import Path

import pytest

from propelauth_async import _endpoints as endpoints
from propelauth_async.testing import emulator as emulator_module
from propelauth_async.testing._routes import DuplicateRouteError, Router

PACKAGE = Path(__file__).resolve().parent.parent / "propelauth_async"


def _rows_named_in(path: Path) -> set[endpoints.Endpoint]:
    names = set(re.findall(r"\bendpoints\.([A-Z][A-Z0-9_]+)\b", path.read_text()))
    return {
        getattr(endpoints, n)
        for n in names
        if isinstance(getattr(endpoints, n, None), endpoints.Endpoint)
    }


def test_every_endpoint_row_has_a_route() -> None:
    router = Router(emulator_module.ROUTE_TABLES)
    assert set(router.routes) == set(endpoints.ALL)
    assert len(router.routes) == len(endpoints.ALL) == 81


def test_rows_sharing_a_method_and_path_share_one_handler_on_purpose() -> None:
    router = Router(emulator_module.ROUTE_TABLES)
    by_wire: dict[tuple[str, str], set[str]] = defaultdict(set)
    for endpoint in endpoints.ALL:
        by_wire[(endpoint.method, endpoint.path)].add(endpoint.name)
    shared = {wire: names for wire, names in by_wire.items() if len(names) > 1}
    # The server cannot tell these apart; the client reads the answer differently.
    assert shared == {
        ("PUT", endpoints.UPDATE_ORG.path): {"orgs.update", "orgs.subscribe_to_role_mapping"},
        ("POST", endpoints.VALIDATE_API_KEY.path): {
            "api_keys.validate",
            "api_keys.validate_personal",
            "api_keys.validate_org",
        },
    }
    for method, path in shared:
        rows = [e for e in endpoints.ALL if (e.method, e.path) == (method, path)]
        assert len({id(router.routes[e]) for e in rows}) == 1


def test_the_router_refuses_collisions() -> None:
    first, second = (lambda s, r: {}), (lambda s, r: [])
    with pytest.raises(DuplicateRouteError, match="two different handlers"):
        Router([{endpoints.UPDATE_ORG: first}, {endpoints.SUBSCRIBE_ORG_TO_ROLE_MAPPING: second}])
    with pytest.raises(DuplicateRouteError, match="routed twice"):
        Router([{endpoints.FETCH_USER: first}, {endpoints.FETCH_USER: first}])
    Router(
        [{endpoints.UPDATE_ORG: first, endpoints.SUBSCRIBE_ORG_TO_ROLE_MAPPING: first}]
    )  # declared shared


def test_literal_paths_win_over_templates() -> None:
    router = Router(emulator_module.ROUTE_TABLES)
    found = router.match("GET", endpoints.FETCH_USER_BY_EMAIL.path)
    assert found is not None
    assert found[1] == endpoints.FETCH_USER_BY_EMAIL.path
    found = router.match("GET", "/api/backend/v1/user/abc%20d")
    assert found is not None
    assert (found[1], found[2]) == (endpoints.FETCH_USER.path, {"user_id": "abc d"})
    assert router.match("GET", "/api/backend/v1/nothing") is None
    assert router.match("PATCH", endpoints.FETCH_USER_BY_EMAIL.path) is None


def _namespace(endpoint: endpoints.Endpoint) -> str:
    return endpoint.name.split(".")[0]


def test_testing_modules_mirror_resources_one_to_one() -> None:
    """resources/scim.py is served by testing/_scim.py, tokens/ by testing/_tokens.py: every
    row a client module sends is routed by its mirror, and by no other module."""
    mirrored = {p.stem: p for p in (PACKAGE / "resources").glob("[a-z]*.py")}
    # client.bulk sends nothing of its own: it runs the users and orgs methods.
    assert not _rows_named_in(mirrored.pop("bulk"))
    assert len(mirrored) >= 12
    mirrored["tokens"] = PACKAGE / "tokens"
    tables = {}
    for name, source in mirrored.items():
        mirror = importlib.import_module(f"propelauth_async.testing._{name}")
        tables[name] = mirror.ROUTES
        files = sorted(source.glob("*.py")) if source.is_dir() else [source]
        sent = set().union(*(_rows_named_in(f) for f in files))
        assert sent <= set(mirror.ROUTES), name
        assert {_namespace(e) for e in mirror.ROUTES} == {name}, name
    assert sorted(map(id, tables.values())) == sorted(map(id, emulator_module.ROUTE_TABLES))
