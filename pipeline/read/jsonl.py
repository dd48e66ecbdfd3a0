"""JSON Lines: one JSON object per line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterable, Iterator

from pipeline.read.fields import FieldMap
from pipeline.read.records import BAD_ENCODING, MALFORMED, Record, Rejection, make_record
from pipeline.read.source import Cursor, open_at


def read_jsonl(path: str | Path, fields: FieldMap = FieldMap(), start: Cursor = Cursor()) -> Iterator[Record | Rejection]:
    """Yield a Record or a Rejection for each non-blank line of a JSONL file (.jsonl, .jsonl.gz), from `start` on."""
    return (item for item, _ in jsonl_items(path, fields, start))


def jsonl_items(path: str | Path, fields: FieldMap = FieldMap(), start: Cursor = Cursor()) -> Iterator[tuple[Record | Rejection, Cursor]]:
    """read_jsonl's items, each with the cursor just after its line."""
    source = str(path)
    with open_at(path, start) as handle:
        for number, obj, consumed in json_objects(handle, source, start.line + 1):
            cursor = Cursor(start.offset + consumed, number)
            if isinstance(obj, Rejection):
                yield obj, cursor
            else:
                yield make_record(
                    source, f"line {number}", obj.get(fields.id), obj.get(fields.title), obj.get(fields.abstract),
                    obj.get(fields.year), obj.get(fields.journal) or "",
                ), cursor


def read_id_text_lines(lines: Iterable[bytes], source: str = "<stdin>") -> Iterator[Record | Rejection]:
    """Yield a Record or a Rejection for each non-blank line {"id": ..., "text": ...} (`annotate -`);
    only those two keys are read, and a line without an id takes its line number."""
    for number, obj, _ in json_objects(lines, source):
        yield obj if isinstance(obj, Rejection) else make_record(source, f"line {number}", obj.get("id", str(number)), "", obj.get("text"))


def json_objects(lines: Iterable[bytes], source: str, first: int = 1) -> Iterator[tuple[int, dict | Rejection, int]]:
    """(line number, its JSON object or the Rejection of the line, bytes read through it) for
    each non-blank line of UTF-8 bytes; the first line is number `first`."""
    consumed = 0
    for number, raw in enumerate(lines, start=first):
        consumed += len(raw)
        position = f"line {number}"
        try:
            line = raw.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError as err:
            yield number, Rejection(source, position, f"{BAD_ENCODING}: {err.reason} at byte {err.start}"), consumed
            continue
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as err:
            obj = Rejection(source, position, f"{MALFORMED}: {err.msg} at column {err.colno}")
        except (ValueError, RecursionError) as err:  # a number of over 4,300 digits; nesting deeper than Python's stack
            obj = Rejection(source, position, f"{MALFORMED}: {str(err).split(';')[0]}")
        if not isinstance(obj, (dict, Rejection)):
            obj = Rejection(source, position, f"{MALFORMED}: not a JSON object")
        yield number, obj, consumed
