"""How long ``import propelauth_async`` takes, against ``import httpx`` alone (its floor).

Each figure is the median, over fresh interpreters started in alternation, of what
``python -X importtime`` reports for the package's own top-level import (cumulative, so httpx
is inside ours). Goal: ours at most httpx + 25 ms. Bytecode is cached as in an installed
package (in a temporary ``PYTHONPYCACHEPREFIX``, even where ``PYTHONDONTWRITEBYTECODE`` is set,
with one warm-up import first), so the figures do not include compiling our sources. Also shown, for information: the first use
of a namespace (``client.users`` loads its resource module, its models, the converter and the
pager), and the modules ours adds to httpx's, by their own import time in the last run.

    python benchmarks/import_time.py [--runs 15]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GOAL_MS = 25.0
TARGETS = {
    "httpx": "import httpx",
    "propelauth_async": "import propelauth_async",
    "first namespace": "import propelauth_async.resources.users",
}


def importtime(statement: str, pycache: str) -> dict[str, tuple[int, int, int]]:
    """``{module: (self us, cumulative us, depth)}`` from one fresh interpreter."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
        "PYTHONPYCACHEPREFIX": pycache,
    }
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", statement],
        cwd=ROOT,  # `-c` puts the working directory first on sys.path
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    found: dict[str, tuple[int, int, int]] = {}
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        own, cumulative, name = line.removeprefix("import time:").split("|")
        if not own.strip().isdigit():
            continue  # the header line
        depth = (len(name) - len(name.lstrip(" "))) // 2
        found[name.strip()] = (int(own), int(cumulative), depth)
    return found


def total_ms(found: dict[str, tuple[int, int, int]], root: str) -> float:
    """The cumulative time of every top-level import of ``root`` and its submodules."""
    return (
        sum(
            cumulative
            for name, (_, cumulative, depth) in found.items()
            if depth == 0 and (name == root or name.startswith(root + "."))
        )
        / 1000
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    times: dict[str, list[float]] = {name: [] for name in TARGETS}
    last: dict[str, dict[str, tuple[int, int, int]]] = {}
    with tempfile.TemporaryDirectory(prefix="pycache-") as pycache:
        for statement in TARGETS.values():
            importtime(statement, pycache)  # writes the bytecode cache
        for run in range(args.runs):
            order = list(TARGETS) if run % 2 == 0 else list(reversed(TARGETS))
            for name in order:
                root = "propelauth_async" if name == "first namespace" else name
                last[name] = importtime(TARGETS[name], pycache)
                times[name].append(total_ms(last[name], root))
    httpx_ms, ours_ms, first_ms = (statistics.median(times[name]) for name in TARGETS)
    print(f"median of {args.runs} fresh interpreters each (noisy on a shared machine)")
    print(f"  import httpx                        : {httpx_ms:7.1f} ms")
    print(f"  import propelauth_async             : {ours_ms:7.1f} ms")
    print(
        f"  ours - httpx                        : {ours_ms - httpx_ms:+7.1f} ms   "
        f"(goal <= +{GOAL_MS:.0f} ms: {'met' if ours_ms - httpx_ms <= GOAL_MS else 'NOT met'})"
    )
    print(f"  ours / httpx                        : {ours_ms / httpx_ms:7.2f}")
    print(f"  + first namespace (client.users)    : {first_ms:7.1f} ms  (on first access)")
    baseline = last["httpx"]
    added = sorted(
        (
            (own, name)
            for name, (own, _, _) in last["propelauth_async"].items()
            if name not in baseline
        ),
        reverse=True,
    )
    print("  what ours adds to httpx, by own import time (last run):")
    for own, name in added[:12]:
        print(f"    {own / 1000:6.1f} ms  {name}")


if __name__ == "__main__":
    main()
