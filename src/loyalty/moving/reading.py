"""Reading an import file one row at a time (CSV with a header row, or NDJSON): memory stays flat with the size
of the file. Each row comes out as a `MemberRow` or as the reason it cannot be one."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from typing import IO

from loyalty.errors import InvalidInput
from loyalty.moving import rows
from loyalty.moving.rows import MemberRow, RowRejected, Spelling

FORMATS = ("csv", "ndjson")
MAX_LINE = 1_000_000  # characters in one NDJSON line or CSV field: a member, not a file pasted into a cell


def guess_format(name: str, first: str) -> str:
    """By the file's name, else by its first character: `{` starts NDJSON."""
    lowered = name.lower()
    if lowered.endswith(".csv"):
        return "csv"
    if lowered.endswith((".ndjson", ".jsonl", ".json")):
        return "ndjson"
    return "ndjson" if first.lstrip().startswith("{") else "csv"


Read = tuple[int, MemberRow | RowRejected, str]  # the line, the row or why not, its external id as far as known


def read(stream: IO[str], fmt: str, spelling: Spelling) -> Iterator[Read]:
    """Every row of the file in order; a 422 (InvalidInput) for a CSV header that names an unknown column."""
    if fmt == "csv":
        yield from _csv(stream, spelling)
    elif fmt == "ndjson":
        yield from _ndjson(stream, spelling)
    else:
        raise InvalidInput("format", f"must be one of {', '.join(FORMATS)}")


def _csv(stream: IO[str], spelling: Spelling) -> Iterator[Read]:
    csv.field_size_limit(MAX_LINE)
    reader = csv.reader(stream)
    try:
        header = next(reader)
    except StopIteration:
        return
    except csv.Error as error:
        raise InvalidInput("header", f"is not CSV: {error}") from None
    header = [name.strip().lstrip("\ufeff") for name in header]
    rows.check_columns(header)
    while True:
        line = reader.line_num + 1
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            yield line, RowRejected("", f"is not CSV: {error}"), ""
            continue
        if not any(value.strip() for value in values):
            continue  # a blank line
        line = reader.line_num
        record = dict(zip(header, values, strict=False))
        external_id = (record.get("external_id") or "").strip()
        if len(values) != len(header):
            yield line, RowRejected("", f"has {len(values)} fields, the header {len(header)}"), external_id
            continue
        try:
            yield line, rows.from_csv(line, record, spelling), external_id
        except RowRejected as rejected:
            yield line, rejected, external_id


def _ndjson(stream: IO[str], spelling: Spelling) -> Iterator[Read]:
    for line, text in enumerate(stream, start=1):
        if not text.strip():
            continue
        try:
            values = json.loads(text, parse_float=str, parse_int=str)
        except (ValueError, RecursionError):
            yield line, RowRejected("", "is not a JSON object"), ""
            continue
        if not isinstance(values, dict):
            yield line, RowRejected("", "is not a JSON object"), ""
            continue
        external_id = values.get("external_id") if isinstance(values.get("external_id"), str) else ""
        try:
            yield line, rows.from_json(line, values, spelling), str(external_id).strip()
        except RowRejected as rejected:
            yield line, rejected, str(external_id).strip()
