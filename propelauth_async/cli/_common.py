"""What every command that talks to PropelAuth shares: the connection options, one-line errors,
the progress bar, and running a bulk job from a file into a per-row result file.

The API key comes only from ``PROPELAUTH_API_KEY``: a command-line flag would leave it in shell
history and in the process list. No message printed here ever contains it. The auth URL comes
from ``--auth-url`` or ``PROPELAUTH_AUTH_URL``, and ``PROPELAUTH_BACKEND_URL`` is honoured as
``AsyncPropelAuth.from_env`` does.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import anyio
import attrs

from .._client import AsyncPropelAuth
from ..bulk import BulkJob, BulkProgress, ItemResult
from ..errors import (
    APIError,
    AuthenticationError,
    ConfigurationError,
    FeatureNotEnabledError,
    ForbiddenError,
    PropelAuthError,
    TransportError,
)
from ..pagination import AsyncPager
from ._files import CliError, RecordWriter, count_rows, done_lines, output, read_rows

CLIENT_OPTIONS: dict[str, Any] = {"max_retry_wait": 120.0, "total_timeout": 300.0}
"""The client settings every command uses: a bulk command would rather wait out a long 429
or a slow call than fail the row."""

Command = Callable[[AsyncPropelAuth, argparse.Namespace], Awaitable[int]]
ShowProgress = Callable[[BulkProgress], None]
MakeJob = Callable[[Iterator[dict[str, Any]], ShowProgress], BulkJob[Any, Any]]
"""Builds the bulk job over the rows of a file, reporting progress to the given function."""


def add_connection(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--auth-url",
        default=None,
        help="your auth URL (default: $PROPELAUTH_AUTH_URL); the key is read from "
        "$PROPELAUTH_API_KEY only",
    )
    parser.add_argument(
        "--progress",
        choices=("auto", "on", "off"),
        default="auto",
        help="progress bar on stderr (auto: when stderr is a terminal)",
    )


def add_job_options(parser: argparse.ArgumentParser, *, lines_ok: bool = False) -> None:
    formats = ("csv", "jsonl", "lines") if lines_ok else ("csv", "jsonl")
    parser.add_argument(
        "--format", choices=formats, default=None, help="input format (default: from the name)"
    )
    parser.add_argument(
        "--results", default=None, help="per-row result file (default: FILE.results.jsonl)"
    )
    parser.add_argument(
        "--resume", action="store_true", help="skip rows the result file already marks ok"
    )
    parser.add_argument("--concurrency", type=int, default=16, help="rows in flight (default 16)")


def run_command(args: argparse.Namespace, command: Command) -> int:
    """Runs ``command`` with a client; every failure becomes one line on stderr."""
    try:
        client = _client(args)
        return anyio.run(_with_client, client, command, args)
    except CliError as exc:
        return _fail(str(exc), exc.status)
    except PropelAuthError as exc:
        return _fail(_explain(exc, args), 1)
    except KeyboardInterrupt:
        return _fail("interrupted", 130)


async def _with_client(client: AsyncPropelAuth, command: Command, args: argparse.Namespace) -> int:
    async with client:
        return await command(client, args)


def _client(args: argparse.Namespace) -> AsyncPropelAuth:
    url = args.auth_url or os.environ.get("PROPELAUTH_AUTH_URL", "")
    key = os.environ.get("PROPELAUTH_API_KEY", "")
    if not url:
        raise CliError("no auth URL: set PROPELAUTH_AUTH_URL or pass --auth-url")
    if not key.strip():
        raise CliError("no API key: set PROPELAUTH_API_KEY")
    try:
        backend = os.environ.get("PROPELAUTH_BACKEND_URL") or None
        return AsyncPropelAuth(url, key, backend_url=backend, **CLIENT_OPTIONS)
    except ConfigurationError as exc:
        raise CliError(str(exc)) from None


def _explain(exc: PropelAuthError, args: argparse.Namespace) -> str:
    if isinstance(exc, AuthenticationError):
        return "the API key was refused (401): check PROPELAUTH_API_KEY"
    if isinstance(exc, ForbiddenError):
        return "the API key may not do this (403)"
    if isinstance(exc, FeatureNotEnabledError):
        return "this feature is not enabled for the project (426)"
    if isinstance(exc, TransportError):
        url = args.auth_url or os.environ.get("PROPELAUTH_AUTH_URL", "")
        return f"cannot reach {url}: {exc}"
    if isinstance(exc, APIError):
        return f"{exc.message} ({exc.status_code})"
    return str(exc)


def _fail(message: str, status: int) -> int:
    first = message.strip().splitlines()[0] if message.strip() else "failed"
    print(f"propelauth-async: error: {first}", file=sys.stderr, flush=True)
    return status


class Progress:
    """A progress bar on stderr: count, total and rate. tqdm draws it when installed
    (``pip install 'propelauth-async[cli]'``); without it, a plain line is redrawn instead."""

    def __init__(self, mode: str, *, desc: str, unit: str, total: int | None) -> None:
        self.enabled = mode == "on" or (mode == "auto" and sys.stderr.isatty())
        self._desc, self._unit, self._total = desc, unit, total
        self._bar: Any = None
        self._done = 0
        self._start = self._shown = time.monotonic()
        if self.enabled:
            try:
                from tqdm import tqdm
            except ImportError:
                return
            self._bar = tqdm(total=total, desc=desc, unit=unit, file=sys.stderr, leave=True)

    def advance(self, done: int, **counts: int) -> None:
        step, self._done = done - self._done, done
        if self._bar is not None:
            if counts:
                self._bar.set_postfix(counts, refresh=False)
            self._bar.update(step)
        elif self.enabled and time.monotonic() - self._shown >= 0.5:
            self._shown = time.monotonic()
            print(f"\r{self._plain()}", end="", file=sys.stderr, flush=True)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
        elif self.enabled:
            print(f"\r{self._plain()}", file=sys.stderr, flush=True)

    def _plain(self) -> str:
        elapsed = max(time.monotonic() - self._start, 1e-9)
        of = f"/{self._total}" if self._total is not None else ""
        return f"{self._desc}: {self._done}{of} {self._unit}s [{self._done / elapsed:.0f}/s]"


async def run_row_job(
    client: AsyncPropelAuth,
    args: argparse.Namespace,
    *,
    verb: str,
    make_job: MakeJob,
    describe: Callable[[ItemResult[Any, Any]], dict[str, Any]],
    fmt: str,
) -> int:
    """Runs a bulk job over the rows of ``args.file``, one result line per row, in row order.

    Results are appended (and flushed) as they come, so an interrupted run leaves a result file
    that ``--resume`` continues from: rows marked ok are skipped, the others sent again.
    """
    path: str = args.file
    results_path, skip, total = await anyio.to_thread.run_sync(_plan, args, fmt)
    await client.users.query(page_size=1)  # a wrong key or URL fails here, with one line
    lines: deque[int] = deque()

    def rows() -> Iterator[dict[str, Any]]:
        for line, row in read_rows(path, fmt):
            if line not in skip:
                lines.append(line)  # the job reads lazily: lines holds only rows in flight
                yield row

    bar = Progress(args.progress, desc=verb, unit="row", total=total)

    def show(p: BulkProgress) -> None:
        bar.advance(p.done, ok=p.ok, failed=p.failed + p.unknown)

    job = make_job(rows(), show)
    with open(results_path, "a", encoding="utf-8") as out:  # noqa: ASYNC230 - local, flushed
        try:
            async with job:
                async for result in job:
                    record = {"line": lines.popleft(), **describe(result)}
                    out.write(json.dumps(record, default=str, separators=(",", ":")) + "\n")
                    out.flush()
        finally:
            bar.close()
    p = job.progress
    print(
        f"{verb}: {p.ok} ok ({p.reconciled} checked after a lost answer), {p.failed} failed, "
        f"{p.unknown} unknown, {len(skip)} done before; results in {results_path}",
        file=sys.stderr,
    )
    return 0 if p.failed == p.unknown == 0 else 1


def _plan(args: argparse.Namespace, fmt: str) -> tuple[str, frozenset[int], int]:
    """The result file, the lines it marks done (with ``--resume``), and the rows left; the
    whole input is read once here, so a broken line stops the command before any request."""
    results_path: str = args.results or f"{args.file}.results.jsonl"
    exists = Path(results_path).exists()
    if exists and not args.resume:
        raise CliError(f"{results_path} exists: pass --resume to continue it, or remove it")
    skip = done_lines(results_path) if exists else frozenset()
    return results_path, skip, count_rows(args.file, fmt, skip)


def outcome_fields(result: ItemResult[Any, Any]) -> dict[str, Any]:
    """The outcome columns every result line has."""
    fields: dict[str, Any] = {"outcome": result.outcome.value}
    if result.reconciled:
        fields["reconciled"] = True
    error = result.error
    if error is not None:
        fields["error"] = (
            f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"
        )
        if isinstance(error, APIError) and error.field_errors:
            fields["field_errors"] = error.field_errors
    return fields


__all__ = [
    "MakeJob",
    "Progress",
    "ShowProgress",
    "add_connection",
    "add_job_options",
    "outcome_fields",
    "run_command",
    "run_row_job",
]


async def export_pages(
    pager: AsyncPager[Any], model: type[Any], args: argparse.Namespace, *, unit: str
) -> int:
    """Write every item of ``pager`` to ``args.output`` as ``args.format``, one page in memory
    at a time, with a progress bar whose total the first page gives; returns the count."""
    bar: Progress | None = None
    count = 0
    with output(args.output) as out:
        writer = RecordWriter(out, args.format, [f.name for f in attrs.fields(model)])
        try:
            async with pager:
                async for page in pager.pages():
                    if bar is None:  # the first page says how many there are
                        bar = Progress(args.progress, desc="export", unit=unit, total=page.total)
                    for item in page.items:
                        writer.write(item)
                    count += len(page.items)
                    bar.advance(count)
        finally:
            if bar is not None:
                bar.close()
    print(f"export: {count} {unit}s", file=sys.stderr)
    return count
