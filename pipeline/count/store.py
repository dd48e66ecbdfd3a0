"""The count tables: co-occurrence counts written beside the mentions, and read back.

Each extract run (each partition, each spilled run) writes its counts as two Parquet
tables, concepts and pairs sorted by key, for all mentions and again for the affirmed
ones (LAYERS), and a JSON file of totals. Every count table is written in row groups
of ROW_GROUP_ROWS rows (tabulate.RowGroupWriter), so its bytes depend on its rows only.
A graph with a `--min-count` reads only the pairs it keeps (read_counts); each
concept's total link strength (shared_sentences, shared_documents) is counted with it,
so statistics over all pairs stay exact.
"""

from __future__ import annotations

import contextlib
import gc
import json
from dataclasses import dataclass
from itertools import islice
from operator import attrgetter
from pathlib import Path
from typing import Callable, Iterable, Iterator, Mapping, Sequence

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from pipeline.count.counts import WINDOW_COLUMNS, ConceptCount, CooccurrenceCounts, PairCount, doc_order
from pipeline.errors import InputError
from pipeline.files.atomic import atomic_open, atomic_path
from pipeline.tabulate import RowGroupWriter

CONCEPTS_FILE = "cooccurrence_concepts.parquet"
PAIRS_FILE = "cooccurrence_pairs.parquet"
TOTALS_FILE = "cooccurrence_totals.json"
AFFIRMED_CONCEPTS_FILE = "cooccurrence_affirmed_concepts.parquet"  # the same tables, counting affirmed mentions only
AFFIRMED_PAIRS_FILE = "cooccurrence_affirmed_pairs.parquet"
READ_ROWS = 1_024  # rows read from (and built into) a count table at a time


def _keyed_counts(items: Iterable[Mapping[str, int]]) -> tuple[list[list[str]], list[list[int]]]:
    """Count dicts as two parallel list columns (keys sorted)."""
    keys, values = [], []
    for counts in items:
        ordered = sorted(counts) if counts else []
        keys.append(ordered)
        values.append([counts[k] for k in ordered] if counts else [])
    return keys, values


CONCEPT_SCHEMA = pa.schema([
    ("concept_id", pa.string()), ("name", pa.string()), ("type", pa.string()),
    ("mentions", pa.int64()), ("sentences", pa.int64()), ("documents", pa.int64()),
    ("species_tags", pa.list_(pa.string())), ("species_documents", pa.list_(pa.int64())),
    ("shared_sentences", pa.int64()), ("shared_documents", pa.int64()),
])
PAIR_SCHEMA = pa.schema([
    ("source", pa.string()), ("target", pa.string()), ("sentences", pa.int64()), ("documents", pa.int64()),
    ("doc_ids", pa.list_(pa.string())), ("evidence_doc_id", pa.string()), ("evidence_sent_id", pa.int64()),
    ("evidence", pa.string()), ("first_year", pa.int32()), ("last_year", pa.int32()),
    ("species_tags", pa.list_(pa.string())), ("species_documents", pa.list_(pa.int64())),
    ("relation_keys", pa.list_(pa.string())), ("relation_counts", pa.list_(pa.int64())),
    ("relation_evidence_doc_ids", pa.list_(pa.string())), ("relation_evidence_sent_ids", pa.list_(pa.int64())),
    ("relation_evidence", pa.list_(pa.string())),
])


def _concepts_table(items: list[tuple[str, ConceptCount]]) -> pa.Table:
    """Concept rows, in the order given."""
    concepts = [c for _, c in items]
    species_tags, species_documents = _keyed_counts(c.species for c in concepts)
    return pa.table({
        "concept_id": [concept_id for concept_id, _ in items],
        "name": [c.name for c in concepts],
        "type": [c.type for c in concepts],
        "mentions": [c.mentions for c in concepts],
        "sentences": [c.sentences for c in concepts],
        "documents": [c.documents for c in concepts],
        "species_tags": species_tags,
        "species_documents": species_documents,
        "shared_sentences": [c.shared_sentences for c in concepts],
        "shared_documents": [c.shared_documents for c in concepts],
    }, schema=CONCEPT_SCHEMA)


_PAIR_FIELDS = attrgetter(
    "sentences", "documents", "doc_ids", "evidence_key", "evidence", "first_year", "last_year", "species", "relations", "relation_evidence",
)


