"""The pytest plugin, as a user meets it: a throwaway project with no conftest.py, the README's
test file, and pytest run on it in a subprocess under each async runner.

Nothing is installed: the project's pytest finds the plugin through the ``pytest11`` entry point
that pyproject.toml declares (a dist-info naming it is put on the subprocess's path, so the
check holds before the package is reinstalled, and it is the same entry point after)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

ANYIO_TESTS = """
import pytest

from propelauth_async import AsyncPropelAuth

pytestmark = pytest.mark.anyio


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request):
    return request.param


async def test_client_and_factories_on_each_backend(propelauth_client, make_user, anyio_backend):
    ada = make_user("ada@acme.io")
    user = await propelauth_client.users.fetch(ada.user_id)
    assert user.email == "ada@acme.io"
    seeded = await propelauth_client.users.fetch_by_email("seeded@acme.io")
    assert seeded is not None


async def test_from_env_on_each_backend(propelauth_env, anyio_backend):
    async with AsyncPropelAuth.from_env() as client:
        page = await client.users.query()
    assert [u.email for u in page.items] == ["seeded@acme.io"]
"""

SYNC_TESTS = """
import os

import pytest


@pytest.mark.parametrize("attempt", [1, 2])
def test_each_test_starts_from_the_seed(propelauth_emulator, make_user, make_org, attempt):
    assert propelauth_emulator.user_count == 1  # the seed, whatever the test before did
    assert propelauth_emulator.requests == []
    make_user("same@acme.io")
    make_org("Same")
    propelauth_emulator.inject(propelauth_emulator_fault(), times=None)


def propelauth_emulator_fault():
    from propelauth_async.testing import Fault

    return Fault.error(500)


def test_env_names_the_emulator(propelauth_env):
    assert os.environ["PROPELAUTH_AUTH_URL"] == propelauth_env.url
    assert os.environ["PROPELAUTH_API_KEY"] == propelauth_env.api_key


def test_tokens_verify_with_the_emulators_key(make_user, make_org, make_member, access_token_for, propelauth_emulator):
    from joserfc import jwt
    from joserfc.jwk import RSAKey

    org, user = make_org(), make_user()
    info = make_member(org, user, "Admin")
    assert info.user_role == "Admin"
    token = access_token_for(user, org=org)
    key = RSAKey.import_key(propelauth_emulator.public_key_pem)
    claims = jwt.decode(token, key, algorithms=["RS256"]).claims
    assert claims["org_member_info"]["org_id"] == org.org_id
"""


def _readme_test_file() -> str:
    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", readme, flags=re.S)
    return next(b for b in blocks if "def test_signup_flow" in b)


def _entry_point_dist(site: Path) -> None:
    """A dist-info declaring pyproject.toml's pytest11 entry points, as an install writes it."""
    # (tomllib is 3.11+; the section is two lines of `name = "module"`.)
    pyproject = (ROOT / "pyproject.toml").read_text()
    section = pyproject.split("[project.entry-points.pytest11]\n", 1)[1].split("\n[", 1)[0]
    plugins = dict(re.findall(r'^(\w+) = "([\w.]+)"$', section, flags=re.M))
    assert plugins == {"propelauth_async": "propelauth_async.testing.pytest_plugin"}
    dist = site / "propelauth_async_plugin_check-0.0.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: propelauth-async-plugin-check\nVersion: 0.0\n"
    )
    lines = [f"{name} = {target}" for name, target in plugins.items()]
    (dist / "entry_points.txt").write_text("[pytest11]\n" + "\n".join(lines) + "\n")


def test_a_user_project_runs_the_readme_tests_with_no_conftest(tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project / "tests").mkdir(parents=True)
    (project / "tests" / "test_signup.py").write_text(_readme_test_file())
    (project / "tests" / "test_on_anyio.py").write_text(ANYIO_TESTS)
    (project / "tests" / "test_sync.py").write_text(SYNC_TESTS)
    (project / "seed.json").write_text(json.dumps({"users": [{"email": "seeded@acme.io"}]}))
    (project / "pyproject.toml").write_text(
        '[tool.pytest.ini_options]\npropelauth_seed = "seed.json"\n'
    )
    _entry_point_dist(tmp_path / "site")
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PYTEST_", "PROPELAUTH_"))
    }
    env["PYTHONPATH"] = os.pathsep.join([str(tmp_path / "site"), str(ROOT)])
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-W", "error"]
    runs = {
        # pytest-asyncio's default strict mode: the README file plus anyio on asyncio and trio.
        "strict": subprocess.Popen(
            command,
            cwd=project,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        ),
        "auto": subprocess.Popen(
            [*command, "-o", "asyncio_mode=auto", "tests/test_signup.py", "tests/test_sync.py"],
            cwd=project,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        ),
    }
    outputs = {mode: run.communicate(timeout=120)[0] for mode, run in runs.items()}
    for mode, run in runs.items():
        assert run.returncode == 0, f"{mode} mode:\n{outputs[mode]}"
    assert re.search(r"\b11 passed\b", outputs["strict"]), outputs["strict"]
    assert re.search(r"\b7 passed\b", outputs["auto"]), outputs["auto"]
