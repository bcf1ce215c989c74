"""Every public name says what it is for: each public method of every namespace, and each class
and function the package exports, has a docstring of its own."""

from __future__ import annotations

import enum
import importlib
import inspect

import pytest

import propelauth_async
from propelauth_async import AsyncPropelAuth

from .hostile_arguments import public_methods

PUBLIC_MODULES = [
    "propelauth_async",
    "propelauth_async.errors",
    "propelauth_async.pagination",
    "propelauth_async.tokens",
    "propelauth_async.webhooks",
    "propelauth_async.testing",
]


def _undocumented_methods() -> list[str]:
    client = AsyncPropelAuth("https://auth.example.com", "k")
    return [name for name, method in public_methods(client) if not inspect.getdoc(method)]


def _exported(module_name: str) -> list[tuple[str, object]]:
    module = importlib.import_module(module_name)
    return [(f"{module_name}.{name}", getattr(module, name)) for name in module.__all__]


def test_every_public_method_of_a_namespace_has_a_docstring() -> None:
    assert len(public_methods(AsyncPropelAuth("https://auth.example.com", "k"))) >= 90
    assert _undocumented_methods() == []


@pytest.mark.parametrize("module_name", PUBLIC_MODULES)
def test_every_exported_class_and_function_has_a_docstring(module_name: str) -> None:
    missing = []
    for name, value in _exported(module_name):
        if not (inspect.isclass(value) or inspect.isfunction(value)):
            continue
        own = value.__dict__.get("__doc__") if inspect.isclass(value) else value.__doc__
        if isinstance(value, type) and issubclass(value, enum.Enum) and own is None:
            own = None  # an enum without its own docstring inherits Enum's: still missing
        if not own:
            missing.append(name)
    assert missing == []


def test_the_check_sees_a_missing_docstring() -> None:
    def undocumented() -> None:
        pass

    assert not inspect.getdoc(undocumented)
    assert propelauth_async.AsyncPropelAuth.__doc__
