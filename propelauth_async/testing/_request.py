"""One decoded request, with the input checks the real service applies (400 with field errors)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

import attrs

from ._state import EmulatorError, bad_request

_MISSING: Any = object()


@attrs.define
class Request:
    method: str
    path: str
    params: dict[str, str]
    query: Mapping[str, str]
    body: Any
    auth_host: str

    # Query ---------------------------------------------------------------------------------

    def query_bool(self, name: str, default: bool = False) -> bool:
        raw = self.query.get(name)
        if raw is None:
            return default
        if raw not in ("true", "false"):
            raise bad_request(name, "Must be true or false")
        return raw == "true"

    def query_int(self, name: str, default: int, low: int = 0, high: int | None = None) -> int:
        raw = self.query.get(name)
        if raw is None or raw == "":
            return default
        try:
            value = int(raw)
        except ValueError:
            raise bad_request(name, "Must be an integer") from None
        if value < low or (high is not None and value > high):
            span = f"between {low} and {high}" if high is not None else f"at least {low}"
            raise bad_request(name, f"Must be {span}")
        return value

    def query_str(self, name: str) -> str | None:
        value = self.query.get(name)
        return value if value else None

    # JSON body -----------------------------------------------------------------------------

    def json(self) -> dict[str, Any]:
        if not isinstance(self.body, dict):
            raise EmulatorError(400, {"body": ["Expected a JSON object"]})
        return self.body

    def field(self, name: str, kind: type | tuple[type, ...], default: Any = _MISSING) -> Any:
        body = self.json()
        if name not in body or body[name] is None:
            if default is _MISSING:
                raise bad_request(name, "This field is required")
            return default
        value = body[name]
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise bad_request(name, "Invalid type")
        return value

    def text(self, name: str, default: Any = _MISSING) -> Any:
        value = self.field(name, str, default)
        if isinstance(value, str) and not value.strip():
            raise bad_request(name, "Must not be empty")
        return value

    def email(self, name: str = "email") -> str:
        value: str = self.text(name)
        local, at, domain = value.strip().rpartition("@")
        if not at or not local or "." not in domain:
            raise bad_request(name, "Invalid email address")
        return value.strip()

    def uuid(self, name: str, value: str | None = None) -> str:
        raw = self.params.get(name) if value is None else value
        if raw is None:
            raw = self.text(name)
        try:
            parsed = uuid.UUID(str(raw))
        except ValueError:
            raise bad_request(name, "Invalid id") from None
        return str(parsed)

    def string_list(self, name: str) -> list[str]:
        values = self.field(name, list, [])
        if not all(isinstance(v, str) for v in values):
            raise bad_request(name, "Must be a list of strings")
        return list(values)
