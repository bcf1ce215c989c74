"""Rows in and out of files for the bulk commands: CSV, JSON Lines, or one value per line.

Inputs are read twice: once up front to check the whole file and count its rows (so a broken
line stops the command before anything is sent, and the progress bar knows its total), then
lazily, row by row, while the job runs. Each row carries its line number in the file, which is
what result files and ``--resume`` refer to.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import attrs

FORMATS = ("csv", "jsonl")
_SUFFIXES = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".txt": "lines"}


class CliError(Exception):
    """A one-line message for the user, and the exit status to leave with."""

    def __init__(self, message: str, status: int = 2) -> None:
        super().__init__(message)
        self.status = status


def input_format(path: str, given: str | None, *, lines_ok: bool = False) -> str:
    """``csv``, ``jsonl`` or (where a plain list of ids makes sense) ``lines``."""
    fmt = given or _SUFFIXES.get(Path(path).suffix.lower())
    allowed = (*FORMATS, "lines") if lines_ok else FORMATS
    if fmt is None or fmt not in allowed:
        raise CliError(f"{path}: say --format {'|'.join(allowed)} (cannot tell from the name)")
    return fmt


def read_rows(path: str, fmt: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """``(line number, row)`` for each row; CSV cells that are empty are left out."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            if fmt == "csv":
                yield from _csv_rows(path, handle)
            else:
                yield from _text_rows(path, handle, fmt)
    except OSError as exc:
        raise CliError(f"{path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise CliError(f"{path}: not UTF-8 text") from None


def _csv_rows(path: str, handle: IO[str]) -> Iterator[tuple[int, dict[str, Any]]]:
    reader = csv.DictReader(handle)
    if not reader.fieldnames:
        return
    line = reader.line_num + 1
    for row in reader:
        if None in row:
            raise CliError(f"{path}:{line}: more cells than the header has columns")
        yield line, {key: value for key, value in row.items() if value not in ("", None)}
        line = reader.line_num + 1


def _text_rows(path: str, handle: IO[str], fmt: str) -> Iterator[tuple[int, dict[str, Any]]]:
    for number, text in enumerate(handle, start=1):
        text = text.strip()
        if not text or (fmt == "lines" and text.startswith("#")):
            continue
        if fmt == "lines":
            yield number, {"value": text}
            continue
        try:
            row = json.loads(text)
        except ValueError:
            raise CliError(f"{path}:{number}: not valid JSON") from None
        if not isinstance(row, dict):
            raise CliError(f"{path}:{number}: not a JSON object")
        yield number, {key: value for key, value in row.items() if value is not None}


def count_rows(path: str, fmt: str, skip: frozenset[int] = frozenset()) -> int:
    """The rows left to do; reading the whole file also checks every line of it."""
    return sum(1 for line, _ in read_rows(path, fmt) if line not in skip)


def done_lines(results_path: str) -> frozenset[int]:
    """The line numbers an earlier run finished (the last result for a line wins)."""
    outcome: dict[int, bool] = {}
    for _, row in read_rows(results_path, "jsonl"):
        if isinstance(row.get("line"), int):
            outcome[row["line"]] = row.get("outcome") == "ok"
    return frozenset(line for line, ok in outcome.items() if ok)


def flat(record: attrs.AttrsInstance) -> dict[str, Any]:
    """An attrs record as a flat row: nested values (properties, orgs) become JSON text."""
    row = attrs.asdict(record, recurse=True)
    return {
        key: json.dumps(value, default=str, sort_keys=True)
        if isinstance(value, (dict, list, tuple))
        else value
        for key, value in row.items()
    }


class RecordWriter:
    """Writes records as JSON Lines or CSV (columns from the record's fields)."""

    def __init__(self, out: IO[str], fmt: str, columns: list[str]) -> None:
        self._out = out
        self._fmt = fmt
        self._csv = csv.DictWriter(out, fieldnames=columns) if fmt == "csv" else None
        if self._csv is not None:
            self._csv.writeheader()

    def write(self, record: attrs.AttrsInstance) -> None:
        if self._csv is not None:
            self._csv.writerow(flat(record))
        else:
            row = attrs.asdict(record, recurse=True)
            self._out.write(json.dumps(row, default=str, separators=(",", ":")) + "\n")


@contextmanager
def output(path: str | None) -> Iterator[IO[str]]:
    """The file to write to (created or replaced), or standard output for ``None``/``-``."""
    if path in (None, "-"):
        yield sys.stdout
        sys.stdout.flush()
        return
    assert path is not None
    try:
        handle = open(path, "w", newline="", encoding="utf-8")  # noqa: SIM115
    except OSError as exc:
        raise CliError(f"{path}: {exc.strerror or exc}") from None
    with handle:
        yield handle


def parse_flag(value: Any) -> Any:
    """``true``/``false``/``yes``/``no``/``1``/``0`` from a CSV cell; anything else as it is
    (the bulk job then refuses that row alone)."""
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in ("true", "yes", "1"):
            return True
        if lowered in ("false", "no", "0"):
            return False
    return value


def parse_json_cell(value: Any) -> Any:
    """A JSON object or list written into a CSV cell; anything else as it is."""
    if isinstance(value, str) and value.lstrip().startswith(("{", "[")):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def pick(row: Mapping[str, Any], keep: set[str], ignore: set[str]) -> dict[str, Any]:
    """The row's ``keep`` columns; ``ignore`` columns are dropped, any other stays so that the
    job reports it as an unknown field for that row."""
    return {key: value for key, value in row.items() if key not in ignore or key in keep}


__all__ = [
    "FORMATS",
    "CliError",
    "RecordWriter",
    "count_rows",
    "done_lines",
    "flat",
    "input_format",
    "output",
    "parse_flag",
    "parse_json_cell",
    "pick",
    "read_rows",
]
