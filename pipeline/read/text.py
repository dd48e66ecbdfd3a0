"""Plain text: one document per .txt file, its id the file's stem."""

from __future__ import annotations

from pathlib import Path

from pipeline.read.records import BAD_ENCODING, Record, Rejection, make_record
from pipeline.read.source import open_binary


def read_text(path: str | Path) -> list[Record | Rejection]:
    """Read one .txt file as one document (its whole text is the abstract; no title)."""
    path = Path(path)
    with open_binary(path) as handle:
        data = handle.read()
    doc_id = path.name.split(".")[0]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        return [Rejection(str(path), f"byte {err.start}", f"{BAD_ENCODING}: {err.reason}", doc_id)]
    return [make_record(str(path), "file", doc_id, "", text)]
