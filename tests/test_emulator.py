"""The emulator itself: tokens, rules, counters, faults, serving and the command line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
from joserfc import jwt
from joserfc.errors import BadSignatureError
from joserfc.jwk import RSAKey

from propelauth_async import cli
from propelauth_async.testing import Emulator, Fault, RoleHierarchy, run_emulator, serve_emulator


def _decode(token: str, pem: str) -> dict[str, object]:
    return dict(jwt.decode(token, RSAKey.import_key(pem), algorithms=["RS256"]).claims)


async def test_metadata_and_access_token_endpoints() -> None:
    async with serve_emulator() as emu:
        org = emu.add_org("Acme")
        uid = emu.add_user("ada@x.io", first_name="Ada")
        emu.add_member(org, uid, "Admin")
        headers = {"authorization": f"Bearer {emu.api_key}", "x-propelauth-url": "auth.acme.io"}
        async with httpx.AsyncClient(base_url=emu.url or "", headers=headers) as http:
            new = (await http.get("/api/v1/token_verification_metadata")).json()
            old = (await http.get("/api/backend/v1/token_verification_metadata")).json()
            assert new["verifier_key_pem"] == old["public_key_pem"] == emu.public_key_pem
            answer = await http.post(
                "/api/backend/v1/access_token",
                json={"user_id": uid, "duration_in_minutes": 5, "active_org_id": org},
            )
            assert answer.status_code == 200
            claims = _decode(answer.json()["access_token"], emu.public_key_pem)
            assert claims["iss"] == "https://auth.acme.io"
            assert claims["user_id"] == uid
            assert claims["email"] == "ada@x.io"
            assert claims["exp"] - claims["iat"] == 300  # type: ignore[operator]
            assert claims["login_method"] == {"login_method": "generated_from_backend_api"}
            info = claims["org_member_info"]
            assert isinstance(info, dict)
            assert info["user_role"] == "Admin"
            assert info["inherited_user_roles_plus_current_role"] == ["Admin", "Member"]
            missing = await http.post(
                "/api/backend/v1/access_token",
                json={"user_id": "00000000-0000-4000-8000-000000000000", "duration_in_minutes": 5},
            )
            assert missing.status_code == 403
            too_long = await http.post(
                "/api/backend/v1/access_token", json={"user_id": uid, "duration_in_minutes": 1441}
            )
            assert too_long.status_code == 400
            assert "duration_in_minutes" in too_long.json()


def test_mint_and_rotate() -> None:
    emu = Emulator()
    org = emu.add_org("Acme")
    uid = emu.add_user("ada@x.io")
    emu.add_member(org, uid, "Owner")
    token = emu.mint_access_token(uid, expires_in=60)
    claims = _decode(token, emu.public_key_pem)
    assert claims["iss"] == emu.issuer
    orgs = claims["org_id_to_org_member_info"]
    assert isinstance(orgs, dict)
    assert orgs[org]["user_permissions"][:2] == ["org:manage_billing", "org:delete"]
    old_pem = emu.public_key_pem
    emu.rotate_key()
    assert emu.public_key_pem != old_pem
    with pytest.raises(BadSignatureError):
        _decode(token, emu.public_key_pem)


def test_the_signing_key_is_made_on_first_use(monkeypatch: pytest.MonkeyPatch) -> None:
    """Making an RSA key costs 50 to 150 ms: an emulator that signs nothing makes none."""
    made: list[int] = []
    generate = RSAKey.generate_key

    def counted(*args: Any, **kwargs: Any) -> RSAKey:
        made.append(1)
        return generate(*args, **kwargs)

    monkeypatch.setattr(RSAKey, "generate_key", counted)
    emu = Emulator()
    emu.add_user("ada@x.io")
    assert made == []
    assert emu.public_key_pem == emu.public_key_pem
    assert made == [1]


def test_access_token_creation_can_be_switched_off() -> None:
    emu = Emulator(access_tokens_enabled=False)
    uid = emu.add_user("ada@x.io")
    with run_emulator(emu) as served:
        answer = httpx.post(
            f"{served.url}/api/backend/v1/access_token",
            headers={"authorization": f"Bearer {served.api_key}"},
            json={"user_id": uid, "duration_in_minutes": 5},
        )
    assert answer.status_code == 404


def test_rules_for_users_and_roles() -> None:
    emu = Emulator(
        roles=RoleHierarchy(
            roles=("Boss", "Staff"), permissions={"Boss": ("fire",), "Staff": ("read",)}
        )
    )
    uid = emu.add_user("Ada@X.io", username="Ada")
    with pytest.raises(Exception, match="Email already exists"):
        emu.add_user("ada@x.io")
    with pytest.raises(Exception, match="Username already exists"):
        emu.add_user("other@x.io", username="ADA")
    org = emu.add_org("Acme")
    emu.add_member(org, uid, "Boss")
    user = emu.user(uid)
    assert user is not None
    assert user.org_id_to_org_info is not None
    info = user.org_id_to_org_info[org]
    assert info.inherited_user_roles_plus_current_role == ("Boss", "Staff")
    assert info.user_permissions == ("fire", "read")
    with pytest.raises(Exception, match="Unknown role"):
        emu.add_member(org, emu.add_user("b@x.io"), "Admin")


def test_ids_and_timestamps() -> None:
    emu = Emulator()
    uid = emu.add_user("ada@x.io")
    assert len(uid) == 36
    assert uid[14] == "4"  # UUIDv4
    record = emu.user_record(uid)
    assert abs(record.created_at - time.time()) < 5


async def test_counters_and_seeded_probabilistic_faults() -> None:
    def run(seed: int) -> list[int]:
        emu = Emulator(fault_seed=seed)
        emu.inject(Fault.error(500), path="/api/backend/v1/user/*", times=None, probability=0.5)
        statuses = []
        with run_emulator(emu) as served:
            with httpx.Client(
                base_url=served.url or "", headers={"authorization": f"Bearer {served.api_key}"}
            ) as http:
                for _ in range(20):
                    statuses.append(http.get("/api/backend/v1/user/email?email=a@b.io").status_code)
            assert served.stats.requests == 20
            assert served.stats.faults == statuses.count(500)
        return statuses

    first = run(7)
    assert first == run(7)
    assert set(first) == {404, 500}


def test_rate_limit_counts_and_headers() -> None:
    emu = Emulator(rate_limit=1, burst=2, retry_after_format="http-date")
    with (
        run_emulator(emu) as served,
        httpx.Client(
            base_url=served.url or "", headers={"authorization": f"Bearer {served.api_key}"}
        ) as http,
    ):
        answers = [http.get("/api/backend/v1/user/query") for _ in range(4)]
    assert [a.status_code for a in answers][:2] == [200, 200]
    assert answers[-1].status_code == 429
    assert "GMT" in answers[-1].headers["retry-after"]
    assert "Rate limited. Please wait" in answers[-1].text
    assert emu.stats.rate_limited == 2


def test_unknown_route_and_bad_key() -> None:
    with run_emulator() as served, httpx.Client(base_url=served.url or "") as http:
        assert http.get("/api/backend/v1/user/query").status_code == 401
        ok = {"authorization": f"Bearer {served.api_key}"}
        assert http.get("/api/backend/v1/nothing", headers=ok).status_code == 404


async def test_shutdown_is_clean() -> None:
    async with serve_emulator() as emu:
        url = emu.url
        async with emu.client() as client:
            await client.users.query()
    assert not [t for t in threading.enumerate() if t.name.startswith("propelauth-emulator")]
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{url}/api/backend/v1/user/query")  # noqa: ASYNC210 - server is gone


async def test_stop_cancels_a_handler_held_by_a_delay() -> None:
    """Leaving ``serve_emulator`` neither waits out an injected delay nor polls for the exit
    (uvicorn's own shutdown did both: tests that serve an emulator each paid for it)."""
    emu = Emulator()
    emu.inject(Fault.delay(60.0), method="GET")
    answers: list[httpx.Response] = []

    async def call(url: str) -> None:
        headers = {"authorization": f"Bearer {emu.api_key}"}
        async with httpx.AsyncClient(base_url=url, headers=headers, timeout=120) as http:
            answers.append(await http.get("/api/backend/v1/user/query"))

    async with anyio.create_task_group() as group:
        async with serve_emulator(emu):
            group.start_soon(call, emu.url)
            while not emu.stats.faults:  # noqa: ASYNC110 - a counter, not an event
                await anyio.sleep(0.001)
            start = time.monotonic()  # the handler is now asleep in the delay
        stopped_after = time.monotonic() - start
    assert [a.status_code for a in answers] == [500]
    assert emu.stats.served == 0
    # The delay is 60 s; the old graceful stop waited 5 s (its join timeout) before forcing it.
    assert stopped_after < 3.0


def test_command_line_serves_seeds_and_saves_its_state(tmp_path: Path) -> None:
    seed = tmp_path / "seed.json"
    seed.write_text(json.dumps({"users": [{"email": "ada@acme.io"}]}))
    state = tmp_path / "state.json"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    command = [sys.executable, "-m", "propelauth_async", "emulator", "--host", "127.0.0.1"]
    command += ["--port", "0", "--api-key", "cli-key", "--seed", str(seed), "--state", str(state)]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env)
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        url = first.rsplit(" ", 1)[-1].strip()
        assert url.startswith("http://127.0.0.1:")
        assert proc.stdout.readline().strip() == f"PROPELAUTH_AUTH_URL={url}"
        assert proc.stdout.readline().strip() == "PROPELAUTH_API_KEY=cli-key"
        headers = {"authorization": "Bearer cli-key"}
        answer = httpx.get(f"{url}/api/backend/v1/user/query", headers=headers)
        assert answer.json()["total_users"] == 1
        created = httpx.post(
            f"{url}/api/backend/v1/user/", headers=headers, json={"email": "b@x.io"}
        )
        assert created.status_code == 200
    finally:
        proc.terminate()  # SIGTERM: a clean stop that saves the state
        proc.wait(timeout=10)
    assert proc.returncode == 0
    saved = json.loads(state.read_text())
    assert sorted(u["email"] for u in saved["users"]) == ["ada@acme.io", "b@x.io"]
    assert Emulator(seed=state).user_count == 2  # what --state loads on the next start


