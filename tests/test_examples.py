"""The examples stay runnable: each compiles, and the two emulator-backed ones run."""

from __future__ import annotations

import py_compile
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.py")), ids=lambda p: p.name)
def test_compiles(path: Path) -> None:
    py_compile.compile(str(path), doraise=True)


def test_bulk_import_creates_each_user_once() -> None:
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / "bulk_import.py"), "--users", "120", "--concurrency", "30"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "120/120 users" in result.stdout
    assert "120 users on the server (no duplicates)" in result.stdout


def test_export_streams_every_user(tmp_path: Path) -> None:
    out = tmp_path / "users.csv"
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / "export_users.py"), str(out)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert len(out.read_text().splitlines()) == 1001
