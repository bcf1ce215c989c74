"""The one cattrs converter, and the only place server JSON becomes model objects.

It is lenient on purpose: unknown keys are ignored (the server may add fields at any time), a
missing or null key takes the field's default, and an org membership with a null role is
skipped (the official library's rule). It is strict about types: JSON already has the right
ones, so ``str``/``int``/``bool``/``float`` fields are checked, never converted (``"yes"`` is
not ``True``, ``1`` is not ``"1"``), and a list field refuses a string. A body that still
cannot be read raises :class:`~propelauth_async.errors.MalformedResponseError` instead of a
cattrs exception.

Speed matters here: a bulk export builds every user it pages through. So cattrs dispatches, but
each model gets a structure function written once for its own fields (see
:func:`_model_source`): one ``dict.get`` and one exact-class test per field, and the slots
filled directly when the class's ``__init__`` would only store them. A ``User`` takes about
2.3 us, against about 6 us with cattrs' generated functions and our checks as hooks, and
1.7 us for the official library's objects, which check nothing (``benchmarks/pagination.py``
measures whole pages).
"""

from __future__ import annotations

import linecache
import types
import typing
from collections.abc import Callable
from typing import Any, TypeVar

import attrs
import cattrs

from .errors import MalformedResponseError
from .models.membership import OrgMemberInfo

T = TypeVar("T")
Hook = Callable[[Any, Any], Any]

converter = cattrs.Converter(detailed_validation=False)

_JSON_CLASSES: dict[Any, tuple[type, ...]] = {
    str: (str,),
    int: (int,),
    bool: (bool,),
    float: (int, float),
}


def _primitive_types(tp: Any) -> tuple[tuple[type, ...], bool] | None:
    """``(accepted JSON types, None allowed)`` for ``str``/``int``/``bool``/``float`` and their
    optional forms; ``None`` for any other type."""
    if tp in _JSON_CLASSES:
        return _JSON_CLASSES[tp], False
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        args = typing.get_args(tp)
        others = [a for a in args if a is not type(None)]
        if len(others) == 1 and len(args) == 2 and others[0] in _JSON_CLASSES:
            return _JSON_CLASSES[others[0]], True
    return None


def _primitive_hook(tp: Any) -> Hook:
    """Checks instead of converting; subclasses (a ``str`` enum member) are accepted, but a
    ``bool`` is not an ``int``."""
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


def _is_homogeneous_tuple(tp: Any) -> bool:
    args = typing.get_args(tp)
    return typing.get_origin(tp) is tuple and len(args) == 2 and args[1] is Ellipsis


def _tuple_hook(tp: Any) -> Hook:
    """``tuple[X, ...]`` from a JSON array (a string is not a list of its characters)."""
    item = typing.get_args(tp)[0]
    hook = converter.get_structure_hook(item)

    def structure_tuple(value: Any, _: Any) -> tuple[Any, ...]:
        if not isinstance(value, (list, tuple)):
            raise TypeError(f"expected a list, got {type(value).__name__}")
        return tuple([hook(element, item) for element in value])

    return structure_tuple


def _stores_only(cls: type) -> bool:
    """Whether ``cls.__init__`` would do nothing but fill its slots, so that filling them
    directly is the same object, faster."""
    fields = attrs.fields(cls)
    return (
        "__attrs_cached_hash__" not in getattr(cls, "__slots__", ("__attrs_cached_hash__",))
        and not hasattr(cls, "__attrs_pre_init__")
        and not hasattr(cls, "__attrs_post_init__")
        and all(
            f.init
            and f.validator is None
            and f.converter is None
            and isinstance(getattr(cls, f.name, None), types.MemberDescriptorType)
            for f in fields
        )
    )


