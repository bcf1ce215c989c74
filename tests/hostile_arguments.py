"""Every public method of every namespace, called with hostile arguments.

The methods are found by looking (every namespace of the client, every public method on it,
and namespaces inside namespaces such as ``client.reports.champions``), so a method added
later is covered without a line here. Each call gets plausible values for its parameters,
except for one or more that get something hostile: a wrong type, ``None``, a bool for an int,
NaN, a 100 KB string, a lone surrogate, a 1,000-deep dict, a generator... Calls go to the
in-process emulator. A call may succeed or raise a ``PropelAuthError``; anything else is an
escape. An ``InvalidArgumentError`` must also name one of the method's parameters and come
before any request was sent.

``tests/test_hostile_arguments.py`` runs a few hundred calls on every test run. Run many more
with this file as a script, against this checkout or any other (``PYTHONPATH=<checkout>``):

    python tests/hostile_arguments.py --calls 20000 --seed 1
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import datetime
import decimal
import enum
import functools
import inspect
import math
import sys
import types
import typing
import uuid
from collections.abc import (
    AsyncIterable,
    AsyncIterator,
    Callable,
    Collection,
    Iterable,
    Iterator,
    Mapping,
)
from typing import Any

import attrs
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st

import propelauth_async
from propelauth_async import InvalidArgumentError, PropelAuthError
from propelauth_async.bulk import BulkJob
from propelauth_async.pagination import AsyncPager
from propelauth_async.testing import Emulator

Method = tuple[str, Callable[..., Any]]
CALL_TIMEOUT = 20.0  # seconds; a call that takes longer counts as an escape (a hang)


# Hostile values ----------------------------------------------------------------------------------


def _deep_dict(depth: int) -> dict[str, Any]:
    value: dict[str, Any] = {}
    for _ in range(depth):
        value = {"a": value}
    return value


def _deep_list(depth: int) -> list[Any]:
    value: list[Any] = []
    for _ in range(depth):
        value = [value]
    return value


def _cycle() -> dict[str, Any]:
    value: dict[str, Any] = {}
    value["self"] = value
    return value


class _Unprintable:
    def __str__(self) -> str:
        raise RuntimeError("no str for you")

    __repr__ = __str__


class _OddMapping(Mapping[str, str]):
    """A Mapping that is not a dict."""

    def __getitem__(self, key: str) -> str:
        return {"ref": "ad"}[key]

    def __iter__(self) -> Iterator[str]:
        return iter(["ref"])

    def __len__(self) -> int:
        return 1


class _Colour(enum.Enum):
    RED = "red"


_LONG = "x" * 100_000
_LONG_WIDE = "\u00fc" * 60_000
# Built once (a call must not change its arguments, and these are slow to build).
_DEEP_DICT = _deep_dict(1_000)
_DEEPER_DICT = _deep_dict(100_000)
_DEEP_LIST = _deep_list(1_000)
_MANY_IDS = [str(uuid.UUID(int=i)) for i in range(250)]
_BIG_DICT = {f"k{i}": "v" * 100 for i in range(2_000)}

# Factories, not values: a generator is used up by one call.
HOSTILE: list[Callable[[], Any]] = [
    lambda: None,
    lambda: True,
    lambda: False,
    lambda: 0,
    lambda: -1,
    lambda: 2**63,
    lambda: -(2**63),
    lambda: 10**400,
    lambda: 1.5,
    lambda: math.nan,
    lambda: math.inf,
    lambda: -math.inf,
    lambda: -0.0,
    lambda: decimal.Decimal("1.5"),
    lambda: 1j,
    lambda: "",
    lambda: " ",
    lambda: "\t\n",
    lambda: "\ud800",
    lambda: "a\udfffb",
    lambda: "\x00",
    lambda: "a\x00b@example.com",
    lambda: "\ud800@example.com",
    lambda: _LONG,
    lambda: _LONG_WIDE,
    lambda: _LONG + "@example.com",
    lambda: "..",
    lambda: ".",
    lambda: "../../admin",
    lambda: "a/b?c#d",
    lambda: "%2e%2e",
    lambda: "\U0001f600",
    lambda: "1e308",
    lambda: "NaN",
    lambda: "20240101",
    lambda: "2024-02-30",
    lambda: b"bytes",
    lambda: bytearray(b"bytes"),
    lambda: memoryview(b"bytes"),
    lambda: [],
    lambda: [None],
    lambda: [""],
    lambda: ["\ud800"],
    lambda: [_LONG],
    lambda: [1, 2],
    lambda: [["nested"]],
    lambda: _MANY_IDS,
    lambda: ("a", "b"),
    lambda: {"a", "b"},
    lambda: frozenset(),
    lambda: (x for x in ["a", "b"]),
    lambda: iter(["a"]),
    lambda: range(3),
    lambda: {},
    lambda: {"a": math.nan},
    lambda: {"a": math.inf},
    lambda: {1: "x"},
    lambda: {None: "x"},
    lambda: {("t",): "x"},
    lambda: {"a": object()},
    lambda: {"a": b"bytes"},
    lambda: {"a": {1, 2}},
    lambda: {"a": datetime.datetime(2024, 1, 1)},
    lambda: {"\ud800": "x"},
    lambda: {"a": "\ud800"},
    lambda: {"a": _LONG},
    lambda: _BIG_DICT,
    lambda: {"a": 10**400},
    lambda: _DEEP_DICT,
    lambda: _DEEPER_DICT,
    lambda: {"meta": _DEEP_DICT},
    lambda: _DEEP_LIST,
    lambda: {"a": _DEEP_LIST},
    lambda: _cycle(),
    lambda: _OddMapping(),
    lambda: types.MappingProxyType({"a": "b"}),
    lambda: collections.OrderedDict(a="b"),
    lambda: object(),
    lambda: _Unprintable(),
    lambda: type,
    lambda: print,
    lambda: Ellipsis,
    lambda: NotImplemented,
    lambda: uuid.uuid4(),
    lambda: datetime.date(2024, 1, 1),
    lambda: datetime.datetime(2024, 1, 1, 12, 0),
    lambda: datetime.date.max,
    lambda: datetime.timedelta(days=1),
    lambda: _Colour.RED,
    lambda: propelauth_async.UserOrderBy.CREATED_AT_ASC,
    lambda: propelauth_async.ChurnInterval.SEVEN_DAYS,
    lambda: propelauth_async.UNSET,
]

hostile_values = st.sampled_from(HOSTILE).map(lambda make: make())


# Plausible values, by parameter name and annotation ----------------------------------------------


@attrs.frozen
class Seeds:
    """Ids that exist in the emulator, so that plausible calls reach the server's logic."""

    user_id: str
    org_id: str
    api_key_id: str


