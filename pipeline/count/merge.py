"""The streaming merge of count tables, and counts that spill to disk.

Memory does not grow with the corpus: a partition counts at most SPILL_PAIRS pairs in
memory (SpillingCounts) and writes them out as a run when there are more; runs and
partitions are added up by merge_counts, which merges their tables (sorted by key) by
streaming, MERGE_ROWS rows of each at a time, the rows of one key merged with Arrow and
numpy operations.
"""

from __future__ import annotations

import shutil
from functools import reduce
from pathlib import Path
from typing import Callable, Iterator, Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pipeline.annotate.document import AnnotatedDocument
from pipeline.count.counts import MAX_DOC_IDS, CooccurrenceCounts, add_counts
from pipeline.count.store import (
    CONCEPT_SCHEMA, CONCEPT_TABLE, LAYERS, PAIR_SCHEMA, PAIR_TABLE, TOTALS_FILE, CountTable, count_file, read_totals, write_counts,
    write_tables, write_totals,
)
from pipeline.files.atomic import atomic_path

SPILL_PAIRS = 100_000  # pairs (both layers) counted in memory before they are written out as a run (SpillingCounts)
MERGE_FAN_IN = 16  # count folders merged at once (merge_counts)
MERGE_ROWS = 65_536  # rows read from each count table at a time when merging (merge_counts)


def _run_starts(table: pa.Table, names: Sequence[str]) -> np.ndarray:
    """The first row of each run of equal values of the `names` columns (in a table sorted by them)."""
    first = np.ones(table.num_rows, dtype=bool)
    if table.num_rows > 1:
        same = [pc.equal(table[name].slice(1), table[name].slice(0, table.num_rows - 1)) for name in names]
        first[1:] = ~reduce(pc.and_, same).to_numpy()
    return np.flatnonzero(first)


def _sorted_groups(table: pa.Table, key: Sequence[str]) -> tuple[pa.Table, np.ndarray, np.ndarray]:
    """The rows sorted by the key columns (stably: the rows of one key stay in their order),
    the group number of each row (the rows of one key form a group) and the first row of each group."""
    table = table.take(pc.sort_indices(table, [(name, "ascending") for name in key]))
    starts = _run_starts(table, key)
    groups = np.zeros(table.num_rows, dtype=np.int64)
    groups[starts[1:]] = 1
    return table, np.cumsum(groups), starts


def _lists(groups: np.ndarray, n_groups: int, *columns: pa.Array) -> list[pa.ListArray]:
    """List columns of n_groups rows, row g holding the values of `columns` whose group is g (`groups`, ascending)."""
    offsets = np.concatenate([[0], np.cumsum(np.bincount(groups, minlength=n_groups))]).astype(np.int32)
    return [pa.ListArray.from_arrays(pa.array(offsets), column) for column in columns]


def _flat(table: pa.Table, groups: np.ndarray, *names: str) -> pa.Table:
    """The values of parallel list columns, flattened, with the group of the row each came from ("group")."""
    lists = [table[name].combine_chunks() for name in names]
    parents = pc.list_parent_indices(lists[0]).to_numpy()
    return pa.table({"group": pa.array(groups[parents], type=pa.int64()), **{name: column.flatten() for name, column in zip(names, lists)}})


def _first_evidence(table: pa.Table, sort_first: list[tuple[str, str]], doc_ids: str, sent_ids: str) -> pa.Table:
    """The rows sorted by `sort_first`, then with the first evidence first: present before
    missing (sentence id -1), then by doc_order of the document id, then by sentence."""
    keyed = table.append_column("missing", pc.less(table[sent_ids], 0)).append_column("length", pc.utf8_length(table[doc_ids]))
    order = [*sort_first, ("missing", "ascending"), ("length", "ascending"), (doc_ids, "ascending"), (sent_ids, "ascending")]
    return keyed.take(pc.sort_indices(keyed, order))


def _summed_by_key(
    table: pa.Table, groups: np.ndarray, n_groups: int, keys: str, counts: str, evidence: tuple[str, ...] = (),
) -> list[pa.ListArray]:
    """Keyed counts in parallel list columns (species tags and documents, relation keys and
    counts) added up per group and key, keys in order; with `evidence` (the document id,
    sentence id and text columns of each key's evidence), each key's first evidence."""
    flat = _flat(table, groups, keys, counts, *evidence)
    by_key = [("group", "ascending"), (keys, "ascending")]
    rows = _first_evidence(flat, by_key, *evidence[:2]) if evidence else flat.take(pc.sort_indices(flat, by_key))
    starts = _run_starts(rows, ["group", keys])
    summed = np.add.reduceat(rows[counts].to_numpy(), starts) if len(starts) else np.zeros(0, dtype=np.int64)
    firsts = rows.take(pa.array(starts, type=pa.int64()))
    values = [firsts[keys].combine_chunks(), pa.array(summed, type=pa.int64()), *(firsts[name].combine_chunks() for name in evidence)]
    return _lists(firsts["group"].to_numpy(), n_groups, *values)


