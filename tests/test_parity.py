"""Nothing the official library can do is missing, and docs/operations.md says so, current."""

from __future__ import annotations

import importlib.util
import inspect
from pathlib import Path

from propelauth_async import AsyncPropelAuth, _endpoints

ROOT = Path(__file__).resolve().parent.parent


def _official_operations() -> set[str]:
    from propelauth_py import AsyncAuth

    return {
        name
        for name, member in inspect.getmembers(AsyncAuth)
        if not name.startswith("_") and inspect.iscoroutinefunction(member)
    }


def _generator() -> object:
    spec = importlib.util.spec_from_file_location("gen", ROOT / "docs" / "generate_operations.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_official_operation_has_a_counterpart() -> None:
    ours = {name for endpoint in _endpoints.ALL for name in endpoint.official}
    official = _official_operations()
    assert len(official) == 79
    assert official - ours == set(), "official operations with no counterpart"
    assert ours - official == set(), "names in our table that the official library lacks"


def test_every_named_method_exists_on_the_client() -> None:
    client = AsyncPropelAuth("https://auth.example.com", "k")
    for endpoint in _endpoints.ALL:
        assert endpoint.ours, endpoint.path
        for dotted in endpoint.ours:
            target: object = client
            for attribute in dotted.split("."):
                target = getattr(target, attribute)
            assert callable(target), dotted


def test_every_row_says_what_its_method_returns() -> None:
    """A row's ``result`` and ``missing`` agree with its method's return annotation: the row is
    what the requester structures the answer into, the annotation what the caller is told."""
    generator = _generator()
    for endpoint in _endpoints.ALL:
        if not endpoint.official:
            continue  # the key fetch: tokens.verify returns claims, whatever this row says
        returned = generator.returns(endpoint)  # type: ignore[attr-defined]
        if endpoint.result is not None:
            assert endpoint.result in returned, (endpoint.name, returned)
        lookup = endpoint.missing is _endpoints.Missing.NONE
        assert lookup == returned.endswith("| None"), (endpoint.name, returned)


def test_operations_doc_is_current() -> None:
    generator = _generator()
    text = generator.render()  # type: ignore[attr-defined]
    assert (ROOT / "docs" / "operations.md").read_text() == text
    assert text.count("\n| `") == 79