def _plausible_text(name: str, seeds: Seeds) -> st.SearchStrategy[Any]:
    if name in ("user_id", "existing_user_id") or name.endswith("user_ids"):
        return st.sampled_from([seeds.user_id, str(uuid.UUID(int=7))])
    if name in ("org_id", "active_org_id", "employee_id"):
        return st.sampled_from([seeds.org_id, str(uuid.UUID(int=9))])
    if name == "api_key_id":
        return st.sampled_from([seeds.api_key_id, "abc123"])
    if "email" in name:
        return st.sampled_from(["ada@example.com", "new@example.com"])
    if name == "role":
        return st.sampled_from(["Owner", "Admin", "Member"])
    if name == "date":
        return st.just("2024-01-01")
    return st.text(st.characters(codec="utf-8"), min_size=1, max_size=12)


async def _async_items(items: list[Any]) -> AsyncIterator[Any]:
    for item in items:
        yield item


def _plausible(annotation: Any, name: str, seeds: Seeds) -> st.SearchStrategy[Any]:
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType):
        return st.one_of([_plausible(a, name, seeds) for a in args])
    if origin is typing.Literal:
        return st.sampled_from(args)
    if isinstance(annotation, typing.TypeVar):
        return st.one_of([_plausible(c, name, seeds) for c in annotation.__constraints__])
    if annotation is type(None):
        return st.none()
    if annotation is bool:
        return st.booleans()
    if annotation is int:
        if "page_size" in name:
            return st.integers(1, 100)
        return st.integers(0 if "page" in name or "start" in name else 1, 50)
    if annotation is float:
        return st.floats(0, 100)
    if annotation is str:
        return _plausible_text(name, seeds)
    if inspect.isclass(annotation) and issubclass(annotation, enum.Enum):
        return st.sampled_from(list(annotation))
    if annotation is datetime.date:
        return st.dates(datetime.date(2020, 1, 1), datetime.date(2030, 1, 1))
    if origin in (dict, Mapping) or annotation is dict:
        return st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=3)
    if origin in (list, Collection, Iterable):
        return st.lists(_plausible_text(name, seeds), max_size=3)
    if origin is AsyncIterable:
        return st.lists(_plausible_text(name, seeds), max_size=3).map(_async_items)
    if attrs.has(annotation):
        fields = {f.name: st.just("https://idp.example.com") for f in attrs.fields(annotation)}
        return st.builds(annotation, **fields)
    return st.from_type(annotation)  # a type this table does not know yet