def _merge_concepts(table: pa.Table) -> pa.Table:
    """Concept rows with one row per concept: counts added up, species documents added up by
    tag, the name and type of the first row (rows in the order of the tables merged)."""
    table, groups, starts = _sorted_groups(table, CONCEPT_TABLE.key)
    if len(starts) == table.num_rows:
        return table
    firsts = table.take(pa.array(starts, type=pa.int64()))
    summed = {name: pa.array(np.add.reduceat(table[name].to_numpy(), starts))
              for name in ("mentions", "sentences", "documents", "shared_sentences", "shared_documents")}
    tags, documents = _summed_by_key(table, groups, len(starts), "species_tags", "species_documents")
    return pa.table({
        "concept_id": firsts["concept_id"], "name": firsts["name"], "type": firsts["type"], **summed,
        "species_tags": tags, "species_documents": documents,
    }).select(CONCEPT_SCHEMA.names).cast(CONCEPT_SCHEMA)


def _merge_pairs(table: pa.Table) -> pa.Table:
    """Pair rows with one row per pair, merged as counting all their documents at once gives
    them: windows added up, the first MAX_DOC_IDS document ids in doc_order, the first
    evidence, the widest year range, species documents and relations added up by key with
    each relation's first evidence."""
    table, groups, starts = _sorted_groups(table, PAIR_TABLE.key)
    n_groups = len(starts)
    if n_groups == table.num_rows:
        return table
    keys = table.take(pa.array(starts, type=pa.int64()))
    merged = {name: keys[name] for name in PAIR_TABLE.key}
    merged.update({name: pa.array(np.add.reduceat(table[name].to_numpy(), starts)) for name in ("sentences", "documents")})

    ids = _flat(table, groups, "doc_ids")
    ids = ids.append_column("length", pc.utf8_length(ids["doc_ids"]))
    ids = ids.take(pc.sort_indices(ids, [("group", "ascending"), ("length", "ascending"), ("doc_ids", "ascending")]))
    unique = _run_starts(ids, ["group", "doc_ids"])
    group_of_unique = ids["group"].to_numpy()[unique]
    rank = np.arange(len(unique)) - np.searchsorted(group_of_unique, group_of_unique)  # place of each id in its group's
    kept = unique[rank < MAX_DOC_IDS]
    (merged["doc_ids"],) = _lists(ids["group"].to_numpy()[kept], n_groups, ids["doc_ids"].combine_chunks().take(pa.array(kept, type=pa.int64())))

    evidence = pa.table({"group": pa.array(groups), **{name: table[name] for name in ("evidence_doc_id", "evidence_sent_id", "evidence")}})
    # sorted by group, the groups keep their rows' places: the first row of each is at its start
    first = _first_evidence(evidence, [("group", "ascending")], "evidence_doc_id", "evidence_sent_id").take(pa.array(starts, type=pa.int64()))
    merged.update({name: first[name] for name in ("evidence_doc_id", "evidence_sent_id", "evidence")})

    first_year = table["first_year"].to_numpy()
    earliest = np.minimum.reduceat(np.where(first_year > 0, first_year, np.iinfo(np.int32).max), starts)
    merged["first_year"] = pa.array(np.where(earliest == np.iinfo(np.int32).max, 0, earliest), type=pa.int32())
    merged["last_year"] = pa.array(np.maximum.reduceat(table["last_year"].to_numpy(), starts), type=pa.int32())
    merged["species_tags"], merged["species_documents"] = _summed_by_key(table, groups, n_groups, "species_tags", "species_documents")
    (merged["relation_keys"], merged["relation_counts"], merged["relation_evidence_doc_ids"], merged["relation_evidence_sent_ids"],
     merged["relation_evidence"]) = _summed_by_key(
        table, groups, n_groups, "relation_keys", "relation_counts",
        ("relation_evidence_doc_ids", "relation_evidence_sent_ids", "relation_evidence"))
    return pa.table(merged).select(PAIR_SCHEMA.names).cast(PAIR_SCHEMA)


class _SortedRows:
    """The rows of a count table in key order, MERGE_ROWS at a time."""

    def __init__(self, path: Path, kind: CountTable) -> None:
        self.kind = kind
        self.batches = count_file(path, kind).iter_batches(batch_size=MERGE_ROWS, columns=kind.schema.names)
        self.rows = kind.schema.empty_table()
        self.exhausted = False

    def fill(self) -> None:
        """Read the next rows when none are left (and the table has more)."""
        while not self.rows.num_rows and not self.exhausted:
            batch = next(self.batches, None)
            if batch is None:
                self.exhausted = True
            else:
                self.rows = pa.Table.from_batches([batch]).cast(self.kind.schema)

    def last_key(self) -> tuple:
        return tuple(self.rows[name][-1].as_py() for name in self.kind.key)

    def take_to(self, bound: tuple | None) -> pa.Table:
        """Remove and return the rows up to key `bound` (None: all)."""
        n = self.rows.num_rows
        if bound is not None:
            *before, last = [(self.rows[name], value) for name, value in zip(self.kind.key, bound)]
            up_to = pc.less_equal(*last)
            for column, value in reversed(before):  # (a, b) <= (x, y): a < x, or a == x and b <= y
                up_to = pc.or_(pc.less(column, value), pc.and_(pc.equal(column, value), up_to))
            n = pc.sum(up_to).as_py() or 0  # the rows are sorted: those up to the bound come first
        rows, self.rows = self.rows.slice(0, n), self.rows.slice(n)
        return rows


