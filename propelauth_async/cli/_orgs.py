"""``orgs export`` and ``orgs add-users FILE``."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from typing import Any

from .._client import AsyncPropelAuth
from ..bulk import BulkJob, ItemResult
from ..models.orgs import Org
from ._common import (
    ShowProgress,
    add_connection,
    add_job_options,
    export_pages,
    outcome_fields,
    run_command,
    run_row_job,
)
from ._files import FORMATS, input_format, parse_json_cell


async def _export(client: AsyncPropelAuth, args: argparse.Namespace) -> int:
    pager = client.orgs.query(page_size=args.page_size, name=args.name, prefetch=True)
    await export_pages(pager, Org, args, unit="org")
    return 0


def _roles(value: Any) -> Any:
    """Additional roles: a JSON list, or names separated by ``;`` in a CSV cell."""
    value = parse_json_cell(value)
    if isinstance(value, str):
        return tuple(role.strip() for role in value.split(";") if role.strip())
    return tuple(value) if isinstance(value, list) else value


def _membership(row: dict[str, Any], args: argparse.Namespace) -> dict[str, Any]:
    """A row as a membership; ``--org-id`` and ``--role`` fill the columns a row leaves out."""
    fields = {"org_id": args.org_id, "role": args.role, **row}
    if "value" in fields:  # a plain list of user ids
        fields["user_id"] = fields.pop("value")
    if "additional_roles" in fields:
        fields["additional_roles"] = _roles(fields["additional_roles"])
    return {key: value for key, value in fields.items() if value is not None}


async def _add_users(client: AsyncPropelAuth, args: argparse.Namespace) -> int:
    fmt = input_format(args.file, args.format, lines_ok=True)

    def job(rows: Iterator[dict[str, Any]], show: ShowProgress) -> BulkJob[Any, Any]:
        members = (_membership(row, args) for row in rows)
        return client.bulk.add_org_members(members, concurrency=args.concurrency, on_progress=show)

    def added(result: ItemResult[Any, Any]) -> dict[str, Any]:
        item = result.item
        return {
            "org_id": item.get("org_id"),
            "user_id": item.get("user_id"),
            **outcome_fields(result),
        }

    return await run_row_job(client, args, verb="add-users", make_job=job, describe=added, fmt=fmt)


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    orgs = commands.add_parser("orgs", help="export organizations, add members in bulk")
    sub = orgs.add_subparsers(dest="orgs_command", required=True)

    export = sub.add_parser("export", help="stream every organization to CSV or JSON Lines")
    export.add_argument("--format", choices=FORMATS, default="jsonl")
    export.add_argument("--name", default=None, help="only orgs whose name matches")
    export.add_argument("--page-size", type=int, default=100, help="orgs per request")
    export.add_argument("-o", "--output", default=None, help="file to write (default: stdout)")
    add_connection(export)
    export.set_defaults(run=lambda args: run_command(args, _export))

    add = sub.add_parser("add-users", help="add the users listed in a file to organizations")
    add.add_argument("file", help="rows with user_id (and org_id, role, additional_roles)")
    add.add_argument("--org-id", default=None, help="org for rows without an org_id column")
    add.add_argument("--role", default=None, help="role for rows without a role column")
    add_job_options(add, lines_ok=True)
    add_connection(add)
    add.set_defaults(run=lambda args: run_command(args, _add_users))
