"""Co-occurrence counts: what the graph is built from, counted per partition and merged.

Counts are kept for both windows at once (sentence and document), so the window is
chosen when the graph is built. Each extract run writes its counts beside its
mentions; counts of several runs or partitions add up with merge_counts, so a corpus
can be counted in pieces, in any order, and give the same totals.

Besides the window counts, each pair keeps what its documents say about it: the first
and last publication year, documents per species tag, and the directed relations its
sentences state (counts per relation and direction, with the first sentence stating
each). Every count is kept twice: over all mentions, and in `affirmed`, over the
mentions that are not negated (pipeline.annotate.context), so `--exclude-negated` is
chosen when the graph is built. Everything merges exactly: sums, minima and maxima, and
the first items in document order.

Memory does not grow with the corpus: a partition counts at most SPILL_PAIRS pairs in
memory (SpillingCounts) and writes them out as a run when there are more; runs and
partitions are added up by merge_counts, which merges their tables (sorted by key) by
streaming. Every count table is written in row groups of ROW_GROUP_ROWS rows
(tabulate.RowGroupWriter), so its bytes depend on its rows only. A graph with a
`--min-count` reads only the pairs it keeps (read_counts); each concept's total link
strength (shared_sentences, shared_documents) is counted with it, so statistics over
all pairs stay exact.
"""

from __future__ import annotations

import bisect
import contextlib
import gc
import json
import shutil
from dataclasses import dataclass, field
from functools import reduce
from operator import attrgetter
from itertools import chain, combinations, groupby, islice, product
from pathlib import Path
from typing import Callable, Iterable, Iterator, Mapping, Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from pipeline.annotate import AnnotatedDocument
from pipeline.atomic import atomic_open, atomic_path
from pipeline.errors import InputError
from pipeline.tabulate import RowGroupWriter

MAX_DOC_IDS = 20
CONCEPTS_FILE = "cooccurrence_concepts.parquet"
PAIRS_FILE = "cooccurrence_pairs.parquet"
TOTALS_FILE = "cooccurrence_totals.json"
AFFIRMED_CONCEPTS_FILE = "cooccurrence_affirmed_concepts.parquet"  # the same tables, counting affirmed mentions only
AFFIRMED_PAIRS_FILE = "cooccurrence_affirmed_pairs.parquet"
SPILL_PAIRS = 100_000  # pairs (both layers) counted in memory before they are written out as a run (SpillingCounts)
MERGE_FAN_IN = 16  # count folders merged at once (merge_counts)
READ_ROWS = 1_024  # rows read from (and built into) a count table at a time
MERGE_ROWS = 65_536  # rows read from each count table at a time when merging (merge_counts)
WINDOW_COLUMNS = {"sentence": "sentences", "document": "documents"}  # co-occurrence windows and their count columns
FORWARD, BACKWARD = ">", "<"  # relation key suffixes: the pair's first concept is the subject, or the second


def add_counts(ours: dict[str, int], theirs: Mapping[str, int]) -> None:
    """Add counts by key (species tags, relation keys) into `ours`."""
    for key, n in theirs.items():
        ours[key] = ours.get(key, 0) + n


def relation_key(relation: str, subject: str, obj: str) -> str:
    """The key of a directed relation on the pair (min, max) of subject and object: "increases>" when
    the subject is the pair's first concept, "increases<" when it is the second."""
    return relation + (FORWARD if subject < obj else BACKWARD)


def doc_order(doc_id: str) -> tuple[int, str]:
    """Order of document ids: shorter first, then by text (numeric order for PMIDs)."""
    return (len(doc_id), doc_id)


@dataclass
class ConceptCount:
    """How often one concept occurs: mentions, and sentences and documents that mention it.

    shared_sentences and shared_documents are its total link strength in each window (the
    windows it shares with each other concept, summed over its pairs), so that statistics
    over all pairs (association strength) hold when only some pairs are read.
    """

    name: str
    type: str
    mentions: int = 0
    sentences: int = 0
    documents: int = 0
    species: dict[str, int] = field(default_factory=dict)  # documents per species tag
    shared_sentences: int = 0
    shared_documents: int = 0


