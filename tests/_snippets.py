"""The README's integration snippets, type-checked with ``mypy --strict`` in a subprocess.

A cold mypy run over FastAPI, Starlette, pydantic and aiohttp costs seconds of CPU, so the
check starts as soon as collection finishes (conftest calls :func:`start`) and runs while the
other tests do; the test only collects the result. It uses the repository's ``.mypy_cache``.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MARKERS = ("propelauth_async.integrations", "propelauth_async.webhooks")
_running: tuple[subprocess.Popen[str], list[str]] | None = None


def integration_snippets() -> list[str]:
    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", readme, flags=re.S)
    return [b for b in blocks if any(marker in b for marker in MARKERS)]


def start() -> None:
    global _running
    if _running is not None:
        return
    snippets = integration_snippets()
    folder = Path(tempfile.mkdtemp(prefix="readme-snippets-"))
    files = []
    for number, snippet in enumerate(snippets):
        path = folder / f"readme_snippet_{number}.py"
        path.write_text(snippet)
        files.append(str(path))
    command = [sys.executable, "-m", "mypy", "--strict", "--no-color-output"]
    # One cache per pytest-xdist worker: two mypy runs never write the same cache.
    cache = ROOT / ".mypy_cache" / f"readme-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
    command += ["--cache-dir", str(cache), *files]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, cwd=folder
    )
    _running = (process, snippets)


def result(timeout: float = 240.0) -> tuple[int, str, list[str]]:
    start()
    assert _running is not None
    process, snippets = _running
    output, _ = process.communicate(timeout=timeout)
    return process.returncode, output, snippets
