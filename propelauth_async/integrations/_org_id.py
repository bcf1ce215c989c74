"""Where a route finds the id of the org it protects, for both frameworks.

A source is plain data (``kind`` and ``name``) so that each framework reads it in a few lines
and a route can be checked against it before it answers anything: a route whose source cannot
exist (a path parameter the route does not have, a JSON body on a GET-only route) is a
:class:`~propelauth_async.errors.ConfigurationError` naming the route, never a silent 403.
"""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import Awaitable, Callable, Collection
from typing import Any, Literal, TypeAlias

import attrs

from ..errors import ConfigurationError

SourceKind = Literal["path_or_query", "path", "query", "header", "json", "callable"]
OrgIdGetter = Callable[[Any], "str | Awaitable[str | None] | None"]

_BODYLESS = frozenset({"GET", "HEAD", "OPTIONS", "DELETE"})


@attrs.frozen
class OrgIdSource:
    """Build it with :func:`path_param`, :func:`query_param`, :func:`header`,
    :func:`json_field` or :func:`from_request`; a bare string means :func:`path_or_query`."""

    kind: SourceKind
    name: str = ""
    getter: OrgIdGetter | None = attrs.field(default=None, eq=False)

    def describe(self) -> str:
        if self.kind == "callable":
            return f"the callable {getattr(self.getter, '__qualname__', self.getter)!r}"
        words = {
            "path_or_query": "path or query parameter",
            "path": "path parameter",
            "query": "query parameter",
            "header": "header",
            "json": "JSON body field",
        }
        return f"the {words[self.kind]} {self.name!r}"


def path_or_query(name: str = "org_id") -> OrgIdSource:
    """The path parameter ``name`` when the route has one, else the query parameter."""
    return OrgIdSource("path_or_query", _name(name))


def path_param(name: str) -> OrgIdSource:
    """A path parameter of any name (``/orgs/{orgId}`` -> ``path_param("orgId")``)."""
    return OrgIdSource("path", _name(name))


def query_param(name: str) -> OrgIdSource:
    return OrgIdSource("query", _name(name))


def header(name: str) -> OrgIdSource:
    """A request header (case-insensitive), ``header("X-Org-Id")``."""
    return OrgIdSource("header", _name(name))


def json_field(name: str) -> OrgIdSource:
    """A field of the JSON object body; dots reach into nested objects (``"org.id"``)."""
    return OrgIdSource("json", _name(name))


def from_request(getter: OrgIdGetter) -> OrgIdSource:
    """A function of the framework's request (sync or async) that returns the org id or None."""
    if not callable(getter):
        raise ConfigurationError("from_request() needs a callable that takes the request")
    return OrgIdSource("callable", getter=getter)


OrgIdSpec: TypeAlias = "str | OrgIdSource | OrgIdGetter"


def as_source(spec: OrgIdSpec) -> OrgIdSource:
    if isinstance(spec, OrgIdSource):
        return spec
    if isinstance(spec, str):
        return path_or_query(spec)
    return from_request(spec)


def _name(name: object) -> str:
    if not isinstance(name, str) or not name.strip():
        raise ConfigurationError("an org id source needs a non-empty name")
    return name


def _normal(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def check_route(
    source: OrgIdSource, route: str, path_params: Collection[str], methods: Collection[str]
) -> None:
    """Refuse a source that this route can never supply, naming the route and the fix."""
    if source.kind == "path" and source.name not in path_params:
        have = ", ".join(sorted(path_params)) or "none"
        raise ConfigurationError(
            f"route {route}: the org id comes from the path parameter {source.name!r}, "
            f"which this route does not have (its path parameters: {have})"
        )
    if source.kind == "path_or_query" and source.name not in path_params:
        near = [p for p in path_params if _normal(p) == _normal(source.name)]
        if near:
            raise ConfigurationError(
                f"route {route}: the org id is read from {source.describe()}, but the route "
                f"names it {near[0]!r}; pass org_id=path_param({near[0]!r})"
            )
    if source.kind == "json" and methods and set(methods) <= _BODYLESS:
        raise ConfigurationError(
            f"route {route}: the org id comes from the JSON body field {source.name!r}, "
            f"but the route only answers {', '.join(sorted(methods))}, which carry no body"
        )


def from_json(body: bytes, field: str) -> str | None:
    """The org id in a JSON body, or None when the body or the field is not there."""
    try:
        value: Any = json.loads(body) if body else None
    except ValueError:
        return None
    for part in field.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value if isinstance(value, str) and value else None


async def call_getter(source: OrgIdSource, request: Any) -> str | None:
    assert source.getter is not None
    value = source.getter(request)
    if inspect.isawaitable(value):
        value = await value
    if value is not None and not isinstance(value, str):
        raise ConfigurationError(
            f"{source.describe()} returned {type(value).__name__}; it must return str or None"
        )
    return value or None
