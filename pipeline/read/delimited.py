"""CSV and TSV files with a header row."""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import BinaryIO, Iterator

from pipeline.errors import InputError
from pipeline.read.fields import FieldMap
from pipeline.read.records import BAD_ENCODING, MALFORMED, Record, Rejection, make_record
from pipeline.read.source import Cursor, open_at

FIELD_LIMIT = 2**31 - 1  # csv's default limit is 131,072 characters a field; a longer record is rejected later, as too long
_AFTER_LONE_CR = re.compile(rb"(?<=\r)(?!\n)")  # a line break that is a carriage return alone


def _has_bad_bytes(values) -> bool:
    return any(isinstance(v, str) and any("\udc80" <= c <= "\udcff" for c in v) for v in values)


class _Lines:
    """The lines of a file as csv wants them (as open(newline="") gives them: ending in \n, \r\n or
    \r, kept; UTF-8, bad bytes as surrogates), counting the bytes read: csv reads no line
    beyond the record it returns, so `consumed` is where the next record starts."""

    def __init__(self, handle: BinaryIO, offset: int) -> None:
        self.handle = handle
        self.consumed = offset
        self.encoding = "utf-8-sig" if offset == 0 else "utf-8"  # a byte-order mark only at the start

    def __iter__(self) -> Iterator[str]:
        for chunk in iter(self.handle.readline, b""):
            for line in _AFTER_LONE_CR.split(chunk) if b"\r" in chunk else (chunk,):
                if line:
                    self.consumed += len(line)
                    yield line.decode(self.encoding, "surrogateescape")
                    self.encoding = "utf-8"


def read_delimited(
    path: str | Path, fields: FieldMap = FieldMap(), delimiter: str = ",", start: Cursor | None = None,
) -> Iterator[Record | Rejection]:
    """Yield a Record or a Rejection for each row of a CSV (delimiter ",") or TSV ("\\t") file,
    from the first (or from `start`, a cursor past the header)."""
    return (item for item, _ in delimited_items(path, fields, delimiter, start))


def delimited_items(
    path: str | Path, fields: FieldMap = FieldMap(), delimiter: str = ",", start: Cursor | None = None,
) -> Iterator[tuple[Record | Rejection, Cursor]]:
    """read_delimited's items, each with the cursor just after its row."""
    source = str(path)
    csv.field_size_limit(max(csv.field_size_limit(), FIELD_LIMIT))
    with open_at(path, Cursor()) as raw:
        lines = _Lines(raw, 0)
        header_reader = csv.reader(iter(lines), delimiter=delimiter)
        try:
            header = next(header_reader, None) or []
        except csv.Error as err:
            raise InputError(source, "line 1", f"unreadable header ({err})") from None
        missing = [name for name in (fields.id,) if name not in header]
        if not header or missing or (fields.title not in header and fields.abstract not in header):
            wanted = f"'{fields.id}' and '{fields.title}' or '{fields.abstract}'"
            raise InputError(source, "line 1", f"header must name the columns {wanted} (found: {', '.join(header) or 'nothing'})")
        if start is None or start.offset <= lines.consumed:
            start = Cursor(lines.consumed, header_reader.line_num)
        else:
            raw.seek(start.offset)
            lines = _Lines(raw, start.offset)
        reader = csv.DictReader(iter(lines), fieldnames=header, delimiter=delimiter)
        while True:
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as err:
                raise InputError(source, f"line {start.line + reader.line_num}", f"unreadable CSV ({err})") from None
            line = start.line + reader.line_num
            position, cursor = f"line {line}", Cursor(lines.consumed, line)
            if _has_bad_bytes([*row.values(), *row.get(None, ())]):
                yield Rejection(source, position, f"{BAD_ENCODING}: not valid UTF-8", None), cursor
            elif None in row or None in row.values():
                yield Rejection(source, position, f"{MALFORMED}: {len(header)} columns expected", row.get(fields.id)), cursor
            else:
                yield make_record(
                    source, position, row.get(fields.id), row.get(fields.title), row.get(fields.abstract),
                    row.get(fields.year) or None, row.get(fields.journal) or "",
                ), cursor