def _merged_tables(paths: Sequence[Path], kind: CountTable, merge_rows: Callable[[pa.Table], pa.Table]) -> Iterator[pa.Table]:
    """The rows of several count tables merged by key, streaming, as tables in key order: the
    rows of a key in several tables merged into one (`merge_rows`, Arrow and numpy operations
    over all the rows read at once), in the order of `paths`."""
    sources = [_SortedRows(path, kind) for path in paths]
    while True:
        for source in sources:
            source.fill()
        live = [source for source in sources if source.rows.num_rows]
        if not live:
            return
        # every row up to the smallest last key of the tables still being read is here
        bounds = [source.last_key() for source in live if not source.exhausted]
        bound = min(bounds) if bounds else None
        yield merge_rows(pa.concat_tables([source.take_to(bound) for source in live]))


def merge_counts(sources: Sequence[str | Path], directory: str | Path, scratch: str | Path, fan_in: int = MERGE_FAN_IN) -> dict:
    """Add up the counts written (by write_counts) in the `sources` folders, in their order,
    and write the sum to `directory` as write_counts would write it; the totals.

    The tables are merged by key, streaming, so memory does not grow with their size;
    with more than `fan_in` sources, groups of them are merged first, into folders in
    `scratch` that are removed at the end.
    """
    sources = [Path(source) for source in sources]
    if len(sources) > fan_in:
        groups = [sources[start:start + fan_in] for start in range(0, len(sources), fan_in)]
        merged = [Path(scratch) / f"merge-{len(sources)}-{n:05d}" for n in range(len(groups))]
        for group, folder in zip(groups, merged):
            merge_counts(group, folder, scratch, fan_in)
        totals = merge_counts(merged, directory, scratch, fan_in)
        for folder in merged:
            shutil.rmtree(folder)
        return totals
    directory = Path(directory)
    if len(sources) == 1:  # the sum of one folder is that folder, written by the same writer
        for name in (*LAYERS[0], *LAYERS[1], TOTALS_FILE):
            with atomic_path(directory / name) as tmp:
                shutil.copyfile(sources[0] / name, tmp)
        return read_totals(directory)
    for files in LAYERS:
        for name, kind, merge_rows in zip(files, (CONCEPT_TABLE, PAIR_TABLE), (_merge_concepts, _merge_pairs)):
            write_tables(_merged_tables([source / name for source in sources], kind, merge_rows), directory / name, kind)
    totals = {"documents": 0, "sentences": 0, "species": {}}
    for source in sources:
        theirs = read_totals(source)
        totals["documents"] += theirs["documents"]
        totals["sentences"] += theirs["sentences"]
        add_counts(totals["species"], theirs["species"])
    return write_totals(totals, directory)


class SpillingCounts:
    """Co-occurrence counts of a stream of documents with at most about `max_pairs` pairs
    (over both layers; default SPILL_PAIRS) in memory: when there are more, the counts so
    far are written as a run into `scratch` and counting starts again; `write` merges the
    runs (merge_counts). The result is that of counting every document in one
    CooccurrenceCounts."""

    def __init__(self, scratch: str | Path, max_pairs: int | None = None) -> None:
        self.scratch = Path(scratch)
        self.max_pairs = max_pairs or SPILL_PAIRS
        self.counts = CooccurrenceCounts()
        self.runs: list[Path] = []

    def add(self, document: AnnotatedDocument) -> None:
        """Count one annotated document."""
        self.counts.add(document)
        self._spill_when_full()

    def add_mentions(self, *args, **kwargs) -> None:
        """Count one document from its mentions (CooccurrenceCounts.add_mentions)."""
        self.counts.add_mentions(*args, **kwargs)
        self._spill_when_full()

    def _spill_when_full(self) -> None:
        if len(self.counts.pairs) + len(self.counts.affirmed_counts().pairs) > self.max_pairs:
            self._spill()

    def _spill(self) -> None:
        run = self.scratch / f"run-{len(self.runs):05d}"
        write_counts(self.counts, run)
        self.runs.append(run)
        self.counts = CooccurrenceCounts()

    def write(self, directory: str | Path) -> dict:
        """Write all the counts to `directory` (as write_counts does); the totals."""
        if not self.runs:
            return write_counts(self.counts, directory)
        if self.counts.documents:
            self._spill()
        return merge_counts(self.runs, directory, self.scratch)