@dataclass
class PairCount:
    """How often two concepts occur together, with the first document ids and one sentence.

    first_year and last_year (0 when no document has a year) and species (documents per
    species tag) are over the documents in which the pair co-occurs; relations counts the
    sentences stating each directed relation (keys from relation_key), and
    relation_evidence keeps the first of them for each key.
    """

    sentences: int = 0
    documents: int = 0
    doc_ids: list[str] = field(default_factory=list)
    evidence_key: tuple = ()
    evidence: str = ""
    first_year: int = 0
    last_year: int = 0
    species: dict[str, int] = field(default_factory=dict)
    relations: dict[str, int] = field(default_factory=dict)
    relation_evidence: dict[str, tuple[tuple, str]] = field(default_factory=dict)

    def add_doc_id(self, doc_id: str) -> None:
        key = doc_order(doc_id)
        if doc_id in self.doc_ids or (len(self.doc_ids) >= MAX_DOC_IDS and key > doc_order(self.doc_ids[-1])):
            return
        self.doc_ids.insert(bisect.bisect(self.doc_ids, key, key=doc_order), doc_id)
        del self.doc_ids[MAX_DOC_IDS:]

    def offer_evidence(self, key: tuple, sentence: str) -> None:
        if not self.evidence_key or key < self.evidence_key:
            self.evidence_key, self.evidence = key, sentence

    def add_year(self, first: int, last: int) -> None:
        """Widen the year range to first..last (0: no year)."""
        if first:
            self.first_year = min(self.first_year or first, first)
            self.last_year = max(self.last_year, last)

    def add_relation(self, key: str, n: int, evidence_key: tuple = (), sentence: str = "") -> None:
        """Count `n` statements of a directed relation, offering the first one's sentence."""
        self.relations[key] = self.relations.get(key, 0) + n
        if evidence_key and (key not in self.relation_evidence or evidence_key < self.relation_evidence[key][0]):
            self.relation_evidence[key] = (evidence_key, sentence)