def _model_source(cls: type, namespace: dict[str, Any]) -> str:
    """The source of ``cls``'s structure function; fills ``namespace`` with what it uses.

    Per field: a required key is read with ``data[key]`` (missing is an error), an optional
    one with ``data.get(key)``, and ``None`` takes the default. A primitive passes on a test
    of its exact class, with :func:`_primitive_hook` as the slow path for the rest; any other
    type goes through the converter's hook for it.
    """
    direct = _stores_only(cls)
    namespace.update(cls=cls, new=object.__new__)
    lines = [
        "def structure(data, _):",
        "    if data.__class__ is not dict and not isinstance(data, dict):",
        "        raise TypeError('expected a JSON object, got ' + type(data).__name__)",
        "    get = data.get",
    ]
    if direct:
        lines.append("    obj = new(cls)")
    arguments = []
    for i, field in enumerate(attrs.fields(cls)):
        v, default = f"v{i}", field.default
        required = default is attrs.NOTHING
        lines.append(
            f"    {v} = data[{field.name!r}]" if required else f"    {v} = get({field.name!r})"
        )
        checked = _checked_types(field.type)
        if checked is not None:
            accepted, optional = checked
            none_ok = optional or default is None
            test = _class_test(v, accepted, none_ok, i, namespace)
            namespace[f"hook{i}"], namespace[f"type{i}"] = _slow_path(field.type), field.type
            convert = [f"if {test}:", f"    {v} = hook{i}({v}, type{i})"]
        else:
            tp = field.type if required else _without_none(field.type)
            namespace[f"hook{i}"], namespace[f"type{i}"] = converter.get_structure_hook(tp), tp
            convert = [f"{v} = hook{i}({v}, type{i})"]
        if required or (checked is not None and default is None):
            lines += [f"    {line}" for line in convert]
        else:
            if default is None:
                lines.append(f"    if {v} is not None:")
            else:
                lines += [
                    f"    if {v} is None:",
                    f"        {v} = {_default(default, i, namespace)}",
                ]
                lines.append("    else:")
            lines += [f"        {line}" for line in convert]
        if direct:
            namespace[f"set{i}"] = getattr(cls, field.name).__set__
            lines.append(f"    set{i}(obj, {v})")
        else:
            arguments.append(f"{field.alias}={v}")
    lines.append("    return obj" if direct else f"    return cls({', '.join(arguments)})")
    return "\n".join(lines) + "\n"


def _checked_types(tp: Any) -> tuple[tuple[type, ...], bool] | None:
    """``(exact classes, None allowed)`` for the types a class test settles: primitives and
    plain JSON objects, optional or not."""
    if _without_none(tp) == dict[str, Any]:
        return (dict,), tp != dict[str, Any]
    return _primitive_types(tp)


def _slow_path(tp: Any) -> Hook:
    return (
        converter.get_structure_hook(tp)
        if _without_none(tp) == dict[str, Any]
        else _primitive_hook(tp)
    )


def _class_test(
    value: str, accepted: tuple[type, ...], none_ok: bool, i: int, namespace: dict[str, Any]
) -> str:
    """A test that is false when ``value`` is of an accepted class (``type(v) is C`` is the
    cheapest test Python has)."""
    if len(accepted) > 1:
        namespace[f"classes{i}"] = frozenset(accepted + ((type(None),) if none_ok else ()))
        return f"type({value}) not in classes{i}"
    namespace[f"class{i}"] = accepted[0]
    test = f"type({value}) is not class{i}"
    return f"{value} is not None and {test}" if none_ok else test


def _default(default: Any, i: int, namespace: dict[str, Any]) -> str:
    """The expression for a field's default: a shared value, or a call to its factory."""
    if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
        if default.takes_self:
            raise TypeError("a default that takes self cannot be structured")
        namespace[f"factory{i}"] = default.factory
        return f"factory{i}()"
    namespace[f"default{i}"] = default
    return f"default{i}"


def _without_none(tp: Any) -> Any:
    """``X`` for ``X | None``: the generated code lets ``None`` through before the hook."""
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        others = tuple(a for a in typing.get_args(tp) if a is not type(None))
        return typing.Union[others] if len(others) > 1 else others[0]  # noqa: UP007
    return tp


def _model_hook(cls: type) -> Hook:
    attrs.resolve_types(cls)
    namespace: dict[str, Any] = {}
    source = _model_source(cls, namespace)
    filename = f"<propelauth_async structure {cls.__module__}.{cls.__qualname__}>"
    exec(compile(source, filename, "exec"), namespace)  # our own source, written above
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    hook: Hook = namespace["structure"]
    return hook


def _memberships(value: Any, _: Any) -> dict[str, OrgMemberInfo]:
    if not isinstance(value, dict):
        raise TypeError("org memberships must be an object")
    member = converter.get_structure_hook(OrgMemberInfo)
    return {
        org_id: member(info, OrgMemberInfo)
        for org_id, info in value.items()
        if isinstance(info, dict) and info.get("user_role") is not None
    }


def _json_object(value: Any, _: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise TypeError("expected a JSON object")
    return value


def _optional(hook: Hook) -> Hook:
    return lambda value, tp: None if value is None else hook(value, tp)


converter.register_structure_hook_factory(attrs.has, _model_hook)
converter.register_structure_hook_factory(_is_homogeneous_tuple, _tuple_hook)
converter.register_structure_hook_factory(
    lambda t: _primitive_types(t) is not None, _primitive_hook
)
for _json_class in _JSON_CLASSES:  # cattrs' own hooks for these convert (str(3) == "3")
    converter.register_structure_hook(_json_class, _primitive_hook(_json_class))
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