def _pairs_table(items: list[tuple[tuple[str, str], PairCount]]) -> pa.Table:
    """Pair rows, in the order given."""
    values = list(zip(*map(_PAIR_FIELDS, (p for _, p in items)))) or [()] * 10
    sentences, documents, doc_ids, evidence_keys, evidence, first_years, last_years, species, relations, relation_evidence = values
    species_tags, species_documents = _keyed_counts(species)
    relation_keys, relation_counts = _keyed_counts(relations)
    evidence_of = [[found.get(k, ((), "")) for k in ks] if ks else [] for found, ks in zip(relation_evidence, relation_keys)]
    return pa.table({
        "source": [a for (a, _), _ in items],
        "target": [b for (_, b), _ in items],
        "sentences": list(sentences),
        "documents": list(documents),
        "doc_ids": list(doc_ids),
        "evidence_doc_id": [key[0][1] if key else "" for key in evidence_keys],
        "evidence_sent_id": [key[1] if key else -1 for key in evidence_keys],
        "evidence": list(evidence),
        "first_year": list(first_years),
        "last_year": list(last_years),
        "species_tags": species_tags,
        "species_documents": species_documents,
        "relation_keys": relation_keys,
        "relation_counts": relation_counts,
        "relation_evidence_doc_ids": [[k[0][1] if k else "" for k, _ in e] if e else [] for e in evidence_of],
        "relation_evidence_sent_ids": [[k[1] if k else -1 for k, _ in e] if e else [] for e in evidence_of],
        "relation_evidence": [[text for _, text in e] if e else [] for e in evidence_of],
    }, schema=PAIR_SCHEMA)


def _evidence_key(doc_id: str, sent_id: int) -> tuple:
    return (doc_order(doc_id), sent_id) if sent_id >= 0 else ()


def _concept_item(
    concept_id, name, type, mentions, sentences, documents, species_tags, species_documents, shared_sentences, shared_documents,
) -> tuple[str, ConceptCount]:
    """A (concept id, count) item from the values of a row of CONCEPT_SCHEMA."""
    return concept_id, ConceptCount(
        name, type, mentions, sentences, documents, dict(zip(species_tags, species_documents)), shared_sentences, shared_documents,
    )


def _pair_item(
    source, target, sentences, documents, doc_ids, evidence_doc_id, evidence_sent_id, evidence, first_year, last_year,
    species_tags, species_documents, relation_keys, relation_counts, relation_evidence_doc_ids, relation_evidence_sent_ids,
    relation_evidence,
) -> tuple[tuple[str, str], PairCount]:
    """A ((source, target), count) item from the values of a row of PAIR_SCHEMA."""
    first_evidence = {
        key: (_evidence_key(doc_id, sent_id), text)
        for key, doc_id, sent_id, text in zip(
            relation_keys, relation_evidence_doc_ids, relation_evidence_sent_ids, relation_evidence)
        if sent_id >= 0
    }
    return (source, target), PairCount(
        sentences, documents, doc_ids, _evidence_key(evidence_doc_id, evidence_sent_id), evidence, first_year, last_year,
        dict(zip(species_tags, species_documents)), dict(zip(relation_keys, relation_counts)), first_evidence,
    )


@dataclass(frozen=True)
class CountTable:
    """One kind of count table: its schema, rows from (key, count) items and an item from a
    row's values."""

    schema: pa.Schema
    key: tuple[str, ...]  # the key columns, by which the rows are sorted (an item's key: their values, or the one value)
    rows: Callable[[list], pa.Table]
    item: Callable[..., tuple]


CONCEPT_TABLE = CountTable(CONCEPT_SCHEMA, ("concept_id",), _concepts_table, _concept_item)
PAIR_TABLE = CountTable(PAIR_SCHEMA, ("source", "target"), _pairs_table, _pair_item)
LAYERS = (  # (concepts file, pairs file) of all mentions, then of affirmed mentions
    (CONCEPTS_FILE, PAIRS_FILE), (AFFIRMED_CONCEPTS_FILE, AFFIRMED_PAIRS_FILE),
)


def count_file(path: Path, kind: CountTable) -> pq.ParquetFile:
    """A count table, opened; InputError when it lacks a column (an older version wrote it)."""
    table = pq.ParquetFile(path)
    missing = [name for name in kind.schema.names if name not in table.schema_arrow.names]
    if missing:
        raise InputError(path, "", f"counts written by an earlier version of neuroconcepts (no column {missing[0]!r}): run extract again")
    return table


def _read_items(path: Path, kind: CountTable, keep: Callable[[pa.RecordBatch], pa.Array] | None = None) -> Iterator[tuple]:
    """The (key, count) items of a count table, in its (key) order, READ_ROWS rows at a time;
    with `keep`, only the rows of each batch it marks (before they become Python objects)."""
    for batch in count_file(path, kind).iter_batches(batch_size=READ_ROWS):
        yield from _items(batch.filter(keep(batch)) if keep else batch, kind)


def _items(rows: pa.RecordBatch | pa.Table, kind: CountTable) -> Iterator[tuple]:
    """The (key, count) items of count rows."""
    return map(kind.item, *map(_values, rows.columns))


def _values(column: pa.Array | pa.ChunkedArray) -> list:
    """column.to_pylist(), faster for list columns (their values converted in one go, then cut)."""
    if isinstance(column, pa.ChunkedArray):
        return [value for chunk in column.chunks for value in _values(chunk)]
    if not pa.types.is_list(column.type):
        return column.to_pylist()
    offsets, values = column.offsets.to_pylist(), column.values.to_pylist()
    return [values[start:end] for start, end in zip(offsets, offsets[1:])]


def write_tables(tables: Iterable[pa.Table], path: Path, kind: CountTable) -> None:
    """Write tables of count rows, in key order, as one count table (row groups of ROW_GROUP_ROWS), atomically."""
    with atomic_path(path) as tmp, RowGroupWriter(tmp, kind.schema) as writer:
        for table in tables:
            writer.write(table)


