"""Opening input files, compressed or not, and where reading one resumes (Cursor)."""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from pipeline.errors import InputError


def open_binary(path: str | Path) -> BinaryIO:
    """Open a file for reading bytes, decompressing it when its name ends in .gz."""
    path = Path(path)
    try:
        if path.suffix == ".gz":
            handle = gzip.open(path, "rb")
            handle.peek(1)  # a file that is not gzip fails here, not mid-corpus
            return handle
        return open(path, "rb")
    except gzip.BadGzipFile as err:
        raise InputError(str(path), "", f"not a gzip file ({err})") from None
    except OSError as err:
        raise InputError(str(path), "", err.strerror or str(err)) from None


@dataclass(frozen=True)
class Cursor:
    """A place in a JSONL, CSV or TSV file between two records: the byte offset in its
    (decompressed) content and the number of lines before it, so that reading from there
    numbers lines as reading from the start does."""

    offset: int = 0
    line: int = 0


def open_at(path: str | Path, cursor: Cursor) -> BinaryIO:
    """open_binary, positioned at the cursor (a .gz file is decompressed up to there, not parsed)."""
    handle = open_binary(path)
    if cursor.offset:
        handle.seek(cursor.offset)
    return handle
