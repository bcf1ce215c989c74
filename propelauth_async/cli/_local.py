"""Commands that need no account: ``demo`` and ``emulator --port 8765``."""

from __future__ import annotations

import argparse


def _serve(args: argparse.Namespace) -> int:
    from ..testing import Emulator, run_emulator

    emulator = Emulator(
        api_key=args.api_key,
        rate_limit=args.rate_limit,
        burst=args.burst,
        b2b_enabled=not args.no_b2b,
    )
    with run_emulator(emulator, port=args.port) as emu:
        print(f"PropelAuth emulator listening on {emu.url}", flush=True)
        print(f"PROPELAUTH_AUTH_URL={emu.url}", flush=True)
        print(f"PROPELAUTH_API_KEY={emu.api_key}", flush=True)
        print("Press Ctrl+C to stop.", flush=True)
        try:
            import threading

            threading.Event().wait()
        except KeyboardInterrupt:
            print("\nstopped", flush=True)
    return 0


def _demo(args: argparse.Namespace) -> int:
    import anyio

    from ..demo import run_demo

    anyio.run(run_demo, args.users)
    return 0


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    demo = commands.add_parser("demo", help="run a short tour against the embedded emulator")
    demo.add_argument("--users", type=int, default=40, help="users to create (default 40)")
    demo.set_defaults(run=_demo)

    serve = commands.add_parser("emulator", help="serve the PropelAuth emulator over HTTP")
    serve.add_argument("--port", type=int, default=8765, help="port on 127.0.0.1 (0: any free)")
    serve.add_argument("--api-key", default=None, help="API key to accept (default: random)")
    serve.add_argument("--rate-limit", type=float, default=None, help="requests/s per key")
    serve.add_argument("--burst", type=int, default=10, help="rate-limit burst (default 10)")
    serve.add_argument("--no-b2b", action="store_true", help="answer 426 to org endpoints")
    serve.set_defaults(run=_serve)