# Finding the methods -----------------------------------------------------------------------------


def _is_namespace(value: Any) -> bool:
    """A namespace nested in a client namespace (``client.reports.churn``): it comes from
    ``resources/``. Collaborators such as ``client.tokens.keys`` are not API."""
    module = getattr(type(value), "__module__", "")
    return module.startswith("propelauth_async.resources.") and not isinstance(
        value, (str, enum.Enum)
    )


def public_methods(client: Any) -> list[Method]:
    """``("users.fetch", bound method)`` for every public method of every namespace."""
    found: list[Method] = []

    def walk(prefix: str, namespace: Any, depth: int) -> None:
        for name in sorted(dir(namespace)):
            if name.startswith("_"):
                continue
            value = getattr(namespace, name)
            if inspect.ismethod(value):
                found.append((f"{prefix}{name}", value))
            elif depth < 2 and _is_namespace(value):
                walk(f"{prefix}{name}.", value, depth + 1)

    for name, attribute in inspect.getmembers(type(client)):
        if isinstance(attribute, functools.cached_property) and not name.startswith("_"):
            walk(f"{name}.", getattr(client, name), 1)
    return found


def _hints(method: Callable[..., Any]) -> dict[str, Any]:
    function = method.__func__  # type: ignore[attr-defined]
    return typing.get_type_hints(function, vars(sys.modules[function.__module__]))


@attrs.frozen
class Parameter:
    name: str
    optional: bool
    plausible: st.SearchStrategy[Any]


def parameters_of(method: Callable[..., Any], seeds: Seeds) -> list[Parameter]:
    """Each parameter with a strategy for plausible values (built once: strategies are slow
    to build, quick to draw from)."""
    hints = _hints(method)
    found = []
    for p in inspect.signature(method).parameters.values():
        if p.kind is inspect.Parameter.VAR_KEYWORD:  # **options: Unpack[SomeTypedDict]
            for key, hint in _unpacked(hints.get(p.name)).items():
                found.append(Parameter(key, True, _plausible(hint, key, seeds)))
            continue
        optional = p.default is not inspect.Parameter.empty
        found.append(Parameter(p.name, optional, _plausible(hints.get(p.name, str), p.name, seeds)))
    return found


def _unpacked(hint: Any) -> dict[str, Any]:
    """The keys of ``Unpack[SomeTypedDict]`` and their types; nothing for a plain ``**kwargs``."""
    args = typing.get_args(hint)
    if args and typing.is_typeddict(args[0]):
        return typing.get_type_hints(args[0])
    return {}


def parameter_names(method: Callable[..., Any]) -> set[str]:
    """What a method accepts by name, the keys of an unpacked ``**options`` included."""
    hints = _hints(method)
    names = set()
    for p in inspect.signature(method).parameters.values():
        if p.kind is inspect.Parameter.VAR_KEYWORD:
            names.update(_unpacked(hints.get(p.name)))
        else:
            names.add(p.name)
    return names


@st.composite
def arguments(draw: st.DrawFn, parameters: list[Parameter]) -> dict[str, Any]:
    """Plausible values for every parameter but one or two, which get hostile ones (or none,
    now and then, so that calls also get through to the server)."""
    names = [p.name for p in parameters]
    hostile = set(draw(st.lists(st.sampled_from(names), max_size=2))) if names else set()
    kwargs: dict[str, Any] = {}
    for parameter in parameters:
        if parameter.name in hostile:
            kwargs[parameter.name] = draw(hostile_values)
        elif not parameter.optional or draw(st.booleans()):
            kwargs[parameter.name] = draw(parameter.plausible)
    return kwargs


# Calling -----------------------------------------------------------------------------------------


@functools.cache
def seeded_emulator() -> tuple[Emulator, Seeds]:
    """One per process: making one costs an RSA key, and calls need not start from scratch."""
    emu = Emulator()
    user_id = emu.add_user("ada@example.com", username="ada")
    org_id = emu.add_org("Acme")
    emu.add_member(org_id, user_id, "Owner")
    return emu, Seeds(user_id=user_id, org_id=org_id, api_key_id="0" * 32)