@dataclass
class CooccurrenceCounts:
    """Concept and pair counts over a set of documents; pairs are keyed (a, b) with a < b.

    `species` counts documents per species tag. `affirmed` holds the same counts over
    the mentions that are not negated (its own `affirmed` is None); documents and
    sentences are the same in both.
    """

    documents: int = 0
    sentences: int = 0
    concepts: dict[str, ConceptCount] = field(default_factory=dict)
    pairs: dict[tuple[str, str], PairCount] = field(default_factory=dict)
    species: dict[str, int] = field(default_factory=dict)
    affirmed: "CooccurrenceCounts | None" = None

    def affirmed_counts(self) -> "CooccurrenceCounts":
        """The counts over affirmed mentions, created empty (with these totals) when missing."""
        if self.affirmed is None:
            self.affirmed = CooccurrenceCounts(self.documents, self.sentences, species=dict(self.species))
        return self.affirmed

    def add(self, document: AnnotatedDocument) -> None:
        """Count one annotated document."""
        mentions = [(m.sent_id, m.concept_id, m.concept_name, m.label, m.negated) for m in document.mentions]
        relations = [
            (document.mentions[s].sent_id, document.mentions[s].concept_id, relation, document.mentions[o].concept_id)
            for s, relation, o in document.relations
        ]
        record = document.record
        self.add_mentions(
            record.doc_id, len(document.sentences), mentions, document.sentence_text, record.year, document.species, relations,
        )

    def add_mentions(
        self,
        doc_id: str,
        n_sentences: int,
        mentions: Iterable[tuple[int, str, str, str, bool]],
        sentence_text: Callable[[int], str] | None = None,
        year: int | None = None,
        species: Iterable[str] = (),
        relations: Iterable[tuple[int, str, str, str]] = (),
    ) -> None:
        """Count one document from its (sent_id, concept_id, name, type, negated) mentions and
        its (sent_id, subject concept id, relation, object concept id) relations, here and,
        without its negated mentions, in `affirmed`.

        Without `sentence_text` no evidence sentence is kept.
        """
        mentions = list(mentions)
        relations = list(relations)
        species = tuple(species)
        affirmed = self.affirmed_counts()
        self._count(doc_id, n_sentences, [m[:4] for m in mentions], sentence_text, year, species, relations)
        affirmed._count(doc_id, n_sentences, [m[:4] for m in mentions if not m[4]], sentence_text, year, species, relations)

    def _count(self, doc_id, n_sentences, mentions, sentence_text, year, species, relations) -> None:
        self.documents += 1
        self.sentences += n_sentences
        tags = tuple(dict.fromkeys(species))  # each tag once
        add_counts(self.species, dict.fromkeys(tags, 1))
        concepts, pairs, doc_key = self.concepts, self.pairs, doc_order(doc_id)
        by_sentence: dict[int, set[str]] = {}
        for sent_id, concept_id, name, label in mentions:
            concept = concepts.get(concept_id)
            if concept is None:
                concept = concepts[concept_id] = ConceptCount(name, label)
            concept.mentions += 1
            by_sentence.setdefault(sent_id, set()).add(concept_id)
        in_document: set[str] = set()
        for sent_id, concept_ids in sorted(by_sentence.items()):
            in_document |= concept_ids
            for concept_id in concept_ids:
                concepts[concept_id].sentences += 1
                concepts[concept_id].shared_sentences += len(concept_ids) - 1
            evidence_key, sentence = (doc_key, sent_id), None
            for pair in combinations(sorted(concept_ids), 2):
                count = pairs.get(pair)
                if count is None:
                    count = pairs[pair] = PairCount()
                count.sentences += 1
                if sentence_text is not None and (not count.evidence_key or evidence_key < count.evidence_key):
                    sentence = sentence_text(sent_id) if sentence is None else sentence
                    count.evidence_key, count.evidence = evidence_key, sentence
        for concept_id in in_document:
            concept = concepts[concept_id]
            concept.documents += 1
            concept.shared_documents += len(in_document) - 1
            for tag in tags:
                concept.species[tag] = concept.species.get(tag, 0) + 1
        for pair in combinations(sorted(in_document), 2):
            count = pairs.get(pair)
            if count is None:
                count = pairs[pair] = PairCount()
            count.documents += 1
            count.add_doc_id(doc_id)
            count.add_year(year or 0, year or 0)
            for tag in tags:
                count.species[tag] = count.species.get(tag, 0) + 1
        for sent_id, subject, relation, obj in relations:
            pair = tuple(sorted((subject, obj)))
            if subject == obj or subject not in by_sentence.get(sent_id, ()) or obj not in by_sentence[sent_id]:
                continue
            sentence = sentence_text(sent_id) if sentence_text is not None else ""
            evidence_key = (doc_key, sent_id) if sentence_text is not None else ()
            pairs[pair].add_relation(relation_key(relation, subject, obj), 1, evidence_key, sentence)


def rollup_counts(
    leaf: CooccurrenceCounts,
    mention_tables: Iterable[Iterable[dict]],
    groups: Mapping[str, tuple[str, ...]],
    describe: Callable[[str], tuple[str, str]],
    documents: Mapping[str, tuple[int | None, tuple[str, ...]]] | None = None,
) -> CooccurrenceCounts:
    """Counts with concepts replaced by the groups they roll up into (kb.hierarchy.rollup_map).

    `mention_tables` hold the rows of the mentions tables the leaf counts were made from
    (doc_id, sent_id, concept_id, ..., negated), each in document order; `describe`
    gives a group's (name, type); `documents` gives each document's (year, species
    tags). Sentence and document counts are recounted from the mentions, so a document
    naming the basolateral and the central amygdala counts once for the amygdala;
    evidence sentences come from the leaf pairs, and relations are the leaf pairs'
    relations, added up.
    """
    documents = documents or {}
    counts = CooccurrenceCounts()
    for doc_id, rows in chain.from_iterable(groupby(table, key=lambda row: row["doc_id"]) for table in mention_tables):
        mapped = [
            (row["sent_id"], group, *(describe(group) if group != row["concept_id"] else (row["concept_name"], row["label"])),
             row.get("negated", False))
            for row in rows
            for group in groups.get(row["concept_id"], (row["concept_id"],))
        ]
        year, species = documents.get(doc_id, (None, ()))
        counts.add_mentions(doc_id, 0, mapped, year=year, species=species)
    for rolled, source in ((counts, leaf), (counts.affirmed_counts(), leaf.affirmed_counts())):
        rolled.documents, rolled.sentences, rolled.species = source.documents, source.sentences, dict(source.species)
        _rollup_pair_texts(rolled, source, groups)
    return counts


