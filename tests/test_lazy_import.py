"""``import propelauth_async`` stays light: namespaces, models and heavy dependencies load on
first use, yet every public name is reachable from the package as before."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import propelauth_async

ROOT = Path(__file__).resolve().parents[1]
NOT_AT_IMPORT = (
    "propelauth_async.resources",
    "propelauth_async.models",
    "propelauth_async.pagination",
    "propelauth_async.tokens",
    "propelauth_async._convert",
    "tenacity",
    "joserfc",
    "cattrs",
    "asyncio",
    "sniffio",
)
PROBE = """
import json, sys
import httpx, anyio  # the control: what our own dependencies load is not ours to judge
before = set(sys.modules)
{statement}
print(json.dumps(sorted(set(sys.modules) - before)))
"""


def _modules_added_by(statement: str) -> list[str]:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(statement=statement)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    added: list[str] = json.loads(done.stdout)
    return added


def _heavy(added: list[str]) -> list[str]:
    return [m for m in added if any(m == p or m.startswith(p + ".") for p in NOT_AT_IMPORT)]


def test_import_loads_no_namespace_model_or_heavy_dependency() -> None:
    added = _modules_added_by("import propelauth_async")
    assert "propelauth_async._client" in added  # the probe saw our import
    assert _heavy(added) == []


def test_namespaces_load_on_first_access_not_at_construction() -> None:
    make = "import propelauth_async\nc = propelauth_async.AsyncPropelAuth('https://a.example.com', 'k')"
    built = _modules_added_by(make)
    ours = [m for m in _heavy(built) if m.split(".")[0] not in ("asyncio", "sniffio")]  # httpx's
    assert ours == []
    used = set(_modules_added_by(make + "\nc.users"))
    assert {"propelauth_async.resources.users", "propelauth_async._convert"} <= used


def test_every_public_name_resolves_lazily_to_its_defining_object() -> None:
    lazy = propelauth_async._LAZY
    assert set(lazy) <= set(propelauth_async.__all__)
    for name in propelauth_async.__all__:
        value = getattr(propelauth_async, name)
        if name in lazy:
            module = sys.modules[f"propelauth_async{lazy[name]}"]
            assert value is getattr(module, name)
    assert set(propelauth_async.__all__) <= set(dir(propelauth_async))
    namespace: dict[str, object] = {}
    exec("from propelauth_async import *", namespace)
    assert set(propelauth_async.__all__) <= set(namespace)


def test_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="NoSuchThing"):
        propelauth_async.NoSuchThing  # type: ignore[attr-defined]  # noqa: B018
