"""Reading a JSONL, CSV or TSV file from a cursor (the byte offset and line count after a
record, as the planning pass records them) gives exactly the items a read from the start
gives from there on: the same records, rejections and line numbers."""

from __future__ import annotations

import gzip

import pytest

from pipeline.read import FieldMap, Rejection, read_file, read_items
from pipeline.scale.partition import ScanUnit, scan_unit

JSONL = (
    b'\xef\xbb\xbf{"id": "1", "title": "Morphine", "abstract": "The VTA."}\n'
    b"\n"
    b'{"id": "2", "abstract": "Caf\xc3\xa9 \xe2\x80\x94 the BNST."}\r\n'
    b'{"id": "3", "abstract": "bad \xff byte"}\n'
    b"{broken\n"
    b"   \n"
    b'{"id": "4", "title": "", "abstract": ""}\n'
    b'{"id": "5", "abstract": "Last line without a newline."}'
)
CSV = (
    b"\xef\xbb\xbfid,title,abstract\r\n"
    b'1,Morphine,"The VTA,\r\nover two lines."\r\n'
    b"\r\n"
    b"2,Naloxone,Withdrawal.\r"
    b"3,Lone carriage returns,End the line.\r"
    b'4,"Quoted ""title""",bad \xff byte\n'
    b"5,too,many,columns\n"
    b'6,Last,"Multi\nline\nabstract"'
)


def items(path, fmt, **start):
    return [item.as_dict() if isinstance(item, Rejection) else (item.doc_id, item.position, item.text)
            for item in read_file(path, fmt, FieldMap(), **start)]


@pytest.mark.parametrize("name, data", [
    ("a.jsonl", JSONL), ("a.jsonl.gz", gzip.compress(JSONL)), ("a.csv", CSV), ("a.csv.gz", gzip.compress(CSV)),
    ("a.tsv", CSV.replace(b",", b"\t")),
])
def test_reading_from_any_cursor_continues_as_a_sequential_read(tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data)
    fmt = name.split(".")[1]
    everything = items(path, fmt)
    assert len(everything) >= 6 and any(isinstance(item, dict) for item in everything)
    scan = scan_unit(ScanUnit(fmt, (str(path),)), FieldMap())
    assert scan.items == len(everything) and [n for n, *_ in scan.ids] == [n for n, i in enumerate(everything) if not isinstance(i, dict)]
    for n in range(scan.items + 1):
        assert items(path, fmt, start=scan.cursor(n)) == everything[n:], n
    cursors = [cursor for _, cursor in read_items(path, fmt)]
    assert [c.offset for c in cursors] == list(scan.offsets) and cursors[-1].offset == len(gzip.decompress(data) if name.endswith(".gz") else data)