def _rollup_pair_texts(rolled: CooccurrenceCounts, leaf: CooccurrenceCounts, groups: Mapping[str, tuple[str, ...]]) -> None:
    """Give rolled-up pairs the evidence sentences and relations of the leaf pairs in them."""
    for (a, b), pair in leaf.pairs.items():
        for group_a, group_b in product(groups.get(a, (a,)), groups.get(b, (b,))):
            target = rolled.pairs.get(tuple(sorted((group_a, group_b))))
            if target is None:
                continue
            if pair.evidence_key:
                target.offer_evidence(pair.evidence_key, pair.evidence)
            for key, n in pair.relations.items():
                subject, obj = (group_a, group_b) if key.endswith(FORWARD) else (group_b, group_a)
                target.add_relation(relation_key(key[:-1], subject, obj), n, *pair.relation_evidence.get(key, ((), "")))


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
class _CountTable:
    """One kind of count table: its schema, rows from (key, count) items and an item from a
    row's values."""

    schema: pa.Schema
    key: tuple[str, ...]  # the key columns, by which the rows are sorted (an item's key: their values, or the one value)
    rows: Callable[[list], pa.Table]
    item: Callable[..., tuple]
    merge: Callable[[pa.Table], pa.Table]  # rows with one row per key, in key order


_CONCEPTS = _CountTable(CONCEPT_SCHEMA, ("concept_id",), _concepts_table, _concept_item, lambda rows: _merge_concepts(rows))
_PAIRS = _CountTable(PAIR_SCHEMA, ("source", "target"), _pairs_table, _pair_item, lambda rows: _merge_pairs(rows))
_LAYERS = (  # (concepts file, pairs file) of all mentions, then of affirmed mentions
    (CONCEPTS_FILE, PAIRS_FILE), (AFFIRMED_CONCEPTS_FILE, AFFIRMED_PAIRS_FILE),
)


def _count_file(path: Path, kind: _CountTable) -> pq.ParquetFile:
    """A count table, opened; InputError when it lacks a column (an older version wrote it)."""
    table = pq.ParquetFile(path)
    missing = [name for name in kind.schema.names if name not in table.schema_arrow.names]
    if missing:
        raise InputError(path, "", f"counts written by an earlier version of neuroconcepts (no column {missing[0]!r}): run extract again")
    return table


def _read_items(path: Path, kind: _CountTable, keep: Callable[[pa.RecordBatch], pa.Array] | None = None) -> Iterator[tuple]:
    """The (key, count) items of a count table, in its (key) order, READ_ROWS rows at a time;
    with `keep`, only the rows of each batch it marks (before they become Python objects)."""
    for batch in _count_file(path, kind).iter_batches(batch_size=READ_ROWS):
        yield from _items(batch.filter(keep(batch)) if keep else batch, kind)


def _items(rows: pa.RecordBatch | pa.Table, kind: _CountTable) -> Iterator[tuple]:
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


def _write_tables(tables: Iterable[pa.Table], path: Path, kind: _CountTable) -> None:
    """Write tables of count rows, in key order, as one count table (row groups of ROW_GROUP_ROWS), atomically."""
    with atomic_path(path) as tmp, RowGroupWriter(tmp, kind.schema) as writer:
        for table in tables:
            writer.write(table)


def _write_items(items: Iterable[tuple], path: Path, kind: _CountTable) -> None:
    """Write (key, count) items, in key order, as a count table."""
    items = iter(items)
    _write_tables((kind.rows(chunk) for chunk in iter(lambda: list(islice(items, READ_ROWS)), [])), path, kind)


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
    table, groups, starts = _sorted_groups(table, _CONCEPTS.key)
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
    table, groups, starts = _sorted_groups(table, _PAIRS.key)
    n_groups = len(starts)
    if n_groups == table.num_rows:
        return table
    keys = table.take(pa.array(starts, type=pa.int64()))
    merged = {name: keys[name] for name in _PAIRS.key}
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

    def __init__(self, path: Path, kind: _CountTable) -> None:
        self.kind = kind
        self.batches = _count_file(path, kind).iter_batches(batch_size=MERGE_ROWS, columns=kind.schema.names)
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


