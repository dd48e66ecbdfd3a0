"""JSON Lines: one JSON object per line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterator

from pipeline.read.fields import FieldMap
from pipeline.read.records import BAD_ENCODING, MALFORMED, Record, Rejection, make_record
from pipeline.read.source import open_binary


def read_jsonl(path: str | Path, fields: FieldMap = FieldMap()) -> Iterator[Record | Rejection]:
    """Yield a Record or a Rejection for each non-blank line of a JSONL file (.jsonl, .jsonl.gz)."""
    source = str(path)
    with open_binary(path) as handle:
        for line_number, raw in enumerate(handle, start=1):
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
            if not isinstance(obj, dict):
                yield Rejection(source, position, f"{MALFORMED}: not a JSON object")
                continue
            yield make_record(
                source, position, obj.get(fields.id), obj.get(fields.title), obj.get(fields.abstract),
                obj.get(fields.year), obj.get(fields.journal) or "",
            )
