"""``tokens mint --user ada@acme.io [--org ORG_ID]``: print an access token.

It asks the backend API's access-token endpoint, so it works against a running emulator (the
URL and key ``emulator`` printed) and against a real project where access-token creation is on.
"""

from __future__ import annotations

import argparse
import os
import sys

import anyio

from .._client import AsyncPropelAuth
from ..errors import PropelAuthError


async def _mint(args: argparse.Namespace) -> str:
    auth_url = args.auth_url or os.environ.get("PROPELAUTH_AUTH_URL", "")
    api_key = os.environ.get("PROPELAUTH_API_KEY", "")
    if not auth_url or not api_key:
        raise PropelAuthError(
            "set PROPELAUTH_AUTH_URL and PROPELAUTH_API_KEY (the emulator prints both)"
        )
    async with AsyncPropelAuth(auth_url, api_key, max_retries=1, total_timeout=30.0) as client:
        user_id = args.user
        if "@" in args.user:
            user = await client.users.fetch_by_email(args.user)
            if user is None:
                raise PropelAuthError(f"no user has the email {args.user}")
            user_id = user.user_id
        created = await client.access_tokens.create(
            user_id, duration_in_minutes=args.minutes, active_org_id=args.org
        )
        return created.access_token


def _run(args: argparse.Namespace) -> int:
    try:
        token = anyio.run(_mint, args)
    except PropelAuthError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(token, flush=True)
    return 0


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    tokens = commands.add_parser("tokens", help="access tokens")
    actions = tokens.add_subparsers(dest="tokens_command", required=True)
    mint = actions.add_parser(
        "mint",
        help="print an access token for a user",
        description=(
            "Print an access token for a user, from the API at $PROPELAUTH_AUTH_URL with the "
            "key in $PROPELAUTH_API_KEY (a running emulator prints both)."
        ),
    )
    mint.add_argument("--user", required=True, help="the user's id or email")
    mint.add_argument("--org", default=None, help="an org id: the token is for this org only")
    mint.add_argument(
        "--minutes", type=int, default=60, help="how long it is valid, 1 to 1440 (default 60)"
    )
    mint.add_argument("--auth-url", default=None, help="default: $PROPELAUTH_AUTH_URL")
    mint.set_defaults(run=_run)
