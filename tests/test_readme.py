"""The README is part of the product: its first screen, its commands and its examples stay true."""

from __future__ import annotations

import ast
import re
from pathlib import Path

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
