"""The bulk commands end to end: ``main(argv)`` in process against the emulator served over
HTTP, with injected 429s and lost answers; one test runs the real executable."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from propelauth_async.cli import _common, main
from propelauth_async.testing import Emulator, Fault, run_emulator

CREATE = "/api/backend/v1/user/"


@pytest.fixture
def emu(monkeypatch: pytest.MonkeyPatch) -> Iterator[Emulator]:
    # Millisecond backoff, and no slow start after a 429 (pacing has its own tests): the
    # commands still meet every 429 and lost answer, only sooner.
    fast = {"backoff_base": 0.001, "backoff_cap": 0.01, "adaptive_rate_limit": False}
    monkeypatch.setattr(_common, "CLIENT_OPTIONS", {**_common.CLIENT_OPTIONS, **fast})
    emulator = Emulator(rate_limit=1000, burst=5, retry_after_format="ms", fault_seed=5)
    with run_emulator(emulator) as served:
        assert served.url is not None
        monkeypatch.setenv("PROPELAUTH_AUTH_URL", served.url)
        monkeypatch.setenv("PROPELAUTH_API_KEY", served.api_key)
        yield served


def _csv(path: Path, emails: list[str], extra: str = "") -> Path:
    lines = ["email,first_name,email_confirmed,properties"]
    lines += [f'{email},N{i},yes,"{{""plan"": ""pro""}}"' for i, email in enumerate(emails)]
    path.write_text("\n".join(lines) + "\n" + extra)
    return path


def _results(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_import_creates_every_row_once_despite_429s_and_lost_answers(
    emu: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    emails = [f"imp{i:03d}@example.com" for i in range(100)]
    source = _csv(tmp_path / "users.csv", emails, extra="not-an-email,,maybe,\n")
    emu.inject(Fault.error(429), method="POST", path=CREATE, times=4)
    emu.inject(Fault.drop_after(), method="POST", path=CREATE, times=None, probability=0.1)

    status = main(["users", "import", str(source), "--concurrency", "24", "--progress", "on"])

    assert status == 1  # one row failed
    results = _results(tmp_path / "users.csv.results.jsonl")
    assert [r["line"] for r in results] == list(range(2, 103))  # every row, in file order
    ok = [r for r in results if r["outcome"] == "ok"]
    assert [r["email"] for r in ok] == emails
    assert all(
        emu.users_with_email(email) == [r["user_id"]] for email, r in zip(emails, ok, strict=True)
    )
    assert emu.user_count == 100
    assert sum(bool(r.get("reconciled")) for r in ok) == emu.faults.fired[1] > 0
    assert emu.faults.fired[0] == 4
    assert results[-1]["outcome"] == "failed"
    assert "email_confirmed" in str(results[-1]["error"])
    assert emu.user(str(ok[0]["user_id"])).properties == {"plan": "pro"}  # type: ignore[union-attr]
    err = capsys.readouterr().err
    assert "101/101" in err and "row/s" in err  # the progress bar: count, total, rate
    assert "import: 100 ok" in err.splitlines()[-1]
    assert emu.api_key not in err


def test_resume_skips_done_rows_and_counts_unrecorded_ones_as_done(
    emu: Emulator, tmp_path: Path
) -> None:
    emails = [f"res{i:03d}@example.com" for i in range(80)]
    source = _csv(tmp_path / "users.csv", emails)
    results_file = tmp_path / "results.jsonl"
    assert main(["users", "import", str(source), "--results", str(results_file)]) == 0
    # as if the run had stopped: the last 30 rows were created but never recorded
    lines = results_file.read_text().splitlines()
    results_file.write_text("\n".join(lines[:50]) + "\n")
    assert main(["users", "import", str(source), "--results", str(results_file)]) == 2  # exists

    status = main(["users", "import", str(source), "--results", str(results_file), "--resume"])

    assert status == 0
    results = _results(results_file)
    assert len(results) == 80 and all(r["outcome"] == "ok" for r in results)
    assert all(r.get("reconciled") for r in results[50:])
    assert emu.user_count == 80


def test_delete_from_a_list_of_ids(
    emu: Emulator,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    ids = [emu.add_user(f"del{i}@example.com") for i in range(40)]
    keep = emu.add_user("keep@example.com")
    missing = "00000000-0000-4000-8000-000000000000"
    listing = tmp_path / "ids.txt"
    listing.write_text("# users to remove\n" + "\n".join([*ids, missing]) + "\n")
    emu.inject(Fault.drop_after(), method="DELETE", times=5)

    monkeypatch.setitem(sys.modules, "tqdm", None)  # without the [cli] extra: a plain line
    assert main(["users", "delete", "--from", str(listing), "--progress", "on"]) == 0
    assert "delete: 41/41 rows [" in capsys.readouterr().err

    assert emu.user_count == 1 and emu.user(keep) is not None
    results = _results(tmp_path / "ids.txt.results.jsonl")
    assert [r["deleted"] for r in results] == [True] * 40 + [False]


def test_orgs_add_users_and_export(
    emu: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    org_id = emu.add_org("Acme")
    emu.add_org("Globex")
    ids = [emu.add_user(f"o{i}@acme.example") for i in range(60)]
    rows = tmp_path / "members.jsonl"
    rows.write_text("\n".join(json.dumps({"user_id": uid}) for uid in ids) + "\n")
    emu.inject(
        Fault.drop_after(), method="POST", path="*/org/add_user", times=None, probability=0.1
    )

    argv = ["orgs", "add-users", str(rows), "--org-id", org_id, "--role", "Admin"]
    assert main(argv) == 0

    for uid in ids:
        member = (emu.user(uid).org_id_to_org_info or {})[org_id]  # type: ignore[union-attr]
        assert member.user_role == "Admin"
    capsys.readouterr()
    assert main(["orgs", "export", "--format", "jsonl"]) == 0
    names = sorted(json.loads(line)["name"] for line in capsys.readouterr().out.splitlines())
    assert names == ["Acme", "Globex"]


def test_users_export_streams_csv_and_jsonl(emu: Emulator, tmp_path: Path) -> None:
    for i in range(60):
        emu.add_user(f"exp{i:03d}@{'acme' if i % 2 else 'globex'}.example", properties={"i": i})
    out = tmp_path / "users.csv"
    assert main(["users", "export", "--format", "csv", "-o", str(out), "--page-size", "25"]) == 0
    lines = out.read_text().splitlines()
    assert len(lines) == 61 and lines[0].startswith("user_id,email,")
    jsonl = tmp_path / "acme.jsonl"
    assert main(["users", "export", "--filter", "acme", "-o", str(jsonl)]) == 0
    users = [json.loads(line) for line in jsonl.read_text().splitlines()]
    assert len(users) == 30 and all(u["email"].endswith("@acme.example") for u in users)
    # an export imports as it is: the columns a create does not take are left out
    status = main(["users", "import", str(out), "--progress", "off"])
    assert status == 1  # every row's email is taken here: refused, none created twice
    results = _results(tmp_path / "users.csv.results.jsonl")
    assert len(results) == 60 and all("Email already exists" in str(r) for r in results)
    assert emu.user_count == 60


WRONG = [
    ({"PROPELAUTH_API_KEY": "wrong-key-123"}, [], 1, "API key was refused (401)"),
    ({}, ["--auth-url", "http://127.0.0.1:9"], 1, "cannot reach http://127.0.0.1:9"),
    ({}, ["--auth-url", "ftp://auth.example.com"], 2, "auth_url must be an https URL"),
    ({"PROPELAUTH_API_KEY": ""}, [], 2, "no API key: set PROPELAUTH_API_KEY"),
    ({"PROPELAUTH_AUTH_URL": ""}, [], 2, "no auth URL: set PROPELAUTH_AUTH_URL"),
]


def test_a_wrong_key_or_url_is_one_line_and_never_shows_the_key(
    emu: Emulator,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    source = _csv(tmp_path / "users.csv", ["a@example.com"])
    for env, argv, status, message in WRONG:
        with monkeypatch.context() as patch:
            for name, value in env.items():
                patch.setenv(name, value)
            for command in (["users", "export"], ["users", "import", str(source)]):
                assert main([*command, *argv]) == status, message
                out, err = capsys.readouterr()
                assert err.count("\n") == 1 and message in err
                assert emu.api_key not in out + err and "wrong-key-123" not in out + err
    assert emu.user_count == 0


def test_a_broken_input_stops_before_anything_is_sent(
    emu: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = tmp_path / "users.jsonl"
    rows.write_text('{"email": "a@example.com"}\n{"email": \n')
    assert main(["users", "import", str(rows)]) == 2
    assert "users.jsonl:2: not valid JSON" in capsys.readouterr().err
    assert emu.user_count == 0 and emu.stats.requests == 0


def test_the_installed_command_runs(emu: Emulator) -> None:
    emu.add_user("ada@example.com")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    done = subprocess.run(
        [sys.executable, "-m", "propelauth_async", "users", "export", "--format", "csv"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    assert "ada@example.com" in done.stdout
    assert done.stderr.strip() == "export: 1 users"
