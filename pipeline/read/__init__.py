"""Read corpora: one reader per format, chosen by file extension or by name.

`read_corpus` yields a Record for every document to annotate and a Rejection, with
file, position and reason, for every input record that cannot be used; nothing is
dropped silently. JSONL, CSV and TSV files (SEEKABLE_FORMATS) can also be read from a
Cursor, a byte offset between two records that `read_items` gives for each record, so
that a slice of a large file is read without reading what comes before it.
"""

from __future__ import annotations

import gzip
import os
import zlib
from pathlib import Path
from typing import Callable, Iterable, Iterator

from pipeline.errors import InputError
from pipeline.read.delimited import delimited_items
from pipeline.read.fields import FieldMap
from pipeline.read.jsonl import jsonl_items
from pipeline.read.pubmed import read_pubmed_xml
from pipeline.read.records import FirstSeen, Record, Rejection, duplicate
from pipeline.read.source import Cursor
from pipeline.read.text import read_text

__all__ = [
    "FORMATS", "SEEKABLE_FORMATS", "Cursor", "FieldMap", "Record", "Rejection", "detect_format", "list_inputs", "read_corpus",
    "read_file", "read_items",
]

FORMATS = ("text", "jsonl", "csv", "tsv", "pubmed")
SEEKABLE_FORMATS = ("jsonl", "csv", "tsv")  # formats read from a Cursor; text and PubMed XML files are read whole

_EXTENSIONS = {
    ".txt": "text", ".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".tsv": "tsv", ".xml": "pubmed",
}


def detect_format(path: str | Path) -> str | None:
    """The format a file's extension implies (".xml.gz" -> "pubmed"), or None."""
    name = Path(path).name.lower()
    if name.endswith(".gz"):
        name = name[:-3]
    return _EXTENSIONS.get(os.path.splitext(name)[1])


def list_inputs(paths: Iterable[str | Path], fmt: str | None = None) -> list[tuple[Path, str]]:
    """Expand the input paths into (file, format) pairs, folders into their files in name order.

    In a folder, only files with a known extension are read (a README is passed over);
    a file named directly must have one unless the format is given. A given format
    overrides the extension.
    """
    inputs = []
    for path in map(Path, paths):
        if path.is_dir():
            found = [p for p in sorted(path.rglob("*")) if p.is_file() and not p.name.startswith(".") and detect_format(p)]
            if not found:
                raise InputError(str(path), "", f"no file to read in this folder (extensions read: {', '.join(_EXTENSIONS)}, also .gz)")
            inputs.extend((child, fmt or detect_format(child)) for child in found)
        elif path.is_file():
            file_format = fmt or detect_format(path)
            if file_format is None:
                raise InputError(str(path), "", "unknown format: name it with --format " + "|".join(FORMATS))
            inputs.append((path, file_format))
        else:
            raise InputError(str(path), "", "no such file or folder")
    for path, _ in inputs:
        _check_name(path)
    return inputs


def _check_name(path: Path) -> None:
    """InputError when a file name is not valid UTF-8: the tables and rejects.jsonl name each record's file."""
    try:
        str(path).encode("utf-8")
    except UnicodeEncodeError:
        shown = str(path).encode("utf-8", "backslashreplace").decode("utf-8")
        raise InputError(shown, "", "the file name is not valid UTF-8: rename the file") from None


def _reader(fmt: str, fields: FieldMap) -> Callable[[Path, Cursor], Iterable[tuple[Record | Rejection, Cursor | None]]]:
    """(path, cursor) -> the file's items from the cursor on, each with the cursor after it (None: not seekable)."""
    def whole(read: Callable[[Path], Iterable[Record | Rejection]]):
        def items(path: Path, start: Cursor):
            if start != Cursor():
                raise ValueError(f"a {fmt} file is read whole, not from {start}")
            return ((item, None) for item in read(path))
        return items

    return {
        "text": whole(read_text),
        "jsonl": lambda path, start: jsonl_items(path, fields, start),
        "csv": lambda path, start: delimited_items(path, fields, ",", start),
        "tsv": lambda path, start: delimited_items(path, fields, "\t", start),
        "pubmed": whole(read_pubmed_xml),
    }[fmt]


def read_file(path: str | Path, fmt: str, fields: FieldMap = FieldMap(), start: Cursor = Cursor()) -> Iterator[Record | Rejection]:
    """Read one file in the given format (a seekable one from `start` on). A file that breaks
    off (a truncated or corrupt .gz, a failing disk) is an InputError naming the file and the
    last record read."""
    return (item for item, _ in read_items(path, fmt, fields, start))


def read_items(
    path: str | Path, fmt: str, fields: FieldMap = FieldMap(), start: Cursor = Cursor(),
) -> Iterator[tuple[Record | Rejection, Cursor | None]]:
    """read_file's items, each with the cursor just after it (None for text and PubMed XML)."""
    path = Path(path)
    position = "before the first record"
    try:
        for item, cursor in _reader(fmt, fields)(path, start):
            position = f"after {item.position}"
            yield item, cursor
    except EOFError:
        raise InputError(str(path), position, "truncated gzip file (it ends before its end-of-stream marker)") from None
    except (gzip.BadGzipFile, zlib.error) as err:
        raise InputError(str(path), position, f"corrupt gzip file ({err})") from None
    except OSError as err:
        raise InputError(str(path), position, f"read error ({err.strerror or err})") from None


def read_corpus(paths: Iterable[str | Path], fmt: str | None = None, fields: FieldMap = FieldMap()) -> Iterator[Record | Rejection]:
    """Yield every record of the inputs in order; a repeated document id is rejected."""
    first_seen = FirstSeen()
    for path, file_format in list_inputs(paths, fmt):
        for item in read_file(path, file_format, fields):
            if isinstance(item, Record):
                earlier = first_seen.earlier(item.doc_id, f"{item.source}:{item.position}")
                if earlier:
                    item = duplicate(item, earlier)
            yield item
