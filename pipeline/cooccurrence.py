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
import json
import shutil
from dataclasses import dataclass, field
from itertools import chain, combinations, groupby, islice, product
from pathlib import Path
from typing import Callable, Iterable, Iterator, Mapping, Sequence

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

    def merge(self, other: "ConceptCount") -> None:
        """Add another count of the same concept to this one (name and type stay this one's)."""
        self.mentions += other.mentions
        self.sentences += other.sentences
        self.documents += other.documents
        add_counts(self.species, other.species)
        self.shared_sentences += other.shared_sentences
        self.shared_documents += other.shared_documents


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

    def merge(self, other: "PairCount") -> None:
        """Add another count of the same pair to this one."""
        self.sentences += other.sentences
        self.documents += other.documents
        if other.doc_ids:  # both in document order: keep the first MAX_DOC_IDS of the two
            self.doc_ids = sorted(set(self.doc_ids).union(other.doc_ids), key=doc_order)[:MAX_DOC_IDS]
        if other.evidence_key:
            self.offer_evidence(other.evidence_key, other.evidence)
        self.add_year(other.first_year, other.last_year)
        add_counts(self.species, other.species)
        for key, n in other.relations.items():
            self.add_relation(key, n, *other.relation_evidence.get(key, ((), "")))


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
        add_counts(self.species, dict.fromkeys(species, 1))
        by_sentence: dict[int, set[str]] = {}
        for sent_id, concept_id, name, label in mentions:
            concept = self.concepts.setdefault(concept_id, ConceptCount(name, label))
            concept.mentions += 1
            by_sentence.setdefault(sent_id, set()).add(concept_id)
        in_document: set[str] = set()
        for sent_id, concept_ids in sorted(by_sentence.items()):
            in_document |= concept_ids
            for concept_id in concept_ids:
                self.concepts[concept_id].sentences += 1
                self.concepts[concept_id].shared_sentences += len(concept_ids) - 1
            for pair in combinations(sorted(concept_ids), 2):
                count = self.pairs.setdefault(pair, PairCount())
                count.sentences += 1
                if sentence_text is not None:
                    count.offer_evidence((doc_order(doc_id), sent_id), sentence_text(sent_id))
        for concept_id in in_document:
            self.concepts[concept_id].documents += 1
            self.concepts[concept_id].shared_documents += len(in_document) - 1
            add_counts(self.concepts[concept_id].species, dict.fromkeys(species, 1))
        for pair in combinations(sorted(in_document), 2):
            count = self.pairs.setdefault(pair, PairCount())
            count.documents += 1
            count.add_doc_id(doc_id)
            count.add_year(year or 0, year or 0)
            add_counts(count.species, dict.fromkeys(species, 1))
        for sent_id, subject, relation, obj in relations:
            pair = tuple(sorted((subject, obj)))
            if subject == obj or subject not in by_sentence.get(sent_id, ()) or obj not in by_sentence[sent_id]:
                continue
            sentence = sentence_text(sent_id) if sentence_text is not None else ""
            evidence_key = (doc_order(doc_id), sent_id) if sentence_text is not None else ()
            self.pairs[pair].add_relation(relation_key(relation, subject, obj), 1, evidence_key, sentence)


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
        ordered = sorted(counts)
        keys.append(ordered)
        values.append([counts[k] for k in ordered])
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