def _write_items(items: Iterable[tuple], path: Path, kind: CountTable) -> None:
    """Write (key, count) items, in key order, as a count table."""
    items = iter(items)
    write_tables((kind.rows(chunk) for chunk in iter(lambda: list(islice(items, READ_ROWS)), [])), path, kind)


def read_totals(directory: Path) -> dict:
    """The totals of a counts folder; InputError when it has none (not a folder extract wrote)."""
    path = directory / TOTALS_FILE
    if not path.is_file():
        raise InputError(directory, "", f"not an extract output folder (no {TOTALS_FILE})")
    return json.loads(path.read_text(encoding="utf-8"))


def write_totals(totals: dict, directory: Path) -> dict:
    """Write the totals file; the totals."""
    with atomic_open(directory / TOTALS_FILE) as handle:
        json.dump(totals, handle, indent=2, sort_keys=True)
        handle.write("\n")
    return totals


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector paused meanwhile: writing counts makes objects by the hundred
    thousand and no reference cycle, and each full collection it would start visits every
    object alive, the counts' own included (it took half the time of writing a partition's)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def write_counts(counts: CooccurrenceCounts, directory: str | Path) -> dict:
    """Write counts as Parquet tables (concepts and pairs, all and affirmed) and a JSON file
    of totals (documents, sentences, species), each atomically; the totals."""
    directory = Path(directory)
    with _collector_paused():
        for (concepts_file, pairs_file), layer in zip(LAYERS, (counts, counts.affirmed_counts())):
            _write_items(sorted(layer.concepts.items()), directory / concepts_file, CONCEPT_TABLE)
            _write_items(sorted(layer.pairs.items()), directory / pairs_file, PAIR_TABLE)
    return write_totals({"documents": counts.documents, "sentences": counts.sentences, "species": counts.species}, directory)


def write_count_tables(layers: Sequence[tuple[pa.Table, pa.Table]], totals: dict, directory: str | Path) -> dict:
    """Write count tables made elsewhere, (concept rows, pair rows) in key order for all
    mentions and for affirmed ones, and the totals, as write_counts writes them; the totals."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    for files, tables in zip(LAYERS, layers):
        for name, kind, table in zip(files, (CONCEPT_TABLE, PAIR_TABLE), tables):
            write_tables([table.select(kind.schema.names).cast(kind.schema)], directory / name, kind)
    return write_totals(totals, directory)


def read_counts(
    directory: str | Path, min_count: int = 0, window: str = "sentence", affirmed_windows_only: bool = False,
) -> CooccurrenceCounts:
    """Read counts written by write_counts.

    Pairs sharing fewer than `min_count` windows (sentences or documents, by `window`,
    over all mentions) are read in neither layer, so memory holds only the pairs a graph
    with that `min_count` can keep (with 1, the pairs that share a document but no
    sentence stay out of a sentence graph); statistics over all pairs stay exact
    (ConceptCount.shared_sentences and shared_documents count every pair). With
    `affirmed_windows_only`, the affirmed layer's pairs hold their window counts only (what
    a graph that does not exclude negated mentions reads of them).
    """
    directory = Path(directory)
    totals = read_totals(directory)

    def layer(concepts_file: str, pairs: dict) -> CooccurrenceCounts:
        concepts = dict(_read_items(directory / concepts_file, CONCEPT_TABLE))
        return CooccurrenceCounts(totals["documents"], totals["sentences"], concepts, pairs, dict(totals["species"]))

    def reaches_min_count(batch: pa.RecordBatch) -> pa.Array:
        return pc.greater_equal(batch[WINDOW_COLUMNS[window]], min_count)

    def kept_in_all_mentions(batch: pa.RecordBatch) -> pa.Array:  # affirmed pairs are a subset of all pairs
        return pa.array([key in counts.pairs for key in zip(batch["source"].to_pylist(), batch["target"].to_pylist())])

    def windows(path: Path) -> Iterator[tuple[tuple[str, str], PairCount]]:
        for batch in count_file(path, PAIR_TABLE).iter_batches(batch_size=READ_ROWS, columns=["source", "target", *WINDOW_COLUMNS.values()]):
            batch = batch.filter(kept_in_all_mentions(batch)) if min_count else batch
            for source, target, *counted in zip(*(column.to_pylist() for column in batch.columns)):
                yield (source, target), PairCount(*counted)

    (concepts_file, pairs_file), (affirmed_concepts_file, affirmed_pairs_file) = LAYERS
    counts = layer(concepts_file, dict(_read_items(directory / pairs_file, PAIR_TABLE, reaches_min_count if min_count else None)))
    if affirmed_windows_only:
        affirmed_pairs = windows(directory / affirmed_pairs_file)
    else:
        affirmed_pairs = _read_items(directory / affirmed_pairs_file, PAIR_TABLE, kept_in_all_mentions if min_count else None)
    counts.affirmed = layer(affirmed_concepts_file, dict(affirmed_pairs))
    return counts
