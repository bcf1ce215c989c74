"""Commands that need no account: ``demo`` and ``emulator --port 8765``."""

from __future__ import annotations

import argparse
import errno
import signal
import sys
import threading
from pathlib import Path
from typing import Any, NoReturn

import anyio

from ..demo import run_demo
from ..testing import Emulator, SeedError, run_emulator


def _stop(signum: int, frame: Any) -> NoReturn:
    raise SystemExit(0)  # unwinds through run_emulator's cleanup (and the state save)


def _listen_error(exc: OSError, host: str, port: int) -> str:
    if exc.errno == errno.EADDRINUSE:
        return (
            f"error: {host}:{port} is already in use; pick another --port "
            "(--port 0 takes any free one)"
        )
    return f"error: cannot listen on {host}:{port}: {exc.strerror or exc}"


def _serve(args: argparse.Namespace) -> int:
    state_file: Path | None = args.state
    seed = state_file if state_file is not None and state_file.exists() else args.seed
    try:
        emulator = Emulator(
            api_key=args.api_key,
            rate_limit=args.rate_limit,
            burst=args.burst,
            b2b_enabled=not args.no_b2b,
            seed=seed,
        )
    except SeedError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        serving = run_emulator(emulator, host=args.host, port=args.port)
        emu = serving.__enter__()
    except OSError as exc:
        print(_listen_error(exc, args.host, args.port), file=sys.stderr)
        return 1
    signal.signal(signal.SIGTERM, _stop)
    try:
        print(f"PropelAuth emulator listening on {emu.url}", flush=True)
        print(f"PROPELAUTH_AUTH_URL={emu.url}", flush=True)
        print(f"PROPELAUTH_API_KEY={emu.api_key}", flush=True)
        if state_file is not None:
            print(f"State is saved to {state_file} on exit.", flush=True)
        print("Press Ctrl+C to stop.", flush=True)
        threading.Event().wait()
    except KeyboardInterrupt:
        print("\nstopped", flush=True)
    finally:
        serving.__exit__(None, None, None)
        if state_file is not None:
            emulator.save(state_file)
    return 0


def _demo(args: argparse.Namespace) -> int:
    anyio.run(run_demo, args.users)
    return 0


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    demo = commands.add_parser("demo", help="run a short tour against the embedded emulator")
    demo.add_argument("--users", type=int, default=40, help="users to create (default 40)")
    demo.set_defaults(run=_demo)

    serve = commands.add_parser("emulator", help="serve the PropelAuth emulator over HTTP")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    serve.add_argument("--port", type=int, default=8765, help="port (default 8765; 0: any free)")
    serve.add_argument("--api-key", default=None, help="API key to accept (default: random)")
    serve.add_argument("--rate-limit", type=float, default=None, help="requests/s per key")
    serve.add_argument("--burst", type=int, default=10, help="rate-limit burst (default 10)")
    serve.add_argument("--no-b2b", action="store_true", help="answer 426 to org endpoints")
    serve.add_argument(
        "--seed", type=Path, default=None, metavar="FILE", help="JSON file of records to start with"
    )
    serve.add_argument(
        "--state",
        type=Path,
        default=None,
        metavar="FILE",
        help="load the state from FILE if it exists (else --seed) and save it there on exit",
    )
    serve.set_defaults(run=_serve)
