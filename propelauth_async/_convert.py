"""The one cattrs converter, and the only place server JSON becomes model objects.

It is lenient on purpose: unknown keys are ignored (the server may add fields at any time),
missing optional keys take their defaults, and an org membership with a null role is skipped
(the official library's rule). A body that still cannot be read raises
:class:`~propelauth_async.errors.MalformedResponseError` instead of a cattrs exception.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable
from typing import Any, TypeVar

import cattrs

from .errors import MalformedResponseError
from .models.membership import OrgMemberInfo

T = TypeVar("T")

converter = cattrs.Converter(detailed_validation=False)

_PRIMITIVES: dict[Any, tuple[type, ...]] = {
    str: (str,),
    int: (int,),
    bool: (bool,),
    float: (int, float),
}


def _primitive_types(tp: Any) -> tuple[tuple[type, ...], bool] | None:
    """``(accepted JSON types, None allowed)`` for ``str``/``int``/``bool``/``float`` and their
    optional forms; ``None`` for any other type."""
    if tp in _PRIMITIVES:
        return _PRIMITIVES[tp], False
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        args = typing.get_args(tp)
        others = [a for a in args if a is not type(None)]
        if len(others) == 1 and len(args) == 2 and others[0] in _PRIMITIVES:
            return _PRIMITIVES[others[0]], True
    return None


def _primitive_hook(tp: Any) -> Callable[[Any, Any], Any]:
    """JSON already has the right types: check instead of converting (twice as fast as cattrs'
    generic path, and ``"yes"`` is refused rather than read as ``True``)."""
    found = _primitive_types(tp)
    assert found is not None
    accepted, optional = found
    reject_bool = bool not in accepted

    def check(value: Any, _: Any) -> Any:
        if value is None and optional:
            return None
        if isinstance(value, accepted) and not (reject_bool and isinstance(value, bool)):
            return value
        raise TypeError(f"expected {tp}, got {type(value).__name__}")

    return check


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


converter.register_structure_hook_factory(
    lambda t: _primitive_types(t) is not None, _primitive_hook
)


def _optional(hook: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    return lambda value, tp: None if value is None else hook(value, tp)


converter.register_structure_hook_func(lambda t: t == dict[str, OrgMemberInfo], _memberships)
converter.register_structure_hook_func(
    lambda t: t == dict[str, OrgMemberInfo] | None, _optional(_memberships)
)
converter.register_structure_hook_func(lambda t: t == dict[str, Any], _json_object)
converter.register_structure_hook_func(
    lambda t: t == dict[str, Any] | None, _optional(_json_object)
)


def structure(data: Any, cls: type[T], *, what: str = "") -> T:
    """``data`` as a ``cls``; a shape we cannot read becomes ``MalformedResponseError``."""
    try:
        return converter.structure(data, cls)
    except (cattrs.BaseValidationError, TypeError, ValueError, KeyError, AttributeError) as exc:
        name = what or cls.__name__
        raise MalformedResponseError(
            f"the server's answer could not be read as {name}", status_code=200
        ) from exc
