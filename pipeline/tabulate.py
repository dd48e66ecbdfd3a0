"""Tabulate: stream annotated documents into documents.parquet, mentions.parquet and mentions.csv.

Rows are written in batches (memory stays flat however large the corpus), into
temporary files that replace the outputs only when the writer is closed without
error, so an interrupted run leaves no half-written table behind. mentions.csv guards
its text cells (csv_cell), as the graph's CSV tables do (pipeline.export.tables).
"""

from __future__ import annotations

import contextlib
import csv
import json
from pathlib import Path
from typing import IO

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.annotate.document import AnnotatedDocument, Mention
from pipeline.files.atomic import atomic_open, atomic_path
from pipeline.read import Rejection

DOCUMENTS_FILE = "documents.parquet"
MENTIONS_FILE = "mentions.parquet"
MENTIONS_CSV = "mentions.csv"
REJECTS_FILE = "rejects.jsonl"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # a spreadsheet reads a cell starting so as a formula (OWASP, CSV injection)
ROW_GROUP_ROWS = 65_536  # rows per row group of the tables a run ends with (joined tables, co-occurrence counts)

DOCUMENT_SCHEMA = pa.schema([
    ("doc_id", pa.string()), ("title", pa.string()), ("year", pa.int32()), ("journal", pa.string()),
    ("mesh", pa.list_(pa.string())), ("source", pa.string()), ("n_sentences", pa.int32()), ("n_mentions", pa.int32()),
    ("species", pa.list_(pa.string())),
])
MENTION_SCHEMA = pa.schema([
    ("doc_id", pa.string()), ("sent_id", pa.int32()), ("start", pa.int32()), ("end", pa.int32()),
    ("text", pa.string()), ("label", pa.string()), ("concept_id", pa.string()), ("concept_name", pa.string()),
    ("source", pa.string()), ("abbreviation", pa.string()), ("linked", pa.bool_()),
    ("negated", pa.bool_()), ("hedged", pa.bool_()),
])


class TableWriter:
    """Writes the documents and mentions tables and the rejects file of one extract run.

    Use as a context manager: the files appear in `directory` when the block ends
    without an exception.
    """

    def __init__(self, directory: str | Path, batch_size: int = 2048) -> None:
        self.directory = Path(directory)
        self.batch_size = batch_size
        self.documents: list[AnnotatedDocument] = []
        self.n_documents = 0
        self.n_mentions = 0
        self._stack = contextlib.ExitStack()

    def __enter__(self) -> "TableWriter":
        stack = self._stack
        paths = {name: stack.enter_context(atomic_path(self.directory / name)) for name in (DOCUMENTS_FILE, MENTIONS_FILE)}
        self._doc_writer = stack.enter_context(pq.ParquetWriter(paths[DOCUMENTS_FILE], DOCUMENT_SCHEMA))
        self._mention_writer = stack.enter_context(pq.ParquetWriter(paths[MENTIONS_FILE], MENTION_SCHEMA))
        self._csv_handle: IO = stack.enter_context(atomic_open(self.directory / MENTIONS_CSV))
        self._csv = csv.writer(self._csv_handle, lineterminator="\n")
        self._csv.writerow(MENTION_SCHEMA.names)
        self._rejects: IO = stack.enter_context(atomic_open(self.directory / REJECTS_FILE))
        return self

    def __exit__(self, *exc_info) -> bool:
        if exc_info[0] is None:
            self._flush()
        return self._stack.__exit__(*exc_info)

    def add(self, document: AnnotatedDocument) -> None:
        """Queue one annotated document; full batches are written out."""
        self.documents.append(document)
        if len(self.documents) >= self.batch_size:
            self._flush()

    def reject(self, rejection: Rejection) -> None:
        """Record an input record that was not processed, with its reason."""
        self._rejects.write(json.dumps(rejection.as_dict(), ensure_ascii=False, sort_keys=True) + "\n")

    def _flush(self) -> None:
        documents, self.documents = self.documents, []
        mentions = [m for d in documents for m in d.mentions]
        self.n_documents += len(documents)
        self.n_mentions += len(mentions)
        self._doc_writer.write_table(documents_table(documents))
        self._mention_writer.write_table(mentions_table(mentions))
        self._csv.writerows(tuple(csv_cell(getattr(m, name)) for name in MENTION_SCHEMA.names) for m in mentions)


class RowGroupWriter:
    """A Parquet writer that cuts the rows it is given into row groups of exactly `rows`
    rows (the last one shorter), so the file's bytes depend on its rows only, not on how
    they arrived; a table of at most `rows` rows is written as pyarrow.parquet.write_table
    would write it. At most one row group is held in memory. Use as a context manager."""

    def __init__(self, path: str | Path, schema: pa.Schema, rows: int = ROW_GROUP_ROWS) -> None:
        self.rows = rows
        self._writer = pq.ParquetWriter(path, schema)
        self._pending = schema.empty_table()

    def __enter__(self) -> "RowGroupWriter":
        return self

    def __exit__(self, *exc_info) -> None:
        if exc_info[0] is None and self._pending.num_rows:
            self._writer.write_table(self._pending.combine_chunks())
        self._writer.close()

    def write(self, table: pa.Table) -> None:
        """Add rows; each full row group is written out."""
        pending = pa.concat_tables([self._pending, table])
        while pending.num_rows >= self.rows:
            self._writer.write_table(pending.slice(0, self.rows).combine_chunks())
            pending = pending.slice(self.rows)
        self._pending = pending


def documents_table(documents: list[AnnotatedDocument]) -> pa.Table:
    """One row per document: id, title, year, journal, MeSH headings, source file, counts, species tags."""
    records = [d.record for d in documents]
    return pa.table({
        "doc_id": [r.doc_id for r in records],
        "title": [r.title for r in records],
        "year": [r.year for r in records],
        "journal": [r.journal for r in records],
        "mesh": [list(r.mesh) for r in records],
        "source": [r.source for r in records],
        "n_sentences": [len(d.sentences) for d in documents],
        "n_mentions": [len(d.mentions) for d in documents],
        "species": [list(d.species) for d in documents],
    }, schema=DOCUMENT_SCHEMA)


def mentions_table(mentions: list[Mention]) -> pa.Table:
    """One row per mention, columns as in MENTION_SCHEMA."""
    return pa.table({name: [getattr(m, name) for m in mentions] for name in MENTION_SCHEMA.names}, schema=MENTION_SCHEMA)


def csv_cell(value):
    """A CSV cell a spreadsheet shows as text: a string starting with =, +, -, @, tab or
    CR gets a leading single quote; numbers and other strings are left as they are."""
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_STARTS) else value