def _merged_tables(paths: Sequence[Path], kind: _CountTable) -> Iterator[pa.Table]:
    """The rows of several count tables merged by key, streaming, as tables in key order: the
    rows of a key in several tables merged into one (kind.merge, Arrow and numpy operations
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
        yield kind.merge(pa.concat_tables([source.take_to(bound) for source in live]))


def _read_totals(directory: Path) -> dict:
    """The totals of a counts folder; InputError when it has none (not a folder extract wrote)."""
    path = directory / TOTALS_FILE
    if not path.is_file():
        raise InputError(directory, "", f"not an extract output folder (no {TOTALS_FILE})")
    return json.loads(path.read_text(encoding="utf-8"))


def _write_totals(totals: dict, directory: Path) -> dict:
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
        for (concepts_file, pairs_file), layer in zip(_LAYERS, (counts, counts.affirmed_counts())):
            _write_items(sorted(layer.concepts.items()), directory / concepts_file, _CONCEPTS)
            _write_items(sorted(layer.pairs.items()), directory / pairs_file, _PAIRS)
    return _write_totals({"documents": counts.documents, "sentences": counts.sentences, "species": counts.species}, directory)


def write_count_tables(layers: Sequence[tuple[pa.Table, pa.Table]], totals: dict, directory: str | Path) -> dict:
    """Write count tables made elsewhere, (concept rows, pair rows) in key order for all
    mentions and for affirmed ones, and the totals, as write_counts writes them; the totals."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    for files, tables in zip(_LAYERS, layers):
        for name, kind, table in zip(files, (_CONCEPTS, _PAIRS), tables):
            _write_tables([table.select(kind.schema.names).cast(kind.schema)], directory / name, kind)
    return _write_totals(totals, directory)


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
    totals = _read_totals(directory)

    def layer(concepts_file: str, pairs: dict) -> CooccurrenceCounts:
        concepts = dict(_read_items(directory / concepts_file, _CONCEPTS))
        return CooccurrenceCounts(totals["documents"], totals["sentences"], concepts, pairs, dict(totals["species"]))

    def reaches_min_count(batch: pa.RecordBatch) -> pa.Array:
        return pc.greater_equal(batch[WINDOW_COLUMNS[window]], min_count)

    def kept_in_all_mentions(batch: pa.RecordBatch) -> pa.Array:  # affirmed pairs are a subset of all pairs
        return pa.array([key in counts.pairs for key in zip(batch["source"].to_pylist(), batch["target"].to_pylist())])

    def windows(path: Path) -> Iterator[tuple[tuple[str, str], PairCount]]:
        for batch in _count_file(path, _PAIRS).iter_batches(batch_size=READ_ROWS, columns=["source", "target", *WINDOW_COLUMNS.values()]):
            batch = batch.filter(kept_in_all_mentions(batch)) if min_count else batch
            for source, target, *counted in zip(*(column.to_pylist() for column in batch.columns)):
                yield (source, target), PairCount(*counted)

    (concepts_file, pairs_file), (affirmed_concepts_file, affirmed_pairs_file) = _LAYERS
    counts = layer(concepts_file, dict(_read_items(directory / pairs_file, _PAIRS, reaches_min_count if min_count else None)))
    if affirmed_windows_only:
        affirmed_pairs = windows(directory / affirmed_pairs_file)
    else:
        affirmed_pairs = _read_items(directory / affirmed_pairs_file, _PAIRS, kept_in_all_mentions if min_count else None)
    counts.affirmed = layer(affirmed_concepts_file, dict(affirmed_pairs))
    return counts


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
        for name in (*_LAYERS[0], *_LAYERS[1], TOTALS_FILE):
            with atomic_path(directory / name) as tmp:
                shutil.copyfile(sources[0] / name, tmp)
        return _read_totals(directory)
    for files in _LAYERS:
        for name, kind in zip(files, (_CONCEPTS, _PAIRS)):
            _write_tables(_merged_tables([source / name for source in sources], kind), directory / name, kind)
    totals = {"documents": 0, "sentences": 0, "species": {}}
    for source in sources:
        theirs = _read_totals(source)
        totals["documents"] += theirs["documents"]
        totals["sentences"] += theirs["sentences"]
        add_counts(totals["species"], theirs["species"])
    return _write_totals(totals, directory)


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