def _pairs_table(items: list[tuple[tuple[str, str], PairCount]]) -> pa.Table:
    """Pair rows, in the order given."""
    pairs = [p for _, p in items]
    species_tags, species_documents = _keyed_counts(p.species for p in pairs)
    relation_keys, relation_counts = _keyed_counts(p.relations for p in pairs)
    relation_evidence = [[p.relation_evidence.get(k, ((), "")) for k in ks] for p, ks in zip(pairs, relation_keys)]
    return pa.table({
        "source": [a for (a, _), _ in items],
        "target": [b for (_, b), _ in items],
        "sentences": [p.sentences for p in pairs],
        "documents": [p.documents for p in pairs],
        "doc_ids": [p.doc_ids for p in pairs],
        "evidence_doc_id": [p.evidence_key[0][1] if p.evidence_key else "" for p in pairs],
        "evidence_sent_id": [p.evidence_key[1] if p.evidence_key else -1 for p in pairs],
        "evidence": [p.evidence for p in pairs],
        "first_year": [p.first_year for p in pairs],
        "last_year": [p.last_year for p in pairs],
        "species_tags": species_tags,
        "species_documents": species_documents,
        "relation_keys": relation_keys,
        "relation_counts": relation_counts,
        "relation_evidence_doc_ids": [[k[0][1] if k else "" for k, _ in e] for e in relation_evidence],
        "relation_evidence_sent_ids": [[k[1] if k else -1 for k, _ in e] for e in relation_evidence],
        "relation_evidence": [[text for _, text in e] for e in relation_evidence],
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


_CONCEPTS = _CountTable(CONCEPT_SCHEMA, ("concept_id",), _concepts_table, _concept_item)
_PAIRS = _CountTable(PAIR_SCHEMA, ("source", "target"), _pairs_table, _pair_item)
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


class _SortedRows:
    """The rows of a count table, READ_ROWS at a time, with their keys (Python values) beside them."""

    def __init__(self, path: Path, kind: _CountTable) -> None:
        self.kind = kind
        self.batches = _count_file(path, kind).iter_batches(batch_size=READ_ROWS)
        self.rows = kind.schema.empty_table()
        self.keys: list = []
        self.exhausted = False

    def fill(self) -> None:
        """Read the next rows when none are left (and the table has more)."""
        while not self.keys and not self.exhausted:
            batch = next(self.batches, None)
            if batch is None:
                self.exhausted = True
            else:
                self.rows = pa.Table.from_batches([batch]).cast(self.kind.schema)
                columns = [self.rows[name].to_pylist() for name in self.kind.key]
                self.keys = columns[0] if len(columns) == 1 else list(zip(*columns))

    def take_to(self, bound: tuple | None) -> tuple[pa.Table, list]:
        """Remove and return the rows (and keys) up to key `bound` (None: all)."""
        n = len(self.keys) if bound is None else bisect.bisect_right(self.keys, bound)
        rows, keys = self.rows.slice(0, n), self.keys[:n]
        self.rows, self.keys = self.rows.slice(n), self.keys[n:]
        return rows, keys


def _merged_tables(paths: Sequence[Path], kind: _CountTable) -> Iterator[pa.Table]:
    """The rows of several count tables merged by key, streaming, as tables in key order.

    Rows whose key is in one table only are passed on as they are (Arrow); the counts of
    a key in several tables are added up (in the order of `paths`: the first one's name
    and type are kept), through Python objects.
    """
    sources = [_SortedRows(path, kind) for path in paths]
    while True:
        for source in sources:
            source.fill()
        live = [source for source in sources if source.keys]
        if not live:
            return
        # every row up to the smallest last key of the tables still being read is here
        bounds = [source.keys[-1] for source in live if not source.exhausted]
        bound = min(bounds) if bounds else None
        taken = [source.take_to(bound) for source in live]
        rows = pa.concat_tables([table for table, _ in taken])
        keys = [key for _, chunk in taken for key in chunk]
        order = sorted(range(len(keys)), key=keys.__getitem__)  # stable: equal keys in the order of `paths`
        repeated = [n for n, (a, b) in enumerate(zip(order, order[1:])) if keys[a] == keys[b]]
        if not repeated:
            yield rows.take(order)
            continue
        together = sorted({i for n in repeated for i in (order[n], order[n + 1])})
        counts = dict(zip(together, (count for _, count in _items(rows.take(together), kind))))
        merged, indices = [], []
        for key, group in groupby(order, key=keys.__getitem__):
            group = list(group)
            if len(group) == 1:
                indices.append(group[0])
                continue
            total = counts[group[0]]  # read from these rows alone: free to merge into
            for n in group[1:]:
                total.merge(counts[n])
            indices.append(len(keys) + len(merged))
            merged.append((key, total))
        yield pa.concat_tables([rows, kind.rows(merged)]).take(indices)


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


def write_counts(counts: CooccurrenceCounts, directory: str | Path) -> dict:
    """Write counts as Parquet tables (concepts and pairs, all and affirmed) and a JSON file
    of totals (documents, sentences, species), each atomically; the totals."""
    directory = Path(directory)
    for (concepts_file, pairs_file), layer in zip(_LAYERS, (counts, counts.affirmed_counts())):
        _write_items(sorted(layer.concepts.items()), directory / concepts_file, _CONCEPTS)
        _write_items(sorted(layer.pairs.items()), directory / pairs_file, _PAIRS)
    return _write_totals({"documents": counts.documents, "sentences": counts.sentences, "species": counts.species}, directory)


def read_counts(directory: str | Path, min_count: int = 0, window: str = "sentence") -> CooccurrenceCounts:
    """Read counts written by write_counts.

    Pairs sharing fewer than `min_count` windows (sentences or documents, by `window`,
    over all mentions) are read in neither layer, so memory holds only the pairs a graph
    with that `min_count` can keep (with 1, the pairs that share a document but no
    sentence stay out of a sentence graph); statistics over all pairs stay exact
    (ConceptCount.shared_sentences and shared_documents count every pair).
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

    (concepts_file, pairs_file), (affirmed_concepts_file, affirmed_pairs_file) = _LAYERS
    counts = layer(concepts_file, dict(_read_items(directory / pairs_file, _PAIRS, reaches_min_count if min_count else None)))
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