def test_a_busy_port_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    with run_emulator() as busy:
        port = busy.url.rsplit(":", 1)[1]
        assert cli.main(["emulator", "--port", port]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert f"127.0.0.1:{port} is already in use" in err
    assert "Traceback" not in err


def test_tokens_mint_prints_a_token_from_a_running_emulator(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    emu = Emulator()
    uid = emu.add_user("ada@acme.io")
    org = emu.add_org("Acme")
    emu.add_member(org, uid, "Admin")
    with run_emulator(emu) as served:
        monkeypatch.setenv("PROPELAUTH_AUTH_URL", served.url)
        monkeypatch.setenv("PROPELAUTH_API_KEY", served.api_key)
        assert cli.main(["tokens", "mint", "--user", "ada@acme.io", "--org", org]) == 0
        token = capsys.readouterr().out.strip()
        claims = _decode(token, emu.public_key_pem)
        assert claims["user_id"] == uid
        assert claims["org_member_info"]["org_id"] == org  # type: ignore[index]
        assert cli.main(["tokens", "mint", "--user", uid, "--minutes", "5"]) == 0
        claims = _decode(capsys.readouterr().out.strip(), emu.public_key_pem)
        assert claims["exp"] - claims["iat"] == 300  # type: ignore[operator]
        assert cli.main(["tokens", "mint", "--user", "nobody@acme.io"]) == 1
        assert capsys.readouterr().err == "error: no user has the email nobody@acme.io\n"
    monkeypatch.delenv("PROPELAUTH_API_KEY")
    assert cli.main(["tokens", "mint", "--user", uid]) == 1
    assert "PROPELAUTH_API_KEY" in capsys.readouterr().err


def test_demo_runs_and_exits_zero(capsys: pytest.CaptureFixture[str]) -> None:
    """The command line in this process (the emulator command above starts a real one)."""
    assert cli.main(["demo", "--users", "20"]) == 0
    out = capsys.readouterr().out
    assert "20 users seen" in out
    assert "rate-limited and absorbed" in out
