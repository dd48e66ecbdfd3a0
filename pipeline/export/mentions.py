"""Mentions as JSON Lines: one object per mention, with the columns of mentions.parquet.

Read from the mentions tables of extract folders in batches, so memory stays flat
however large the corpus.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterable, Iterator, Sequence

import pyarrow.parquet as pq

from pipeline.files.atomic import atomic_open
from pipeline.tabulate import MENTIONS_FILE


def mention_rows(directories: Sequence[str | Path]) -> Iterator[dict]:
    """The rows of the mentions tables of extract folders, in order."""
    for directory in directories:
        for batch in pq.ParquetFile(Path(directory) / MENTIONS_FILE).iter_batches():
            yield from batch.to_pylist()


def write_mentions_jsonl(rows: Iterable[dict], path: str | Path) -> None:
    """Write mention rows as JSON Lines (keys in table order), atomically."""
    with atomic_open(path) as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")


def read_mentions_jsonl(path: str | Path) -> Iterator[dict]:
    """The mention rows of a JSON Lines file written by write_mentions_jsonl."""
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            yield json.loads(line)
