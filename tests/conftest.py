"""Shared fixtures.

Async tests run on pytest-asyncio by default; a test (or module) marked ``anyio`` is left to
anyio's plugin instead, so it can run on both asyncio and trio.
"""

from __future__ import annotations

import sys

# Machines here set PYTHONDONTWRITEBYTECODE=1. Without a bytecode cache every run, in each
# pytest-xdist worker, recompiles the package and rewrites every test module again: about 5 s
# a process. Set before anything below imports them; subprocesses keep the environment's choice.
sys.dont_write_bytecode = False

import inspect
import json
import logging
import os
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import pytest
import pytest_asyncio
import respx

from propelauth_async import AsyncPropelAuth

AUTH_URL = "https://auth.example.com"
API_KEY = "sk-test-0123456789abcdef-SECRET"
V1 = AUTH_URL + "/api/backend/v1"
USER_ID = "e9d3520f-836e-403c-82c2-09843517e1ce"
ORG_ID = "2ef0e1fc-234f-4dc0-a50c-35adb1bbb7e4"


def user_json(user_id: str = USER_ID, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "user_id": user_id,
        "email": "ada@example.com",
        "email_confirmed": True,
        "has_password": True,
        "username": "ada",
        "first_name": "Ada",
        "last_name": "Lovelace",
        "picture_url": "https://img.example.com/ada.png",
        "properties": {"plan": "pro"},
        "metadata": {"crm": "A-17"},
        "locked": False,
        "enabled": True,
        "mfa_enabled": False,
        "can_create_orgs": True,
        "created_at": 1645131680,
        "last_active_at": 1650654711,
        "update_password_required": False,
        "legacy_user_id": None,
    }
    body.update(overrides)
    return body


async def check_wire(
    api: respx.MockRouter,
    client: AsyncPropelAuth,
    call: Callable[[AsyncPropelAuth], Awaitable[Any]],
    method: str,
    path: str,
    query: dict[str, str],
    body: Any,
    answer: Any,
    check: Callable[[Any], bool],
) -> None:
    """One row of a wire table: ``call`` sends exactly ``method path ?query body`` and reads
    ``answer`` into a result that passes ``check``."""
    route = api.route(method=method, path=path).respond(json=answer)
    result = await call(client)
    request = route.calls.last.request
    assert dict(request.url.params) == query
    assert (json.loads(request.content) if request.content else None) == body
    assert check(result)


def _marks(owner: Any) -> list[Any]:
    marks = getattr(owner, "pytestmark", [])
    return list(marks) if isinstance(marks, (list, tuple)) else [marks]


def _marked_anyio(collector: Any, obj: Any) -> bool:
    marks = _marks(obj) + _marks(sys.modules.get(getattr(obj, "__module__", ""), None))
    return any(mark.name == "anyio" for mark in marks)


def pytest_pycollect_makeitem(collector: Any, name: str, obj: Any) -> None:
    is_test = name.startswith("test") and inspect.iscoroutinefunction(obj)
    if is_test and not _marked_anyio(collector, obj):
        pytest.mark.asyncio(obj)


@pytest.fixture
def api() -> Iterator[respx.MockRouter]:
    """A respx router for the auth host; every request must match a route."""
    # using="httpx" intercepts at the client, whichever transport (httpx or aiohttp) it has.
    with respx.mock(base_url=V1, assert_all_called=False, using="httpx") as router:
        yield router


@pytest_asyncio.fixture
async def client(api: respx.MockRouter) -> AsyncIterator[AsyncPropelAuth]:
    async with AsyncPropelAuth(
        AUTH_URL, API_KEY, backoff_base=0.001, backoff_cap=0.01, total_timeout=10.0
    ) as c:
        yield c


@pytest.fixture
def log_records(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)
    return caplog


def pytest_collection_finish(session: pytest.Session) -> None:
    """Start the README snippet type check early, so it runs alongside the other tests.

    Not in pytest-xdist's workers: each collects every test, but only one runs this one, and
    that one starts the check itself."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        return
    if any(
        item.name == "test_readme_integration_snippets_pass_mypy_strict" for item in session.items
    ):
        from . import _snippets

        _snippets.start()


@pytest.fixture(params=["aiohttp", "httpx"])
def both_transports(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Runs a test once per transport that ``transport="auto"`` can pick on asyncio."""
    from propelauth_async import _http

    if request.param == "httpx":
        monkeypatch.setattr(_http, "aiohttp_available", lambda: False)
    return str(request.param)


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A private redis-server on a free port of 127.0.0.1, for the whole session.

    In CI (``CI=true``) a missing redis-server fails the tests that need it; ``.ci/run``
    installs Debian's package. Locally they are skipped with a hint.
    """
    import os
    import shutil
    import socket
    import subprocess
    import time

    binary = shutil.which("redis-server")
    if binary is None:
        message = "redis-server is not installed (apt-get install redis-server)"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(message)
        pytest.skip(message)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    workdir = tmp_path_factory.mktemp("redis")
    options = ["--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    process = subprocess.Popen(
        [binary, *options, "--dir", str(workdir)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10.0
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5) as conn:
                    conn.sendall(b"PING\r\n")
                    if conn.recv(16).startswith(b"+PONG"):
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail("redis-server did not start")
            time.sleep(0.02)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=5)
