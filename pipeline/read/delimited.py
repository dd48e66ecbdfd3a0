"""CSV and TSV files with a header row."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Iterator

from pipeline.errors import InputError
from pipeline.read.fields import FieldMap
from pipeline.read.records import BAD_ENCODING, MALFORMED, Record, Rejection, make_record
from pipeline.read.source import open_binary

FIELD_LIMIT = 2**31 - 1  # csv's default limit is 131,072 characters a field; a longer record is rejected later, as too long


def _has_bad_bytes(values) -> bool:
    return any(isinstance(v, str) and any("\udc80" <= c <= "\udcff" for c in v) for v in values)


def read_delimited(path: str | Path, fields: FieldMap = FieldMap(), delimiter: str = ",") -> Iterator[Record | Rejection]:
    """Yield a Record or a Rejection for each row of a CSV (delimiter ",") or TSV ("\\t") file."""
    source = str(path)
    csv.field_size_limit(max(csv.field_size_limit(), FIELD_LIMIT))
    with open_binary(path) as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", errors="surrogateescape", newline="")
        reader = csv.DictReader(text, delimiter=delimiter)
        try:
            header = reader.fieldnames or []
        except csv.Error as err:
            raise InputError(source, "line 1", f"unreadable header ({err})") from None
        missing = [name for name in (fields.id,) if name not in header]
        if not header or missing or (fields.title not in header and fields.abstract not in header):
            wanted = f"'{fields.id}' and '{fields.title}' or '{fields.abstract}'"
            raise InputError(source, "line 1", f"header must name the columns {wanted} (found: {', '.join(header) or 'nothing'})")
        record_number = 0
        while True:
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as err:
                raise InputError(source, f"line {reader.line_num}", f"unreadable CSV ({err})") from None
            record_number += 1
            position = f"line {reader.line_num}"
            if _has_bad_bytes([*row.values(), *row.get(None, ())]):
                yield Rejection(source, position, f"{BAD_ENCODING}: not valid UTF-8", None)
            elif None in row or None in row.values():
                yield Rejection(source, position, f"{MALFORMED}: {len(header)} columns expected", row.get(fields.id))
            else:
                yield make_record(
                    source, position, row.get(fields.id), row.get(fields.title), row.get(fields.abstract),
                    row.get(fields.year) or None, row.get(fields.journal) or "",
                )
