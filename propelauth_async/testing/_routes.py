"""Routing the emulator's requests: path templates, handlers, and the table that joins them.

The routes come from the client's own endpoint table, so the emulator and the client can never
disagree on a path or a method. One function turns a template into a regular expression; both
the router and fault matching use it.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from .._endpoints import Endpoint
from ._request import Request
from ._state import State

Handler = Callable[[State, Request], Any]
"""An emulated operation: reads the request, changes the state, returns the JSON answer."""

_PARAM = re.compile(r"\{([a-z_]+)\}")


def template_pattern(template: str) -> re.Pattern[str]:
    """``/user/{user_id}`` as a regex matching a whole path, each parameter a named group."""
    parts = _PARAM.split(template)
    # split() alternates literal text and parameter names: even indexes are literal.
    regex = "".join(
        re.escape(part) if i % 2 == 0 else f"(?P<{part}>[^/]+)" for i, part in enumerate(parts)
    )
    return re.compile(regex + "$")


def example_path(template: str) -> str:
    """A concrete path for a template (every parameter an id), to test a glob against."""
    return _PARAM.sub("00000000-0000-4000-8000-000000000000", template)


class DuplicateRouteError(ValueError):
    """Two handlers claim one method and path, or one endpoint row is routed twice."""


class Router:
    """Finds the handler of a method and path: literal paths first, then templates, the ones
    with more literal text first (``/user/{id}/mfa`` before ``/user/{id}/{provider}/...``).

    Rows of the endpoint table that share a method and path (the server cannot tell them apart)
    must be given the same handler; anything else is refused, never silently overwritten.
    """

    def __init__(self, tables: Iterable[Mapping[Endpoint, Handler]]) -> None:
        self.routes: dict[Endpoint, Handler] = {}
        by_wire: dict[tuple[str, str], Handler] = {}
        for table in tables:
            for endpoint, handler in table.items():
                if endpoint in self.routes:
                    raise DuplicateRouteError(f"{endpoint.name} is routed twice")
                wire = (endpoint.method, endpoint.path)
                other = by_wire.setdefault(wire, handler)
                if other is not handler:
                    raise DuplicateRouteError(
                        f"{endpoint.method} {endpoint.path} has two different handlers"
                    )
                self.routes[endpoint] = handler
        self._literal: dict[tuple[str, str], tuple[Handler, str]] = {}
        self._templates: list[tuple[str, re.Pattern[str], str, Handler]] = []
        for (method, path), handler in by_wire.items():
            if "{" in path:
                self._templates.append((method, template_pattern(path), path, handler))
            else:
                self._literal[(method, path)] = (handler, path)
        self._templates.sort(key=lambda t: -len(_PARAM.sub("", t[2])))

    def match(self, method: str, path: str) -> tuple[Handler, str, dict[str, str]] | None:
        """The handler, the template it was routed by, and the decoded path parameters."""
        literal = self._literal.get((method, path))
        if literal is not None:
            return literal[0], literal[1], {}
        for verb, pattern, template, handler in self._templates:
            if verb != method:
                continue
            found = pattern.match(path)
            if found is not None:
                params = {k: urllib.parse.unquote(v) for k, v in found.groupdict().items()}
                return handler, template, params
        return None
