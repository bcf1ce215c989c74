"""The one cattrs converter, and the only place server JSON becomes model objects.

It is lenient on purpose: unknown keys are ignored (the server may add fields at any time),
missing optional keys take their defaults, and an org membership with a null role is skipped
(the official library's rule). A body that still cannot be read raises
:class:`~propelauth_async.errors.MalformedResponseError` instead of a cattrs exception.
"""

from __future__ import annotations

from typing import Any, TypeVar

import cattrs

from .errors import MalformedResponseError
from .models.membership import OrgMemberInfo

T = TypeVar("T")

converter = cattrs.Converter()


def _memberships(value: Any, _: Any) -> dict[str, OrgMemberInfo]:
    if not isinstance(value, dict):
        raise TypeError("org memberships must be an object")
    out: dict[str, OrgMemberInfo] = {}
    for org_id, info in value.items():
        if isinstance(info, dict) and info.get("user_role") is not None:
            out[org_id] = converter.structure(info, OrgMemberInfo)
    return out


def _json_object(value: Any, _: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise TypeError("expected a JSON object")
    return value


converter.register_structure_hook_func(lambda t: t == dict[str, OrgMemberInfo], _memberships)
converter.register_structure_hook_func(lambda t: t == dict[str, Any], _json_object)


def structure(data: Any, cls: type[T], *, what: str = "") -> T:
    """``data`` as a ``cls``; a shape we cannot read becomes ``MalformedResponseError``."""
    try:
        return converter.structure(data, cls)
    except (cattrs.BaseValidationError, TypeError, ValueError, KeyError, AttributeError) as exc:
        name = what or cls.__name__
        raise MalformedResponseError(
            f"the server's answer could not be read as {name}", status_code=200
        ) from exc
