"""The README is part of the product: its first screen, its commands and its examples stay true."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()
BLOCKS = re.findall(r"```python\n(.*?)```", README, flags=re.S)


def test_first_screen_has_install_demo_and_test_lines() -> None:
    first_screen = "\n".join(README.splitlines()[:20])
    assert "pip install -e '.[dev]' && python -m propelauth_async demo" in first_screen
    assert "python -m pytest -q" in first_screen


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text()
    assert "pip install" in ci
    assert ci.strip().splitlines()[-1] == "python -m pytest -q"


def test_every_python_example_compiles() -> None:
    assert len(BLOCKS) >= 6
    for block in BLOCKS:
        compile(block, "<README>", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)


# The emulator's example test file runs in a user project: tests/test_pytest_plugin.py.


def test_readme_integration_snippets_pass_mypy_strict() -> None:
    from . import _snippets

    status, output, snippets = _snippets.result()
    assert len(snippets) >= 4  # FastAPI, aiohttp with setup, aiohttp middleware, webhooks
    assert any("web.Application(middlewares=[" in s for s in snippets)
    assert status == 0, output


def test_readme_fastapi_snippet_serves(monkeypatch: pytest.MonkeyPatch) -> None:
    from fastapi.testclient import TestClient

    from propelauth_async.testing import Emulator

    emu = Emulator()
    org = emu.add_org("Acme")
    admin = emu.add_user("admin@acme.io")
    emu.add_member(org, admin, "Admin")
    block = next(b for b in BLOCKS if "FastAPIAuth()" in b)
    namespace: dict[str, object] = {}
    exec(compile(block, "<README>", "exec"), namespace)
    app = namespace["app"]
    monkeypatch.setattr(
        "propelauth_async.AsyncPropelAuth.from_env", classmethod(lambda cls: emu.client())
    )
    headers = {"Authorization": f"Bearer {emu.mint_access_token(admin)}"}
    with TestClient(app) as http:  # type: ignore[arg-type]
        assert http.get("/me", headers=headers).json()["email"] == "admin@acme.io"
        assert http.get(f"/orgs/{org}/billing", headers=headers).json() == {"role": "Admin"}
        assert http.delete(f"/orgs/{org}/projects/p1", headers=headers).status_code == 403
        assert http.get("/api/reports", headers=headers).json() == {"caller": "user"}
        assert http.get("/api/usage").status_code == 401


async def test_readme_aiohttp_snippet_serves(monkeypatch: pytest.MonkeyPatch) -> None:
    from aiohttp.test_utils import TestClient, TestServer

    from propelauth_async.testing import Emulator

    emu = Emulator()
    org = emu.add_org("Acme")
    admin = emu.add_user("admin@acme.io")
    emu.add_member(org, admin, "Admin")
    block = next(b for b in BLOCKS if "propelauth.setup(app" in b)
    namespace: dict[str, object] = {}
    exec(compile(block, "<README>", "exec"), namespace)
    monkeypatch.setattr(
        "propelauth_async.AsyncPropelAuth.from_env", classmethod(lambda cls: emu.client())
    )
    headers = {"Authorization": f"Bearer {emu.mint_access_token(admin)}"}
    async with TestClient(TestServer(namespace["app"])) as http:  # type: ignore[arg-type]
        billing = await http.get(f"/orgs/{org}/billing", headers=headers)
        assert await billing.json() == {"role": "Admin"}
        assert await (await http.get("/")).json() == {"signed_in": False}
        reports = await http.get("/reports", headers=headers)
        assert await reports.json() == {"caller": "AuthenticatedUser"}


async def _run_block(block: str, namespace: dict[str, object]) -> None:
    """Run a README block as written; top-level ``async with`` / ``await`` included."""
    code = compile(block, "<README>", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
    result = eval(code, namespace)
    if result is not None:
        await result


def _block(marker: str) -> str:
    (block,) = [b for b in BLOCKS if marker in b]
    return block


async def test_readme_client_settings_block_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROPELAUTH_AUTH_URL", "https://auth.example.com")
    monkeypatch.setenv("PROPELAUTH_API_KEY", "k")
    namespace: dict[str, object] = {"api_key": "k"}
    await _run_block(_block("pacing=Pacing("), namespace)
    client = namespace["client"]
    assert getattr(client, "auth_host", None) == "auth.example.com"


@pytest.mark.parametrize(
    "marker",
    ["client.with_options(", "client.raw_response(", "Hooks(on_response", "OpenTelemetry()"],
)
async def test_readme_api_reference_blocks_run(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    marker: str,
) -> None:
    from propelauth_async.testing import Emulator

    emu = Emulator()
    emu.add_user("ada@example.com")
    monkeypatch.setattr(
        "propelauth_async.AsyncPropelAuth.from_env",
        classmethod(lambda cls, **options: emu.client(**options)),
    )
    namespace: dict[str, object] = {}
    with caplog.at_level("DEBUG", logger="myapp.propelauth"):
        await _run_block(_block(marker), namespace)
    user = namespace["user"]
    assert getattr(user, "email", None) == "ada@example.com"
    if marker == "client.raw_response(":
        assert capsys.readouterr().out.startswith("200 ")
    if marker == "Hooks(on_response":
        assert "users.fetch_by_email: 200 in" in caplog.text


def test_readme_quiets_httpx_logging() -> None:
    import logging

    block = _block('getLogger("httpx")')
    before = logging.getLogger("httpx").level
    try:
        exec(compile(block, "<README>", "exec"), {})
        assert logging.getLogger("httpx").level == logging.WARNING
    finally:
        logging.getLogger("httpx").setLevel(before)
