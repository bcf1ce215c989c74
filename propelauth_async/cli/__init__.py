"""The command line: ``propelauth-async COMMAND`` (or ``python -m propelauth_async COMMAND``).

Each module of this package registers its own subcommands; this one only assembles them.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from . import _local, _orgs, _tokens, _users

# Each registrar adds its subcommands to the shared subparsers object.
_REGISTRARS = (_local.register, _tokens.register, _users.register, _orgs.register)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="propelauth-async", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    for register in _REGISTRARS:
        register(commands)
    args = parser.parse_args(argv)
    result: int = args.run(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
