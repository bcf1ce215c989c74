"""``users export``, ``users import FILE`` and ``users delete --from FILE``."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from typing import Any

import attrs

from .._client import AsyncPropelAuth
from ..bulk import BulkJob, ItemResult
from ..models.users import User
from ..resources.bulk import NewUser
from ._common import (
    ShowProgress,
    add_connection,
    add_job_options,
    export_pages,
    outcome_fields,
    run_command,
    run_row_job,
)
from ._files import (
    FORMATS,
    input_format,
    parse_flag,
    parse_json_cell,
    pick,
)

_NEW_USER_FIELDS = {f.name for f in attrs.fields(NewUser)}
_FLAGS = {f.name for f in attrs.fields(NewUser) if isinstance(f.default, bool)}
# The columns of an export that a create does not take: an export file imports as it is.
_EXPORT_ONLY = {f.name for f in attrs.fields(User)} - _NEW_USER_FIELDS


async def _export(client: AsyncPropelAuth, args: argparse.Namespace) -> int:
    pager = client.users.query(
        page_size=args.page_size,
        email_or_username=args.filter,
        include_orgs=args.include_orgs,
        prefetch=True,
    )
    await export_pages(pager, User, args, unit="user")
    return 0


def _new_user(row: dict[str, Any]) -> dict[str, Any]:
    """A row of the input as the fields of a new user (cells parsed, export columns dropped)."""
    fields = pick(row, _NEW_USER_FIELDS, _EXPORT_ONLY)
    for name in _FLAGS & fields.keys():
        fields[name] = parse_flag(fields[name])
    if "properties" in fields:
        fields["properties"] = parse_json_cell(fields["properties"])
    return fields


def _created(result: ItemResult[Any, Any]) -> dict[str, Any]:
    item = result.item
    email = item.get("email") if isinstance(item, dict) else getattr(item, "email", None)
    fields: dict[str, Any] = {"email": email}
    if result.value is not None:
        fields["user_id"] = result.value.user_id
    return {**fields, **outcome_fields(result)}


async def _import(client: AsyncPropelAuth, args: argparse.Namespace) -> int:
    fmt = input_format(args.file, args.format)

    def job(rows: Iterator[dict[str, Any]], show: ShowProgress) -> BulkJob[Any, Any]:
        users = (_new_user(row) for row in rows)
        # Resuming, the rows in flight when the last run stopped were created but not recorded:
        # their email is taken now, by the very user this row asked for.
        return client.bulk.create_users(
            users, existing_ok=args.resume, concurrency=args.concurrency, on_progress=show
        )

    return await run_row_job(client, args, verb="import", make_job=job, describe=_created, fmt=fmt)


def _user_id(row: dict[str, Any]) -> str:
    value = row.get("user_id", row.get("value", ""))
    return value if isinstance(value, str) else ""


async def _delete(client: AsyncPropelAuth, args: argparse.Namespace) -> int:
    fmt = input_format(args.file, args.format, lines_ok=True)

    def job(rows: Iterator[dict[str, Any]], show: ShowProgress) -> BulkJob[Any, Any]:
        ids = (_user_id(row) for row in rows)
        return client.bulk.delete_users(ids, concurrency=args.concurrency, on_progress=show)

    def deleted(result: ItemResult[Any, Any]) -> dict[str, Any]:
        return {"user_id": result.item, "deleted": result.value, **outcome_fields(result)}

    return await run_row_job(client, args, verb="delete", make_job=job, describe=deleted, fmt=fmt)


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    users = commands.add_parser("users", help="export, import or delete users in bulk")
    sub = users.add_subparsers(dest="users_command", required=True)

    export = sub.add_parser("export", help="stream every user to CSV or JSON Lines")
    export.add_argument("--format", choices=FORMATS, default="jsonl")
    export.add_argument("--filter", default=None, help="part of an email or username")
    export.add_argument("--include-orgs", action="store_true", help="add each user's orgs")
    export.add_argument("--page-size", type=int, default=100, help="users per request")
    export.add_argument("-o", "--output", default=None, help="file to write (default: stdout)")
    add_connection(export)
    export.set_defaults(run=lambda args: run_command(args, _export))

    imp = sub.add_parser(
        "import",
        help="create the users of a CSV or JSON Lines file (one per row)",
        description="Create one user per row. With --resume, rows the result file marks ok are "
        "skipped, and a row whose email is already taken counts as done.",
    )
    imp.add_argument("file", help="rows with an email column and any create-user field")
    add_job_options(imp)
    add_connection(imp)
    imp.set_defaults(run=lambda args: run_command(args, _import))

    delete = sub.add_parser("delete", help="delete the users listed in a file")
    delete.add_argument("--from", dest="file", required=True, help="user ids: .txt, .csv, .jsonl")
    add_job_options(delete, lines_ok=True)
    add_connection(delete)
    delete.set_defaults(run=lambda args: run_command(args, _delete))
