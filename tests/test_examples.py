"""The examples stay runnable: each compiles, and the two emulator-backed ones run as scripts."""

from __future__ import annotations

import py_compile
import runpy
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.py")), ids=lambda p: p.name)
def test_compiles(path: Path) -> None:
    py_compile.compile(str(path), doraise=True)


def _run_as_script(path: Path, *args: str) -> None:
    """The example as ``python path args``, but in this process: the same code runs, without
    paying for a new interpreter and its imports."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sys, "argv", [str(path), *args])
        runpy.run_path(str(path), run_name="__main__")


def test_bulk_import_creates_each_user_once(capsys: pytest.CaptureFixture[str]) -> None:
    _run_as_script(EXAMPLES / "bulk_import.py", "--users", "120", "--concurrency", "30")
    out = capsys.readouterr().out
    assert "120/120 users" in out
    assert "120 users on the server (no duplicates)" in out


def test_export_streams_every_user(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "users.csv"
    _run_as_script(EXAMPLES / "export_users.py", str(out))
    assert "exported 1000 users" in capsys.readouterr().err
    assert len(out.read_text().splitlines()) == 1001
