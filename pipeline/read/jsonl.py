"""JSON Lines: one JSON object per line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterable, Iterator

from pipeline.read.fields import FieldMap
from pipeline.read.records import BAD_ENCODING, MALFORMED, Record, Rejection, make_record
from pipeline.read.source import open_binary


def read_jsonl(path: str | Path, fields: FieldMap = FieldMap()) -> Iterator[Record | Rejection]:
    """Yield a Record or a Rejection for each non-blank line of a JSONL file (.jsonl, .jsonl.gz)."""
    with open_binary(path) as handle:
        yield from read_jsonl_lines(handle, str(path), fields)


def read_jsonl_lines(lines: Iterable[bytes], source: str, fields: FieldMap = FieldMap(), number_ids: bool = False) -> Iterator[Record | Rejection]:
    """Yield a Record or a Rejection for each non-blank line of JSONL bytes (a file, stdin).

    With `number_ids`, a line without an id takes its line number as id.
    """
    for line_number, raw in enumerate(lines, start=1):
        position = f"line {line_number}"
        try:
            line = raw.decode("utf-8-sig" if line_number == 1 else "utf-8")
        except UnicodeDecodeError as err:
            yield Rejection(source, position, f"{BAD_ENCODING}: {err.reason} at byte {err.start}")
            continue
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as err:
            yield Rejection(source, position, f"{MALFORMED}: {err.msg} at column {err.colno}")
            continue
        except (ValueError, RecursionError) as err:  # a number of over 4,300 digits; nesting deeper than Python's stack
            yield Rejection(source, position, f"{MALFORMED}: {str(err).split(';')[0]}")
            continue
        if not isinstance(obj, dict):
            yield Rejection(source, position, f"{MALFORMED}: not a JSON object")
            continue
        doc_id = obj.get(fields.id, str(line_number) if number_ids else None)
        yield make_record(
            source, position, doc_id, obj.get(fields.title), obj.get(fields.abstract),
            obj.get(fields.year), obj.get(fields.journal) or "",
        )