async def escape_of(emu: Emulator, method: Callable[..., Any], kwargs: dict[str, Any]) -> str:
    """``""`` when the call behaved; otherwise what escaped, in one line."""

    async def call() -> None:
        result = method(**kwargs)
        if isinstance(result, AsyncPager):  # awaitable too: walk it, the longer path
            async for _ in result:
                break
        elif inspect.isawaitable(result):
            result = await result
        if isinstance(result, BulkJob):
            await result.run()

    sent_before = emu.stats.requests
    try:
        await asyncio.wait_for(call(), CALL_TIMEOUT)
    except InvalidArgumentError as error:
        if error.parameter.split(".")[0] not in parameter_names(method):
            return f"InvalidArgumentError naming {error.parameter!r}, not a parameter"
        if emu.stats.requests != sent_before:
            return "InvalidArgumentError after a request was sent"
    except PropelAuthError:
        pass
    except Exception as error:  # the point: anything that is not ours
        return f"{type(error).__name__}: {_first_line(error)}"
    return ""


def _first_line(error: BaseException) -> str:
    try:
        text = str(error)
    except Exception:
        text = "<unprintable>"
    return text.splitlines()[0][:160] if text else ""


def _shown(kwargs: dict[str, Any]) -> str:
    def short(value: Any) -> str:
        try:
            text = repr(value)
        except Exception:
            text = f"<{type(value).__name__}>"
        return text if len(text) <= 60 else f"<{type(value).__name__} of repr length {len(text)}>"

    return ", ".join(f"{k}={short(v)}" for k, v in kwargs.items())


@attrs.define
class Tally:
    calls: int = 0
    escapes: collections.Counter[str] = attrs.Factory(collections.Counter)
    examples: dict[str, str] = attrs.Factory(dict)

    @property
    def escaped(self) -> int:
        return sum(self.escapes.values())


def run(
    calls: int,
    *,
    seed: int | None = None,
    only: str | None = None,
    strict: bool = False,
) -> Tally:
    """``calls`` random calls (of the method named ``only``, or of any); every escape is
    counted. ``strict`` fails on the first escape instead, shrunk to a small example. Without
    a ``seed`` the calls are the same on every run."""
    loop = asyncio.new_event_loop()
    emu, seeds = seeded_emulator()
    client = emu.client(max_retries=0, total_timeout=CALL_TIMEOUT)
    calls_of = [
        (name, method, arguments(parameters_of(method, seeds)))
        for name, method in public_methods(client)
        if only is None or name == only
    ]
    if not calls_of:
        raise LookupError(f"no public method named {only!r}")
    tally = Tally()

    @settings(
        max_examples=calls,
        derandomize=seed is None,
        database=None,
        deadline=None,
        phases=[Phase.generate, Phase.shrink] if strict else [Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(st.data())
    def one(data: st.DataObject) -> None:
        name, method, strategy = data.draw(st.sampled_from(calls_of), label="method")
        kwargs = data.draw(strategy, label="arguments")
        tally.calls += 1
        escape = loop.run_until_complete(escape_of(emu, method, kwargs))
        if escape and strict:
            raise AssertionError(f"{name}({_shown(kwargs)}) -> {escape}")
        if escape:
            key = f"{name}: {escape.split(':')[0]}"
            tally.escapes[key] += 1
            tally.examples.setdefault(key, f"{name}({_shown(kwargs)}) -> {escape}")

    if seed is not None:
        one = hypothesis_seed(seed)(one)
    try:
        one()
    finally:
        loop.run_until_complete(client.aclose())
        loop.close()
    return tally


def method_names() -> list[str]:
    """The name of every public method of every namespace, e.g. ``reports.champions.iter``."""
    return [name for name, _ in public_methods(seeded_emulator()[0].client())]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    tally = run(args.calls, seed=args.seed)
    version = getattr(propelauth_async, "__version__", "?")
    print(f"propelauth_async {version} from {propelauth_async.__file__}")
    misnamed = sum(n for key, n in tally.escapes.items() if "InvalidArgumentError" in key)
    print(
        f"escapes among {tally.calls} random-argument calls: {tally.escaped} "
        f"({tally.escaped - misnamed} not a PropelAuthError, {misnamed} InvalidArgumentError "
        "naming no parameter or raised after sending)"
    )
    for key, count in tally.escapes.most_common():
        print(f"  {count:6d}  {key}")
        print(f"          e.g. {tally.examples[key]}")


if __name__ == "__main__":
    main()
